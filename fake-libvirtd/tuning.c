/* tuning.c: <blkiotune>, <numatune>, <perf>, <iotune> and <bandwidth> as typed parameters; see
 * tuning.h. Each element is rebuilt as text from its values and parsed back into a node. */
#include "tuning.h"

#include "cputune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STR VW_TYPED_PARAM_STRING
#define UI VW_TYPED_PARAM_UINT
#define UL VW_TYPED_PARAM_ULLONG

/* ---- fields --------------------------------------------------------------------------------- */

enum { BLKIO_DEV_FIELDS = 5, IOTUNE_FIELDS = 20, IOTUNE_GROUP = 13, PERF_EVENTS = 22 };

/* device_weight, then the four throttles; the <device> child of each */
static const char *const blkio_dev_param[BLKIO_DEV_FIELDS] = {
    "device_weight", "device_read_iops_sec", "device_write_iops_sec", "device_read_bytes_sec",
    "device_write_bytes_sec"};
static const char *const blkio_dev_elem[BLKIO_DEV_FIELDS] = {
    "weight", "read_iops_sec", "write_iops_sec", "read_bytes_sec", "write_bytes_sec"};

const fl_tparam_spec fl_blkio_fields[] = {
    {"weight", UI}, {"device_weight", STR}, {"device_read_iops_sec", STR},
    {"device_write_iops_sec", STR}, {"device_read_bytes_sec", STR},
    {"device_write_bytes_sec", STR}};
const unsigned fl_blkio_nfields = 6;

const fl_tparam_spec fl_numa_fields[] = {{"numa_mode", VW_TYPED_PARAM_INT},
                                         {"numa_nodeset", STR}};
const unsigned fl_numa_nfields = 2;

/* inbound average, peak, burst, floor; outbound average, peak, burst */
const fl_tparam_spec fl_iface_fields[] = {
    {"inbound.average", UI}, {"inbound.peak", UI}, {"inbound.burst", UI},
    {"inbound.floor", UI}, {"outbound.average", UI}, {"outbound.peak", UI},
    {"outbound.burst", UI}};
const unsigned fl_iface_nfields = 7;

/* the getter's order, which is also the order of <iotune>'s children */
const fl_tparam_spec fl_iotune_fields[IOTUNE_FIELDS] = {
    {"total_bytes_sec", UL}, {"read_bytes_sec", UL}, {"write_bytes_sec", UL},
    {"total_iops_sec", UL}, {"read_iops_sec", UL}, {"write_iops_sec", UL},
    {"total_bytes_sec_max", UL}, {"read_bytes_sec_max", UL}, {"write_bytes_sec_max", UL},
    {"total_iops_sec_max", UL}, {"read_iops_sec_max", UL}, {"write_iops_sec_max", UL},
    {"size_iops_sec", UL}, {"group_name", STR}, {"total_bytes_sec_max_length", UL},
    {"read_bytes_sec_max_length", UL}, {"write_bytes_sec_max_length", UL},
    {"total_iops_sec_max_length", UL}, {"read_iops_sec_max_length", UL},
    {"write_iops_sec_max_length", UL}};
const unsigned fl_iotune_nfields = IOTUNE_FIELDS;

/* virPerfEvent's order */
const fl_tparam_spec fl_perf_fields[PERF_EVENTS] = {
    {"cmt", 6}, {"mbmt", 6}, {"mbml", 6}, {"cpu_cycles", 6}, {"instructions", 6},
    {"cache_references", 6}, {"cache_misses", 6}, {"branch_instructions", 6},
    {"branch_misses", 6}, {"bus_cycles", 6}, {"stalled_cycles_frontend", 6},
    {"stalled_cycles_backend", 6}, {"ref_cpu_cycles", 6}, {"cpu_clock", 6}, {"task_clock", 6},
    {"page_faults", 6}, {"context_switches", 6}, {"cpu_migrations", 6}, {"page_faults_min", 6},
    {"page_faults_maj", 6}, {"alignment_faults", 6}, {"emulation_faults", 6}};
const unsigned fl_perf_nfields = PERF_EVENTS;

static const char *const numa_modes[] = {"strict", "preferred", "interleave", "restrictive"};

/* ---- small helpers -------------------------------------------------------------------------- */

static void oom(vw_virerror *err)
{
    vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error", "out of memory");
}

