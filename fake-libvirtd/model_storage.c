/* model_storage.c: storage pools' life cycle and volumes (see model_storage.h). */
#include "model_storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "release.h"
#include "xml_tree.h"

#define POOL_DEFAULT_CAPACITY 107374182400ULL   /* the test driver's defaultPoolCap */

static void oom(vw_virerror *err)
{
    vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_STORAGE, "internal error",
                       "out of memory");
}

static void vol_free(fl_volume *v)
{
    free(v->name);
    free(v->key);
    free(v->path);
    free(v->type);
    free(v->format);
    free(v);
}

static void vols_free(fl_volume *v)
{
    while (v) {
        fl_volume *next = v->next;
        vol_free(v);
        v = next;
    }
}

/* Takes v out of the model's key and path indexes (its pool's name index goes with the
 * pool's extension, or is the caller's). */
static void vol_unindex(fl_model *m, fl_volume *v)
{
    fl_index_del(&m->vol_by_key, v->key, strlen(v->key), v);
    fl_index_del(&m->vol_by_path, v->path, strlen(v->path), v);
}

/* vol_unindex for v and the volumes after it. */
static void vols_unindex(fl_model *m, fl_volume *v)
{
    for (; v; v = v->next)
        vol_unindex(m, v);
}

/* fl_index_find's filter for fl_vol_find_key: libvirt searches the active pools only. */
static int in_active_pool(const void *item, void *ctx)
{
    (void)ctx;
    return ((const fl_volume *)item)->pool->active;
}

void fl_pool_ext_free(struct fl_pool_ext *ext)
{
    if (!ext)
        return;
    fl_index_clear(&ext->vol_by_name);
    vols_free(ext->vols);
    free(ext->type);
    free(ext->target);
    free(ext);
}

/* ---- pool types ----------------------------------------------------------------------------- */

/* The source elements a pool type keeps (libvirt's poolTypeInfo flags); the others are
 * dropped as libvirt's parser ignores them. */
enum {
    SRC_HOST = 1,
    SRC_DEVICE = 2,
    SRC_DIR = 4,
    SRC_ADAPTER = 8,
    SRC_NAME = 16,       /* the pool's name by default, unless required */
    SRC_INITIATOR = 32,
    SRC_FORMAT = 64,
};

typedef struct {
    const char *name;
    int vol_type;        /* virStorageVolType of its volumes: file 0, block 1, network 3 */
    bool needs_target;   /* "missing storage pool target path" without one */
    const char *source_format; /* the format the parser fills in when the XML gives none */
    unsigned keeps;      /* SRC_* the source may have */
    unsigned requires;   /* SRC_* it must have */
    const char *target_prefix; /* the target is this + the source name (logical, zfs) */
    bool network;        /* no target at all (rbd, sheepdog, gluster) */
} pool_type;

#define H SRC_HOST
#define DV SRC_DEVICE
#define DR SRC_DIR
#define N SRC_NAME
#define F SRC_FORMAT
static const pool_type pool_types[] = {
    {"dir", 0, true, NULL, 0, 0, NULL, false},
    {"fs", 0, true, "auto", DV | F, DV, NULL, false},
    {"netfs", 0, true, "auto", H | DR | F, H | DR, NULL, false},
    {"logical", 1, false, "lvm2", N | DV | F, 0, "/dev/", false},
    {"disk", 1, true, "unknown", DV | F, DV, NULL, false},
    {"iscsi", 1, true, NULL, H | DV | SRC_INITIATOR, H, NULL, false},
    {"iscsi-direct", 3, false, NULL, H | DV | SRC_INITIATOR, H | SRC_INITIATOR, NULL, false},
    {"scsi", 1, true, NULL, SRC_ADAPTER, SRC_ADAPTER, NULL, false},
    {"mpath", 1, true, NULL, 0, 0, NULL, false},
    {"rbd", 3, false, NULL, H | N, H | N, NULL, true},
    {"sheepdog", 3, false, NULL, H | N, H, NULL, true},
    {"gluster", 3, false, NULL, H | DR | N, H, NULL, true},
    {"zfs", 1, false, NULL, N | DV, 0, "/dev/zvol/", false},
    {"vstorage", 0, true, NULL, N, 0, NULL, false},
};
#undef H
#undef DV
#undef DR
#undef N
#undef F

