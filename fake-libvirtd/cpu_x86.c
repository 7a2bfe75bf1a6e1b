/* cpu_x86.c: the x86 CPU baseline (see cpu_x86.h), measured against test:///default.
 *
 * The map is read once: x86_features.xml gives every feature's bits (CPUID leaf, subleaf and
 * register, or MSR index, with a mask), each model file its vendor, whether it may describe a
 * guest CPU (<decode guest=...>) and its features; index.xml the order of the models. A CPU's
 * data is a set of 32-bit words, one per (leaf, subleaf, register) or (MSR, half) met in the
 * map. */
#include "cpu_x86.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_util.h"

#define CPU_MAP_DIR "/usr/share/libvirt/cpu_map"
#define FROM_CPU 31             /* VIR_FROM_CPU */
#define MAX_WORDS 96
#define MAX_FEATURES 400
#define MAX_MODELS 256

typedef struct {
    uint32_t w[MAX_WORDS];
} x86_data;

typedef struct {
    bool msr;
    unsigned long in, sub;      /* leaf and subleaf, or the MSR index */
    int reg;                    /* eax, ebx, ecx, edx = 0..3 */
} word_key;

typedef struct {
    char *name;
    x86_data data;
} x86_feature;

#define MAX_REMOVED 8

typedef struct {
    char *name, *vendor;
    bool guest;
    x86_data data;                      /* without the features marked removed='yes' */
    const char *removed[MAX_REMOVED];   /* those: a description of it disables them */
    size_t nremoved;
} x86_model;

static struct {
    bool loaded, ok;
    word_key keys[MAX_WORDS];
    size_t nkeys;
    x86_feature features[MAX_FEATURES];
    size_t nfeatures;
    x86_model models[MAX_MODELS];
    size_t nmodels;
} map;

/* ---- data ------------------------------------------------------------------------------------ */

static void data_or(x86_data *a, const x86_data *b)
{
    for (size_t i = 0; i < MAX_WORDS; i++)
        a->w[i] |= b->w[i];
}

static void data_and(x86_data *a, const x86_data *b)
{
    for (size_t i = 0; i < MAX_WORDS; i++)
        a->w[i] &= b->w[i];
}

static void data_sub(x86_data *a, const x86_data *b)
{
    for (size_t i = 0; i < MAX_WORDS; i++)
        a->w[i] &= ~b->w[i];
}

static bool data_has(const x86_data *a, const x86_data *sub)
{
    bool any = false;
    for (size_t i = 0; i < MAX_WORDS; i++) {
        if ((a->w[i] & sub->w[i]) != sub->w[i])
            return false;
        any |= sub->w[i] != 0;
    }
    return any;
}

static bool data_empty(const x86_data *a)
{
    for (size_t i = 0; i < MAX_WORDS; i++)
        if (a->w[i])
            return false;
    return true;
}

/* ---- the map --------------------------------------------------------------------------------- */

static int word_index(bool msr, unsigned long in, unsigned long sub, int reg)
{
    for (size_t i = 0; i < map.nkeys; i++)
        if (map.keys[i].msr == msr && map.keys[i].in == in && map.keys[i].sub == sub &&
            map.keys[i].reg == reg)
            return (int)i;
    if (map.nkeys == MAX_WORDS)
        return -1;
    map.keys[map.nkeys] = (word_key){msr, in, sub, reg};
    return (int)map.nkeys++;
}

static unsigned long hex_attr(const xml_node *n, const char *attr)
{
    const char *v = xml_tree_attr(n, attr);
    return v ? strtoul(v, NULL, 0) : 0;
}

/* One <feature> of x86_features.xml: its <cpuid> and <msr> bits. */
static int load_feature(const xml_node *f)
{
    static const char *const regs[] = {"eax", "ebx", "ecx", "edx"};
    if (map.nfeatures == MAX_FEATURES || !xml_tree_attr(f, "name"))
        return -1;
    x86_feature *feat = &map.features[map.nfeatures];
    memset(feat, 0, sizeof *feat);
    for (const xml_node *c = f->children; c; c = c->next) {
        bool msr = strcmp(c->name, "msr") == 0;
        if (!msr && strcmp(c->name, "cpuid") != 0)
            continue;
        unsigned long in = hex_attr(c, msr ? "index" : "eax_in");
        unsigned long sub = msr ? 0 : hex_attr(c, "ecx_in");
        for (int r = 0; r < 4; r++) {
            unsigned long mask = hex_attr(c, regs[r]);
            int w = word_index(msr, in, sub, r);
            if (w < 0)
                return -1;
            feat->data.w[w] |= (uint32_t)mask;
        }
    }
    if (!(feat->name = strdup(xml_tree_attr(f, "name"))))
        return -1;
    map.nfeatures++;
    return 0;
}