static unsigned long long child_ull(const xml_node *n, const char *name)
{
    const xml_node *c = xml_tree_child(n, name);
    return c && c->text ? strtoull(c->text, NULL, 10) : 0;
}

static unsigned long long attr_ull(const xml_node *n, const char *name)
{
    const char *v = xml_tree_attr(n, name);
    return v ? strtoull(v, NULL, 10) : 0;
}

/* The element text in b parsed into a node (NULL with err filled). Frees b's text. */
static xml_node *to_node(xml_buf *b, vw_virerror *err)
{
    char *text = xml_buf_finish(b);
    xml_node *n = text ? xml_tree_parse(text, strlen(text), NULL) : NULL;
    free(text);
    if (!n)
        oom(err);
    return n;
}

/* Replaces (or, when new is NULL, removes) parent's child name; a new child goes after the
 * first of after[] found, else first. */
static void put_child(xml_node *parent, const char *name, xml_node *new, const char *const *after)
{
    xml_node **pp = &parent->children;
    while (*pp && strcmp((*pp)->name, name) != 0)
        pp = &(*pp)->next;
    if (*pp) {
        xml_node *old = *pp;
        *pp = old->next;
        old->next = NULL;
        xml_tree_free(old);
        if (new) {
            new->next = *pp;
            *pp = new;
        }
        return;
    }
    if (!new)
        return;
    pp = &parent->children;
    for (unsigned i = 0; after[i]; i++) {
        for (xml_node **q = &parent->children; *q; q = &(*q)->next) {
            if (strcmp((*q)->name, after[i]) == 0) {
                new->next = (*q)->next;
                (*q)->next = new;
                return;
            }
        }
    }
    new->next = *pp;
    *pp = new;
}

static bool parse_ull(const char *s, unsigned long long *v)
{
    char *end;
    if (!*s || *s == '-')
        return false;
    *v = strtoull(s, &end, 10);
    return *end == '\0';
}

/* ---- <blkiotune> ---------------------------------------------------------------------------- */

typedef struct {
    char *path;
    unsigned long long v[BLKIO_DEV_FIELDS];
} blkio_dev;

typedef struct {
    unsigned weight;
    blkio_dev *devs;
    unsigned ndevs;
} blkio;

static void blkio_free(blkio *b)
{
    for (unsigned i = 0; i < b->ndevs; i++)
        free(b->devs[i].path);
    free(b->devs);
}

static int blkio_add(blkio *b, const char *path)
{
    blkio_dev *devs = realloc(b->devs, (b->ndevs + 1) * sizeof(*devs));
    if (!devs)
        return -1;
    b->devs = devs;
    memset(&devs[b->ndevs], 0, sizeof(devs[0]));
    if (!(devs[b->ndevs].path = strdup(path)))
        return -1;
    return (int)b->ndevs++;
}

static int blkio_read(const xml_node *n, blkio *b)
{
    memset(b, 0, sizeof(*b));
    b->weight = (unsigned)child_ull(n, "weight");
    for (const xml_node *c = n ? n->children : NULL; c; c = c->next) {
        const xml_node *path = xml_tree_child(c, "path");
        if (strcmp(c->name, "device") != 0 || !path || !path->text)
            continue;
        int i = blkio_add(b, path->text);
        if (i < 0)
            return -1;
        for (unsigned f = 0; f < BLKIO_DEV_FIELDS; f++)
            b->devs[i].v[f] = child_ull(c, blkio_dev_elem[f]);
    }
    return 0;
}

void fl_tuning_blkio(fl_tparams *p, const domain_def *def, const char *dev)
{
    (void)dev;
    blkio b;
    if (blkio_read(def->blkiotune, &b) < 0)
        p->failed = true;
    fl_tparams_uint(p, "weight", b.weight);
    for (unsigned f = 0; f < BLKIO_DEV_FIELDS; f++) {
        xml_buf s = {0};
        xml_buf_append(&s, "");
        bool first = true;
        for (unsigned i = 0; i < b.ndevs; i++) {
            if (!b.devs[i].v[f])
                continue;
            xml_buf_appendf(&s, "%s%s,%llu", first ? "" : ",", b.devs[i].path, b.devs[i].v[f]);
            first = false;
        }
        char *text = xml_buf_finish(&s);
        if (!text)
            p->failed = true;
        fl_tparams_string(p, blkio_dev_param[f], text ? text : "");
        free(text);
    }
    blkio_free(&b);
}

