/* peek_cpu_family.c: two calls libvirt 9.0's test driver answers that no other family covers:
 * DOMAIN_MEMORY_PEEK (testDomainMemoryPeek: the bytes are their own offsets) and
 * CONNECT_BASELINE_CPU (testConnectBaselineCPU: x86 in cpu_x86.c, POWER and ARM here).
 * CONNECT_COMPARE_CPU and the *_HYPERVISOR_CPU calls have no test driver function: dispatch
 * answers them VIR_ERR_NO_SUPPORT as libvirtd does. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_x86.h"
#include "model_guest.h"
#include "model_net.h"
#include "release.h"
#include "session.h"
#include "vw_util.h"
#include "xml_tree.h"

#define MEMORY_VIRTUAL 1u   /* VIR_MEMORY_VIRTUAL */
#define MEMORY_PHYSICAL 2u  /* VIR_MEMORY_PHYSICAL */
#define BASELINE_EXPAND 1u  /* VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES */
#define FROM_CPU 31         /* VIR_FROM_CPU */

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

static bool arch_is(const char *arch, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(arch, *names) == 0)
            return true;
    return false;
}

static const char *const X86[] = {"i686", "x86_64", NULL};
static const char *const PPC64[] = {"ppc64", "ppc64le", NULL};
static const char *const ARM[] = {"armv6l", "armv7l", "armv7b", "aarch64", NULL};
static const char *const S390[] = {"s390", "s390x", NULL};

/* Checks one parsed <cpu> as virCPUDefParseXML does for a host CPU; 0, or -1 with err. */
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
    if (!fl_arch_known(arch->text)) {
        vw_virerror_report(err, VW_ERR_CONFIG_UNSUPPORTED, FROM_CPU, "unsupported configuration",
                     "Unknown architecture %s", arch->text);
        return -1;
    }
    if (!model || !model->text) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, FROM_CPU, "XML error", "Missing CPU model name");
        return -1;
    }
    for (const xml_node *f = cpu->children; f; f = f->next)
        if (strcmp(f->name, "feature") == 0 && !xml_tree_attr(f, "name")) {
            vw_virerror_report(err, VW_ERR_XML_ERROR, FROM_CPU, "XML error",
                         "Invalid CPU feature name");
            return -1;
        }
    return 0;
}

/* The baseline of cpus by the CPU driver of the first one's architecture; NULL with err. */
static char *baseline(xml_node **cpus, size_t n, unsigned flags, vw_virerror *err)
{
    const char *arch = xml_tree_child(cpus[0], "arch")->text;
    const char *model = xml_tree_child(cpus[0], "model")->text;
    if (arch_is(arch, X86))
        return fl_cpu_x86_baseline(cpus, n, flags & BASELINE_EXPAND, err);
    if (arch_is(arch, S390) ||
        (strcmp(arch, "riscv64") == 0 && fl_release_current()->cpu_riscv64)) {
        vw_virerror_report(err, VW_ERR_NO_SUPPORT, FROM_CPU,
                     "this function is not supported by the connection driver",
                     "cannot compute baseline CPU of %s architecture", arch);
        return NULL;
    }
    if (!arch_is(arch, PPC64) && !arch_is(arch, ARM)) {
        vw_virerror_report(err, VW_ERR_NO_SUPPORT, FROM_CPU,
                     "this function is not supported by the connection driver",
                     "'%s' architecture is not supported by CPU driver", arch);
        return NULL;
    }
    bool ppc = arch_is(arch, PPC64);
    for (size_t i = 0; ppc && i < n; i++) {   /* POWER: known models, all the same one */
        const char *m = xml_tree_child(cpus[i], "model")->text;
        const char *const *names;
        size_t count, k;
        if (fl_cpu_model_names(arch, &names, &count, err) < 0)
            return NULL;
        for (k = 0; k < count && strcmp(names[k], m) != 0; k++)
            ;
        if (k == count) {
            vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, FROM_CPU, "internal error",
                         "Unknown CPU model %s", m);
            return NULL;
        }
        if (strcmp(m, model) != 0) {
            vw_virerror_report(err, VW_ERR_OPERATION_FAILED, FROM_CPU, "operation failed",
                         "CPUs are incompatible");
            return NULL;
        }
    }
    xml_buf b = {0};                  /* ARM: the first CPU's model, whatever it is */
    xml_buf_appendf(&b, "<cpu mode='custom' match='exact'>\n  <model fallback='%s'>",
                    ppc ? "forbid" : "allow");
    xml_buf_escape(&b, model);
    xml_buf_append(&b, "</model>\n</cpu>\n");
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