static const pool_type *find_pool_type(const char *name)
{
    for (size_t i = 0; name && i < sizeof(pool_types) / sizeof(pool_types[0]); i++) {
        if (strcmp(pool_types[i].name, name) == 0)
            return &pool_types[i];
    }
    return NULL;
}

bool fl_pool_type_known(const char *name)
{
    return find_pool_type(name) != NULL;
}

/* ---- the pool's extension and XML ----------------------------------------------------------- */

static const char *child_text(const xml_node *n, const char *name)
{
    const xml_node *c = n ? xml_tree_child(n, name) : NULL;
    return c ? c->text : NULL;
}

struct fl_pool_ext *fl_pool_ext(fl_object *pool, vw_virerror *err)
{
    if (pool->pool_ext)
        return pool->pool_ext;
    xml_node *root = pool->xml ? xml_tree_parse(pool->xml, strlen(pool->xml), NULL) : NULL;
    const char *type = root ? xml_tree_attr(root, "type") : NULL;
    const char *path = root ? child_text(xml_tree_child(root, "target"), "path") : NULL;
    struct fl_pool_ext *ext = calloc(1, sizeof(*ext));
    char fallback[4096];
    snprintf(fallback, sizeof(fallback), "/%s", pool->name);
    if (ext) {
        ext->type = strdup(type ? type : "dir");
        ext->target = strdup(path ? path : fallback);
    }
    xml_tree_free(root);
    if (!ext || !ext->type || !ext->target) {
        fl_pool_ext_free(ext);
        oom(err);
        return NULL;
    }
    pool->pool_ext = ext;
    return ext;
}

/* Replaces the number in "<tag unit='bytes'>N</tag>" of the pool's XML. */
static void set_xml_size(fl_object *pool, const char *tag, unsigned long long value)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s unit='bytes'>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    char *start = pool->xml ? strstr(pool->xml, open) : NULL;
    char *end = start ? strstr(start, close) : NULL;
    if (!end)
        return;
    start += strlen(open);
    size_t head = (size_t)(start - pool->xml), tail = strlen(end);
    char num[32];
    int nlen = snprintf(num, sizeof(num), "%llu", value);
    char *out = malloc(head + (size_t)nlen + tail + 1);
    if (!out)
        return;   /* the XML keeps the old figure */
    memcpy(out, pool->xml, head);
    memcpy(out + head, num, (size_t)nlen);
    memcpy(out + head + (size_t)nlen, end, tail + 1);
    free(pool->xml);
    pool->xml = out;
}

static void pool_set_allocation(fl_object *pool, unsigned long long allocation)
{
    pool->allocation = allocation;
    pool->available = pool->capacity - allocation;
    set_xml_size(pool, "allocation", pool->allocation);
    set_xml_size(pool, "available", pool->available);
}

/* The source's children the type keeps, in virStoragePoolSourceFormat's order, with the
 * parser's defaults for the name, gluster's directory and the format. */
static void format_source(xml_buf *b, const xml_node *src, const pool_type *t, const char *name)
{
    static const struct { const char *element; unsigned flag; } order[] = {
        {"host", SRC_HOST}, {"device", SRC_DEVICE}, {"dir", SRC_DIR}, {"adapter", SRC_ADAPTER},
        {"name", SRC_NAME}, {"initiator", SRC_INITIATOR}, {"format", SRC_FORMAT},
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(t->keeps & order[i].flag))
            continue;
        for (const xml_node *c = src ? src->children : NULL; c; c = c->next) {
            if (strcmp(c->name, order[i].element) == 0)
                xml_tree_write(b, c, 2);
        }
        if (src && xml_tree_child(src, order[i].element))
            continue;
        if (order[i].flag == SRC_NAME) {
            xml_buf_append(b, "    <name>");
            xml_buf_escape(b, name);
            xml_buf_append(b, "</name>\n");
        } else if (order[i].flag == SRC_DIR && t->network) {
            xml_buf_append(b, "    <dir path='/'/>\n");
        } else if (order[i].flag == SRC_FORMAT) {
            xml_buf_appendf(b, "    <format type='%s'/>\n", t->source_format);
        }
    }
}