/* virDomainBlkioDeviceParseXML's counterpart for a parameter: "path,value[,path,value...]"
 * merged into b by path. */
static int blkio_merge(blkio *b, unsigned f, const char *value, vw_virerror *err)
{
    unsigned commas = 0;
    for (const char *s = value; *s; s++)
        commas += *s == ',';
    if (*value && commas % 2 == 0) {
        vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_DOMAIN, "invalid argument",
                           "unable to parse blkio device '%s' '%s'", blkio_dev_param[f], value);
        return -1;
    }
    char *copy = strdup(value), *save = NULL;
    if (!copy) {
        oom(err);
        return -1;
    }
    int rc = 0;
    for (char *path = strtok_r(copy, ",", &save); path && rc == 0;
         path = strtok_r(NULL, ",", &save)) {
        char *num = strtok_r(NULL, ",", &save);
        unsigned long long v;
        if (!num || !parse_ull(num, &v) || (f == 0 && v > 0xffffffffULL)) {
            vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_DOMAIN, "invalid argument",
                               "invalid value '%s' for parameter '%s' of device '%s'",
                               num ? num : "", blkio_dev_param[f], path);
            rc = -1;
            break;
        }
        int i = 0;
        while ((unsigned)i < b->ndevs && strcmp(b->devs[i].path, path) != 0)
            i++;
        if ((unsigned)i == b->ndevs && (i = blkio_add(b, path)) < 0) {
            oom(err);
            rc = -1;
            break;
        }
        b->devs[i].v[f] = v;
    }
    free(copy);
    return rc;
}

int fl_tuning_set_blkio(domain_def *def, bool live, const char *dev, const vw_typed_param *p,
                        unsigned n, vw_virerror *err)
{
    (void)live;
    (void)dev;
    blkio b;
    if (blkio_read(def->blkiotune, &b) < 0) {
        blkio_free(&b);
        oom(err);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(p[i].field, "weight")) {
            b.weight = p[i].value.vw_typed_param_value_u.ui;
            continue;
        }
        unsigned f = 0;
        while (strcmp(p[i].field, blkio_dev_param[f]) != 0)
            f++;
        if (blkio_merge(&b, f, p[i].value.vw_typed_param_value_u.s, err) < 0) {
            blkio_free(&b);
            return -1;
        }
    }
    xml_buf x = {0};
    bool any = b.weight != 0;
    xml_buf_append(&x, "<blkiotune>");
    if (b.weight)
        xml_buf_appendf(&x, "<weight>%u</weight>", b.weight);
    for (unsigned i = 0; i < b.ndevs; i++) {
        bool set = false;
        for (unsigned f = 0; f < BLKIO_DEV_FIELDS; f++)
            set |= b.devs[i].v[f] != 0;
        if (!set)
            continue;
        any = true;
        xml_buf_append(&x, "<device><path>");
        xml_buf_escape(&x, b.devs[i].path);
        xml_buf_append(&x, "</path>");
        for (unsigned f = 0; f < BLKIO_DEV_FIELDS; f++)
            if (b.devs[i].v[f])
                xml_buf_appendf(&x, "<%s>%llu</%s>", blkio_dev_elem[f], b.devs[i].v[f],
                                blkio_dev_elem[f]);
        xml_buf_append(&x, "</device>");
    }
    xml_buf_append(&x, "</blkiotune>");
    blkio_free(&b);
    xml_node *node = to_node(&x, err);
    if (!node)
        return -1;
    xml_tree_free(def->blkiotune);
    def->blkiotune = any ? node : NULL;
    if (!any)
        xml_tree_free(node);
    return 0;
}

/* ---- <numatune> ----------------------------------------------------------------------------- */

static const xml_node *numa_memory(const domain_def *def)
{
    return xml_tree_child(def->numatune, "memory");
}

static int numa_mode_of(const xml_node *mem)
{
    const char *m = xml_tree_attr(mem, "mode");
    for (int i = 0; m && i < 4; i++)
        if (!strcmp(m, numa_modes[i]))
            return i;
    return 0;
}

