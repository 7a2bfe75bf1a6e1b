/* model_snap.c: domain snapshots and checkpoints (see model_snap.h). Behaviour and messages of
 * libvirt 9.0's test driver (testDomainSnapshot*, testDomainRevertToSnapshot,
 * testDomainCheckpoint*), checked against it. One tree implementation serves both kinds. */
#include "model_snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xml_tree.h"

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
enum { CHECKPOINT_REDEFINE = 1, CHECKPOINT_QUIESCE = 2, CHECKPOINT_REDEFINE_VALIDATE = 4 };
enum { REVERT_RUNNING = 1, REVERT_PAUSED = 2, REVERT_FORCE = 4 };
enum { DELETE_CHILDREN = 1, DELETE_METADATA_ONLY = 2, DELETE_CHILDREN_ONLY = 4 };

static const char *const state_names[] = {"nostate", "running", "blocked", "paused", "shutdown",
                                          "shutoff", "crashed", "pmsuspended", "disk-snapshot"};
#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

/* What differs between the two kinds of moment. */
typedef struct {
    bool checkpoint;
    const char *what;        /* "snapshot", "checkpoint" */
    const char *root;        /* the XML document's root element */
    int not_found;           /* VIR_ERR_NO_DOMAIN_SNAPSHOT / _CHECKPOINT */
    const char *not_found_text;
    int xml_domain;          /* VIR_FROM_DOMAIN_SNAPSHOT / _CHECKPOINT */
} moment_kind;

static const moment_kind SNAPSHOT = {false, "snapshot", "domainsnapshot",
                                     VW_ERR_NO_DOMAIN_SNAPSHOT, "Domain snapshot not found",
                                     VW_FROM_DOMAIN_SNAPSHOT};
static const moment_kind CHECKPOINT = {true, "checkpoint", "domaincheckpoint",
                                       VW_ERR_NO_DOMAIN_CHECKPOINT, "Domain checkpoint not found",
                                       VW_FROM_DOMAIN_CHECKPOINT};

static void oom(vw_virerror *err)
{
    vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error", "out of memory");
}

static char *snap_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* ---- lists -------------------------------------------------------------------------------------- */

static void moment_free(fl_moment *p)
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

static void list_clear(fl_moment_list *l)
{
    while (l->head) {
        fl_moment *next = l->head->next;
        moment_free(l->head);
        l->head = next;
    }
}

void fl_moments_free(fl_moments *m)
{
    if (!m)
        return;
    list_clear(&m->snapshots);
    list_clear(&m->checkpoints);
    free(m);
}

static fl_moment_list *list_of(const fl_domain *dom, const moment_kind *k)
{
    if (!dom->moments)
        return NULL;
    return k->checkpoint ? &dom->moments->checkpoints : &dom->moments->snapshots;
}

/* The list, made on first use. */
static fl_moment_list *list_make(fl_domain *dom, const moment_kind *k, vw_virerror *err)
{
    if (!dom->moments && !(dom->moments = calloc(1, sizeof(*dom->moments)))) {
        oom(err);
        return NULL;
    }
    return list_of(dom, k);
}

size_t fl_snapshot_count(const fl_domain *dom)
{
    return dom->moments ? dom->moments->snapshots.count : 0;
}

size_t fl_checkpoint_count(const fl_domain *dom)
{
    return dom->moments ? dom->moments->checkpoints.count : 0;
}

fl_moment *fl_snapshot_current(const fl_domain *dom)
{
    return dom->moments ? dom->moments->snapshots.current : NULL;
}

