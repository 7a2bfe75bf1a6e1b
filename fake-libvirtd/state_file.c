/* state_file.c: --state FILE (JSON) -> model (see state_file.h, docs/state-format.md). */
#include "state_file.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_storage.h"
#include "model_iface.h"
#include "vw_util.h"
#include "vw_error.h"

static const char *const top_keys[] = {"base", "hostname", "lib_version", "hv_version",
                                       "node", "capabilities", "domains", "networks", "pools",
                                       "interfaces", NULL};
static const char *const node_keys[] = {"model", "memory_kib", "cpus", "mhz", "nodes",
                                        "sockets", "cores", "threads", NULL};
static const char *const domain_keys[] = {"xml", "xml_file", "state", "persistent",
                                          "autostart", NULL};
static const char *const network_keys[] = {"name", "uuid", "active", "persistent", "autostart",
                                           "bridge", "xml", NULL};
static const char *const pool_keys[] = {"name", "uuid", "active", "persistent", "autostart",
                                        "capacity", "allocation", "available", "xml", "volumes",
                                        NULL};

/* Refuses keys that are not in allowed (a typo should not pass silently). */
static int check_keys(json_t *obj, const char *const *allowed, const char *origin,
                      const char *where, vw_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool ok = false;
        for (int i = 0; allowed[i]; i++) {
            if (strcmp(allowed[i], key) == 0)
                ok = true;
        }
        if (!ok) {
            vw_error_set(err, origin, 0, 0, 0, "%s: unknown key \"%s\"", where, key);
            return -1;
        }
    }
    return 0;
}

