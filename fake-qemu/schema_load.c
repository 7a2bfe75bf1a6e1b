/* schema_load.c: the QAPI schema fake-qemu serves (schema_load.h). */
#include "schema_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_util.h"

#define SCHEMA_FILE_MAX (64u << 20)

/* query-commands derived from the schema, for schemas given with --schema. */
static json_t *commands_from_schema(const qapi_schema *schema)
{
    json_t *out = json_array();
    size_t i;
    json_t *ent;
    json_array_foreach(qapi_schema_list(schema), i, ent) {
        const char *meta = json_string_value(json_object_get(ent, "meta-type"));
        if (meta && strcmp(meta, "command") == 0)
            json_array_append_new(out, json_pack("{s:O}", "name", json_object_get(ent, "name")));
    }
    return out;
}

int fq_schema_choose(fq_schema_choice *c, const char *schema_file, fq_vm_config *cfg)
{
    char err[512];
    memset(c, 0, sizeof(*c));
    if (schema_file) {
        size_t len;
        char *text = vw_read_file(schema_file, SCHEMA_FILE_MAX, &len, err, sizeof(err));
        if (!text) {
            fprintf(stderr, "fake-qemu: --schema %s: %s\n", schema_file, err);
            return -1;
        }
        vw_error e;
        c->schema = qapi_schema_load(text, len, schema_file, &e);
        free(text);
        if (!c->schema) {
            fprintf(stderr, "fake-qemu: --schema %s\n", vw_error_format(&e, err, sizeof(err)));
            return -1;
        }
        c->commands = commands_from_schema(c->schema);
        return 0;
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
        json_error_t jerr;
        c->schema = qapi_schema_load(c->data->schema, c->data->schema_len, "schema", &e);
        c->commands = c->schema ? json_loadb(c->data->commands, c->data->commands_len, 0, &jerr)
                                : NULL;
        if (c->schema && !c->commands)
            vw_error_from_json(&e, "commands", &jerr);
        if (!c->schema || !c->commands) {
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
    json_decref(c->commands);
    qapi_schema_free(c->schema);
    memset(c, 0, sizeof(*c));
}