static fl_moment *find(const fl_moment_list *l, const char *name)
{
    for (fl_moment *p = l && name ? l->head : NULL; p; p = p->next) {
        if (strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

static fl_moment *lookup(fl_domain *dom, const moment_kind *k, const char *name, vw_virerror *err)
{
    fl_moment *p = find(list_of(dom, k), name);
    if (!p)
        vw_virerror_report(err, k->not_found, VW_FROM_TEST, k->not_found_text,
                           "no domain %s with matching name '%s'", k->what, name);
    return p;
}

fl_moment *fl_snapshot_lookup(fl_domain *dom, const char *name, vw_virerror *err)
{
    return lookup(dom, &SNAPSHOT, name, err);
}

fl_moment *fl_checkpoint_lookup(fl_domain *dom, const char *name, vw_virerror *err)
{
    return lookup(dom, &CHECKPOINT, name, err);
}

void fl_moment_no_parent(bool checkpoint, const fl_moment *m, vw_virerror *err)
{
    const moment_kind *k = checkpoint ? &CHECKPOINT : &SNAPSHOT;
    vw_virerror_report(err, k->not_found, VW_FROM_TEST, k->not_found_text,
                       "%s '%s' does not have a parent", k->what, m->name);
}

/* ---- the tree ----------------------------------------------------------------------------------- */

static bool is_child(const fl_moment *p, const fl_moment *parent)
{
    if (!parent)
        return !p->parent;
    return p->parent && strcmp(p->parent, parent->name) == 0;
}

static bool has_children(const fl_moment_list *l, const fl_moment *m)
{
    for (const fl_moment *p = l->head; p; p = p->next) {
        if (is_child(p, m))
            return true;
    }
    return false;
}

static bool leaves_match(const fl_moment_list *l, const fl_moment *p, unsigned leaves,
                         unsigned leaf_flag, unsigned no_leaf_flag)
{
    if (leaves == leaf_flag && has_children(l, p))
        return false;
    return !(leaves == no_leaf_flag && !has_children(l, p));
}

/* virDomainSnapshotFilter and the metadata / leaves filters of virDomainMomentObjListGetNames */
static bool snapshot_matches(const fl_moment_list *l, const fl_moment *p, unsigned f)
{
    if ((f & FL_SNAP_LIST_NO_METADATA) && !(f & FL_SNAP_LIST_METADATA))
        return false;       /* every snapshot of the test driver has metadata */
    if (!leaves_match(l, p, f & (FL_SNAP_LIST_LEAVES | FL_SNAP_LIST_NO_LEAVES),
                      FL_SNAP_LIST_LEAVES, FL_SNAP_LIST_NO_LEAVES))
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

static bool checkpoint_matches(const fl_moment_list *l, const fl_moment *p, unsigned f)
{
    return leaves_match(l, p, f & (FL_CHECKPOINT_LIST_LEAVES | FL_CHECKPOINT_LIST_NO_LEAVES),
                        FL_CHECKPOINT_LIST_LEAVES, FL_CHECKPOINT_LIST_NO_LEAVES);
}

typedef struct {
    fl_moment **items;
    size_t n, cap;
    bool failed;
} moment_vec;

static void vec_push(moment_vec *v, fl_moment *p)
{
    if (v->failed)
        return;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        fl_moment **items = realloc(v->items, cap * sizeof(*items));
        if (!items) {
            v->failed = true;
            return;
        }
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = p;
}

/* Pre-order walk below parent (NULL = the roots), depth-limited by the count so a cycle made
 * by a redefinition cannot recurse for ever. */
static void collect(const fl_moment_list *l, const fl_moment *parent, bool recurse,
                    size_t depth, moment_vec *all)
{
    if (depth > l->count)
        return;
    for (fl_moment *p = l->head; p; p = p->next) {
        if (!is_child(p, parent))
            continue;
        vec_push(all, p);
        if (recurse)
            collect(l, p, true, depth + 1, all);
    }
}

static fl_moment **list_moments(const fl_moment_list *l, const moment_kind *k,
                                const fl_moment *from, unsigned flags, size_t *count)
{
    *count = 0;
    if (!l)
        return NULL;
    moment_vec all = {0};
    bool recurse = from ? (flags & 1) != 0 : !(flags & 1);   /* DESCENDANTS / ROOTS */
    collect(l, from, recurse, 0, &all);
    if (all.failed) {
        free(all.items);
        *count = (size_t)-1;
        return NULL;
    }
    size_t kept = 0;
    for (size_t i = 0; i < all.n; i++) {
        bool keep = k->checkpoint ? checkpoint_matches(l, all.items[i], flags)
                                  : snapshot_matches(l, all.items[i], flags);
        if (keep)
            all.items[kept++] = all.items[i];
    }
    *count = kept;
    if (kept == 0) {
        free(all.items);
        return NULL;
    }
    return all.items;
}

fl_moment **fl_snapshot_list(fl_domain *dom, const fl_moment *from, unsigned flags,
                             size_t *count)
{
    return list_moments(list_of(dom, &SNAPSHOT), &SNAPSHOT, from, flags, count);
}

fl_moment **fl_checkpoint_list(fl_domain *dom, const fl_moment *from, unsigned flags,
                               size_t *count)
{
    return list_moments(list_of(dom, &CHECKPOINT), &CHECKPOINT, from, flags, count);
}

/* ---- creation ----------------------------------------------------------------------------------- */

/* virDomainSnapshotAlignDisks / virDomainCheckpointAlignDisks with nothing asked: every disk of
 * the definition, skipped ("no") when it is read-only or has no source. */
static char *disks_xml(const domain_def *def, const moment_kind *k, const char *name)
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
        xml_buf_appendf(&b, "' %s='%s'", k->what,
                        no ? "no" : k->checkpoint ? "bitmap" : "internal");
        if (k->checkpoint && !no) {
            xml_buf_append(&b, " bitmap='");
            xml_buf_escape(&b, name);
            xml_buf_append(&b, "'");
        }
        xml_buf_append(&b, "/>\n");
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

/* The redefinition checks of the parsers (libvirt's virDomain{Snapshot,Checkpoint}DefParse). */
static int check_redefined(const xml_node *root, const moment_kind *k, vw_virerror *err)
{
    const char *created = child_text(root, "creationTime");
    char *end = NULL;
    if (!child_text(root, "name")) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, k->xml_domain, "XML error",
                           "a redefined %s must have a name", k->what);
        return -1;
    }
    if (!created || (strtoll(created, &end, 10), *end != '\0')) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, k->xml_domain, "internal error",
                           "missing creationTime from existing %s", k->what);
        return -1;
    }
    if (k->checkpoint)
        return 0;
    const char *state = child_text(root, "state");
    if (!state) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, k->xml_domain, "XML error",
                           "missing state from existing snapshot");
        return -1;
    }
    int st = state_from_name(state);
    if (st < 0) {
        vw_virerror_report(err, VW_ERR_CONFIG_UNSUPPORTED, k->xml_domain,
                           "unsupported configuration",
                           "Invalid state '%s' in domain snapshot XML", state);
        return -1;
    }
    const xml_node *memory = xml_tree_child(root, "memory");
    const char *saved = memory ? xml_tree_attr(memory, "snapshot") : NULL;
    if (saved && (strcmp(saved, "internal") == 0 || strcmp(saved, "external") == 0) &&
        (st == FL_STATE_SHUTOFF || st == FL_SNAP_DISK_SNAPSHOT)) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, k->xml_domain, "XML error",
                           "memory state cannot be saved with offline or disk-only snapshot");
        return -1;
    }
    return 0;
}