void fl_tuning_numa(fl_tparams *p, const domain_def *def, const char *dev)
{
    (void)dev;
    const xml_node *mem = numa_memory(def);
    const char *nodeset = xml_tree_attr(mem, "nodeset");
    fl_tparams_int(p, "numa_mode", numa_mode_of(mem));
    fl_tparams_string(p, "numa_nodeset", nodeset ? nodeset : "");
}

int fl_tuning_set_numa(domain_def *def, bool live, const char *dev, const vw_typed_param *p,
                       unsigned n, vw_virerror *err)
{
    (void)dev;
    const xml_node *mem = numa_memory(def);
    int mode = -1;
    fl_cpumask bits = {0};
    int rc = -1;
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(p[i].field, "numa_mode")) {
            mode = p[i].value.vw_typed_param_value_u.i;
            if (mode < 0 || mode >= 4) {
                vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                                   "unsupported numatune mode: '%d'", mode);
                goto out;
            }
        } else {
            const char *s = p[i].value.vw_typed_param_value_u.s;
            if (fl_cpuset_parse(s, &bits) < 0) {
                vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_NONE, "invalid argument",
                                   "Failed to parse bitmap '%s'", s);
                goto out;
            }
        }
    }
    if (live && mem && mode >= 0 && mode != numa_mode_of(mem)) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
                           "can't change numatune mode for running domain");
        goto out;
    }
    const char *old_set = xml_tree_attr(mem, "nodeset");
    if (!bits.bits && !(old_set && fl_cpuset_parse(old_set, &bits) == 0)) {
        vw_virerror_report(err, VW_ERR_CONFIG_UNSUPPORTED, VW_FROM_DOMAIN,
                           "unsupported configuration",
                           "nodeset for NUMA memory tuning must be set if 'placement' is 'static'");
        goto out;
    }
    if (mode < 0)
        mode = numa_mode_of(mem);
    xml_buf x = {0};
    xml_buf_appendf(&x, "<numatune><memory mode='%s' nodeset='", numa_modes[mode]);
    fl_cpuset_format(&x, &bits);
    xml_buf_append(&x, "'/></numatune>");
    xml_node *node = to_node(&x, err);
    if (node) {
        xml_tree_free(def->numatune);
        def->numatune = node;
        rc = 0;
    }
out:
    free(bits.bits);
    return rc;
}

/* ---- <perf> --------------------------------------------------------------------------------- */

/* -1 unset, 0 disabled, 1 enabled */
static int perf_state(const domain_def *def, const char *name)
{
    for (const xml_node *c = def->perf ? def->perf->children : NULL; c; c = c->next) {
        const char *n = xml_tree_attr(c, "name"), *e = xml_tree_attr(c, "enabled");
        if (n && !strcmp(n, name))
            return e && !strcmp(e, "yes");
    }
    return -1;
}

void fl_tuning_perf(fl_tparams *p, const domain_def *def, const char *dev)
{
    (void)dev;
    for (unsigned i = 0; i < PERF_EVENTS; i++)
        fl_tparams_boolean(p, fl_perf_fields[i].field, perf_state(def, fl_perf_fields[i].field) == 1);
}

int fl_tuning_set_perf(domain_def *def, bool live, const char *dev, const vw_typed_param *p,
                       unsigned n, vw_virerror *err)
{
    (void)live;
    (void)dev;
    int state[PERF_EVENTS];
    bool any = false;
    for (unsigned i = 0; i < PERF_EVENTS; i++) {
        const vw_typed_param *given = fl_tparams_find(p, n, fl_perf_fields[i].field);
        state[i] = given ? given->value.vw_typed_param_value_u.b != 0
                         : perf_state(def, fl_perf_fields[i].field);
        any |= state[i] >= 0;
    }
    if (!any)
        return 0;
    xml_buf x = {0};
    xml_buf_append(&x, "<perf>");
    for (unsigned i = 0; i < PERF_EVENTS; i++)
        if (state[i] >= 0)
            xml_buf_appendf(&x, "<event name='%s' enabled='%s'/>", fl_perf_fields[i].field,
                            state[i] ? "yes" : "no");
    xml_buf_append(&x, "</perf>");
    xml_node *node = to_node(&x, err);
    if (!node)
        return -1;
    xml_tree_free(def->perf);
    def->perf = node;
    return 0;
}

