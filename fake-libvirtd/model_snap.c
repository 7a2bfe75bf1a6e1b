/* model_snap.c: domain snapshots (see model_snap.h). Behaviour and messages of libvirt 9.0's
 * test driver (testDomainSnapshot*, testDomainRevertToSnapshot), checked against it. */
#include "model_snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xml_tree.h"

/* virErrorNumber / virErrorDomain values only snapshots use */
enum {
    FL_ERR_NO_DOMAIN_SNAPSHOT = 72,
    FL_FROM_XML = 5,
    FL_FROM_DOMAIN_SNAPSHOT = 35,
};

/* virDomainSnapshotState 8; the others are virDomainState values */
#define FL_SNAP_DISK_SNAPSHOT 8

/* reasons and event details of the snapshot transitions */
enum {
    RUNNING_FROM_SNAPSHOT = 4,
    PAUSED_FROM_SNAPSHOT = 7,
    SHUTOFF_FROM_SNAPSHOT = 7,
    STARTED_FROM_SNAPSHOT = 3,
    SUSPENDED_FROM_SNAPSHOT = 5,
    STOPPED_FROM_SNAPSHOT = 6,
};

enum { CREATE_REDEFINE = 1, CREATE_CURRENT = 2, CREATE_HALT = 8, CREATE_QUIESCE = 64,
       CREATE_ATOMIC = 128, CREATE_LIVE = 256, CREATE_VALIDATE = 512 };
enum { REVERT_RUNNING = 1, REVERT_PAUSED = 2, REVERT_FORCE = 4 };
enum { DELETE_CHILDREN = 1, DELETE_CHILDREN_ONLY = 4 };

static const char *const state_names[] = {"nostate", "running", "blocked", "paused", "shutdown",
                                          "shutoff", "crashed", "pmsuspended", "disk-snapshot"};
#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

static void snapshot_free(fl_snapshot *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->description);
    free(p->parent);
    free(p->dom_xml);
    free(p->disks_xml);
    free(p);
}

void fl_snapshots_free(fl_snapshots *s)
{
    if (!s)
        return;
    while (s->head) {
        fl_snapshot *next = s->head->next;
        snapshot_free(s->head);
        s->head = next;
    }
    free(s);
}

size_t fl_snapshot_count(const fl_domain *dom)
{
    return dom->snapshots ? dom->snapshots->count : 0;
}