/* Appends the subtree of root's child name to a new string (NULL: none, or out of memory:
 * then *failed is set). */
static char *subtree(const xml_node *root, const char *name, int level, bool *failed)
{
    const xml_node *n = xml_tree_child(root, name);
    if (!n)
        return NULL;
    xml_buf b = {0};
    xml_tree_write(&b, n, level);
    char *out = xml_buf_finish(&b);
    if (!out)
        *failed = true;
    return out;
}

/* Fills p from the document: name, description, and with redefine creationTime, state, parent,
 * disks and the domain (whose uuid goes to uuid). Returns 0 or -1 (out of memory). */
static int fill_from_xml(fl_moment *p, const xml_node *root, bool redefine, char uuid[64])
{
    p->created = redefine ? strtoll(child_text(root, "creationTime"), NULL, 10)
                          : (long long)time(NULL);
    p->state = redefine ? state_from_name(child_text(root, "state")) : FL_STATE_NOSTATE;
    char name[32];
    snprintf(name, sizeof(name), "%lld", p->created);
    const char *given = child_text(root, "name");
    const char *description = child_text(root, "description");
    p->name = strdup(given ? given : name);
    p->description = snap_strdup(description);
    if (!p->name || (description && !p->description))
        return -1;
    if (!redefine)
        return 0;
    const xml_node *parent = xml_tree_child(root, "parent");
    const char *parent_name = parent ? child_text(parent, "name") : NULL;
    if (parent_name && !(p->parent = strdup(parent_name)))
        return -1;
    bool failed = false;
    p->disks_xml = subtree(root, "disks", 1, &failed);
    p->dom_xml = subtree(root, "domain", 0, &failed);
    const xml_node *dom = xml_tree_child(root, "domain");
    const char *u = dom ? child_text(dom, "uuid") : NULL;
    snprintf(uuid, 64, "%s", u ? u : "");
    return failed ? -1 : 0;
}

