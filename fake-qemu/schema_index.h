/* schema_index.h: a recorded QAPI schema kept as the JSON text QEMU sent (the `return` of
 * query-qmp-schema), with a small index from each SchemaInfo's name to its bytes. An entry is
 * parsed into jansson only when it is first looked up, and then kept: an idle fake-qemu holds
 * the index (about 16 bytes per entry) and the few entries its commands needed, not the 2.5 MiB
 * of a whole parsed schema, and the text itself is shared by every instance (the binary's
 * .rodata, see schema_data.c). The text is served to query-qmp-schema as it is.
 */
#ifndef FQ_SCHEMA_INDEX_H
#define FQ_SCHEMA_INDEX_H

#include <stddef.h>
#include <jansson.h>

#include "vw_error.h"

typedef struct fq_schema_index fq_schema_index;

/* Indexes text (a JSON array of SchemaInfo objects, each with a "name" and a "meta-type"
 * string). The text is borrowed and must outlive the index, unless owned is set: then it is
 * text itself, allocated with malloc, and freed with the index (also when indexing fails).
 * The text is not validated as JSON beyond its structure: give known-good text (a recording,
 * or text written by vw_qmp_dumps). NULL with err filled (its source is source). */
fq_schema_index *fq_schema_index_build(const char *text, size_t len, char *owned,
                                       const char *source, vw_error *err);
void fq_schema_index_free(fq_schema_index *ix);

/* The SchemaInfo called name, parsed on first use and kept (borrowed), or NULL. */
const json_t *fq_schema_index_get(const fq_schema_index *ix, const char *name);

/* The whole text, and the number of entries. */
const char *fq_schema_index_text(const fq_schema_index *ix, size_t *len);
size_t fq_schema_index_count(const fq_schema_index *ix);

#endif