static int get_bool(json_t *obj, const char *key, bool dflt, bool *out, const char *origin,
                    const char *where, vw_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!json_is_boolean(v)) {
        vw_error_set(err, origin, 0, 0, 0, "%s.%s must be true or false", where, key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

static int get_uint(json_t *obj, const char *key, unsigned long long dflt, unsigned long long *out,
                    const char *origin, const char *where, vw_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        vw_error_set(err, origin, 0, 0, 0, "%s.%s must be a non-negative integer", where, key);
        return -1;
    }
    *out = (unsigned long long)json_integer_value(v);
    return 0;
}

static int get_string(json_t *obj, const char *key, const char **out, bool required,
                      const char *origin, const char *where, vw_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) {
        if (required) {
            vw_error_set(err, origin, 0, 0, 0, "%s: \"%s\" is required", where, key);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v)) {
        vw_error_set(err, origin, 0, 0, 0, "%s.%s must be a string", where, key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

/* Reads an xml_file relative to the state file's directory. */
static char *read_relative(const char *origin, const char *path, vw_error *err,
                           const char *where)
{
    char full[4096];
    if (path[0] == '/') {
        snprintf(full, sizeof(full), "%s", path);
    } else {
        char *copy = strdup(origin);
        if (!copy) {
            vw_error_set(err, origin, 0, 0, 0, "out of memory");
            return NULL;
        }
        snprintf(full, sizeof(full), "%s/%s", dirname(copy), path);
        free(copy);
    }
    char why[256];
    char *text = vw_read_file(full, 4u << 20, NULL, why, sizeof(why));
    if (!text)
        vw_error_set(err, origin, 0, 0, 0, "%s.xml_file: %s: %s", where, full, why);
    return text;
}

/* A model operation refused an entry: "ORIGIN: WHERE: libvirt's message". Releases e; -1. */
static int model_failed(vw_virerror *e, const char *origin, const char *where, vw_error *err)
{
    vw_error_set(err, origin, 0, 0, 0, "%s: %s", where, vw_virerror_message(e));
    vw_virerror_clear(e);
    return -1;
}

static int load_node(fl_model *m, json_t *node, const char *origin, vw_error *err)
{
    if (!json_is_object(node)) {
        vw_error_set(err, origin, 0, 0, 0, "node must be an object");
        return -1;
    }
    if (check_keys(node, node_keys, origin, "node", err) < 0)
        return -1;
    const char *model;
    if (get_string(node, "model", &model, false, origin, "node", err) < 0)
        return -1;
    if (model) {
        if (strlen(model) >= sizeof(m->node.model)) {
            vw_error_set(err, origin, 0, 0, 0, "node.model is longer than %zu characters",
                         sizeof(m->node.model) - 1);
            return -1;
        }
        snprintf(m->node.model, sizeof(m->node.model), "%s", model);
    }
    unsigned long long v;
    if (get_uint(node, "memory_kib", m->node.memory_kib, &v, origin, "node", err) < 0)
        return -1;
    m->node.memory_kib = (unsigned long)v;
    struct { const char *key; unsigned *field; } ints[] = {
        {"cpus", &m->node.cpus}, {"mhz", &m->node.mhz}, {"nodes", &m->node.nodes},
        {"sockets", &m->node.sockets}, {"cores", &m->node.cores}, {"threads", &m->node.threads},
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        if (get_uint(node, ints[i].key, *ints[i].field, &v, origin, "node", err) < 0)
            return -1;
        if (v > 1u << 20) {
            vw_error_set(err, origin, 0, 0, 0, "node.%s is too large", ints[i].key);
            return -1;
        }
        *ints[i].field = (unsigned)v;
    }
    return 0;
}

static int load_domains(fl_model *m, json_t *arr, const char *origin, vw_error *err)
{
    if (!json_is_array(arr)) {
        vw_error_set(err, origin, 0, 0, 0, "domains must be an array");
        return -1;
    }
    size_t i;
    json_t *d;
    json_array_foreach(arr, i, d) {
        char where[64];
        snprintf(where, sizeof(where), "domains[%zu]", i);
        if (!json_is_object(d)) {
            vw_error_set(err, origin, 0, 0, 0, "%s must be an object", where);
            return -1;
        }
        if (check_keys(d, domain_keys, origin, where, err) < 0)
            return -1;
        const char *xml, *xml_file, *state;
        bool persistent, autostart;
        if (get_string(d, "xml", &xml, false, origin, where, err) < 0 ||
            get_string(d, "xml_file", &xml_file, false, origin, where, err) < 0 ||
            get_string(d, "state", &state, false, origin, where, err) < 0 ||
            get_bool(d, "persistent", true, &persistent, origin, where, err) < 0 ||
            get_bool(d, "autostart", false, &autostart, origin, where, err) < 0)
            return -1;
        if (!xml == !xml_file) {
            vw_error_set(err, origin, 0, 0, 0, "%s: give exactly one of \"xml\" and \"xml_file\"",
                         where);
            return -1;
        }
        int st = FL_STATE_SHUTOFF;
        if (state) {
            if (strcmp(state, "running") == 0)
                st = FL_STATE_RUNNING;
            else if (strcmp(state, "paused") == 0)
                st = FL_STATE_PAUSED;
            else if (strcmp(state, "shutoff") == 0)
                st = FL_STATE_SHUTOFF;
            else {
                vw_error_set(err, origin, 0, 0, 0,
                             "%s.state \"%s\" is not one of running, paused, shutoff", where, state);
                return -1;
            }
        }
        if (!persistent && st == FL_STATE_SHUTOFF) {
            vw_error_set(err, origin, 0, 0, 0,
                         "%s: a transient domain (persistent false) must be running "
                         "or paused", where);
            return -1;
        }
        char *text = NULL;
        if (xml_file && !(text = read_relative(origin, xml_file, err, where)))
            return -1;
        vw_virerror e = {0};
        fl_domain *dom = fl_model_add_domain(m, text ? text : xml, persistent, st, &e);
        free(text);
        if (!dom) {
            return model_failed(&e, origin, where, err);
        }
        dom->autostart = autostart;
    }
    return 0;
}

static int load_networks(fl_model *m, json_t *arr, const char *origin, vw_error *err)
{
    if (!json_is_array(arr)) {
        vw_error_set(err, origin, 0, 0, 0, "networks must be an array");
        return -1;
    }
    size_t i;
    json_t *n;
    json_array_foreach(arr, i, n) {
        char where[64];
        snprintf(where, sizeof(where), "networks[%zu]", i);
        if (!json_is_object(n)) {
            vw_error_set(err, origin, 0, 0, 0, "%s must be an object", where);
            return -1;
        }
        const char *name, *uuid, *bridge, *xml;
        bool active, persistent, autostart;
        if (check_keys(n, network_keys, origin, where, err) < 0 ||
            get_string(n, "name", &name, true, origin, where, err) < 0 ||
            get_string(n, "uuid", &uuid, false, origin, where, err) < 0 ||
            get_string(n, "bridge", &bridge, false, origin, where, err) < 0 ||
            get_string(n, "xml", &xml, false, origin, where, err) < 0 ||
            get_bool(n, "active", true, &active, origin, where, err) < 0 ||
            get_bool(n, "persistent", true, &persistent, origin, where, err) < 0 ||
            get_bool(n, "autostart", false, &autostart, origin, where, err) < 0)
            return -1;
        vw_virerror e = {0};
        if (fl_object_lookup_name(m, FL_OBJ_NETWORK, name, NULL)) {
            vw_error_set(err, origin, 0, 0, 0, "%s: network '%s' is given twice", where, name);
            return -1;
        }
        if (fl_model_add_network(m, name, uuid, active, persistent, autostart, bridge, xml, &e) < 0) {
            return model_failed(&e, origin, where, err);
        }
    }
    return 0;
}

/* ---- a pool's volumes (model_storage.h) ---------------------------------------------------- */

static const char *const volume_keys[] = {"name", "capacity", "allocation", "format", NULL};

static int load_pool_volumes(fl_model *m, const char *pool, json_t *arr, const char *origin,
                             const char *pool_where, vw_error *err)
{
    if (!arr)
        return 0;
    if (!json_is_array(arr)) {
        vw_error_set(err, origin, 0, 0, 0, "%s: volumes must be an array", pool_where);
        return -1;
    }
    vw_virerror e = {0};
    fl_object *p = fl_object_lookup_name(m, FL_OBJ_POOL, pool, &e);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        char where[96];
        snprintf(where, sizeof(where), "%s.volumes[%zu]", pool_where, i);
        if (!json_is_object(v)) {
            vw_error_set(err, origin, 0, 0, 0, "%s must be an object", where);
            return -1;
        }
        const char *name, *format;
        unsigned long long cap, alloc;
        if (check_keys(v, volume_keys, origin, where, err) < 0 ||
            get_string(v, "name", &name, true, origin, where, err) < 0 ||
            get_string(v, "format", &format, false, origin, where, err) < 0 ||
            get_uint(v, "capacity", 0, &cap, origin, where, err) < 0 ||
            get_uint(v, "allocation", cap, &alloc, origin, where, err) < 0)
            return -1;
        if (!p || fl_pool_add_volume(p, name, cap, alloc, format, &e) < 0) {
            return model_failed(&e, origin, where, err);
        }
    }
    return 0;
}

/* ---- interfaces (model_iface.c) ---- */

static const char *const interface_keys[] = {"xml", "active", NULL};

static int load_interface(fl_iface_state *s, json_t *o, const char *origin, const char *where,
                          vw_error *err)
{
    const char *xml;
    bool active;
    if (!json_is_object(o)) {
        vw_error_set(err, origin, 0, 0, 0, "%s must be an object", where);
        return -1;
    }
    if (check_keys(o, interface_keys, origin, where, err) < 0 ||
        get_string(o, "xml", &xml, true, origin, where, err) < 0 ||
        get_bool(o, "active", true, &active, origin, where, err) < 0)
        return -1;
    vw_virerror e = {0};
    fl_iface *i = fl_iface_define(s, xml, &e);
    if (!i) {
        return model_failed(&e, origin, where, err);
    }
    i->active = active;
    return 0;
}

static int load_interfaces(fl_model *m, json_t *arr, const char *origin, vw_error *err)
{
    fl_iface_state *s = fl_ifaces(m);
    if (!s) {
        vw_error_set(err, origin, 0, 0, 0, "out of memory");
        return -1;
    }
    if (!json_is_array(arr)) {
        vw_error_set(err, origin, 0, 0, 0, "interfaces must be an array");
        return -1;
    }
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        char where[64];
        snprintf(where, sizeof(where), "interfaces[%zu]", i);
        if (load_interface(s, o, origin, where, err) < 0)
            return -1;
    }
    return 0;
}

static int load_pools(fl_model *m, json_t *arr, const char *origin, vw_error *err)
{
    if (!json_is_array(arr)) {
        vw_error_set(err, origin, 0, 0, 0, "pools must be an array");
        return -1;
    }
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p) {
        char where[64];
        snprintf(where, sizeof(where), "pools[%zu]", i);
        if (!json_is_object(p)) {
            vw_error_set(err, origin, 0, 0, 0, "%s must be an object", where);
            return -1;
        }
        const char *name, *uuid, *xml;
        bool active, persistent, autostart;
        unsigned long long cap, alloc, avail;
        if (check_keys(p, pool_keys, origin, where, err) < 0 ||
            get_string(p, "name", &name, true, origin, where, err) < 0 ||
            get_string(p, "uuid", &uuid, false, origin, where, err) < 0 ||
            get_string(p, "xml", &xml, false, origin, where, err) < 0 ||
            get_bool(p, "active", true, &active, origin, where, err) < 0 ||
            get_bool(p, "persistent", true, &persistent, origin, where, err) < 0 ||
            get_bool(p, "autostart", false, &autostart, origin, where, err) < 0 ||
            get_uint(p, "capacity", 0, &cap, origin, where, err) < 0 ||
            get_uint(p, "allocation", 0, &alloc, origin, where, err) < 0 ||
            get_uint(p, "available", cap, &avail, origin, where, err) < 0)
            return -1;
        vw_virerror e = {0};
        if (fl_object_lookup_name(m, FL_OBJ_POOL, name, NULL)) {
            vw_error_set(err, origin, 0, 0, 0, "%s: pool '%s' is given twice", where, name);
            return -1;
        }
        if (fl_model_add_pool(m, name, uuid, active, persistent, autostart, cap, alloc, avail, xml,
                              &e) < 0) {
            return model_failed(&e, origin, where, err);
        }
        if (load_pool_volumes(m, name, json_object_get(p, "volumes"), origin, where, err) < 0)
            return -1;
    }
    return 0;
}

