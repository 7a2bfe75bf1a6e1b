/* qapi_schema.h: a recorded QAPI schema (the `return` of query-qmp-schema) and argument
 * validation against it, with the error strings of QEMU 7.2's qobject input visitor (and 5.2's
 * enum error, see qapi_schema_set_version).
 *
 * Validation follows the visit QEMU's generated marshallers do: members in schema order (base,
 * then the variant chosen by the tag), "Parameter '%s' is missing", "Invalid parameter type for
 * '%s', expected: %s" (full dotted path, a.b[3].c), "Parameter '%s' does not accept value '%s'"
 * (bare member name, 'null' inside lists, as QEMU does), and after an object's members the first
 * leftover key in GHashTable order: "Parameter '%s' is unexpected".
 * Integer ranges (int8, uint16, ...) are not visible in introspection and are not checked.
 */
#ifndef FQ_QAPI_SCHEMA_H
#define FQ_QAPI_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

#include "vw_error.h"

typedef struct qapi_schema qapi_schema;

/* Indexes the schema (a JSON array of SchemaInfo, written as QEMU writes it: the recorded
 * query-qmp-schema return) read from source (a file name, or what the text is); entries are
 * parsed when first used (schema_index.h). The text is borrowed and must outlive the schema.
 * Returns NULL with err filled (its source is source). */
qapi_schema *qapi_schema_load(const char *text, size_t len, const char *source, vw_error *err);

/* The same with text allocated by malloc, which the schema then owns (freed on failure too). */
qapi_schema *qapi_schema_adopt(char *text, size_t len, const char *source, vw_error *err);
void qapi_schema_free(qapi_schema *schema);

/* The QEMU release whose error wording validation uses (default 7.2): before 6.0 a bad enum
 * value is "Invalid parameter 'VALUE'". */
void qapi_schema_set_version(qapi_schema *schema, int major, int minor);

/* The whole SchemaInfo list as JSON text, as query-qmp-schema returns it (borrowed), and the
 * number of entries in it. */
const char *qapi_schema_text(const qapi_schema *schema, size_t *len);
size_t qapi_schema_count(const qapi_schema *schema);

/* The SchemaInfo of a command, or NULL when the schema has no such command. */
const json_t *qapi_schema_command(const qapi_schema *schema, const char *name);

/* 1 when the command is marked "allow-oob": true. */
int qapi_schema_command_allows_oob(const qapi_schema *schema, const char *name);

/* Validates args (a JSON object) against the command's arg-type. Returns 0 when valid, -1 with
 * QEMU's desc in err, -2 when the schema itself is broken (a message in err). */
int qapi_schema_check_args(const qapi_schema *schema, const char *command, const json_t *args,
                           char *err, size_t errlen);

/* Validates any value against a named type (for checking the fake's own replies and events).
 * path is used in messages. Same return values. */
int qapi_schema_check_value(const qapi_schema *schema, const char *type, const json_t *value,
                            const char *path, char *err, size_t errlen);

/* Checks a command's return value against its ret-type, and an event's data (NULL = none)
 * against the event's arg-type: the fake's self-check of its canned answers. Same return values;
 * an unknown event or command is -2. */
int qapi_schema_check_return(const qapi_schema *schema, const char *command, const json_t *ret,
                             char *err, size_t errlen);
int qapi_schema_check_event(const qapi_schema *schema, const char *event, const json_t *data,
                            char *err, size_t errlen);

#endif