static fl_moment *parse_moment(const char *xml, const moment_kind *k, bool redefine,
                               char uuid[64], vw_virerror *err)
{
    vw_error xerr;
    char msg[256];
    xml_node *root = xml_tree_parse(xml, strlen(xml), &xerr);
    if (!root) {
        vw_virerror_report(err, VW_ERR_XML_DETAIL, k->xml_domain, "", "(domain_%s):%s", k->what,
                           xml_tree_error_text(&xerr, msg, sizeof(msg)));
        return NULL;
    }
    fl_moment *p = NULL;
    if (strcmp(root->name, k->root) != 0)
        vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_XML, "XML error",
                           "expecting root element of '%s', not '%s'", k->root, root->name);
    else if (!redefine || check_redefined(root, k, err) == 0) {
        p = calloc(1, sizeof(*p));
        if (!p || fill_from_xml(p, root, redefine, uuid) < 0) {
            moment_free(p);
            p = NULL;
            oom(err);
        }
    }
    xml_tree_free(root);
    return p;
}

/* virDomain{Snapshot,Checkpoint}RedefinePrep's checks of a redefined moment p (old: the one
 * of the same name, if any). Returns 0 or -1. */
static int check_redefinition(const fl_domain *dom, const fl_moment_list *l,
                              const moment_kind *k, const fl_moment *p, const fl_moment *old,
                              const char *uuid, vw_virerror *err)
{
    unsigned char want[16];
    char text[37];
    if (p->parent && !find(l, p->parent)) {
        vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_DOMAIN, "invalid argument",
                           "parent %s for moment %s not found", p->parent, p->name);
        return -1;
    }
    if (p->dom_xml && (vw_uuid_parse(uuid, want) < 0 || memcmp(want, dom->def->uuid, 16))) {
        vw_uuid_format(dom->def->uuid, text);
        vw_virerror_report(err, VW_ERR_INVALID_ARG, k->xml_domain, "invalid argument",
                           "definition for %s %s must use uuid %s", k->what, p->name, text);
        return -1;
    }
    if (k->checkpoint)
        return 0;
    bool online = p->state == FL_STATE_RUNNING || p->state == FL_STATE_PAUSED;
    if (old && online != (old->state == FL_STATE_RUNNING || old->state == FL_STATE_PAUSED)) {
        vw_virerror_report(err, VW_ERR_INVALID_ARG, k->xml_domain, "invalid argument",
                           "cannot change between online and offline snapshot state in snapshot %s",
                           p->name);
        return -1;
    }
    if (!p->dom_xml) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, k->xml_domain, "internal error",
                           "missing domain in snapshot");
        return -1;
    }
    return 0;
}

int fl_snapshot_create_check_flags(unsigned flags, vw_virerror *err)
{
    if ((flags & CREATE_CURRENT) && !(flags & CREATE_REDEFINE)) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN_SNAPSHOT, "virDomainSnapshotCreateXML",
                                       "ctl", "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required "
                                       "by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'");
        return -1;
    }
    return fl_check_flags(flags, CREATE_REDEFINE | CREATE_CURRENT | CREATE_HALT | CREATE_QUIESCE |
                                 CREATE_ATOMIC | CREATE_LIVE | CREATE_VALIDATE,
                          "testDomainSnapshotCreateXML", err);
}

int fl_checkpoint_create_check_flags(unsigned flags, vw_virerror *err)
{
    if ((flags & CHECKPOINT_REDEFINE_VALIDATE) && !(flags & CHECKPOINT_REDEFINE)) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN_CHECKPOINT,
                                       "virDomainCheckpointCreateXML",
                                       "ctl", "Flag 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE' is required "
                                       "by flag 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE'");
        return -1;
    }
    return fl_check_flags(flags, CHECKPOINT_REDEFINE | CHECKPOINT_QUIESCE,
                          "testDomainCheckpointCreateXML", err);
}

static void append(fl_moment_list *l, fl_moment *p)
{
    fl_moment **tail = &l->head;
    while (*tail)
        tail = &(*tail)->next;
    *tail = p;
    l->count++;
}

/* A redefinition replaces the moment of the same name in place. */
static fl_moment *replace(fl_moment_list *l, fl_moment *old, fl_moment *p)
{
    p->next = old->next;
    fl_moment **link = &l->head;
    while (*link != old)
        link = &(*link)->next;
    *link = p;
    if (l->current == old)
        l->current = p;
    moment_free(old);
    return p;
}

