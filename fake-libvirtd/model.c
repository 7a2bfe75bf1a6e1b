/* model.c: the fake hypervisor's objects and transitions (see model.h). */
#include "model.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "default_state.h"
#include "model_storage.h"
#include "release.h"
#include "model_snap.h"
#include "model_iface.h"
#include "model_nodedev.h"

/* ---- construction ------------------------------------------------------------------------- */

static void domain_free(fl_domain *d)
{
    if (!d)
        return;
    domain_def_free(d->def);
    domain_def_free(d->next_def);
    fl_moments_free(d->moments);
    free(d->iothreads);
    free(d);
}

fl_model *fl_model_new_empty(void)
{
    fl_model *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    snprintf(m->node.model, sizeof(m->node.model), "i686");
    m->node.memory_kib = 3145728;
    m->node.cpus = 16;
    m->node.mhz = 1400;
    m->node.nodes = 2;
    m->node.sockets = 2;
    m->node.cores = 2;
    m->node.threads = 2;
    m->capabilities = fl_release_capabilities(fl_default_capabilities);
    m->sysinfo = strdup(fl_default_sysinfo);
    m->hv_type = strdup("TEST");
    m->hv_version = 2;
    m->lib_version = fl_release_current()->version;
    m->sec_model = strdup("testSecurity");
    m->sec_doi = strdup("");
    m->sec_label = strdup("libvirt-test");
    m->next_id = 1;
    m->free_memory = 3145728ULL; /* the test driver answers this number of bytes */
    if (!m->capabilities || !m->sysinfo || !m->hv_type || !m->sec_model || !m->sec_doi ||
        !m->sec_label) {
        fl_model_free(m);
        return NULL;
    }
    return m;
}

fl_model *fl_model_new_default(void)
{
    fl_model *m = fl_model_new_empty();
    fl_error err;
    if (!m)
        return NULL;
    if (!(m->ifaces = fl_iface_state_default()) ||
        !(m->nodedevs = fl_nodedev_state_default()) ||
        !fl_model_add_domain(m, fl_default_domain_xml, true, FL_STATE_RUNNING, &err) ||
        fl_model_add_network(m, "default", "dd8fe884-6c02-601e-7551-cca97df1c5df", true, true,
                             false, "virbr0", fl_default_network_xml, &err) < 0 ||
        fl_model_add_pool(m, "default-pool", "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566", true, true,
                          false, 107374182400ULL, 0, 107374182400ULL, fl_default_pool_xml,
                          &err) < 0) {
        fl_model_free(m);
        return NULL;
    }
    return m;
}

/* The two kinds of fl_object as libvirt reports them: error domains, nouns and codes. */
static const struct {
    int from;               /* virErrorDomain of errors while adding one */
    const char *noun;       /* "network", in the malformed-uuid error */
    int not_found;          /* virErrorNumber of a failed lookup */
    const char *not_found_text, *not_found_noun;
} object_kinds[] = {
    [FL_OBJ_NETWORK] = {FL_FROM_NETWORK, "network", FL_ERR_NO_NETWORK, "Network not found",
                        "network"},
    [FL_OBJ_POOL] = {FL_FROM_STORAGE, "pool", FL_ERR_NO_STORAGE_POOL, "Storage pool not found",
                     "storage pool"},
};

static fl_object **object_head(fl_model *m, fl_object_kind kind)
{
    return kind == FL_OBJ_NETWORK ? &m->networks : &m->pools;
}

static void object_free(fl_object *o)
{
    free(o->name);
    free(o->bridge);
    free(o->xml);
    fl_pool_ext_free(o->pool_ext);
    free(o);
}

static void objects_free(fl_object *list)
{
    while (list) {
        fl_object *next = list->next;
        object_free(list);
        list = next;
    }
}

void fl_model_free(fl_model *m)
{
    if (!m)
        return;
    while (m->domains) {
        fl_domain *next = m->domains->next;
        domain_free(m->domains);
        m->domains = next;
    }
    fl_index_clear(&m->by_name);
    fl_index_clear(&m->by_uuid);
    fl_index_clear(&m->by_id);
    objects_free(m->networks);
    objects_free(m->pools);
    fl_iface_state_free(m->ifaces);
    fl_nodedev_state_free(m->nodedevs);
    free(m->hostname);
    free(m->capabilities);
    free(m->sysinfo);
    free(m->hv_type);
    free(m->sec_model);
    free(m->sec_doi);
    free(m->sec_label);
    free(m);
}

static void emit(fl_model *m, const fl_domain *d, int event, int detail)
{
    if (m->event_hook)
        m->event_hook(m, d, event, detail, m->event_opaque);
}