static const x86_feature *feature_find(const char *name)
{
    for (size_t i = 0; i < map.nfeatures; i++)
        if (strcmp(map.features[i].name, name) == 0)
            return &map.features[i];
    return NULL;
}

static xml_node *read_map_file(const char *file)
{
    char path[512], why[256];
    size_t len;
    if (snprintf(path, sizeof path, CPU_MAP_DIR "/%s", file) >= (int)sizeof path ||
        strchr(file, '/'))
        return NULL;
    char *text = vw_read_file(path, 4 << 20, &len, why, sizeof why);
    if (!text)
        return NULL;
    xml_node *root = xml_tree_parse(text, len, NULL);
    free(text);
    return root;
}

static int load_model(const xml_node *m)
{
    if (map.nmodels == MAX_MODELS || !xml_tree_attr(m, "name"))
        return -1;
    x86_model *model = &map.models[map.nmodels];
    memset(model, 0, sizeof *model);
    model->guest = true;
    for (const xml_node *c = m->children; c; c = c->next) {
        const char *v;
        if (strcmp(c->name, "decode") == 0 && (v = xml_tree_attr(c, "guest")))
            model->guest = strcmp(v, "off") != 0;
        else if (strcmp(c->name, "vendor") == 0 && (v = xml_tree_attr(c, "name")))
            model->vendor = strdup(v);
        else if (strcmp(c->name, "feature") == 0 && (v = xml_tree_attr(c, "name"))) {
            const x86_feature *f = feature_find(v);
            const char *removed = xml_tree_attr(c, "removed");
            if (!f)
                return -1;
            if (!removed || strcmp(removed, "yes") != 0)
                data_or(&model->data, &f->data);
            else if (model->nremoved < MAX_REMOVED)
                model->removed[model->nremoved++] = f->name;
        }
    }
    if (!(model->name = strdup(xml_tree_attr(m, "name"))))
        return -1;
    map.nmodels++;
    return 0;
}

/* Every file index.xml includes for the x86 architecture, in its order. */
static bool load_map(void)
{
    if (map.loaded)
        return map.ok;
    map.loaded = true;
    xml_node *index = read_map_file("index.xml");
    const xml_node *arch = NULL;
    for (const xml_node *a = index ? index->children : NULL; a; a = a->next)
        if (strcmp(a->name, "arch") == 0 && xml_tree_attr(a, "name") &&
            strcmp(xml_tree_attr(a, "name"), "x86") == 0)
            arch = a;
    bool ok = arch != NULL;
    for (const xml_node *inc = arch ? arch->children : NULL; ok && inc; inc = inc->next) {
        const char *file = xml_tree_attr(inc, "filename");
        xml_node *doc = file && strcmp(inc->name, "include") == 0 ? read_map_file(file) : NULL;
        if (!doc)
            continue;
        for (const xml_node *c = doc->children; ok && c; c = c->next) {
            if (strcmp(c->name, "feature") == 0)
                ok = load_feature(c) == 0;
            else if (strcmp(c->name, "model") == 0)
                ok = load_model(c) == 0;
        }
        xml_tree_free(doc);
    }
    xml_tree_free(index);
    map.ok = ok && map.nmodels > 0;
    return map.ok;
}

static const x86_model *model_find(const char *name)
{
    for (size_t i = 0; i < map.nmodels; i++)
        if (strcmp(map.models[i].name, name) == 0)
            return &map.models[i];
    return NULL;
}

/* ---- decoding -------------------------------------------------------------------------------- */

typedef struct {
    const char *names[MAX_FEATURES];
    bool disable[MAX_FEATURES];
    size_t count;
} feature_list;