static bool has_disk(const domain_def *def)
{
    for (const xml_node *d = def->devices ? def->devices->children : NULL; d; d = d->next) {
        if (strcmp(d->name, "disk") == 0)
            return true;
    }
    return false;
}

/* The common part of both creations: parse, refuse a duplicate, take the domain's definition
 * (a new moment) or the document's (a redefined one), link under the current moment, add. */
static fl_moment *create_moment(fl_domain *dom, const moment_kind *k, const char *xml,
                                bool redefine, vw_virerror *err)
{
    char uuid[64] = "";
    fl_moment_list *l = list_make(dom, k, err);
    fl_moment *p = l ? parse_moment(xml, k, redefine, uuid, err) : NULL;
    if (!p)
        return NULL;
    if (k->checkpoint && !redefine && !has_disk(dom->def)) {
        /* virDomainCheckpointAlignDisks, before the name is looked at */
        vw_virerror_report(err, VW_ERR_CONFIG_UNSUPPORTED, VW_FROM_DOMAIN_CHECKPOINT,
                           "unsupported configuration",
                           "domain must have at least one disk to perform checkpoints");
        moment_free(p);
        return NULL;
    }
    fl_moment *old = find(l, p->name);
    if (old && !redefine) {
        vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_DOMAIN, "operation failed",
                           "domain moment %s already exists", p->name);
        moment_free(p);
        return NULL;
    }
    if (redefine && check_redefinition(dom, l, k, p, old, uuid, err) < 0) {
        moment_free(p);
        return NULL;
    }
    if (!redefine) {
        p->state = dom->state;
        p->dom_xml = domain_def_format(dom->def, -1, true, false);
        p->disks_xml = disks_xml(dom->def, k, p->name);
        if (!p->dom_xml || !p->disks_xml ||
            (l->current && !(p->parent = strdup(l->current->name)))) {
            oom(err);
            moment_free(p);
            return NULL;
        }
    }
    if (old)
        return replace(l, old, p);
    append(l, p);
    return p;
}

fl_moment *fl_snapshot_create(fl_model *m, fl_domain *dom, const char *xml, unsigned flags,
                              vw_virerror *err)
{
    bool redefine = (flags & CREATE_REDEFINE) != 0;
    if (fl_checkpoint_count(dom) > 0) {
        vw_virerror_report(err, VW_ERR_OPERATION_UNSUPPORTED, VW_FROM_TEST,
                           "Operation not supported",
                           "cannot create snapshot while checkpoint exists");
        return NULL;
    }
    if (!dom->persistent && (flags & CREATE_HALT)) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
                           "cannot halt after transient domain snapshot");
        return NULL;
    }
    fl_moment *p = create_moment(dom, &SNAPSHOT, xml, redefine, err);
    if (!p)
        return NULL;
    if (!redefine && (flags & CREATE_HALT) && fl_domain_is_active(dom))
        fl_domain_stopped(m, dom, SHUTOFF_FROM_SNAPSHOT, STOPPED_FROM_SNAPSHOT);
    if (!redefine || (flags & CREATE_CURRENT))
        dom->moments->snapshots.current = p;
    return p;
}

fl_moment *fl_checkpoint_create(fl_domain *dom, const char *xml, unsigned flags, vw_virerror *err)
{
    bool redefine = (flags & CHECKPOINT_REDEFINE) != 0;
    if (fl_snapshot_count(dom) > 0 || !fl_domain_is_active(dom)) {
        vw_virerror_report(err, VW_ERR_OPERATION_UNSUPPORTED, VW_FROM_TEST,
                           "Operation not supported",
                           "cannot create checkpoint %s", fl_snapshot_count(dom) > 0
                         ? "while snapshot exists" : "for inactive domain");
        return NULL;
    }
    fl_moment *p = create_moment(dom, &CHECKPOINT, xml, redefine, err);
    if (p && !redefine)
        dom->moments->checkpoints.current = p;
    return p;
}

/* ---- XML out ------------------------------------------------------------------------------------ */

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