/* A domain's name and UUID never change while it is in the model (a new definition must
 * carry both, check_duplicates), so they are indexed once, at insert_domain; its id changes
 * with every start and stop, through set_id. */
static fl_domain *find_uuid(fl_model *m, const unsigned char uuid[16])
{
    return fl_index_get(&m->by_uuid, uuid, 16);
}

static fl_domain *find_name(fl_model *m, const char *name)
{
    return fl_index_get(&m->by_name, name, strlen(name));
}

/* Sets d's id (-1 = inactive) and keeps the id index in step. Returns 0, or -1 when memory
 * runs out (the domain keeps its old id). */
static int set_id(fl_model *m, fl_domain *d, int id)
{
    if (id >= 0 && fl_index_put(&m->by_id, &id, sizeof(id), d) < 0)
        return -1;
    if (d->id >= 0)
        fl_index_del(&m->by_id, &d->id, sizeof(d->id), d);
    d->id = id;
    return 0;
}

/* Returns 0, or -1 with err set when memory runs out (d unchanged). */
static int set_running(fl_model *m, fl_domain *d, int reason, fl_error *err)
{
    if (set_id(m, d, m->next_id) < 0) {
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error", "out of memory");
        return -1;
    }
    m->next_id++;
    d->managed_save = false; /* starting consumes (or discards) the managed save image */
    d->state = FL_STATE_RUNNING;
    d->reason = reason;
    return 0;
}

static void unlink_domain(fl_model *m, fl_domain *dom)
{
    fl_index_del(&m->by_name, dom->def->name, strlen(dom->def->name), dom);
    fl_index_del(&m->by_uuid, dom->def->uuid, 16, dom);
    if (dom->id >= 0)
        fl_index_del(&m->by_id, &dom->id, sizeof(dom->id), dom);
    if (dom->prev)
        dom->prev->next = dom->next;
    else
        m->domains = dom->next;
    if (dom->next)
        dom->next->prev = dom->prev;
    else
        m->domains_tail = dom->prev;
    dom->next = dom->prev = NULL;
}

/* Parses xml into a def with a uuid, reporting libvirt's errors. */
static domain_def *parse_def(const char *xml, fl_error *err)
{
    domain_def *def = domain_def_parse(xml, err);
    if (!def) {
        return NULL;
    }
    if (!def->has_uuid) {
        vw_uuid_generate(def->uuid);
        def->has_uuid = true;
    }
    domain_def_assign_ifnames(def);
    return def;
}

/* libvirt's virDomainObjListAddLocked checks: the same uuid under another name, or the same
 * name with another uuid. With check_live, an active domain of that uuid is refused too.
 * Returns the existing domain to update (or NULL for a new one) and sets *failed on error. */
static fl_domain *check_duplicates(fl_model *m, const domain_def *def, bool check_live,
                                   fl_error *err, int *failed)
{
    char uuid[37];
    *failed = 0;
    fl_domain *same = find_uuid(m, def->uuid);
    if (same) {
        if (strcmp(same->def->name, def->name) != 0) {
            vw_uuid_format(same->def->uuid, uuid);
            fl_error_set(err, FL_ERR_OPERATION_FAILED, FL_FROM_DOMAIN, "operation failed",
                         "domain '%s' is already defined with uuid %s", same->def->name, uuid);
            *failed = 1;
            return NULL;
        }
        if (check_live && fl_domain_is_active(same)) {
            fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                         "Requested operation is not valid", "domain '%s' is already active",
                         same->def->name);
            *failed = 1;
            return NULL;
        }
        return same;
    }
    fl_domain *named = find_name(m, def->name);
    if (named) {
        vw_uuid_format(named->def->uuid, uuid);
        fl_error_set(err, FL_ERR_OPERATION_FAILED, FL_FROM_DOMAIN, "operation failed",
                     "domain '%s' already exists with uuid %s", named->def->name, uuid);
        *failed = 1;
    }
    return NULL;
}

int fl_domain_rekey_name(fl_model *m, fl_domain *d, const char *new_name)
{
    char *name = strdup(new_name);
    if (!name || fl_index_put(&m->by_name, name, strlen(name), d) < 0) {
        free(name);
        return -1;
    }
    fl_index_del(&m->by_name, d->def->name, strlen(d->def->name), d);
    free(d->def->name);
    d->def->name = name;
    return 0;
}

