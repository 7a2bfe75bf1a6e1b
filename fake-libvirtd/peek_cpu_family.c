/* peek_cpu_family.c: two calls libvirt 9.0's test driver answers that no other family covers:
 * DOMAIN_MEMORY_PEEK (testDomainMemoryPeek: the bytes are their own offsets) and
 * CONNECT_BASELINE_CPU (testConnectBaselineCPU, for CPUs of one x86 model).
 * CONNECT_COMPARE_CPU and the *_HYPERVISOR_CPU calls have no test driver function: dispatch
 * answers them VIR_ERR_NO_SUPPORT as libvirtd does. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_guest.h"
#include "release.h"
#include "session.h"
#include "vw_util.h"
#include "xml_tree.h"

#define MEMORY_VIRTUAL 1u   /* VIR_MEMORY_VIRTUAL */
#define MEMORY_PHYSICAL 2u  /* VIR_MEMORY_PHYSICAL */
#define BASELINE_EXPAND 1u  /* VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES */
#define FROM_CPU 31         /* VIR_FROM_CPU */
#define ERR_OPERATION_UNSUPPORTED 84   /* VIR_ERR_OPERATION_UNSUPPORTED */
#define CPU_MAP_DIR "/usr/share/libvirt/cpu_map"

/* ---- DOMAIN_MEMORY_PEEK ------------------------------------------------------------------- */

static void h_memory_peek(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_memory_peek_args *a = args;
    vw_virerror e = {0};
    if (a->size > VW_REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX) {     /* libvirtd's dispatcher */
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "size > maximum buffer size");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if ((a->flags & (MEMORY_VIRTUAL | MEMORY_PHYSICAL)) == (MEMORY_VIRTUAL | MEMORY_PHYSICAL)) {
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, "virDomainMemoryPeek", "flags",
                                       "Flags 'VIR_MEMORY_VIRTUAL' and 'VIR_MEMORY_PHYSICAL' "
                                       "are mutually exclusive");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_session_is_test(c)) {
        fl_reply_no_support(c, hdr);
        return;
    }
    if (!fl_flags_ok(c, hdr, a->flags, MEMORY_VIRTUAL | MEMORY_PHYSICAL, "testDomainMemoryPeek"))
        return;
    if (a->flags != MEMORY_VIRTUAL && a->flags != MEMORY_PHYSICAL) {
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (fl_guest_check_active(d, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    char *buf = malloc(a->size ? a->size : 1);
    if (!buf) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    for (unsigned i = 0; i < a->size; i++)
        buf[i] = (char)((a->offset + i) & 0xff);
    vw_domain_memory_peek_ret r = {.buffer = {a->size, buf}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_memory_peek_ret, &r);
    free(buf);
}

/* ---- CONNECT_BASELINE_CPU ------------------------------------------------------------------ */

#define MAX_FEATURES 512

typedef struct {
    const char *names[MAX_FEATURES];
    size_t count;
} feature_set;

static void set_add(feature_set *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->names[i], name) == 0)
            return;
    if (s->count < MAX_FEATURES)
        s->names[s->count++] = name;
}

static bool set_has(const feature_set *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->names[i], name) == 0)
            return true;
    return false;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The features (policy require, or none) a <cpu> asks for. */
static void required_features(const xml_node *cpu, feature_set *out)
{
    out->count = 0;
    for (const xml_node *f = cpu->children; f; f = f->next) {
        const char *policy = xml_tree_attr(f, "policy");
        if (strcmp(f->name, "feature") == 0 && xml_tree_attr(f, "name") &&
            (!policy || strcmp(policy, "require") == 0 || strcmp(policy, "force") == 0))
            set_add(out, xml_tree_attr(f, "name"));
    }
}

/* libvirt's cpu_map file of an x86 model, parsed; NULL when there is none. */
static xml_node *model_map(const char *model)
{
    char path[512], why[256];
    size_t len;
    if (strchr(model, '/') || snprintf(path, sizeof path, CPU_MAP_DIR "/x86_%s.xml", model) >=
        (int)sizeof path)
        return NULL;
    char *text = vw_read_file(path, 1 << 20, &len, why, sizeof why);
    if (!text)
        return NULL;
    xml_node *root = xml_tree_parse(text, len, NULL);
    free(text);
    return root;
}

static bool model_known(const char *model)
{
    size_t n;
    const char *const *names = fl_release_cpu_models(false, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], model) == 0)
            return true;
    return false;
}

/* Checks one parsed <cpu> as virCPUDefParseXML and the x86 driver do; 0, or -1 with err. */
static int check_cpu(const xml_node *cpu, vw_virerror *err)
{
    const xml_node *arch = xml_tree_child(cpu, "arch");
    const xml_node *model = xml_tree_child(cpu, "model");
    if (strcmp(cpu->name, "cpu") != 0) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, FROM_CPU, "XML error",
                           "XML does not contain expected 'cpu' element");
        return -1;
    }
    if (xml_tree_attr(cpu, "mode")) {
        vw_virerror_report(err, VW_ERR_CONFIG_UNSUPPORTED, FROM_CPU, "unsupported configuration",
                           "Attribute mode is only allowed for guest CPU");
        return -1;
    }
    if (!arch || !arch->text) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, FROM_CPU, "XML error",
                           "Missing CPU architecture");
        return -1;
    }
    if (!model || !model->text) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, FROM_CPU, "XML error", "Missing CPU model name");
        return -1;
    }
    if (strcmp(arch->text, "x86_64") != 0 && strcmp(arch->text, "i686") != 0) {
        vw_virerror_report(err, ERR_OPERATION_UNSUPPORTED, FROM_CPU, "Operation not supported",
                           "fake-libvirtd computes the baseline of x86 CPUs only, not '%s'",
                           arch->text);
        return -1;
    }
    if (!model_known(model->text)) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, FROM_CPU, "internal error",
                           "Unknown CPU model %s", model->text);
        return -1;
    }
    return 0;
}