/* virStoragePoolDefFormat's layout for what the model keeps. */
static char *format_pool(const xml_node *root, const pool_type *t, const char *name,
                         const unsigned char uuid[16], const char *target)
{
    char u[37];
    vw_uuid_format(uuid, u);
    xml_buf b = {0};
    xml_buf_appendf(&b, "<pool type='%s'>\n  <name>", t->name);
    xml_buf_escape(&b, name);
    xml_buf_appendf(&b,
                    "</name>\n  <uuid>%s</uuid>\n"
                    "  <capacity unit='bytes'>%llu</capacity>\n"
                    "  <allocation unit='bytes'>0</allocation>\n"
                    "  <available unit='bytes'>%llu</available>\n  <source>\n",
                    u, POOL_DEFAULT_CAPACITY, POOL_DEFAULT_CAPACITY);
    const xml_node *src = xml_tree_child(root, "source");
    format_source(&b, src, t, name);
    xml_buf_append(&b, "  </source>\n");
    const char *src_name = src ? child_text(src, "name") : NULL;
    if (t->target_prefix) {
        xml_buf_appendf(&b, "  <target>\n    <path>%s", t->target_prefix);
        xml_buf_escape(&b, src_name ? src_name : name);
        xml_buf_append(&b, "</path>\n  </target>\n");
    } else if (target && !t->network) {
        xml_buf_append(&b, "  <target>\n    <path>");
        xml_buf_escape(&b, target);
        xml_buf_append(&b, "</path>\n  </target>\n");
    }
    xml_buf_append(&b, "</pool>\n");
    return xml_buf_finish(&b);
}

/* The source formats a type knows (virStoragePoolFormat*), NULL for a type without any. */
static const char *known_formats(const char *type)
{
    if (strcmp(type, "fs") == 0)
        return " auto ext2 ext3 ext4 ufs iso9660 udf gfs gfs2 vfat hfs+ xfs ocfs2 vmfs ";
    if (strcmp(type, "netfs") == 0)
        return " auto nfs glusterfs cifs ";
    if (strcmp(type, "disk") == 0)
        return " unknown dos dvh gpt mac bsd pc98 sun lvm2 ";
    if (strcmp(type, "logical") == 0)
        return " unknown lvm2 ";
    return NULL;
}

/* A source format the type does not know: 0, or -1 with the parser's error. */
static int check_format(const pool_type *t, const xml_node *root, vw_virerror *err)
{
    const xml_node *src = xml_tree_child(root, "source");
    const xml_node *f = src ? xml_tree_child(src, "format") : NULL;
    const char *type = f ? xml_tree_attr(f, "type") : NULL;
    const char *known = known_formats(t->name);
    char word[64];
    snprintf(word, sizeof(word), " %s ", type ? type : "");
    if (!type || !known || strstr(known, word))
        return 0;
    vw_virerror_report(err, VW_ERR_CONFIG_UNSUPPORTED, VW_FROM_STORAGE, "unsupported configuration",
                       "unknown pool format type %s", type);
    return -1;
}

/* The source elements the type requires: 0, or -1 with the parser's error. */
static int check_source(const pool_type *t, const xml_node *root, vw_virerror *err)
{
    static const struct { unsigned flag; const char *element, *missing; } rules[] = {
        {SRC_HOST, "host", "missing storage pool source host name"},
        {SRC_DIR, "dir", "missing storage pool source path"},
        {SRC_ADAPTER, "adapter", "missing storage pool source adapter"},
        {SRC_DEVICE, "device", "missing storage pool source device name"},
        {SRC_NAME, "name", "element 'name' is mandatory for RBD pool"},
    };
    const xml_node *src = xml_tree_child(root, "source");
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if ((t->requires & rules[i].flag) && !(src && xml_tree_child(src, rules[i].element))) {
            vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_STORAGE, "XML error", "%s",
                               rules[i].missing);
            return -1;
        }
    }
    const xml_node *ini = src ? xml_tree_child(src, "initiator") : NULL;
    const xml_node *iqn = ini ? xml_tree_child(ini, "iqn") : NULL;
    if ((t->requires & SRC_INITIATOR) && !(iqn && xml_tree_attr(iqn, "name"))) {
        vw_virerror_report(err, VW_ERR_CONFIG_UNSUPPORTED, VW_FROM_STORAGE,
                           "unsupported configuration",
                           "missing initiator IQN");
        return -1;
    }
    return 0;
}