/* Appends a new domain (definition order) and indexes its name and UUID. */
static fl_domain *insert_domain(fl_model *m, domain_def *def)
{
    fl_domain *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->def = def;
    d->id = -1;
    d->state = FL_STATE_SHUTOFF;
    d->reason = 0;
    if (fl_index_put(&m->by_name, def->name, strlen(def->name), d) < 0) {
        free(d);
        return NULL;
    }
    if (fl_index_put(&m->by_uuid, def->uuid, 16, d) < 0) {
        fl_index_del(&m->by_name, def->name, strlen(def->name), d);
        free(d);
        return NULL;
    }
    d->prev = m->domains_tail;
    if (m->domains_tail)
        m->domains_tail->next = d;
    else
        m->domains = d;
    m->domains_tail = d;
    return d;
}

fl_domain *fl_model_add_domain(fl_model *m, const char *xml, bool persistent, int state,
                               fl_error *err)
{
    domain_def *def = parse_def(xml, err);
    if (!def)
        return NULL;
    int failed;
    if (check_duplicates(m, def, false, err, &failed) || failed) {
        if (!failed)
            fl_error_set(err, FL_ERR_OPERATION_FAILED, FL_FROM_DOMAIN, "operation failed",
                         "domain '%s' is given twice", def->name);
        domain_def_free(def);
        return NULL;
    }
    fl_domain *d = insert_domain(m, def);
    if (!d) {
        domain_def_free(def);
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error", "out of memory");
        return NULL;
    }
    d->persistent = persistent || state == FL_STATE_SHUTOFF;
    if (state != FL_STATE_SHUTOFF) {
        if (set_running(m, d, 0, err) < 0) {
            unlink_domain(m, d);
            domain_free(d);
            return NULL;
        }
        d->state = state;
        d->reason = state == FL_STATE_PAUSED ? 1 /* PAUSED_USER */ : 0 /* RUNNING_UNKNOWN, as the test driver's initial state */;
    }
    return d;
}

/* A new object with its name and uuid (uuid NULL: a random one), not yet in the model. NULL
 * with err filled on a malformed uuid or out of memory. */
static fl_object *object_new(fl_object_kind kind, const char *name, const char *uuid,
                             bool active, bool persistent, bool autostart, fl_error *err)
{
    fl_object *o = calloc(1, sizeof(*o));
    if (!o || !(o->name = strdup(name))) {
        free(o);
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, object_kinds[kind].from, "internal error",
                     "out of memory");
        return NULL;
    }
    if (!uuid) {
        vw_uuid_generate(o->uuid);
    } else if (vw_uuid_parse(uuid, o->uuid) < 0) {
        object_free(o);
        fl_error_set(err, FL_ERR_INVALID_ARG, object_kinds[kind].from, "invalid argument",
                     "%s '%s' has a malformed uuid '%s'", object_kinds[kind].noun, name, uuid);
        return NULL;
    }
    o->active = active;
    o->persistent = persistent;
    o->autostart = autostart;
    return o;
}

/* Appends o once its kind's fields are filled; frees it and reports out of memory when a
 * strdup among them failed (xml or bridge NULL). */
static int object_add(fl_model *m, fl_object_kind kind, fl_object *o, fl_error *err)
{
    if (!o->xml || (kind == FL_OBJ_NETWORK && !o->bridge)) {
        object_free(o);
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, object_kinds[kind].from, "internal error",
                     "out of memory");
        return -1;
    }
    fl_object **tail = object_head(m, kind);
    while (*tail)
        tail = &(*tail)->next;
    *tail = o;
    return 0;
}

int fl_model_add_network(fl_model *m, const char *name, const char *uuid, bool active,
                         bool persistent, bool autostart, const char *bridge, const char *xml,
                         fl_error *err)
{
    fl_object *n = object_new(FL_OBJ_NETWORK, name, uuid, active, persistent, autostart, err);
    if (!n)
        return -1;
    n->bridge = strdup(bridge ? bridge : "");
    if (xml) {
        n->xml = strdup(xml);
    } else {
        char u[37];
        xml_buf b = {0};
        vw_uuid_format(n->uuid, u);
        xml_buf_append(&b, "<network>\n  <name>");
        xml_buf_escape(&b, name);
        xml_buf_appendf(&b, "</name>\n  <uuid>%s</uuid>\n", u);
        if (bridge && *bridge) {
            xml_buf_append(&b, "  <bridge name='");
            xml_buf_escape(&b, bridge);
            xml_buf_append(&b, "' stp='on' delay='0'/>\n");
        }
        xml_buf_append(&b, "</network>\n");
        n->xml = xml_buf_finish(&b);
    }
    return object_add(m, FL_OBJ_NETWORK, n, err);
}

