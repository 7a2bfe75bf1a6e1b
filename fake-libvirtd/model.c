/* model.c: the fake hypervisor's model (see model.h): building and freeing it, adding domains,
 * networks and pools, lookups and listings. The domains' transitions are model_lifecycle.c. */
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
#include "model_parts.h"
#include "release.h"

/* ---- construction ------------------------------------------------------------------------- */

void fl_model_domain_free(fl_domain *d)
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
    vw_virerror err = {0};
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
        vw_virerror_clear(&err);
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
    [FL_OBJ_NETWORK] = {VW_FROM_NETWORK, "network", VW_ERR_NO_NETWORK, "Network not found",
                        "network"},
    [FL_OBJ_POOL] = {VW_FROM_STORAGE, "pool", VW_ERR_NO_STORAGE_POOL, "Storage pool not found",
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
    free(o->config_xml);
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
        fl_model_domain_free(m->domains);
        m->domains = next;
    }
    fl_index_clear(&m->by_name);
    fl_index_clear(&m->by_uuid);
    fl_index_clear(&m->by_id);
    for (int k = FL_OBJ_NETWORK; k <= FL_OBJ_POOL; k++) {
        fl_index_clear(&m->obj_by_name[k]);
        fl_index_clear(&m->obj_by_uuid[k]);
    }
    fl_index_clear(&m->vol_by_key);
    fl_index_clear(&m->vol_by_path);
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

void fl_model_emit_event(fl_model *m, const fl_domain *d, int event, int detail)
{
    if (m->event_hook)
        m->event_hook(m, d, event, detail, m->event_opaque);
}

/* A domain's name and UUID never change while it is in the model (a new definition must
 * carry both, fl_model_check_duplicates), so they are indexed once, at
 * fl_model_insert_domain; its id changes with every start and stop, through fl_model_set_id. */
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
int fl_model_set_id(fl_model *m, fl_domain *d, int id)
{
    if (id >= 0 && fl_index_put(&m->by_id, &id, sizeof(id), d) < 0)
        return -1;
    if (d->id >= 0)
        fl_index_del(&m->by_id, &d->id, sizeof(d->id), d);
    d->id = id;
    return 0;
}

/* Returns 0, or -1 with err set when memory runs out (d unchanged). */
int fl_model_set_running(fl_model *m, fl_domain *d, int reason, vw_virerror *err)
{
    if (fl_model_set_id(m, d, m->next_id) < 0) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        return -1;
    }
    m->next_id++;
    d->managed_save = false; /* starting consumes (or discards) the managed save image */
    d->state = FL_STATE_RUNNING;
    d->reason = reason;
    return 0;
}

void fl_model_unlink_domain(fl_model *m, fl_domain *dom)
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
domain_def *fl_model_parse_def(const char *xml, vw_virerror *err)
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
fl_domain *fl_model_check_duplicates(fl_model *m, const domain_def *def, bool check_live,
                                     vw_virerror *err, int *failed)
{
    char uuid[37];
    *failed = 0;
    fl_domain *same = find_uuid(m, def->uuid);
    if (same) {
        if (strcmp(same->def->name, def->name) != 0) {
            vw_uuid_format(same->def->uuid, uuid);
            vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_DOMAIN, "operation failed",
                               "domain '%s' is already defined with uuid %s", same->def->name, uuid);
            *failed = 1;
            return NULL;
        }
        if (check_live && fl_domain_is_active(same)) {
            vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
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
        vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_DOMAIN, "operation failed",
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
fl_domain *fl_model_insert_domain(fl_model *m, domain_def *def)
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
                               vw_virerror *err)
{
    domain_def *def = fl_model_parse_def(xml, err);
    if (!def)
        return NULL;
    int failed;
    if (fl_model_check_duplicates(m, def, false, err, &failed) || failed) {
        if (!failed)
            vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_DOMAIN, "operation failed",
                               "domain '%s' is given twice", def->name);
        domain_def_free(def);
        return NULL;
    }
    fl_domain *d = fl_model_insert_domain(m, def);
    if (!d) {
        domain_def_free(def);
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        return NULL;
    }
    d->persistent = persistent || state == FL_STATE_SHUTOFF;
    if (state != FL_STATE_SHUTOFF) {
        if (fl_model_set_running(m, d, 0, err) < 0) {
            fl_model_unlink_domain(m, d);
            fl_model_domain_free(d);
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
                             bool active, bool persistent, bool autostart, vw_virerror *err)
{
    fl_object *o = calloc(1, sizeof(*o));
    if (!o || !(o->name = strdup(name))) {
        free(o);
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, object_kinds[kind].from, "internal error",
                           "out of memory");
        return NULL;
    }
    if (!uuid) {
        vw_uuid_generate(o->uuid);
    } else if (vw_uuid_parse(uuid, o->uuid) < 0) {
        object_free(o);
        vw_virerror_report(err, VW_ERR_INVALID_ARG, object_kinds[kind].from, "invalid argument",
                           "%s '%s' has a malformed uuid '%s'", object_kinds[kind].noun, name, uuid);
        return NULL;
    }
    o->active = active;
    o->persistent = persistent;
    o->autostart = autostart;
    return o;
}

/* Appends o once its kind's fields are filled and indexes its name and UUID; frees it and
 * reports out of memory when a strdup among them failed (xml or bridge NULL) or the index
 * could not grow. */
static int object_add(fl_model *m, fl_object_kind kind, fl_object *o, vw_virerror *err)
{
    bool named = false;
    if (!o->xml || (kind == FL_OBJ_NETWORK && !o->bridge) ||
        !(named = fl_index_put(&m->obj_by_name[kind], o->name, strlen(o->name), o) == 0) ||
        fl_index_put(&m->obj_by_uuid[kind], o->uuid, 16, o) < 0) {
        if (named)
            fl_index_del(&m->obj_by_name[kind], o->name, strlen(o->name), o);
        object_free(o);
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, object_kinds[kind].from, "internal error",
                           "out of memory");
        return -1;
    }
    o->model = m;
    o->prev = m->objects_tail[kind];
    if (o->prev)
        o->prev->next = o;
    else
        *object_head(m, kind) = o;
    m->objects_tail[kind] = o;
    return 0;
}