static fl_snapshot *find(const fl_domain *dom, const char *name)
{
    if (!dom->snapshots || !name)
        return NULL;
    for (fl_snapshot *p = dom->snapshots->head; p; p = p->next) {
        if (strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

fl_snapshot *fl_snapshot_lookup(fl_domain *dom, const char *name, fl_error *err)
{
    fl_snapshot *p = find(dom, name);
    if (!p)
        fl_error_set(err, FL_ERR_NO_DOMAIN_SNAPSHOT, FL_FROM_TEST, "Domain snapshot not found",
                     "no domain snapshot with matching name '%s'", name);
    return p;
}

static void oom(fl_error *err)
{
    fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error", "out of memory");
}

static char *snap_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* ---- the tree ------------------------------------------------------------------------------- */

static bool is_child(const fl_snapshot *p, const fl_snapshot *parent)
{
    if (!parent)
        return !p->parent;
    return p->parent && strcmp(p->parent, parent->name) == 0;
}

static bool has_children(const fl_domain *dom, const fl_snapshot *snap)
{
    for (const fl_snapshot *p = dom->snapshots->head; p; p = p->next) {
        if (is_child(p, snap))
            return true;
    }
    return false;
}

/* virDomainSnapshotFilter and the metadata / leaves filters of virDomainMomentObjListGetNames */
static bool matches(const fl_domain *dom, const fl_snapshot *p, unsigned f)
{
    if ((f & FL_SNAP_LIST_NO_METADATA) && !(f & FL_SNAP_LIST_METADATA))
        return false;       /* every snapshot of the test driver has metadata */
    unsigned leaves = f & (FL_SNAP_LIST_LEAVES | FL_SNAP_LIST_NO_LEAVES);
    if (leaves == FL_SNAP_LIST_LEAVES && has_children(dom, p))
        return false;
    if (leaves == FL_SNAP_LIST_NO_LEAVES && !has_children(dom, p))
        return false;
    if (f & (FL_SNAP_LIST_INACTIVE | FL_SNAP_LIST_ACTIVE | FL_SNAP_LIST_DISK_ONLY)) {
        bool inactive = p->state == FL_STATE_SHUTOFF;
        bool disk = p->state == FL_SNAP_DISK_SNAPSHOT;
        if (!((f & FL_SNAP_LIST_INACTIVE && inactive) || (f & FL_SNAP_LIST_DISK_ONLY && disk) ||
              (f & FL_SNAP_LIST_ACTIVE && !inactive && !disk)))
            return false;
    }
    unsigned loc = f & (FL_SNAP_LIST_INTERNAL | FL_SNAP_LIST_EXTERNAL);
    return loc != FL_SNAP_LIST_EXTERNAL; /* the test driver makes internal snapshots only */
}

typedef struct {
    fl_snapshot **items;
    size_t n, cap;
    bool failed;
} snap_vec;

static void vec_push(snap_vec *v, fl_snapshot *p)
{
    if (v->failed)
        return;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        fl_snapshot **items = realloc(v->items, cap * sizeof(*items));
        if (!items) {
            v->failed = true;
            return;
        }
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = p;
}

/* Pre-order walk below parent (NULL = the roots), depth-limited by the snapshot count so a
 * cycle made by a redefinition cannot recurse for ever. */
static void collect(fl_domain *dom, const fl_snapshot *parent, bool recurse, size_t depth,
                    snap_vec *all)
{
    if (depth > dom->snapshots->count)
        return;
    for (fl_snapshot *p = dom->snapshots->head; p; p = p->next) {
        if (!is_child(p, parent))
            continue;
        vec_push(all, p);
        if (recurse)
            collect(dom, p, true, depth + 1, all);
    }
}

fl_snapshot **fl_snapshot_list(fl_domain *dom, const fl_snapshot *from, unsigned flags,
                               size_t *count)
{
    *count = 0;
    if (!dom->snapshots)
        return NULL;
    snap_vec all = {0};
    bool recurse = from ? (flags & FL_SNAP_LIST_ROOTS) != 0 : !(flags & FL_SNAP_LIST_ROOTS);
    collect(dom, from, recurse, 0, &all);
    if (all.failed) {
        free(all.items);
        *count = (size_t)-1;
        return NULL;
    }
    size_t kept = 0;
    for (size_t i = 0; i < all.n; i++) {
        if (matches(dom, all.items[i], flags))
            all.items[kept++] = all.items[i];
    }
    *count = kept;
    if (kept == 0) {
        free(all.items);
        return NULL;
    }
    return all.items;
}

/* ---- creation --------------------------------------------------------------------------------- */

/* virDomainSnapshotAlignDisks with nothing asked: every disk of the definition, internal unless
 * it is read-only or has no source. */
static char *disks_xml(const domain_def *def)
{
    xml_buf b = {0};
    xml_buf_append(&b, "  <disks>\n");
    for (const xml_node *d = def->devices ? def->devices->children : NULL; d; d = d->next) {
        const xml_node *target = xml_tree_child(d, "target");
        const char *dev = target ? xml_tree_attr(target, "dev") : NULL;
        if (strcmp(d->name, "disk") != 0 || !dev)
            continue;
        bool no = xml_tree_child(d, "readonly") || !xml_tree_child(d, "source");
        xml_buf_append(&b, "    <disk name='");
        xml_buf_escape(&b, dev);
        xml_buf_appendf(&b, "' snapshot='%s'/>\n", no ? "no" : "internal");
    }
    xml_buf_append(&b, "  </disks>\n");
    return xml_buf_finish(&b);
}

static int state_from_name(const char *s)
{
    for (size_t i = 0; s && i < N_STATES; i++) {
        if (strcmp(s, state_names[i]) == 0)
            return (int)i;
    }
    return -1;
}

static const char *child_text(const xml_node *n, const char *name)
{
    const xml_node *c = xml_tree_child(n, name);
    return c && c->text ? c->text : NULL;
}

/* The parts of <domainsnapshot> the test driver keeps: name, description, and with REDEFINE
 * creationTime, state, parent and the domain. */
static fl_snapshot *parse_snapshot(const char *xml, bool redefine, fl_error *err)
{
    char msg[256];
    xml_node *root = xml_tree_parse(xml, strlen(xml), msg, sizeof(msg));
    if (!root) {
        fl_error_set(err, FL_ERR_XML_DETAIL, FL_FROM_DOMAIN_SNAPSHOT, "",
                     "(domain_snapshot):%s", msg);
        return NULL;
    }
    fl_snapshot *p = NULL;
    if (strcmp(root->name, "domainsnapshot") != 0) {
        fl_error_set(err, FL_ERR_XML_ERROR, FL_FROM_XML, "XML error",
                     "expecting root element of 'domainsnapshot', not '%s'", root->name);
        goto out;
    }
    const char *created = child_text(root, "creationTime");
    const char *state = child_text(root, "state");
    if (redefine && !created) {
        fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_DOMAIN_SNAPSHOT, "internal error",
                     "missing creationTime from existing snapshot");
        goto out;
    }
    if (redefine && !state) {
        fl_error_set(err, FL_ERR_XML_ERROR, FL_FROM_DOMAIN_SNAPSHOT, "XML error",
                     "missing state from existing snapshot");
        goto out;
    }
    if (redefine && state_from_name(state) < 0) {
        fl_error_set(err, FL_ERR_XML_ERROR, FL_FROM_DOMAIN_SNAPSHOT, "XML error",
                     "Invalid state '%s' in domain snapshot XML", state);
        goto out;
    }
    p = calloc(1, sizeof(*p));
    if (!p) {
        oom(err);
        goto out;
    }
    p->created = redefine ? strtoll(created, NULL, 10) : (long long)time(NULL);
    p->state = redefine ? state_from_name(state) : FL_STATE_NOSTATE;
    const xml_node *parent = xml_tree_child(root, "parent");
    const xml_node *dom = xml_tree_child(root, "domain");
    char name[32];
    snprintf(name, sizeof(name), "%lld", p->created);
    const char *given = child_text(root, "name");
    p->name = strdup(given ? given : name);
    p->description = snap_strdup(child_text(root, "description"));
    if (redefine) {
        p->parent = snap_strdup(parent ? child_text(parent, "name") : NULL);
        if (dom) {
            xml_buf b = {0};
            xml_tree_write(&b, dom, 0);
            p->dom_xml = xml_buf_finish(&b);
        }
    }
    if (!p->name || (p->description == NULL) != (child_text(root, "description") == NULL) ||
        (redefine && dom && !p->dom_xml)) {
        snapshot_free(p);
        p = NULL;
        oom(err);
    }
out:
    xml_tree_free(root);
    return p;
}

int fl_snapshot_create_check_flags(unsigned flags, fl_error *err)
{
    if ((flags & CREATE_CURRENT) && !(flags & CREATE_REDEFINE)) {
        fl_error_set_invalid_arg(err, FL_FROM_DOMAIN_SNAPSHOT, "virDomainSnapshotCreateXML",
                                 "ctl", "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required "
                                 "by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'");
        return -1;
    }
    return fl_check_flags(flags, CREATE_REDEFINE | CREATE_CURRENT | CREATE_HALT | CREATE_QUIESCE |
                                 CREATE_ATOMIC | CREATE_LIVE | CREATE_VALIDATE,
                          "testDomainSnapshotCreateXML", err);
}

/* The creation-time facts of a new snapshot: the domain's definition, state and disks. */
static int fill_from_domain(const fl_domain *dom, fl_snapshot *p, fl_error *err)
{
    p->state = dom->state;
    p->dom_xml = domain_def_format(dom->def, -1, true, false);
    if (!p->dom_xml) {
        oom(err);
        return -1;
    }
    return 0;
}

static fl_snapshots *snapshots_of(fl_domain *dom, fl_error *err)
{
    if (!dom->snapshots && !(dom->snapshots = calloc(1, sizeof(*dom->snapshots))))
        oom(err);
    return dom->snapshots;
}

static void append(fl_snapshots *s, fl_snapshot *p)
{
    fl_snapshot **tail = &s->head;
    while (*tail)
        tail = &(*tail)->next;
    *tail = p;
    s->count++;
}

/* A redefinition replaces the snapshot of the same name in place. */
static fl_snapshot *redefine(fl_snapshots *s, fl_snapshot *old, fl_snapshot *p)
{
    p->next = old->next;
    fl_snapshot **link = &s->head;
    while (*link != old)
        link = &(*link)->next;
    *link = p;
    if (s->current == old)
        s->current = p;
    snapshot_free(old);
    return p;
}

fl_snapshot *fl_snapshot_create(fl_model *m, fl_domain *dom, const char *xml, unsigned flags,
                                fl_error *err)
{
    bool redef = (flags & CREATE_REDEFINE) != 0;
    if (!dom->persistent && (flags & CREATE_HALT)) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_TEST,
                     "Requested operation is not valid",
                     "cannot halt after transient domain snapshot");
        return NULL;
    }
    fl_snapshots *s = snapshots_of(dom, err);
    if (!s)
        return NULL;
    fl_snapshot *p = parse_snapshot(xml, redef, err);
    if (!p)
        return NULL;
    fl_snapshot *old = find(dom, p->name);
    if (old && !redef) {
        fl_error_set(err, FL_ERR_OPERATION_FAILED, FL_FROM_DOMAIN, "operation failed",
                     "domain moment %s already exists", p->name);
        snapshot_free(p);
        return NULL;
    }
    if (!redef && (fill_from_domain(dom, p, err) < 0 ||
                   (s->current && !(p->parent = strdup(s->current->name))))) {
        if (p->dom_xml)
            oom(err);
        snapshot_free(p);
        return NULL;
    }
    const domain_def *def = dom->def;
    if (!(p->disks_xml = disks_xml(def))) {
        oom(err);
        snapshot_free(p);
        return NULL;
    }
    if (old)
        p = redefine(s, old, p);
    else
        append(s, p);
    if (!redef && (flags & CREATE_HALT) && fl_domain_is_active(dom))
        fl_domain_stopped(m, dom, SHUTOFF_FROM_SNAPSHOT, STOPPED_FROM_SNAPSHOT);
    if (!redef || (flags & CREATE_CURRENT))
        s->current = p;
    return p;
}