int fl_model_add_pool(fl_model *m, const char *name, const char *uuid, bool active,
                      bool persistent, bool autostart, unsigned long long capacity,
                      unsigned long long allocation, unsigned long long available,
                      const char *xml, fl_error *err)
{
    fl_object *p = object_new(FL_OBJ_POOL, name, uuid, active, persistent, autostart, err);
    if (!p)
        return -1;
    p->capacity = capacity;
    p->allocation = allocation;
    p->available = available;
    if (xml) {
        p->xml = strdup(xml);
    } else {
        char u[37];
        xml_buf b = {0};
        vw_uuid_format(p->uuid, u);
        xml_buf_append(&b, "<pool type='dir'>\n  <name>");
        xml_buf_escape(&b, name);
        xml_buf_appendf(&b,
                        "</name>\n  <uuid>%s</uuid>\n"
                        "  <capacity unit='bytes'>%llu</capacity>\n"
                        "  <allocation unit='bytes'>%llu</allocation>\n"
                        "  <available unit='bytes'>%llu</available>\n"
                        "  <source>\n  </source>\n  <target>\n    <path>/",
                        u, capacity, allocation, available);
        xml_buf_escape(&b, name);
        xml_buf_append(&b, "</path>\n  </target>\n</pool>\n");
        p->xml = xml_buf_finish(&b);
    }
    return object_add(m, FL_OBJ_POOL, p, err);
}

/* ---- lookups -------------------------------------------------------------------------------- */

fl_domain *fl_domain_lookup_name(fl_model *m, const char *name, fl_error *err)
{
    fl_domain *d = find_name(m, name);
    if (!d)
        fl_error_set(err, FL_ERR_NO_DOMAIN, FL_FROM_TEST, NULL, "Domain not found");
    return d;
}

fl_domain *fl_domain_lookup_uuid(fl_model *m, const unsigned char uuid[16], fl_error *err)
{
    fl_domain *d = find_uuid(m, uuid);
    if (!d)
        fl_error_set(err, FL_ERR_NO_DOMAIN, FL_FROM_TEST, NULL, "Domain not found");
    return d;
}

fl_domain *fl_domain_lookup_id(fl_model *m, int id, fl_error *err)
{
    fl_domain *d = id >= 0 ? fl_index_get(&m->by_id, &id, sizeof(id)) : NULL;
    if (!d)
        fl_error_set(err, FL_ERR_NO_DOMAIN, FL_FROM_TEST, NULL, "Domain not found");
    return d;
}