/* ---- parsing -------------------------------------------------------------------------------- */

xml_node *fl_storage_xml_parse(const char *text, const char *what, vw_virerror *err)
{
    char perr[256];
    size_t skip = strspn(text, " \t\r\n");
    if (text[skip] != '<') {
        /* libxml2's words for the commonest mistake, text that is no XML at all, with the
         * line in question and libvirt's "--^" under the column */
        int line = 1;
        const char *start = text;
        for (const char *p = text; p < text + skip; p++) {
            if (*p == '\n') {
                line++;
                start = p + 1;
            }
        }
        int len = (int)strcspn(start, "\n"), col = (int)(text + skip - start);
        char dashes[81];
        memset(dashes, '-', sizeof(dashes) - 1);
        vw_virerror_report(err, VW_ERR_XML_DETAIL, VW_FROM_STORAGE, "",
                           "(%s):%d: Start tag expected, '<' not found\n%.*s\n%.*s^", what, line,
                           len > 80 ? 80 : len, start, col > 80 ? 80 : col, dashes);
        return NULL;
    }
    vw_error xerr;
    xml_node *root = xml_tree_parse(text, strlen(text), &xerr);
    if (!root)
        vw_virerror_report(err, VW_ERR_XML_DETAIL, VW_FROM_STORAGE, "", "(%s):%s", what,
                           xml_tree_error_text(&xerr, perr, sizeof(perr)));
    return root;
}

/* ---- pools ---------------------------------------------------------------------------------- */

fl_object *fl_pool_find(fl_model *m, const char *name, int need_active, vw_virerror *err)
{
    fl_object *p = fl_index_get(&m->obj_by_name[FL_OBJ_POOL], name, strlen(name));
    if (!p) {
        vw_virerror_report(err, VW_ERR_NO_STORAGE_POOL, VW_FROM_TEST, "Storage pool not found",
                           "no storage pool with matching name '%s'", name);
        return NULL;
    }
    if (need_active > 0 && !p->active) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
                           "storage pool '%s' is not active", name);
        return NULL;
    }
    if (need_active < 0 && p->active) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
                           "storage pool '%s' is active", name);
        return NULL;
    }
    return p;
}

static void xml_error(vw_virerror *err, int domain, const char *fmt, const char *a, const char *b)
{
    vw_virerror_report(err, VW_ERR_XML_ERROR, domain, "XML error", fmt, a, b);
}

/* virStoragePoolObjIsDuplicate, in its order (by UUID, then by name): 1 when an inactive (or,
 * defining, any) pool of the same name and uuid is to be replaced (*old set), 0 when new, -1
 * with err. */
static int pool_duplicate(fl_model *m, const char *name, const unsigned char uuid[16], bool create,
                          fl_object **old, vw_virerror *err)
{
    char u[37];
    fl_object *p = fl_index_get(&m->obj_by_uuid[FL_OBJ_POOL], uuid, 16);
    if (p) {
        vw_uuid_format(p->uuid, u);
        if (strcmp(p->name, name) != 0) {
            vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_STORAGE, "operation failed",
                               "pool '%s' is already defined with uuid %s", p->name, u);
            return -1;
        }
        if (create && p->active) {
            vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_STORAGE,
                               "Requested operation is not valid", "pool is already active as '%s'",
                               p->name);
            return -1;
        }
        *old = p;
        return 1;
    }
    if ((p = fl_index_get(&m->obj_by_name[FL_OBJ_POOL], name, strlen(name)))) {
        vw_uuid_format(p->uuid, u);
        vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_STORAGE, "operation failed",
                           "pool '%s' already exists with uuid %s", name, u);
        return -1;
    }
    return 0;
}