/* The map's features making up data, in the map's order (each bit listed once). */
static void list_features(x86_data data, bool disable, feature_list *out)
{
    for (size_t i = 0; i < map.nfeatures && out->count < MAX_FEATURES; i++)
        if (data_has(&data, &map.features[i].data)) {
            out->names[out->count] = map.features[i].name;
            out->disable[out->count++] = disable;
            data_sub(&data, &map.features[i].data);
        }
}

static bool listed(const feature_list *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->names[i], name) == 0)
            return true;
    return false;
}

/* data described with model: the features to add, then those to remove, then the model's
 * removed features not listed yet (disabled). */
static void describe(const x86_data *data, const x86_model *model, feature_list *out)
{
    x86_data add = *data, remove = model->data;
    data_sub(&add, &model->data);
    data_sub(&remove, data);
    out->count = 0;
    list_features(add, false, out);
    list_features(remove, true, out);
    for (size_t i = 0; i < model->nremoved && out->count < MAX_FEATURES; i++)
        if (!listed(out, model->removed[i])) {
            out->names[out->count] = model->removed[i];
            out->disable[out->count++] = true;
        }
}

/* How libvirt weighs a description: every disabled feature beyond the first ones costs more
 * (half of them, rounded up, count h*(h+3)/2). */
static void weigh(const feature_list *l, size_t *total, size_t *disabled)
{
    size_t ndis = 0;
    for (size_t i = 0; i < l->count; i++)
        ndis += l->disable[i];
    size_t half = (ndis + 1) / 2;
    *disabled = half * (half + 3) / 2;
    *total = l->count - half + *disabled;
}

/* x86DecodeUseCandidate without signatures (a baseline has none): is cand better than best? */
static bool better(const feature_list *cand, const feature_list *best, bool preferred)
{
    size_t ct, cd, bt, bd;
    weigh(cand, &ct, &cd);
    weigh(best, &bt, &bd);
    return ct < bt || (ct == bt && cd < bd) || (preferred && cd < bd);
}

static int cmp_feature(const void *a, const void *b, void *list)
{
    const feature_list *l = list;
    return strcmp(l->names[*(const size_t *)a], l->names[*(const size_t *)b]);
}

static int cpu_error(vw_virerror *err, int code, const char *prefix, const char *what,
                     const char *name)
{
    vw_virerror_report(err, code, FROM_CPU, prefix, "%s%s", what, name);
    return -1;
}

static const char *child_text(const xml_node *cpu, const char *name)
{
    const xml_node *c = xml_tree_child(cpu, name);
    return c ? c->text : NULL;
}

static bool vendor_known(const char *v)
{
    return strcmp(v, "Intel") == 0 || strcmp(v, "AMD") == 0 || strcmp(v, "Hygon") == 0;
}

/* Each CPU's data (model plus its features), intersected into *data; the vendor of the data
 * (the first CPU's own, else the first vendor a later CPU or its model has), whether every CPU
 * names its vendor (libvirt prints the vendor only then) and whether all share one model.
 * 0, or -1 with err. */
static int intersect(xml_node *const *cpus, size_t n, x86_data *data, const char **vendor,
                     bool *print_vendor, bool *one_model, vw_virerror *err)
{
    *vendor = NULL;
    *one_model = *print_vendor = true;
    for (size_t i = 0; i < n; i++) {
        const char *name = child_text(cpus[i], "model"), *cv = child_text(cpus[i], "vendor");
        const x86_model *model = model_find(name);
        if (!model)
            return cpu_error(err, VW_ERR_INTERNAL_ERROR, "internal error", "Unknown CPU model ",
                             name);
        x86_data one = model->data;
        for (const xml_node *f = cpus[i]->children; f; f = f->next) {
            if (strcmp(f->name, "feature") != 0)
                continue;
            const x86_feature *feat = feature_find(xml_tree_attr(f, "name"));
            if (!feat)
                return cpu_error(err, VW_ERR_INTERNAL_ERROR, "internal error",
                                 "Unknown CPU feature ", xml_tree_attr(f, "name"));
            data_or(&one, &feat->data);
        }
        *print_vendor = *print_vendor && cv;
        if (i > 0 && cv && model->vendor && strcmp(cv, model->vendor) != 0) {
            vw_virerror_report(err, VW_ERR_OPERATION_FAILED, FROM_CPU, "operation failed",
                         "CPU vendor %s of model %s differs from vendor %s", model->vendor,
                         name, cv);
            return -1;
        }
        const char *vn = cv ? cv : i > 0 ? model->vendor : NULL;
        if (vn && !*vendor) {
            if (!vendor_known(vn))
                return cpu_error(err, VW_ERR_OPERATION_FAILED, "operation failed",
                                 "Unknown CPU vendor ", vn);
            *vendor = vn;
        } else if (vn && strcmp(*vendor, vn) != 0) {
            return cpu_error(err, VW_ERR_OPERATION_FAILED, "operation failed",
                             "CPU vendors do not match", "");
        }
        if (i == 0) {
            *data = one;
            continue;
        }
        *one_model = *one_model && strcmp(name, child_text(cpus[0], "model")) == 0;
        data_and(data, &one);
    }
    if (data_empty(data))
        return cpu_error(err, VW_ERR_OPERATION_FAILED, "operation failed",
                         "CPUs are incompatible", "");
    return 0;
}

