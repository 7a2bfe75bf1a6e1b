/* schema_load.h: which QAPI schema fake-qemu serves: a --schema file (read and checked before
 * `ready`) or the recorded release that models --qemu-version (found before `ready`, parsed
 * after it, since it is known to be good and 200 KB of JSON would slow start-up). */
#ifndef FQ_SCHEMA_LOAD_H
#define FQ_SCHEMA_LOAD_H

#include <jansson.h>

#include "qapi_schema.h"
#include "schema_data.h"
#include "vm_model.h"

typedef struct fq_schema_choice {
    qapi_schema *schema;            /* set once loaded */
    json_t *commands;               /* query-commands' return value */
    const fq_schema_data *data;     /* the built-in one, until loaded */
} fq_schema_choice;

/* Before `ready`: loads the --schema file (may be NULL) or finds the recorded release for
 * cfg->major.minor, setting cfg->model_major/minor. 0, or -1 after a message on stderr. */
int fq_schema_choose(fq_schema_choice *c, const char *schema_file, fq_vm_config *cfg);

/* After `ready`: parses the built-in schema if that was chosen and sets the version the
 * schema's checks follow. 0, or -1 after a message. */
int fq_schema_finish(fq_schema_choice *c, const fq_vm_config *cfg);

void fq_schema_choice_clear(fq_schema_choice *c);

#endif