/* Parses a pool definition; fills the out-parameters (pointers into root). */
static xml_node *parse_pool(const char *xml, const pool_type **t, const char **name,
                            unsigned char uuid[16], const char **target, vw_virerror *err)
{
    xml_node *root = fl_storage_xml_parse(xml, "storage_pool_definition", err);
    if (!root)
        return NULL;
    const char *type = xml_tree_attr(root, "type");
    const char *u = child_text(root, "uuid");
    *name = child_text(root, "name");
    *target = child_text(xml_tree_child(root, "target"), "path");
    if (strcmp(root->name, "pool") != 0)
        xml_error(err, VW_FROM_XML, "expecting root element of '%s', not '%s'", "pool", root->name);
    else if (!type)
        xml_error(err, VW_FROM_XML, "Missing required attribute '%s' in element '%s'", "type",
                  "pool");
    else if (!(*t = find_pool_type(type)))
        vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_XML, "XML error",
                           "Invalid value for attribute 'type' in element 'pool': '%s'.", type);
    else if (check_format(*t, root, err) < 0)
        ; /* err set */
    else if (!*name)
        xml_error(err, VW_FROM_STORAGE, "missing pool source name element%s%s", "", "");
    else if (u && vw_uuid_parse(u, uuid) < 0)
        xml_error(err, VW_FROM_STORAGE, "malformed uuid element%s%s", "", "");
    else if (check_source(*t, root, err) < 0)
        ; /* err set */
    else if ((*t)->needs_target && !*target)
        xml_error(err, VW_FROM_STORAGE, "missing storage pool target path%s%s", "", "");
    else {
        if (!u)
            vw_uuid_generate(uuid);
        return root;
    }
    xml_tree_free(root);
    return NULL;
}

/* A definition over a pool of the same name and uuid: an inactive one takes the new config
 * (type and target too), an active one keeps its live one (the test driver never applies the
 * pending one); either way the volumes stay and the test driver's defaults reset the sizes. */
static fl_object *redefine(fl_object *old, char *text, bool create, vw_virerror *err)
{
    if (old->active) {
        free(text);
    } else {
        struct fl_pool_ext *ext = fl_pool_ext(old, err);
        if (!ext) {
            free(text);
            return NULL;
        }
        struct fl_pool_ext kept = *ext; /* the volumes and their index carry over */
        ext->vols = ext->vols_tail = NULL;
        ext->vol_by_name = (fl_index){0};
        fl_pool_ext_free(ext);
        old->pool_ext = NULL;
        free(old->xml);
        old->xml = text;
        if (!(ext = fl_pool_ext(old, err))) {
            fl_index_clear(&kept.vol_by_name);
            vols_unindex(old->model, kept.vols);
            vols_free(kept.vols);
            return NULL;
        }
        ext->vols = kept.vols;
        ext->vols_tail = kept.vols_tail;
        ext->vol_by_name = kept.vol_by_name;
    }
    old->capacity = POOL_DEFAULT_CAPACITY;
    set_xml_size(old, "capacity", old->capacity);
    pool_set_allocation(old, 0);
    old->persistent = !create;
    old->active = old->active || create;
    return old;
}

/* What two pools of a type must not share (virStoragePoolObjSourceFindDuplicate, for the types
 * the model tells apart): "" when the type is not checked. Read from the formatted XML, so the
 * parser's defaults count. */
static void source_key(const char *xml, char *out, size_t n)
{
    xml_node *root = xml_tree_parse(xml, strlen(xml), NULL);
    const char *type = root ? xml_tree_attr(root, "type") : NULL;
    const xml_node *src = root ? xml_tree_child(root, "source") : NULL;
    const xml_node *host = src ? xml_tree_child(src, "host") : NULL;
    const xml_node *dev = src ? xml_tree_child(src, "device") : NULL;
    const xml_node *dir = src ? xml_tree_child(src, "dir") : NULL;
    const char *h = host ? xml_tree_attr(host, "name") : NULL;
    const char *d = dir ? xml_tree_attr(dir, "path") : NULL;
    const char *v = dev ? xml_tree_attr(dev, "path") : NULL;
    const char *nm = src ? child_text(src, "name") : NULL;
    const char *tp = root ? child_text(xml_tree_child(root, "target"), "path") : NULL;
    out[0] = '\0';
    if (!type)
        ;
    else if (strcmp(type, "dir") == 0 && tp)
        snprintf(out, n, "dir\n%s", tp);
    else if (strcmp(type, "mpath") == 0)
        snprintf(out, n, "mpath");
    else if (strcmp(type, "netfs") == 0 && h && d)
        snprintf(out, n, "netfs\n%s\n%s", h, d);
    else if (v && (!strcmp(type, "fs") || !strcmp(type, "disk") || !strcmp(type, "logical") ||
                   !strcmp(type, "zfs")))
        snprintf(out, n, "device\n%s", v);
    else if (strcmp(type, "sheepdog") == 0 && h)
        snprintf(out, n, "sheepdog\n%s", h);
    else if (strcmp(type, "gluster") == 0 && nm && h)
        snprintf(out, n, "gluster\n%s\n%s\n%s", nm, h, d ? d : "");
    else if (strcmp(type, "vstorage") == 0 && nm)
        snprintf(out, n, "vstorage\n%s", nm);
    xml_tree_free(root);
}

