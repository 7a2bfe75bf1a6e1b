/* schema_load.h: which QAPI schema fake-qemu serves: a --schema file (read and checked before
 * `ready`) or the recorded release that models --qemu-version (found before `ready`, indexed
 * after it). Both are kept as JSON text, parsed entry by entry only as commands need them
 * (schema_index.h); the recorded ones stay in the binary's read-only data, shared by every
 * fake-qemu process. */
#ifndef FQ_SCHEMA_LOAD_H
#define FQ_SCHEMA_LOAD_H

#include <jansson.h>

#include "qapi_schema.h"
#include "schema_data.h"
#include "vm_model.h"

typedef struct fq_schema_choice {
    qapi_schema *schema;            /* set once loaded */
    const char *commands;           /* query-commands' return value (JSON text as QEMU's) */
    size_t commands_len;
    char *commands_owned;           /* the same when derived from a --schema file */
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