/* ---- XML out ---------------------------------------------------------------------------------- */

/* Appends xml with every line indented by two more spaces. */
static void append_indented(xml_buf *b, const char *xml)
{
    const char *line = xml;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        xml_buf_appendf(b, "  %.*s\n", (int)len, line);
        line += len + (end ? 1 : 0);
    }
}

static void append_text_element(xml_buf *b, const char *name, const char *text)
{
    xml_buf_appendf(b, "  <%s>", name);
    xml_buf_escape(b, text);
    xml_buf_appendf(b, "</%s>\n", name);
}

char *fl_snapshot_xml(const fl_domain *dom, const fl_snapshot *p)
{
    (void)dom;
    xml_buf b = {0};
    xml_buf_append(&b, "<domainsnapshot>\n");
    append_text_element(&b, "name", p->name);
    if (p->description)
        append_text_element(&b, "description", p->description);
    int st = p->state >= 0 && (size_t)p->state < N_STATES ? p->state : 0;
    xml_buf_appendf(&b, "  <state>%s</state>\n", state_names[st]);
    if (p->parent) {
        xml_buf_append(&b, "  <parent>\n  ");
        append_text_element(&b, "name", p->parent);
        xml_buf_append(&b, "  </parent>\n");
    }
    xml_buf_appendf(&b, "  <creationTime>%lld</creationTime>\n", p->created);
    xml_buf_appendf(&b, "  <memory snapshot='%s'/>\n",
                    p->state == FL_STATE_SHUTOFF || p->state == FL_SNAP_DISK_SNAPSHOT ? "no"
                                                                                   : "internal");
    xml_buf_append(&b, p->disks_xml);
    if (p->dom_xml)
        append_indented(&b, p->dom_xml);
    xml_buf_append(&b, "</domainsnapshot>\n");
    return xml_buf_finish(&b);
}