/* True, with "Storage source conflict with pool", when another pool has the same storage. */
static bool source_conflict(fl_model *m, const char *name, const char *xml, vw_virerror *err)
{
    char mine[4200], theirs[4200];
    source_key(xml, mine, sizeof(mine));
    for (fl_object *p = mine[0] ? m->pools : NULL; p; p = p->next) {
        if (strcmp(p->name, name) == 0 || !p->xml)
            continue;
        source_key(p->xml, theirs, sizeof(theirs));
        if (strcmp(mine, theirs) == 0) {
            vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_STORAGE, "operation failed",
                               "Storage source conflict with pool: '%s'", p->name);
            return true;
        }
    }
    return false;
}

fl_object *fl_pool_define(fl_model *m, const char *xml, bool create, vw_virerror *err)
{
    const pool_type *t = NULL;
    const char *name = NULL, *target = NULL;
    unsigned char uuid[16];
    xml_node *root = parse_pool(xml, &t, &name, uuid, &target, err);
    if (!root)
        return NULL;
    fl_object *old = NULL;
    fl_object *p = NULL;
    char *text = NULL;
    int dup = pool_duplicate(m, name, uuid, create, &old, err);
    if (dup >= 0 && !(text = format_pool(root, t, name, uuid, target)))
        oom(err);
    if (text && source_conflict(m, name, text, err)) {
        free(text);
        text = NULL;
    }
    if (text && old) {
        p = redefine(old, text, create, err);
    } else if (text) {
        char u[37];
        vw_uuid_format(uuid, u);
        if (fl_model_add_pool(m, name, u, create, !create, false, POOL_DEFAULT_CAPACITY, 0,
                              POOL_DEFAULT_CAPACITY, text, err) == 0)
            p = fl_pool_find(m, name, 0, err);
        free(text);
    }
    xml_tree_free(root);
    return p;
}

void fl_pool_remove(fl_model *m, fl_object *pool)
{
    if (pool->pool_ext)
        vols_unindex(m, pool->pool_ext->vols);
    fl_object_remove(m, FL_OBJ_POOL, pool);
}

/* ---- volumes -------------------------------------------------------------------------------- */

size_t fl_vol_count(fl_object *pool)
{
    size_t n = 0;
    for (fl_volume *v = pool->pool_ext ? pool->pool_ext->vols : NULL; v; v = v->next)
        n++;
    return n;
}

static fl_volume *vol_lookup(fl_object *pool, const char *name)
{
    return pool->pool_ext ? fl_index_get(&pool->pool_ext->vol_by_name, name, strlen(name))
                          : NULL;
}

fl_volume *fl_vol_find(fl_object *pool, const char *name, vw_virerror *err)
{
    fl_volume *v = vol_lookup(pool, name);
    if (!v)
        vw_virerror_report(err, VW_ERR_NO_STORAGE_VOL, VW_FROM_TEST, "Storage volume not found",
                           "no storage vol with matching name '%s'", name);
    return v;
}

fl_volume *fl_vol_find_key(fl_model *m, const char *key, bool by_path, fl_object **pool_out,
                           vw_virerror *err)
{
    fl_volume *v = fl_index_find(by_path ? &m->vol_by_path : &m->vol_by_key, key, strlen(key),
                                 in_active_pool, NULL);
    if (v) {
        *pool_out = v->pool;
        return v;
    }
    vw_virerror_report(err, VW_ERR_NO_STORAGE_VOL, VW_FROM_TEST, "Storage volume not found",
                       "no storage vol with matching %s '%s'", by_path ? "path" : "key", key);
    return NULL;
}