fl_domain *fl_domain_from_handle(fl_model *m, const char *name, const unsigned char uuid[16],
                                 fl_error *err)
{
    fl_domain *d = find_uuid(m, uuid);
    if (!d) {
        char u[37];
        vw_uuid_format(uuid, u);
        fl_error_set(err, FL_ERR_NO_DOMAIN, FL_FROM_TEST, "Domain not found",
                     "no domain with matching uuid '%s' (%s)", u, name ? name : "");
    }
    return d;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

bool fl_domain_is_active(const fl_domain *dom)
{
    return dom->id >= 0;
}

unsigned long long fl_domain_cpu_time(const fl_domain *dom)
{
    (void)dom;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (unsigned long long)tv.tv_sec * 1000000000ULL + (unsigned long long)tv.tv_usec * 1000ULL;
}

char *fl_domain_xml(const fl_domain *dom, unsigned flags)
{
    bool inactive = (flags & 2) != 0;
    if (inactive && dom->next_def)
        return domain_def_format(dom->next_def, -1, true, false);
    /* libvirt's test driver formats the live definition when there is no pending config,
     * generated testnetN interface names included */
    return domain_def_format(dom->def, fl_domain_is_active(dom) ? dom->id : -1, inactive, false);
}


/* Stops a domain; a transient one disappears (the caller must not use it afterwards when
 * the return value is 1). */
static int set_stopped(fl_model *m, fl_domain *d, int reason, int detail)
{
    set_id(m, d, -1);
    d->state = FL_STATE_SHUTOFF;
    d->reason = reason;
    if (d->next_def && d->persistent) {
        /* the persistent config defined while the domain ran takes effect now */
        domain_def_free(d->def);
        d->def = d->next_def;
        d->next_def = NULL;
    }
    emit(m, d, FL_EVENT_STOPPED, detail);
    if (!d->persistent) {
        unlink_domain(m, d);
        domain_free(d);
        return 1;
    }
    return 0;
}

void fl_domain_set_state(fl_model *m, fl_domain *d, int state, int reason, int event,
                         int detail)
{
    d->state = state;
    d->reason = reason;
    if (event >= 0)
        emit(m, d, event, detail);
}

int fl_domain_stopped(fl_model *m, fl_domain *d, int reason, int detail)
{
    return set_stopped(m, d, reason, detail);
}

fl_domain *fl_domain_define(fl_model *m, const char *xml, fl_error *err)
{
    domain_def *def = parse_def(xml, err);
    if (!def)
        return NULL;
    int failed;
    fl_domain *d = check_duplicates(m, def, false, err, &failed);
    if (failed) {
        domain_def_free(def);
        return NULL;
    }
    if (d) {
        if (fl_domain_is_active(d)) {
            /* a running domain keeps its live definition until it stops */
            domain_def_free(d->next_def);
            d->next_def = def;
        } else {
            domain_def_free(d->def);
            d->def = def;
            }
        d->persistent = true;
        emit(m, d, FL_EVENT_DEFINED, FL_DETAIL_DEFINED_UPDATED);
        return d;
    }
    d = insert_domain(m, def);
    if (!d) {
        domain_def_free(def);
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error", "out of memory");
        return NULL;
    }
    d->persistent = true;
    emit(m, d, FL_EVENT_DEFINED, FL_DETAIL_DEFINED_ADDED);
    return d;
}

fl_domain *fl_domain_create_xml(fl_model *m, const char *xml, unsigned flags, fl_error *err)
{
    domain_def *def = parse_def(xml, err);
    if (!def)
        return NULL;
    int failed;
    fl_domain *d = check_duplicates(m, def, true, err, &failed);
    if (failed) {
        domain_def_free(def);
        return NULL;
    }
    if (d) {
        if (set_running(m, d, 1 /* RUNNING_BOOTED */, err) < 0) {
            domain_def_free(def);
            return NULL;
        }
        /* an inactive persistent domain of the same name and uuid runs with the new def; its
         * config comes back when it stops */
        domain_def_free(d->next_def);
        d->next_def = d->def;
        d->def = def;
    } else {
        d = insert_domain(m, def);
        if (!d) {
            domain_def_free(def);
            fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error",
                         "out of memory");
            return NULL;
        }
        d->persistent = false;
        if (set_running(m, d, 1 /* RUNNING_BOOTED */, err) < 0) {
            unlink_domain(m, d);
            domain_free(d);
            return NULL;
        }
    }
    emit(m, d, FL_EVENT_STARTED, FL_DETAIL_STARTED_BOOTED);
    if (flags & 1 /* VIR_DOMAIN_START_PAUSED */) {
        d->state = FL_STATE_PAUSED;
        d->reason = 1;
        emit(m, d, FL_EVENT_SUSPENDED, FL_DETAIL_SUSPENDED_PAUSED);
    }
    return d;
}

int fl_domain_undefine(fl_model *m, fl_domain *d, fl_error *err)
{
    /* the test driver undefines transient (running) domains without complaint, but keeps a
     * domain with a managed save image (VIR_DOMAIN_UNDEFINE_MANAGED_SAVE removes it first) */
    if (d->managed_save) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_TEST,
                     "Requested operation is not valid",
                     "Refusing to undefine while domain managed save image exists");
        return -1;
    }
    emit(m, d, FL_EVENT_UNDEFINED, FL_DETAIL_UNDEFINED_REMOVED);
    if (fl_domain_is_active(d)) {
        d->persistent = false;
        domain_def_free(d->next_def); /* a transient domain has no config */
        d->next_def = NULL;
    } else {
        unlink_domain(m, d);
        domain_free(d);
    }
    return 0;
}

int fl_domain_start(fl_model *m, fl_domain *d, fl_error *err)
{
    return fl_domain_start_as(m, d, 1 /* RUNNING_BOOTED */, FL_DETAIL_STARTED_BOOTED, err);
}

int fl_domain_start_as(fl_model *m, fl_domain *d, int reason, int detail, fl_error *err)
{
    if (fl_domain_is_active(d)) {
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error",
                     "Domain '%s' is already running", d->def->name);
        return -1;
    }
    if (set_running(m, d, reason, err) < 0)
        return -1;
    emit(m, d, FL_EVENT_STARTED, detail);
    return 0;
}

void fl_domain_emit(fl_model *m, const fl_domain *d, int event, int detail)
{
    emit(m, d, event, detail);
}

fl_domain *fl_domain_adopt_live_def(fl_model *m, domain_def *def, fl_error *err)
{
    int failed;
    fl_domain *same = check_duplicates(m, def, true, err, &failed);
    fl_domain *d = failed ? NULL : same ? same : insert_domain(m, def);
    if (!failed && !d)
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error", "out of memory");
    if (!d) {
        domain_def_free(def);
        return NULL;
    }
    if (same) {
        domain_def_free(same->next_def);
        same->next_def = same->def; /* the persistent config comes back at the next stop */
        same->def = def;
    }
    return d;
}