/* ---- delete ----------------------------------------------------------------------------------- */

static void remove_one(fl_snapshots *s, fl_snapshot *snap)
{
    fl_snapshot **link = &s->head;
    while (*link && *link != snap)
        link = &(*link)->next;
    if (*link)
        *link = snap->next;
    s->count--;
    snapshot_free(snap);
}

void fl_snapshot_delete(fl_domain *dom, fl_snapshot *snap, unsigned flags)
{
    fl_snapshots *s = dom->snapshots;
    if (flags & (DELETE_CHILDREN | DELETE_CHILDREN_ONLY)) {
        size_t n = 0;
        fl_snapshot **below = fl_snapshot_list(dom, snap, FL_SNAP_LIST_ROOTS, &n);
        for (size_t i = 0; below && i < n; i++) {
            if (below[i] == s->current)
                s->current = snap;
            remove_one(s, below[i]);
        }
        free(below);
    } else {
        /* the children move up to snap's parent */
        for (fl_snapshot *p = s->head; p; p = p->next) {
            if (!is_child(p, snap))
                continue;
            free(p->parent);
            p->parent = snap_strdup(snap->parent); /* NULL on failure: a root, as for none */
        }
    }
    if (flags & DELETE_CHILDREN_ONLY)
        return;
    if (s->current == snap)
        s->current = find(dom, snap->parent);
    remove_one(s, snap);
}