/* virScaleInteger's units: bytes, then K/KiB (1024) and KB (1000) up to E. */
static int scale(const char *unit, unsigned long long *value, vw_virerror *err)
{
    static const char prefixes[] = "kmgtpe";
    if (!unit || !*unit || strcasecmp(unit, "b") == 0 || strcasecmp(unit, "byte") == 0 ||
        strcasecmp(unit, "bytes") == 0)
        return 0;
    const char *at = strchr(prefixes, unit[0] | 0x20);
    unsigned long long base = 0;
    if (at && (!unit[1] || strcasecmp(unit + 1, "ib") == 0))
        base = 1024;
    else if (at && strcasecmp(unit + 1, "b") == 0)
        base = 1000;
    if (!base) {
        vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_NONE, "invalid argument",
                           "unknown suffix '%s'", unit);
        return -1;
    }
    for (long i = 0; i <= at - prefixes; i++) {
        if (*value > ~0ULL / base) {
            vw_virerror_report(err, 77 /* VIR_ERR_OVERFLOW */, VW_FROM_NONE, "value too large",
                               "value too large: %s", unit);
            return -1;
        }
        *value *= base;
    }
    return 0;
}

/* A size element: 1 found (*value set), 0 absent, -1 with err. */
static int parse_size(const xml_node *root, const char *tag, unsigned long long *value,
                      vw_virerror *err)
{
    const xml_node *n = xml_tree_child(root, tag);
    if (!n)
        return 0;
    char *end = NULL;
    const char *s = n->text ? n->text : "";
    *value = strtoull(s, &end, 10);
    if (!*s || *end || *s == '-') {
        /* virStorageSize's words, for the allocation too */
        vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_STORAGE, "XML error",
                           "malformed capacity element");
        return -1;
    }
    return scale(xml_tree_attr(n, "unit"), value, err) < 0 ? -1 : 1;
}

static fl_volume *vol_new(struct fl_pool_ext *ext, const char *name, const char *type,
                          const char *format)
{
    const pool_type *t = find_pool_type(ext->type);
    fl_volume *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->info_type = t ? t->vol_type : 0;
    size_t len = strlen(ext->target) + strlen(name) + 2;
    v->name = strdup(name);
    v->type = strdup(type ? type : "file"); /* the parser's default, whatever the pool */
    v->path = malloc(len);
    if (v->path)
        snprintf(v->path, len, "%s/%s", ext->target, name);
    v->key = v->path ? strdup(v->path) : NULL;
    if (t && t->vol_type == 0)
        v->format = strdup(format ? format : "raw");
    if (!v->name || !v->type || !v->key || (t && t->vol_type == 0 && !v->format)) {
        vol_free(v);
        return NULL;
    }
    return v;
}

/* Appends v to the pool and indexes it (by name in the pool, by key and path in the model).
 * Returns 0, or -1 when memory runs out (v freed, nothing changed). */
static int vol_append(fl_object *pool, fl_volume *v)
{
    struct fl_pool_ext *ext = pool->pool_ext;
    fl_model *m = pool->model;
    int added = 0;
    if (fl_index_put(&ext->vol_by_name, v->name, strlen(v->name), v) == 0 && ++added &&
        fl_index_put(&m->vol_by_key, v->key, strlen(v->key), v) == 0 && ++added &&
        fl_index_put(&m->vol_by_path, v->path, strlen(v->path), v) == 0) {
        v->pool = pool;
        v->prev = ext->vols_tail;
        if (v->prev)
            v->prev->next = v;
        else
            ext->vols = v;
        ext->vols_tail = v;
        pool_set_allocation(pool, pool->allocation + v->allocation);
        return 0;
    }
    if (added > 1)
        fl_index_del(&m->vol_by_key, v->key, strlen(v->key), v);
    if (added > 0)
        fl_index_del(&ext->vol_by_name, v->name, strlen(v->name), v);
    vol_free(v);
    return -1;
}