/* ---- devices -------------------------------------------------------------------------------- */

xml_node *fl_tuning_find_iface(const domain_def *def, const char *dev)
{
    unsigned m[6];
    char tail;
    bool by_mac = sscanf(dev, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
                         &m[5], &tail) == 6;
    for (xml_node *x = def->devices ? def->devices->children : NULL; x; x = x->next) {
        if (strcmp(x->name, "interface") != 0)
            continue;
        const char *v = xml_tree_attr(xml_tree_child(x, by_mac ? "mac" : "target"),
                                      by_mac ? "address" : "dev");
        if (v && (by_mac ? !strcasecmp(v, dev) : !strcmp(v, dev)))
            return x;
    }
    return NULL;
}

xml_node *fl_tuning_find_disk(const domain_def *def, const char *disk)
{
    bool by_source = disk[0] == '/';
    for (xml_node *x = def->devices ? def->devices->children : NULL; x; x = x->next) {
        if (strcmp(x->name, "disk") != 0)
            continue;
        const char *v = xml_tree_attr(xml_tree_child(x, by_source ? "source" : "target"),
                                      by_source ? "file" : "dev");
        if (v && !strcmp(v, disk))
            return x;
    }
    return NULL;
}

/* ---- <bandwidth> ---------------------------------------------------------------------------- */

/* the attributes of <inbound>/<outbound> per parameter, and their printed order */
static const char *const rate_attr[7] = {"average", "peak", "burst", "floor",
                                         "average", "peak", "burst"};

static void iface_values(const xml_node *iface, unsigned long long v[7])
{
    const xml_node *bw = xml_tree_child(iface, "bandwidth");
    const xml_node *dir[2] = {xml_tree_child(bw, "inbound"), xml_tree_child(bw, "outbound")};
    for (unsigned i = 0; i < 7; i++)
        v[i] = dir[i >= 4] ? attr_ull(dir[i >= 4], rate_attr[i]) : 0;
}

void fl_tuning_iface(fl_tparams *p, const domain_def *def, const char *dev)
{
    unsigned long long v[7];
    iface_values(fl_tuning_find_iface(def, dev), v);
    for (unsigned i = 0; i < 7; i++)
        fl_tparams_uint(p, fl_iface_fields[i].field, (unsigned)v[i]);
}

static void rate_format(xml_buf *x, const char *name, const unsigned long long *v, unsigned n)
{
    static const unsigned order[4] = {0, 1, 3, 2}; /* average, peak, floor, burst */
    xml_buf_appendf(x, "<%s", name);
    for (unsigned k = 0; k < 4; k++)
        if (order[k] < n && v[order[k]])
            xml_buf_appendf(x, " %s='%llu'", rate_attr[order[k]], v[order[k]]);
    xml_buf_append(x, "/>");
}

/* A direction named by any given parameter is replaced by the given values alone, and dropped
 * when it has neither an average nor a floor (as the test driver does). */
int fl_tuning_set_iface(domain_def *def, bool live, const char *dev, const vw_typed_param *p,
                        unsigned n, vw_virerror *err)
{
    (void)live;
    xml_node *iface = fl_tuning_find_iface(def, dev);
    unsigned long long v[7];
    iface_values(iface, v);
    bool named[2] = {false, false};
    for (unsigned i = 0; i < 7; i++)
        named[i >= 4] |= fl_tparams_find(p, n, fl_iface_fields[i].field) != NULL;
    for (unsigned i = 0; i < 7; i++) {
        if (!named[i >= 4])
            continue;
        const vw_typed_param *given = fl_tparams_find(p, n, fl_iface_fields[i].field);
        v[i] = given ? given->value.vw_typed_param_value_u.ui : 0;
    }
    xml_buf x = {0};
    xml_buf_append(&x, "<bandwidth>");
    if (v[0] || v[3])
        rate_format(&x, "inbound", v, 4);
    if (v[4])
        rate_format(&x, "outbound", v + 4, 3);
    xml_buf_append(&x, "</bandwidth>");
    xml_node *node = to_node(&x, err);
    if (!node)
        return -1;
    put_child(iface, "bandwidth", node, (const char *const[]){"source", "mac", NULL});
    return 0;
}

/* ---- <iotune> ------------------------------------------------------------------------------- */

#define IOTUNE_LIMIT 1000000000000000ULL