/* ---- revert ----------------------------------------------------------------------------------- */

/* testDomainShutdownState: the domain stops but stays, transient or not. */
static void stop_keep(fl_model *m, fl_domain *dom)
{
    bool persistent = dom->persistent;
    dom->persistent = true;
    fl_domain_stopped(m, dom, SHUTOFF_FROM_SNAPSHOT, STOPPED_FROM_SNAPSHOT);
    dom->persistent = persistent;
}

int fl_snapshot_revert_check_flags(unsigned flags, fl_error *err)
{
    if ((flags & REVERT_RUNNING) && (flags & REVERT_PAUSED)) {
        fl_error_set_invalid_arg(err, FL_FROM_DOMAIN_SNAPSHOT, "virDomainRevertToSnapshot",
                                 "flags", "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and "
                                 "'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive");
        return -1;
    }
    return fl_check_flags(flags, REVERT_RUNNING | REVERT_PAUSED | REVERT_FORCE,
                          "testDomainRevertToSnapshot", err);
}

int fl_snapshot_delete_check_flags(unsigned flags, fl_error *err)
{
    if ((flags & DELETE_CHILDREN) && (flags & DELETE_CHILDREN_ONLY)) {
        fl_error_set_invalid_arg(err, FL_FROM_DOMAIN_SNAPSHOT, "virDomainSnapshotDelete", "flags",
                                 "Flags 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN' and "
                                 "'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY' are mutually "
                                 "exclusive");
        return -1;
    }
    return fl_check_flags(flags, DELETE_CHILDREN | DELETE_CHILDREN_ONLY,
                          "testDomainSnapshotDelete", err);
}