int fl_domain_destroy(fl_model *m, fl_domain *d, fl_error *err)
{
    if (!fl_domain_is_active(d)) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                     "Requested operation is not valid", "domain is not running");
        return -1;
    }
    set_stopped(m, d, 2 /* SHUTOFF_DESTROYED */, FL_DETAIL_STOPPED_DESTROYED);
    return 0;
}

int fl_domain_shutdown(fl_model *m, fl_domain *d, fl_error *err)
{
    /* the test driver shuts down running and paused domains alike */
    if (!fl_domain_is_active(d) || d->state == FL_STATE_SHUTOFF) {
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error",
                     "domain '%s' not running", d->def->name);
        return -1;
    }
    set_stopped(m, d, 1 /* SHUTOFF_SHUTDOWN */, FL_DETAIL_STOPPED_SHUTDOWN);
    return 0;
}

int fl_domain_reboot(fl_model *m, fl_domain *d, fl_error *err)
{
    (void)m;
    if (!fl_domain_is_active(d)) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                     "Requested operation is not valid", "domain is not running");
        return -1;
    }
    /* The test driver's reboot with on_reboot=restart leaves the domain running and emits no
     * lifecycle event; with on_reboot=destroy the domain stops. */
    if (strcmp(d->def->on_reboot, "destroy") == 0)
        set_stopped(m, d, 1 /* SHUTOFF_SHUTDOWN */, FL_DETAIL_STOPPED_SHUTDOWN);
    else {
        d->state = FL_STATE_RUNNING;
        d->reason = 1;
    }
    return 0;
}

int fl_domain_suspend(fl_model *m, fl_domain *d, fl_error *err)
{
    if (d->state != FL_STATE_RUNNING) {
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error",
                     "domain '%s' not running", d->def->name);
        return -1;
    }
    d->state = FL_STATE_PAUSED;
    d->reason = 1; /* PAUSED_USER */
    emit(m, d, FL_EVENT_SUSPENDED, FL_DETAIL_SUSPENDED_PAUSED);
    return 0;
}

int fl_domain_resume(fl_model *m, fl_domain *d, fl_error *err)
{
    if (d->state != FL_STATE_PAUSED) {
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error",
                     "domain '%s' not paused", d->def->name);
        return -1;
    }
    d->state = FL_STATE_RUNNING;
    d->reason = 5; /* RUNNING_UNPAUSED */
    emit(m, d, FL_EVENT_RESUMED, FL_DETAIL_RESUMED_UNPAUSED);
    return 0;
}

int fl_domain_set_autostart(fl_model *m, fl_domain *d, bool autostart, fl_error *err)
{
    (void)m;
    if (!d->persistent) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_TEST,
                     "Requested operation is not valid", "cannot set autostart for transient domain");
        return -1;
    }
    d->autostart = autostart;
    return 0;
}

fl_domain *fl_domain_migrate_in(fl_model *m, const char *xml, bool persist, bool paused,
                                fl_error *err)
{
    domain_def *def = parse_def(xml, err);
    if (!def)
        return NULL;
    int failed;
    fl_domain *d = check_duplicates(m, def, true, err, &failed);
    if (failed) {
        domain_def_free(def);
        return NULL;
    }
    bool added = false;
    if (d) {
        if (set_running(m, d, 2 /* VIR_DOMAIN_RUNNING_MIGRATED */, err) < 0) {
            domain_def_free(def);
            return NULL;
        }
        /* an inactive persistent domain of that name and uuid: the incoming definition runs,
         * its config stays (or is replaced, with persist) */
        if (persist) {
            domain_def_free(d->next_def);
            d->next_def = NULL;
            domain_def_free(d->def);
        } else {
            domain_def_free(d->next_def);
            d->next_def = d->def;
        }
        d->def = def;
    } else {
        d = insert_domain(m, def);
        if (!d) {
            domain_def_free(def);
            fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error",
                         "out of memory");
            return NULL;
        }
        d->persistent = persist;
        added = persist;
        if (set_running(m, d, 2 /* VIR_DOMAIN_RUNNING_MIGRATED */, err) < 0) {
            unlink_domain(m, d);
            domain_free(d);
            return NULL;
        }
    }
    emit(m, d, FL_EVENT_STARTED, FL_DETAIL_STARTED_MIGRATED);
    if (paused) {
        d->state = FL_STATE_PAUSED;
        d->reason = 2; /* VIR_DOMAIN_PAUSED_MIGRATION */
    } else {
        emit(m, d, FL_EVENT_RESUMED, FL_DETAIL_RESUMED_MIGRATED);
    }
    if (persist) {
        d->persistent = true;
        emit(m, d, FL_EVENT_DEFINED, added ? FL_DETAIL_DEFINED_ADDED : FL_DETAIL_DEFINED_UPDATED);
    }
    return d;
}

