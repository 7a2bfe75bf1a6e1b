/* schema_data.h: the QAPI schemas recorded from real QEMU builds, linked into fake-qemu.
 *
 * The data are the files in fake-qemu/schemas/ (written by record-schema.py); they are included
 * in the binary with the assembler's .incbin, so fake-qemu needs no data directory at run time.
 */
#ifndef FQ_SCHEMA_DATA_H
#define FQ_SCHEMA_DATA_H

#include <stddef.h>

typedef struct {
    int major, minor, micro;        /* the QEMU version the schema was recorded from */
    const char *package;            /* its query-version "package" */
    const char *schema;             /* query-qmp-schema return value (JSON text) */
    size_t schema_len;
    const char *commands;           /* query-commands return value (JSON text) */
    size_t commands_len;
} fq_schema_data;

/* The recorded release that models QEMU major.minor: the newest one at or below it (10.2 gets
 * 10.0.13, 12.0 gets 11.1.3), or NULL when major.minor is older than the oldest (5.2). */
const fq_schema_data *fq_schema_data_find(int major, int minor);

/* The recorded versions ("5.2.0, 7.2.22, ..."), for messages. */
const char *fq_schema_data_versions(void);

#endif