/* virStorageVolDefParseString's checks, then the test driver's. */
fl_volume *fl_vol_create(fl_object *pool, const char *xml, const char *clone_of, vw_virerror *err)
{
    struct fl_pool_ext *ext = fl_pool_ext(pool, err);
    if (!ext)
        return NULL;
    xml_node *root = fl_storage_xml_parse(xml, "storage_volume_definition", err);
    if (!root)
        return NULL;
    const char *name = child_text(root, "name");
    unsigned long long cap = 0, alloc = 0;
    int has_cap = 0, has_alloc = 0;
    fl_volume *v = NULL;
    if (strcmp(root->name, "volume") != 0)
        xml_error(err, VW_FROM_XML, "expecting root element of '%s', not '%s'", "volume",
                  root->name);
    else if (!name)
        xml_error(err, VW_FROM_STORAGE, "missing volume name element%s%s", "", "");
    else if ((has_cap = parse_size(root, "capacity", &cap, err)) == 0)
        xml_error(err, VW_FROM_STORAGE, "missing capacity element%s%s", "", "");
    else if (has_cap > 0 && (has_alloc = parse_size(root, "allocation", &alloc, err)) >= 0) {
        if (vol_lookup(pool, name)) {
            vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_TEST, "operation failed",
                               "storage vol already exists");
        } else if (clone_of && !fl_vol_find(pool, clone_of, err)) {
            /* err set */
        } else if (pool->allocation + (has_alloc ? alloc : cap) > pool->capacity) {
            vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                               "Not enough free space in pool for volume '%s'", name);
        } else if (!(v = vol_new(ext, name, xml_tree_attr(root, "type"),
                                 xml_tree_attr(xml_tree_child(xml_tree_child(root, "target"),
                                                              "format"), "type")))) {
            oom(err);
        } else {
            v->capacity = cap;
            v->allocation = has_alloc ? alloc : cap;
            if (vol_append(pool, v) < 0) {
                v = NULL;
                oom(err);
            }
        }
    }
    xml_tree_free(root);
    return v;
}

int fl_vol_delete(fl_object *pool, const char *name, vw_virerror *err)
{
    fl_volume *v = fl_vol_find(pool, name, err);
    if (!v)
        return -1;
    struct fl_pool_ext *ext = pool->pool_ext;
    fl_index_del(&ext->vol_by_name, v->name, strlen(v->name), v);
    vol_unindex(pool->model, v);
    if (v->prev)
        v->prev->next = v->next;
    else
        ext->vols = v->next;
    if (v->next)
        v->next->prev = v->prev;
    else
        ext->vols_tail = v->prev;
    pool_set_allocation(pool, pool->allocation - v->allocation);
    vol_free(v);
    return 0;
}

char *fl_vol_xml(const fl_object *pool, const fl_volume *v)
{
    (void)pool;
    xml_buf b = {0};
    xml_buf_append(&b, "<volume type='");
    xml_buf_escape(&b, v->type);
    xml_buf_append(&b, "'>\n  <name>");
    xml_buf_escape(&b, v->name);
    xml_buf_append(&b, "</name>\n  <key>");
    xml_buf_escape(&b, v->key);
    xml_buf_append(&b, "</key>\n");
    if (fl_release_current()->vol_empty_source)
        xml_buf_append(&b, "  <source>\n  </source>\n");
    xml_buf_appendf(&b,
                    "  <capacity unit='bytes'>%llu</capacity>\n"
                    "  <allocation unit='bytes'>%llu</allocation>\n  <target>\n    <path>",
                    v->capacity, v->allocation);
    xml_buf_escape(&b, v->path);
    xml_buf_append(&b, "</path>\n");
    if (v->format) {
        xml_buf_append(&b, "    <format type='");
        xml_buf_escape(&b, v->format);
        xml_buf_append(&b, "'/>\n");
    }
    xml_buf_append(&b, "  </target>\n</volume>\n");
    return xml_buf_finish(&b);
}

int fl_pool_add_volume(fl_object *pool, const char *name, unsigned long long capacity,
                       unsigned long long allocation, const char *format, vw_virerror *err)
{
    struct fl_pool_ext *ext = fl_pool_ext(pool, err);
    if (!ext)
        return -1;
    if (vol_lookup(pool, name)) {
        vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_TEST, "operation failed",
                           "storage vol already exists");
        return -1;
    }
    fl_volume *v = vol_new(ext, name, NULL, format);
    if (!v) {
        oom(err);
        return -1;
    }
    v->capacity = capacity;
    v->allocation = allocation;
    /* the state file's figures for the pool stand; its volumes add their allocation */
    unsigned long long avail = pool->available;
    if (vol_append(pool, v) < 0) {
        oom(err);
        return -1;
    }
    pool->available = avail > allocation ? avail - allocation : 0;
    set_xml_size(pool, "available", pool->available);
    return 0;
}