fl_model *fl_state_parse(const char *json_text, const char *origin, vw_error *err)
{
    json_error_t jerr;
    json_t *root = json_loads(json_text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        vw_error_from_json(err, origin, &jerr);
        return NULL;
    }
    fl_model *m = NULL;
    if (!json_is_object(root)) {
        vw_error_set(err, origin, 0, 0, 0, "the top level must be a JSON object");
        goto fail;
    }
    if (check_keys(root, top_keys, origin, "top level", err) < 0)
        goto fail;
    const char *base;
    if (get_string(root, "base", &base, false, origin, "top level", err) < 0)
        goto fail;
    if (!base || strcmp(base, "empty") == 0) {
        m = fl_model_new_empty();
    } else if (strcmp(base, "default") == 0) {
        m = fl_model_new_default();
    } else {
        vw_error_set(err, origin, 0, 0, 0, "base \"%s\" is not one of \"default\", \"empty\"",
                     base);
        goto fail;
    }
    if (!m) {
        vw_error_set(err, origin, 0, 0, 0, "out of memory");
        goto fail;
    }
    const char *hostname, *caps;
    if (get_string(root, "hostname", &hostname, false, origin, "top level", err) < 0 ||
        get_string(root, "capabilities", &caps, false, origin, "top level", err) < 0 ||
        get_uint(root, "lib_version", m->lib_version, &m->lib_version, origin, "top level",
                 err) < 0 ||
        get_uint(root, "hv_version", m->hv_version, &m->hv_version, origin, "top level", err) < 0)
        goto fail;
    if (hostname) {
        free(m->hostname);
        if (!(m->hostname = strdup(hostname)))
            goto oom;
    }
    if (caps) {
        free(m->capabilities);
        if (!(m->capabilities = strdup(caps)))
            goto oom;
    }
    json_t *v;
    if ((v = json_object_get(root, "node")) && load_node(m, v, origin, err) < 0)
        goto fail;
    if ((v = json_object_get(root, "domains")) && load_domains(m, v, origin, err) < 0)
        goto fail;
    if ((v = json_object_get(root, "networks")) && load_networks(m, v, origin, err) < 0)
        goto fail;
    if ((v = json_object_get(root, "pools")) && load_pools(m, v, origin, err) < 0)
        goto fail;
    if ((v = json_object_get(root, "interfaces")) &&
        load_interfaces(m, v, origin, err) < 0)
        goto fail;
    json_decref(root);
    return m;
oom:
    vw_error_set(err, origin, 0, 0, 0, "out of memory");
fail:
    fl_model_free(m);
    json_decref(root);
    return NULL;
}