static char *moment_xml(const fl_moment *p, const moment_kind *k, bool with_domain)
{
    xml_buf b = {0};
    xml_buf_appendf(&b, "<%s>\n", k->root);
    append_text_element(&b, "name", p->name);
    if (p->description)
        append_text_element(&b, "description", p->description);
    if (!k->checkpoint) {
        int st = p->state >= 0 && (size_t)p->state < N_STATES ? p->state : 0;
        xml_buf_appendf(&b, "  <state>%s</state>\n", state_names[st]);
    }
    if (p->parent) {
        xml_buf_append(&b, "  <parent>\n  ");
        append_text_element(&b, "name", p->parent);
        xml_buf_append(&b, "  </parent>\n");
    }
    xml_buf_appendf(&b, "  <creationTime>%lld</creationTime>\n", p->created);
    if (!k->checkpoint) {
        bool no = p->state == FL_STATE_SHUTOFF || p->state == FL_SNAP_DISK_SNAPSHOT;
        xml_buf_appendf(&b, "  <memory snapshot='%s'/>\n", no ? "no" : "internal");
    }
    if (p->disks_xml)
        xml_buf_append(&b, p->disks_xml);
    if (p->dom_xml && with_domain)
        append_indented(&b, p->dom_xml);
    xml_buf_appendf(&b, "</%s>\n", k->root);
    return xml_buf_finish(&b);
}

char *fl_snapshot_xml(const fl_moment *snap)
{
    return moment_xml(snap, &SNAPSHOT, true);
}

char *fl_checkpoint_xml(const fl_moment *chk, bool with_domain)
{
    return moment_xml(chk, &CHECKPOINT, with_domain);
}

/* ---- delete ------------------------------------------------------------------------------------- */

static int check_delete_flags(unsigned flags, unsigned supported, const char *api,
                              const char *prefix, const char *func, int domain, vw_virerror *err)
{
    if ((flags & DELETE_CHILDREN) && (flags & DELETE_CHILDREN_ONLY)) {
        vw_virerror_report_invalid_arg(err, domain, api, "flags",
                                       "Flags 'VIR_DOMAIN_%s_DELETE_CHILDREN' and "
                                       "'VIR_DOMAIN_%s_DELETE_CHILDREN_ONLY' are mutually exclusive",
                                       prefix, prefix);
        return -1;
    }
    return fl_check_flags(flags, supported, func, err);
}

int fl_snapshot_delete_check_flags(unsigned flags, vw_virerror *err)
{
    return check_delete_flags(flags, DELETE_CHILDREN | DELETE_CHILDREN_ONLY,
                              "virDomainSnapshotDelete", "SNAPSHOT", "testDomainSnapshotDelete",
                              VW_FROM_DOMAIN_SNAPSHOT, err);
}

int fl_checkpoint_delete_check_flags(unsigned flags, vw_virerror *err)
{
    return check_delete_flags(flags, DELETE_CHILDREN | DELETE_METADATA_ONLY | DELETE_CHILDREN_ONLY,
                              "virDomainCheckpointDelete", "CHECKPOINT",
                              "testDomainCheckpointDelete", VW_FROM_DOMAIN_CHECKPOINT, err);
}

static void remove_one(fl_moment_list *l, fl_moment *m)
{
    fl_moment **link = &l->head;
    while (*link && *link != m)
        link = &(*link)->next;
    if (*link)
        *link = m->next;
    l->count--;
    moment_free(m);
}

/* testDomainSnapshotDelete and testDomainCheckpointDelete alike: the descendants go with
 * CHILDREN or CHILDREN_ONLY (the current moment among them hands "current" to m), or else the
 * children move up to m's parent; then m goes, unless CHILDREN_ONLY (current passes to its
 * parent). */
static void delete_moment(fl_moment_list *l, const moment_kind *k, fl_moment *m,
                          unsigned flags)
{
    if (flags & (DELETE_CHILDREN | DELETE_CHILDREN_ONLY)) {
        size_t n = 0;
        fl_moment **below = list_moments(l, k, m, 1 /* DESCENDANTS */, &n);
        for (size_t i = 0; below && i < n; i++) {
            if (below[i] == l->current)
                l->current = m;
            remove_one(l, below[i]);
        }
        free(below);
    } else {
        for (fl_moment *p = l->head; p; p = p->next) {
            if (!is_child(p, m))
                continue;
            free(p->parent);
            p->parent = snap_strdup(m->parent); /* NULL on failure: a root, as for none */
        }
    }
    if (flags & DELETE_CHILDREN_ONLY)
        return;
    if (l->current == m)
        l->current = find(l, m->parent);
    remove_one(l, m);
}

void fl_snapshot_delete(fl_domain *dom, fl_moment *snap, unsigned flags)
{
    delete_moment(list_of(dom, &SNAPSHOT), &SNAPSHOT, snap, flags);
}