int fl_domain_migrate_out(fl_model *m, fl_domain *d, bool undefine, fl_error *err)
{
    if (!fl_domain_is_active(d)) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                     "Requested operation is not valid", "domain is not running");
        return -1;
    }
    bool persistent = d->persistent;
    if (set_stopped(m, d, 4 /* VIR_DOMAIN_SHUTOFF_MIGRATED */, FL_DETAIL_STOPPED_MIGRATED) == 1)
        return 0; /* a transient domain is gone */
    if (undefine && persistent)
        return fl_domain_undefine(m, d, err);
    return 0;
}

/* A copy of a definition (through its XML, which the parser reads back unchanged). */
static domain_def *copy_def(const domain_def *def, fl_error *err)
{
    char *xml = domain_def_format(def, -1, true, false);
    fl_error e;
    domain_def *copy = xml ? domain_def_parse(xml, &e) : NULL;
    free(xml);
    if (!copy)
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error",
                     "cannot copy the definition of domain '%s'", def->name);
    return copy;
}

domain_def *fl_domain_persistent_def(fl_domain *d, fl_error *err)
{
    if (!fl_domain_is_active(d))
        return d->def;
    if (!d->next_def && !(d->next_def = copy_def(d->def, err)))
        return NULL;
    return d->next_def;
}

int fl_domain_set_memory(fl_model *m, fl_domain *d, unsigned long long kib, unsigned flags,
                         fl_error *err)
{
    (void)m;
    enum { LIVE = 1, CONFIG = 2, MAXIMUM = 4 };
    if (fl_check_flags(flags, LIVE | CONFIG | MAXIMUM, "testDomainSetMemoryFlags", err) < 0)
        return -1;
    /* virDomainObjGetOneDefState */
    if ((flags & LIVE) && (flags & CONFIG)) {
        fl_error_set_invalid_arg(err, FL_FROM_DOMAIN, "virDomainObjGetOneDefState", "flags",
                                 "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' "
                                 "are mutually exclusive");
        return -1;
    }
    bool active = fl_domain_is_active(d);
    bool live = (flags & LIVE) || (!(flags & CONFIG) && active);
    if (live && !active) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                     "Requested operation is not valid", "domain is not running");
        return -1;
    }
    if (!live && !d->persistent) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                     "Requested operation is not valid",
                     "transient domains do not have any persistent config");
        return -1;
    }
    if ((flags & MAXIMUM) && live) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_TEST,
                     "Requested operation is not valid",
                     "cannot resize the maximum memory on an active domain");
        return -1;
    }
    /* the persistent config of a running domain is its pending definition, made on demand
     * from the live one before either changes (libvirt keeps both from the start on) */
    if (active && d->persistent && !d->next_def && !(d->next_def = copy_def(d->def, err)))
        return -1;
    domain_def *def = live || !active ? d->def : d->next_def;
    if (flags & MAXIMUM) {
        def->memory_kib = kib;
        if (def->current_kib > kib)
            def->current_kib = kib;
        return 0;
    }
    if (kib > def->memory_kib) {
        fl_error_set(err, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "cannot set memory higher than max memory");
        return -1;
    }
    def->current_kib = kib;
    return 0;
}

/* ---- listing ------------------------------------------------------------------------------ */

