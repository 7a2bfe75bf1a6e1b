/* schema_load.c: the QAPI schema fake-qemu serves (schema_load.h). */
#include "schema_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp_json.h"
#include "vw_util.h"

#define SCHEMA_FILE_MAX (64u << 20)

/* query-commands derived from the schema (a parsed SchemaInfo array), for --schema files. */
static json_t *commands_from_schema(const json_t *list)
{
    json_t *out = json_array();
    size_t i;
    json_t *ent;
    json_array_foreach(list, i, ent) {
        const char *meta = json_string_value(json_object_get(ent, "meta-type"));
        if (meta && strcmp(meta, "command") == 0)
            json_array_append_new(out, json_pack("{s:O}", "name", json_object_get(ent, "name")));
    }
    return out;
}

/* A --schema file: checked as JSON, then kept as QEMU would write it (the text query-qmp-schema
 * returns) with query-commands derived from it; the parsed tree is dropped. */
static int load_file(fq_schema_choice *c, const char *path, const char *text, size_t len)
{
    char err[512];
    vw_error e;
    json_error_t jerr;
    json_t *list = json_loadb(text, len, 0, &jerr);
    if (!list) {
        vw_error_from_json(&e, path, &jerr);
        snprintf(e.text, sizeof(e.text), "JSON error: %s", jerr.text);
    } else if (!json_is_array(list)) {
        vw_error_set(&e, path, 0, 0, 0, "expected a JSON array of SchemaInfo objects");
    } else {
        json_t *commands = commands_from_schema(list);
        char *normal = vw_qmp_dumps(list, VW_QMP_DUMP_QDICT_ORDER);
        c->commands_owned = commands ? vw_qmp_dumps(commands, VW_QMP_DUMP_QDICT_ORDER) : NULL;
        json_decref(commands);
        if (!normal || !c->commands_owned) {
            free(normal);
            vw_error_set(&e, path, 0, 0, 0, "out of memory");
        } else {
            c->schema = qapi_schema_adopt(normal, strlen(normal), path, &e);
            c->commands = c->commands_owned;
            c->commands_len = strlen(c->commands_owned);
        }
    }
    json_decref(list);
    if (!c->schema) {
        fprintf(stderr, "fake-qemu: --schema %s\n", vw_error_format(&e, err, sizeof(err)));
        return -1;
    }
    return 0;
}

int fq_schema_choose(fq_schema_choice *c, const char *schema_file, fq_vm_config *cfg)
{
    memset(c, 0, sizeof(*c));
    if (schema_file) {
        char err[512];
        size_t len;
        char *text = vw_read_file(schema_file, SCHEMA_FILE_MAX, &len, err, sizeof(err));
        if (!text) {
            fprintf(stderr, "fake-qemu: --schema %s: %s\n", schema_file, err);
            return -1;
        }
        int rc = load_file(c, schema_file, text, len);
        free(text);
        return rc;
    }
    c->data = fq_schema_data_find(cfg->major, cfg->minor);
    if (!c->data) {
        fprintf(stderr, "fake-qemu: no recorded QAPI schema at or below QEMU %d.%d.%d: it is "
                "older than the oldest modelled release (recorded: %s); record that QEMU's "
                "schema with fake-qemu/schemas/record-schema.py and pass --schema FILE\n",
                cfg->major, cfg->minor, cfg->micro, fq_schema_data_versions());
        return -1;
    }
    cfg->model_major = c->data->major;   /* behaviours follow the recorded release */
    cfg->model_minor = c->data->minor;
    return 0;
}

int fq_schema_finish(fq_schema_choice *c, const fq_vm_config *cfg)
{
    if (c->data) {
        char msg[1024];
        vw_error e;
        c->schema = qapi_schema_load(c->data->schema, c->data->schema_len, "schema", &e);
        c->commands = c->data->commands;
        c->commands_len = c->data->commands_len;
        if (!c->schema) {
            fprintf(stderr, "fake-qemu: built-in schema for %d.%d is damaged: %s\n", cfg->major,
                    cfg->minor, vw_error_format(&e, msg, sizeof(msg)));
            return -1;
        }
    }
    qapi_schema_set_version(c->schema, cfg->model_major ? cfg->model_major : cfg->major,
                            cfg->model_major ? cfg->model_minor : cfg->minor);
    return 0;
}

void fq_schema_choice_clear(fq_schema_choice *c)
{
    free(c->commands_owned);
    qapi_schema_free(c->schema);
    memset(c, 0, sizeof(*c));
}