void fl_checkpoint_delete(fl_domain *dom, fl_moment *chk, unsigned flags)
{
    delete_moment(list_of(dom, &CHECKPOINT), &CHECKPOINT, chk, flags);
}

/* ---- revert ------------------------------------------------------------------------------------- */

int fl_snapshot_revert_check_flags(unsigned flags, vw_virerror *err)
{
    if ((flags & REVERT_RUNNING) && (flags & REVERT_PAUSED)) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN_SNAPSHOT, "virDomainRevertToSnapshot",
                                       "flags", "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and "
                                       "'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive");
        return -1;
    }
    return fl_check_flags(flags, REVERT_RUNNING | REVERT_PAUSED | REVERT_FORCE,
                          "testDomainRevertToSnapshot", err);
}

/* testDomainShutdownState: the domain stops but stays, transient or not. */
static void stop_keep(fl_model *m, fl_domain *dom)
{
    bool persistent = dom->persistent;
    dom->persistent = true;
    fl_domain_stopped(m, dom, SHUTOFF_FROM_SNAPSHOT, STOPPED_FROM_SNAPSHOT);
    dom->persistent = persistent;
}

static int check_revert(const fl_domain *dom, const fl_moment *snap, unsigned flags,
                        vw_virerror *err)
{
    bool live = snap->state == FL_STATE_RUNNING || snap->state == FL_STATE_PAUSED;
    if (!dom->persistent && !live && !(flags & (REVERT_RUNNING | REVERT_PAUSED))) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
                           "transient domain needs to request run or pause to revert to inactive "
                           "snapshot");
        return -1;
    }
    if (!snap->dom_xml && !(flags & REVERT_FORCE)) {
        vw_virerror_report(err, VW_ERR_SNAPSHOT_REVERT_RISKY, VW_FROM_TEST, "revert requires force",
                           "snapshot '%s' lacks domain '%s' rollback info", snap->name,
                           dom->def->name);
        return -1;
    }
    return 0;
}

/* The definition the snapshot holds replaces the domain's (config and live alike). */
static int load_definition(fl_domain *dom, const fl_moment *snap, vw_virerror *err)
{
    if (!snap->dom_xml)
        return 0;
    domain_def *def = domain_def_parse(snap->dom_xml, err);
    if (!def) {
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
static int revert_live(fl_model *m, fl_domain *dom, const fl_moment *snap, unsigned flags,
                       vw_virerror *err)
{
    if (fl_domain_is_active(dom))
        stop_keep(m, dom);
    if (load_definition(dom, snap, err) < 0 ||
        fl_domain_start_as(m, dom, RUNNING_FROM_SNAPSHOT, STARTED_FROM_SNAPSHOT, err) < 0)
        return -1;
    if (!(flags & REVERT_RUNNING) && (snap->state == FL_STATE_PAUSED || (flags & REVERT_PAUSED)))
        fl_domain_set_state(m, dom, FL_STATE_PAUSED, PAUSED_FROM_SNAPSHOT, FL_EVENT_SUSPENDED,
                            SUSPENDED_FROM_SNAPSHOT);
    return 0;
}

/* A snapshot of a stopped domain: the domain stops. With RUNNING or PAUSED the test driver then
 * sends the Started (and Suspended) events but leaves the domain stopped. */
static int revert_inactive(fl_model *m, fl_domain *dom, const fl_moment *snap,
                           unsigned flags, vw_virerror *err)
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

int fl_snapshot_revert(fl_model *m, fl_domain *dom, fl_moment *snap, unsigned flags,
                       vw_virerror *err)
{
    if (check_revert(dom, snap, flags, err) < 0)
        return -1;
    fl_moment_list *l = list_of(dom, &SNAPSHOT);
    l->current = NULL;
    bool live = snap->state == FL_STATE_RUNNING || snap->state == FL_STATE_PAUSED;
    int rc = live ? revert_live(m, dom, snap, flags, err)
                  : revert_inactive(m, dom, snap, flags, err);
    if (rc == 0)
        l->current = snap;
    return rc;
}

int fl_snapshot_check_undefine(const fl_domain *dom, unsigned flags, vw_virerror *err)
{
    size_t n = fl_snapshot_count(dom);
    if (fl_domain_is_active(dom) || n == 0 || (flags & 2 /* SNAPSHOTS_METADATA */))
        return 0;
    vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                       "Requested operation is not valid",
                       "cannot delete inactive domain with %zu snapshots", n);
    return -1;
}