char *fl_cpu_x86_baseline(xml_node *const *cpus, size_t n, bool expand, vw_virerror *err)
{
    if (!load_map()) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, FROM_CPU, "internal error",
                     "cannot read libvirt's x86 CPU map from " CPU_MAP_DIR);
        return NULL;
    }
    x86_data data;
    const char *vendor, *preferred;
    bool one_model, print_vendor;
    if (intersect(cpus, n, &data, &vendor, &print_vendor, &one_model, err) < 0)
        return NULL;
    /* x86Decode, from the map's last model to its first: the CPUs' model when they share one,
     * else the best description, the CPUs' own models favoured on fewer disabled features */
    static feature_list best, cand;
    const x86_model *chosen = NULL;
    for (size_t k = map.nmodels; k-- > 0;) {
        const x86_model *m = &map.models[k];
        if (!m->guest || (vendor && m->vendor && strcmp(vendor, m->vendor) != 0))
            continue;
        describe(&data, m, &cand);
        bool pref = false;
        for (size_t i = 0; i < n && !pref; i++)
            pref = strcmp(m->name, child_text(cpus[i], "model")) == 0;
        if ((pref && one_model) || !chosen || better(&cand, &best, pref)) {
            chosen = m;
            best = cand;
        }
        if (pref && one_model)
            break;
    }
    preferred = one_model ? child_text(cpus[0], "model") : NULL;
    if (!chosen) {
        cpu_error(err, VW_ERR_INTERNAL_ERROR, "internal error",
                  "Cannot find suitable CPU model for given data", "");
        return NULL;
    }
    size_t order[MAX_FEATURES];
    if (expand) {                      /* every feature of the model, sorted by name */
        x86_data all = chosen->data;
        x86_data removed = chosen->data;
        data_sub(&removed, &data);
        data_or(&all, &data);
        data_sub(&all, &removed);
        feature_list kept = {0};
        list_features(all, false, &kept);
        for (size_t i = 0; i < best.count && kept.count < MAX_FEATURES; i++)
            if (best.disable[i]) {
                kept.names[kept.count] = best.names[i];
                kept.disable[kept.count++] = true;
            }
        best = kept;
    }
    for (size_t i = 0; i < best.count; i++)
        order[i] = i;
    if (expand)
        qsort_r(order, best.count, sizeof order[0], cmp_feature, &best);
    xml_buf b = {0};
    xml_buf_appendf(&b, "<cpu mode='custom' match='exact'>\n  <model fallback='%s'>",
                    preferred && strcmp(chosen->name, preferred) == 0 ? "forbid" : "allow");
    xml_buf_escape(&b, chosen->name);
    xml_buf_append(&b, "</model>\n");
    if (vendor && print_vendor) {
        xml_buf_append(&b, "  <vendor>");
        xml_buf_escape(&b, vendor);
        xml_buf_append(&b, "</vendor>\n");
    }
    for (size_t i = 0; i < best.count; i++)
        xml_buf_appendf(&b, "  <feature policy='%s' name='%s'/>\n",
                        best.disable[order[i]] ? "disable" : "require", best.names[order[i]]);
    xml_buf_append(&b, "</cpu>\n");
    char *out = xml_buf_finish(&b);
    if (!out)
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error", "out of memory");
    return out;
}