void fl_object_remove(fl_model *m, fl_object_kind kind, fl_object *o)
{
    fl_index_del(&m->obj_by_name[kind], o->name, strlen(o->name), o);
    fl_index_del(&m->obj_by_uuid[kind], o->uuid, 16, o);
    if (o->prev)
        o->prev->next = o->next;
    else
        *object_head(m, kind) = o->next;
    if (o->next)
        o->next->prev = o->prev;
    else
        m->objects_tail[kind] = o->prev;
    object_free(o);
}

int fl_model_add_network(fl_model *m, const char *name, const char *uuid, bool active,
                         bool persistent, bool autostart, const char *bridge, const char *xml,
                         vw_virerror *err)
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
                      const char *xml, vw_virerror *err)
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

fl_domain *fl_domain_lookup_name(fl_model *m, const char *name, vw_virerror *err)
{
    fl_domain *d = find_name(m, name);
    if (!d)
        vw_virerror_report(err, VW_ERR_NO_DOMAIN, VW_FROM_TEST, NULL, "Domain not found");
    return d;
}

fl_domain *fl_domain_lookup_uuid(fl_model *m, const unsigned char uuid[16], vw_virerror *err)
{
    fl_domain *d = find_uuid(m, uuid);
    if (!d)
        vw_virerror_report(err, VW_ERR_NO_DOMAIN, VW_FROM_TEST, NULL, "Domain not found");
    return d;
}

fl_domain *fl_domain_lookup_id(fl_model *m, int id, vw_virerror *err)
{
    fl_domain *d = id >= 0 ? fl_index_get(&m->by_id, &id, sizeof(id)) : NULL;
    if (!d)
        vw_virerror_report(err, VW_ERR_NO_DOMAIN, VW_FROM_TEST, NULL, "Domain not found");
    return d;
}

fl_domain *fl_domain_from_handle(fl_model *m, const char *name, const unsigned char uuid[16],
                                 vw_virerror *err)
{
    fl_domain *d = find_uuid(m, uuid);
    if (!d) {
        char u[37];
        vw_uuid_format(uuid, u);
        vw_virerror_report(err, VW_ERR_NO_DOMAIN, VW_FROM_TEST, "Domain not found",
                           "no domain with matching uuid '%s' (%s)", u, name ? name : "");
    }
    return d;
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
                                 vw_virerror *err)
{
    fl_object *o = fl_index_get(&m->obj_by_name[kind], name, strlen(name));
    if (o)
        return o;
    vw_virerror_report(err, object_kinds[kind].not_found, VW_FROM_TEST,
                       object_kinds[kind].not_found_text, "no %s with matching name '%s'",
                       object_kinds[kind].not_found_noun, name);
    return NULL;
}

fl_object *fl_object_lookup_uuid(fl_model *m, fl_object_kind kind, const unsigned char uuid[16],
                                 vw_virerror *err)
{
    fl_object *o = fl_index_get(&m->obj_by_uuid[kind], uuid, 16);
    if (o)
        return o;
    char u[37];
    vw_uuid_format(uuid, u);
    vw_virerror_report(err, object_kinds[kind].not_found, VW_FROM_TEST,
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