static int check_revert(const fl_domain *dom, const fl_snapshot *snap, unsigned flags,
                        fl_error *err)
{
    bool live = snap->state == FL_STATE_RUNNING || snap->state == FL_STATE_PAUSED;
    if (!dom->persistent && !live && !(flags & (REVERT_RUNNING | REVERT_PAUSED))) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_TEST,
                     "Requested operation is not valid",
                     "transient domain needs to request run or pause to revert to inactive "
                     "snapshot");
        return -1;
    }
    if (!snap->dom_xml && !(flags & REVERT_FORCE)) {
        fl_error_set(err, 81 /* VIR_ERR_SNAPSHOT_REVERT_RISKY */, FL_FROM_TEST,
                     "revert requires force", "snapshot '%s' lacks domain '%s' rollback info",
                     snap->name, dom->def->name);
        return -1;
    }
    return 0;
}

/* The definition the snapshot holds replaces the domain's (config and live alike). */
static int load_definition(fl_domain *dom, const fl_snapshot *snap, fl_error *err)
{
    if (!snap->dom_xml)
        return 0;
    domain_xml_error e;
    domain_def *def = domain_def_parse(snap->dom_xml, &e);
    if (!def) {
        fl_error_set(err, e.code, e.domain, e.prefix, "%s", e.detail);
        return -1;
    }
    domain_def_free(dom->def);
    domain_def_free(dom->next_def);
    dom->def = def;
    dom->next_def = NULL;
    return 0;
}

/* A snapshot of a running or paused domain: the domain (re)starts from it, as libvirt 9.0's test
 * driver does even when it was running already (Stopped, then Started, and Suspended when it is
 * to be paused). */
static int revert_live(fl_model *m, fl_domain *dom, const fl_snapshot *snap, unsigned flags,
                       fl_error *err)
{
    if (fl_domain_is_active(dom))
        stop_keep(m, dom);
    if (load_definition(dom, snap, err) < 0 ||
        fl_domain_start_reason(m, dom, RUNNING_FROM_SNAPSHOT, STARTED_FROM_SNAPSHOT, err) < 0)
        return -1;
    if (!(flags & REVERT_RUNNING) && (snap->state == FL_STATE_PAUSED || (flags & REVERT_PAUSED)))
        fl_domain_set_state(m, dom, FL_STATE_PAUSED, PAUSED_FROM_SNAPSHOT, FL_EVENT_SUSPENDED,
                            SUSPENDED_FROM_SNAPSHOT);
    return 0;
}

/* A snapshot of a stopped domain: the domain stops. With RUNNING or PAUSED the test driver then
 * sends the Started (and Suspended) events but leaves the domain stopped. */
static int revert_inactive(fl_model *m, fl_domain *dom, const fl_snapshot *snap,
                           unsigned flags, fl_error *err)
{
    if (load_definition(dom, snap, err) < 0)
        return -1;
    if (fl_domain_is_active(dom))
        stop_keep(m, dom);
    if (!(flags & (REVERT_RUNNING | REVERT_PAUSED)))
        return 0;
    fl_domain_set_state(m, dom, dom->state, dom->reason, FL_EVENT_STARTED, STARTED_FROM_SNAPSHOT);
    if (flags & REVERT_PAUSED)
        fl_domain_set_state(m, dom, dom->state, dom->reason, FL_EVENT_SUSPENDED,
                            SUSPENDED_FROM_SNAPSHOT);
    return 0;
}

int fl_snapshot_revert(fl_model *m, fl_domain *dom, fl_snapshot *snap, unsigned flags,
                       fl_error *err)
{
    if (check_revert(dom, snap, flags, err) < 0)
        return -1;
    dom->snapshots->current = NULL;
    bool live = snap->state == FL_STATE_RUNNING || snap->state == FL_STATE_PAUSED;
    int rc = live ? revert_live(m, dom, snap, flags, err)
                  : revert_inactive(m, dom, snap, flags, err);
    if (rc == 0)
        dom->snapshots->current = snap;
    return rc;
}

int fl_snapshot_check_undefine(const fl_domain *dom, unsigned flags, fl_error *err)
{
    size_t n = fl_snapshot_count(dom);
    if (fl_domain_is_active(dom) || n == 0 || (flags & 2 /* SNAPSHOTS_METADATA */))
        return 0;
    fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_TEST, "Requested operation is not valid",
                 "cannot delete inactive domain with %zu snapshots", n);
    return -1;
}