static bool domain_matches(const fl_domain *d, unsigned f)
{
    bool active = fl_domain_is_active(d);
    if ((f & (FL_LIST_ACTIVE | FL_LIST_INACTIVE)) &&
        !((f & FL_LIST_ACTIVE && active) || (f & FL_LIST_INACTIVE && !active)))
        return false;
    if ((f & (FL_LIST_PERSISTENT | FL_LIST_TRANSIENT)) &&
        !((f & FL_LIST_PERSISTENT && d->persistent) || (f & FL_LIST_TRANSIENT && !d->persistent)))
        return false;
    if (f & (FL_LIST_RUNNING | FL_LIST_PAUSED | FL_LIST_SHUTOFF | FL_LIST_OTHER)) {
        bool running = d->state == FL_STATE_RUNNING;
        bool paused = d->state == FL_STATE_PAUSED;
        bool shutoff = d->state == FL_STATE_SHUTOFF;
        bool other = !running && !paused && !shutoff;
        if (!((f & FL_LIST_RUNNING && running) || (f & FL_LIST_PAUSED && paused) ||
              (f & FL_LIST_SHUTOFF && shutoff) || (f & FL_LIST_OTHER && other)))
            return false;
    }
    /* no managed save images, snapshots or checkpoints exist in the model */
    if ((f & (FL_LIST_MANAGEDSAVE | FL_LIST_NO_MANAGEDSAVE)) &&
        !((f & FL_LIST_MANAGEDSAVE && d->managed_save) ||
          (f & FL_LIST_NO_MANAGEDSAVE && !d->managed_save)))
        return false;
    if ((f & (FL_LIST_AUTOSTART | FL_LIST_NO_AUTOSTART)) &&
        !((f & FL_LIST_AUTOSTART && d->autostart) || (f & FL_LIST_NO_AUTOSTART && !d->autostart)))
        return false;
    bool snaps = fl_snapshot_count(d) > 0;
    if ((f & (FL_LIST_HAS_SNAPSHOT | FL_LIST_NO_SNAPSHOT)) &&
        !((f & FL_LIST_HAS_SNAPSHOT && snaps) || (f & FL_LIST_NO_SNAPSHOT && !snaps)))
        return false;
    bool checkpoints = fl_checkpoint_count(d) > 0;
    if ((f & (FL_LIST_HAS_CHECKPOINT | FL_LIST_NO_CHECKPOINT)) &&
        !((f & FL_LIST_HAS_CHECKPOINT && checkpoints) || (f & FL_LIST_NO_CHECKPOINT && !checkpoints)))
        return false;
    return true;
}

bool fl_domain_matches(const fl_domain *d, unsigned flags)
{
    return domain_matches(d, flags);
}

fl_domain **fl_domain_list(fl_model *m, unsigned flags, size_t *count)
{
    size_t n = 0;
    for (fl_domain *d = m->domains; d; d = d->next)
        n++;
    *count = 0;
    if (n == 0)
        return NULL;
    fl_domain **out = calloc(n, sizeof(*out));
    if (!out)
        return NULL;
    for (fl_domain *d = m->domains; d; d = d->next) {
        if (domain_matches(d, flags))
            out[(*count)++] = d;
    }
    return out;
}

/* Networks and pools: INACTIVE 1, ACTIVE 2, PERSISTENT 4, TRANSIENT 8, AUTOSTART 16,
 * NO_AUTOSTART 32. */
static bool object_matches(const fl_object *o, unsigned f)
{
    if ((f & 3) && !((f & 2 && o->active) || (f & 1 && !o->active)))
        return false;
    if ((f & 12) && !((f & 4 && o->persistent) || (f & 8 && !o->persistent)))
        return false;
    if ((f & 48) && !((f & 16 && o->autostart) || (f & 32 && !o->autostart)))
        return false;
    return true;
}

fl_object *fl_object_lookup_name(fl_model *m, fl_object_kind kind, const char *name,
                                 fl_error *err)
{
    for (fl_object *o = *object_head(m, kind); o; o = o->next) {
        if (strcmp(o->name, name) == 0)
            return o;
    }
    fl_error_set(err, object_kinds[kind].not_found, FL_FROM_TEST,
                 object_kinds[kind].not_found_text, "no %s with matching name '%s'",
                 object_kinds[kind].not_found_noun, name);
    return NULL;
}

fl_object *fl_object_lookup_uuid(fl_model *m, fl_object_kind kind, const unsigned char uuid[16],
                                 fl_error *err)
{
    for (fl_object *o = *object_head(m, kind); o; o = o->next) {
        if (memcmp(o->uuid, uuid, 16) == 0)
            return o;
    }
    char u[37];
    vw_uuid_format(uuid, u);
    fl_error_set(err, object_kinds[kind].not_found, FL_FROM_TEST,
                 object_kinds[kind].not_found_text, "no %s with matching uuid '%s'",
                 object_kinds[kind].not_found_noun, u);
    return NULL;
}

fl_object **fl_object_list(fl_model *m, fl_object_kind kind, unsigned flags, size_t *count)
{
    size_t n = 0;
    for (fl_object *o = *object_head(m, kind); o; o = o->next)
        n++;
    *count = 0;
    if (n == 0)
        return NULL;
    fl_object **out = calloc(n, sizeof(*out));
    if (!out)
        return NULL;
    for (fl_object *o = *object_head(m, kind); o; o = o->next) {
        if (object_matches(o, flags))
            out[(*count)++] = o;
    }
    return out;
}