/* The baseline document of cpus (all of model), as libvirt formats it; NULL with err. */
static char *baseline(xml_node **cpus, size_t n, unsigned flags, vw_virerror *err)
{
    const char *model = xml_tree_child(cpus[0], "model")->text;
    const xml_node *v0 = xml_tree_child(cpus[0], "vendor");
    const char *vendor = v0 ? v0->text : NULL;
    feature_set common, one;
    required_features(cpus[0], &common);
    for (size_t i = 1; i < n; i++) {
        const xml_node *v = xml_tree_child(cpus[i], "vendor");
        if (strcmp(xml_tree_child(cpus[i], "model")->text, model) != 0) {
            vw_virerror_report(err, ERR_OPERATION_UNSUPPORTED, FROM_CPU, "Operation not supported",
                               "fake-libvirtd computes the baseline of CPUs of one model only "
                               "('%s' and '%s')", model, xml_tree_child(cpus[i], "model")->text);
            return NULL;
        }
        if (!v || !v->text || !vendor || strcmp(v->text, vendor) != 0)
            vendor = NULL;
        required_features(cpus[i], &one);
        size_t kept = 0;
        for (size_t k = 0; k < common.count; k++)
            if (set_has(&one, common.names[k]))
                common.names[kept++] = common.names[k];
        common.count = kept;
    }
    xml_node *map = NULL;
    if (flags & BASELINE_EXPAND) {
        map = model_map(model);
        const xml_node *m = map ? xml_tree_child(map, "model") : NULL;
        if (!m) {
            xml_tree_free(map);
            vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, FROM_CPU, "internal error",
                               "cannot read the features of CPU model %s from " CPU_MAP_DIR, model);
            return NULL;
        }
        for (const xml_node *f = m->children; f; f = f->next)
            if (strcmp(f->name, "feature") == 0 && xml_tree_attr(f, "name"))
                set_add(&common, xml_tree_attr(f, "name"));
    }
    qsort(common.names, common.count, sizeof common.names[0], cmp_names);
    xml_buf b = {0};
    xml_buf_append(&b, "<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>");
    xml_buf_escape(&b, model);
    xml_buf_append(&b, "</model>\n");
    if (vendor) {
        xml_buf_append(&b, "  <vendor>");
        xml_buf_escape(&b, vendor);
        xml_buf_append(&b, "</vendor>\n");
    }
    for (size_t k = 0; k < common.count; k++) {
        xml_buf_append(&b, "  <feature policy='require' name='");
        xml_buf_escape(&b, common.names[k]);
        xml_buf_append(&b, "'/>\n");
    }
    xml_buf_append(&b, "</cpu>\n");
    xml_tree_free(map);
    char *out = xml_buf_finish(&b);
    if (!out)
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "out of memory");
    return out;
}

static void h_baseline_cpu(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_baseline_cpu_args *a = args;
    size_t n = a->xmlCPUs.xmlCPUs_len;
    if (fl_null_arg(c, hdr, n == 0, "xmlCPUs", "virConnectBaselineCPU"))
        return;
    if (!fl_session_is_test(c)) {
        fl_reply_no_support(c, hdr);
        return;
    }
    if (!fl_flags_ok(c, hdr, a->flags, BASELINE_EXPAND, "testConnectBaselineCPU"))
        return;
    vw_virerror e = {0};
    xml_node **cpus = calloc(n, sizeof *cpus);
    char *out = NULL;
    int rc = cpus ? 0 : -1;
    if (!cpus)
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        vw_error xerr;
        char why[256];
        const char *text = a->xmlCPUs.xmlCPUs_val[i];
        cpus[i] = xml_tree_parse(text, strlen(text), &xerr);
        if (!cpus[i]) {
            vw_virerror_report(&e, VW_ERR_XML_DETAIL, FROM_CPU, NULL, "(CPU_definition):%s",
                               xml_tree_error_text(&xerr, why, sizeof why));
            rc = -1;
        } else {
            rc = check_cpu(cpus[i], &e);
        }
    }
    if (rc == 0)
        out = baseline(cpus, n, a->flags, &e);
    for (size_t i = 0; cpus && i < n; i++)
        xml_tree_free(cpus[i]);
    free(cpus);
    if (!out) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_connect_baseline_cpu_ret r = {.cpu = out};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_baseline_cpu_ret, &r);
    free(out);
}

#define R VW_REMOTE_PROGRAM

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_DOMAIN_MEMORY_PEEK, h_memory_peek, false},
    {R, VW_REMOTE_PROC_CONNECT_BASELINE_CPU, h_baseline_cpu, false},
};

const fl_handler_family fl_handlers_peek_cpu = FL_HANDLER_FAMILY(rows);