void fl_tuning_iotune(fl_tparams *p, const domain_def *def, const char *dev)
{
    const xml_node *io = xml_tree_child(fl_tuning_find_disk(def, dev), "iotune");
    for (unsigned i = 0; i < IOTUNE_FIELDS; i++) {
        if (i == IOTUNE_GROUP) {
            const xml_node *g = xml_tree_child(io, "group_name");
            fl_tparams_string(p, fl_iotune_fields[i].field, g && g->text ? g->text : "");
        } else {
            fl_tparams_ullong(p, fl_iotune_fields[i].field, child_ull(io, fl_iotune_fields[i].field));
        }
    }
}

int fl_tuning_set_iotune(domain_def *def, bool live, const char *dev, const vw_typed_param *p,
                         unsigned n, vw_virerror *err)
{
    (void)live;
    xml_node *d = fl_tuning_find_disk(def, dev);
    const xml_node *io = xml_tree_child(d, "iotune");
    unsigned long long v[IOTUNE_FIELDS];
    const xml_node *g = xml_tree_child(io, "group_name");
    const char *group = g && g->text ? g->text : "";
    for (unsigned i = 0; i < IOTUNE_FIELDS; i++) {
        const vw_typed_param *given = fl_tparams_find(p, n, fl_iotune_fields[i].field);
        if (i == IOTUNE_GROUP) {
            if (given)
                group = given->value.vw_typed_param_value_u.s;
            v[i] = 0;
            continue;
        }
        v[i] = given ? given->value.vw_typed_param_value_u.ul : child_ull(io, fl_iotune_fields[i].field);
        if (given && v[i] > IOTUNE_LIMIT) {
            vw_virerror_report(err, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, VW_FROM_TEST,
                               "argument unsupported",
                               "block I/O throttle limit value must be no more than %llu",
                               IOTUNE_LIMIT);
            return -1;
        }
    }
    /* total vs read/write: bytes_sec, iops_sec, and their _max (indexes 0, 3, 6, 9) */
    static const char *const what[4] = {"bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"};
    for (unsigned k = 0; k < 4; k++) {
        unsigned t = 3 * k;
        if (v[t] && (v[t + 1] || v[t + 2])) {
            vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                               "total and read/write of %s cannot be set at the same time", what[k]);
            return -1;
        }
    }
    for (unsigned i = 0; i < 6; i++) {
        if (v[i] > v[i + 6]) {
            vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                               "%s cannot be set higher than %s ", fl_iotune_fields[i].field,
                               fl_iotune_fields[i + 6].field);
            return -1;
        }
    }
    bool any = *group != '\0';
    xml_buf x = {0};
    xml_buf_append(&x, "<iotune>");
    for (unsigned i = 0; i < IOTUNE_FIELDS; i++) {
        const char *f = fl_iotune_fields[i].field;
        if (i == IOTUNE_GROUP && *group) {
            xml_buf_append(&x, "<group_name>");
            xml_buf_escape(&x, group);
            xml_buf_append(&x, "</group_name>");
        } else if (i != IOTUNE_GROUP && v[i]) {
            xml_buf_appendf(&x, "<%s>%llu</%s>", f, v[i], f);
            any = true;
        }
    }
    xml_buf_append(&x, "</iotune>");
    xml_node *node = to_node(&x, err);
    if (!node)
        return -1;
    if (!any) {
        xml_tree_free(node);
        node = NULL;
    }
    put_child(d, "iotune", node, (const char *const[]){"target", "source", NULL});
    return 0;
}

/* ---- <memballoon><stats> -------------------------------------------------------------------- */

int fl_tuning_set_stats_period(domain_def *def, int period, vw_virerror *err)
{
    xml_node *balloon = xml_tree_child(def->devices, "memballoon");
    const char *model = xml_tree_attr(balloon, "model");
    if (!balloon || (model && !strcmp(model, "none"))) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "No memory balloon device configured, can not set the collection period");
        return -1;
    }
    xml_node *node = NULL;
    if (period > 0) {
        xml_buf x = {0};
        xml_buf_appendf(&x, "<stats period='%d'/>", period);
        if (!(node = to_node(&x, err)))
            return -1;
    }
    put_child(balloon, "stats", node, (const char *const[]){NULL});
    return 0;
}
