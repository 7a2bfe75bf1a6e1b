/* host_family.c: the host calls of libvirt's test driver: free memory per NUMA cell, the CPU
 * map, CPU statistics, free pages and (from 11.3) the domain capabilities
 * (testNodeGetCellsFreeMemory, testNodeGetCPUMap, testNodeGetCPUStats, testNodeGetFreePages,
 * testConnectGetDomainCapabilities). */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "model_net.h"
#include "release.h"
#include "xml_tree.h"
#include "vw_remote_protocol.h"
#include "vw_procedures.h"

#define R VW_REMOTE_PROGRAM

static void reply_rpc(fl_conn *c, const vw_packet_header *hdr, const char *msg)
{
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "", "%s", msg);
    fl_conn_reply_error(c, hdr, &e);
}

/* The test driver's cells: cell i has (i + 1) * 2 GiB free, reported in KiB as it stores it. */
static void h_cells_free_memory(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_node_get_cells_free_memory_args *a = args;
    if (a->maxcells > VW_REMOTE_NODE_MAX_CELLS) {
        reply_rpc(c, hdr, "maxcells > REMOTE_NODE_MAX_CELLS");
        return;
    }
    int cells = (int)c->model->node.nodes;
    if (a->startCell < 0 || a->startCell >= cells) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "Range exceeds available cells");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    int n = cells - a->startCell;
    if (a->maxcells >= 0 && n > a->maxcells)
        n = a->maxcells;
    unsigned long long mem[VW_REMOTE_NODE_MAX_CELLS];
    for (int i = 0; i < n && i < VW_REMOTE_NODE_MAX_CELLS; i++)
        mem[i] = (unsigned long long)(a->startCell + i + 1) * 2048 * 1024;
    vw_node_get_cells_free_memory_ret r = {{n > 0 ? (u_int)n : 0, (u_quad_t *)mem}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_get_cells_free_memory_ret, &r);
}

/* 8 CPUs, 0, 2 and 4 online (the test driver's fixed "0,2,4"). */
static void h_cpu_map(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_node_get_cpu_map_args *a = args;
    vw_virerror e = {0};
    if (fl_check_flags(a->flags, 0, "testNodeGetCPUMap", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    char map = 0x15;
    vw_node_get_cpu_map_ret r = {{a->need_map ? 1 : 0, &map}, a->need_online ? 3 : 0, 8};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_get_cpu_map_ret, &r);
}

static void h_cpu_stats(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    static const struct { const char *field; unsigned long long value; } stats[] = {
        {"user", 9797400000ULL}, {"kernel", 34678723400000ULL},
        {"idle", 87264900000ULL}, {"iowait", 763600000ULL}, {"guest", 1797400000ULL},
    };
    const int nstats = (int)fl_release_current()->node_cpu_stats;
    vw_node_get_cpu_stats_args *a = args;
    vw_virerror e = {0};
    if (a->nparams > VW_REMOTE_NODE_CPU_STATS_MAX) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "nparams too large");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (fl_check_flags(a->flags, 0, "testNodeGetCPUStats", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_node_cpu_stat out[5];
    int n = a->nparams < nstats ? (a->nparams > 0 ? a->nparams : 0) : nstats;
    for (int i = 0; i < n; i++) {
        out[i].field = (char *)stats[i].field;
        out[i].value = stats[i].value;
    }
    /* nparams 0 asks for the count; libvirtd sends it only then */
    vw_node_get_cpu_stats_ret r = {{(u_int)n, out}, a->nparams == 0 ? nstats : 0};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_get_cpu_stats_ret, &r);
}

/* Up to 9.0 the test driver fills the counts but returns 0 counts, which libvirtd answers
 * with its "returned error but did not set virError"; later ones return them: per cell c
 * (counted from 0, not from startCell), x = 6c, then x = 2x + 7 for each page size in turn
 * (measured on 11.3 and 12.8: cell 0 gives 7, 21, 49, ..., cell 1 19, 45, 97, ...). */
static void h_free_pages(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_node_get_free_pages_args *a = args;
    vw_virerror e = {0};
    if ((unsigned long long)a->pages.pages_len * a->cellCount > VW_REMOTE_NODE_MAX_PAGES) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "the result won't fit into REMOTE_NODE_MAX_CELLS");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (fl_check_flags(a->flags, 0, "testNodeGetFreePages", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_release_current()->free_pages_counted) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, NULL,
                           "Library function returned error but did not set virError");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    size_t n = (size_t)a->pages.pages_len * a->cellCount;
    u_quad_t *counts = calloc(n ? n : 1, sizeof(*counts));
    if (!counts) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    for (u_int cell = 0; cell < a->cellCount; cell++) {
        u_quad_t x = 6ULL * ((u_quad_t)(a->startCell > 0 ? a->startCell : 0) + cell);
        for (u_int j = 0; j < a->pages.pages_len; j++) {
            x = x * 2 + 7;
            counts[(size_t)cell * a->pages.pages_len + j] = x;
        }
    }
    vw_node_get_free_pages_ret r = {{(u_int)n, counts}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_get_free_pages_ret, &r);
    free(counts);
}

/* virDomainVirtType's names (virDomainVirtTypeFromString). */
static const char *const virt_types[] = {
    "none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware", "hyperv",
    "vbox", "phyp", "parallels", "bhyve", "vz", "hvf",
};

static bool virt_type_known(const char *name)
{
    for (size_t i = 0; i < sizeof(virt_types) / sizeof(virt_types[0]); i++) {
        if (strcmp(virt_types[i], name) == 0)
            return true;
    }
    return false;
}

/* "  <name>value</name>\n", nothing when value is NULL. */
static void text_element(xml_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    xml_buf_appendf(b, "  <%s>", name);
    xml_buf_escape(b, value);
    xml_buf_appendf(b, "</%s>\n", name);
}

/* The test driver's document (11.3, 12.8): what was asked (emulator path, virt type, default
 * test; machine; arch, default i686) around a fixed body with nothing supported. */
static void h_domain_capabilities(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_get_domain_capabilities_args *a = args;
    vw_virerror e = {0};
    if (fl_check_flags(a->flags, 0, "testConnectGetDomainCapabilities", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    const char *arch = a->arch ? *a->arch : "i686";
    const char *virt = a->virttype ? *a->virttype : "test";
    if (!fl_arch_known(arch) || !virt_type_known(virt)) {
        bool bad_arch = !fl_arch_known(arch);
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "unknown %s: %s",
                           bad_arch ? "architecture" : "virttype", bad_arch ? arch : virt);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    xml_buf b = {0};
    xml_buf_append(&b, "<domainCapabilities>\n");
    text_element(&b, "path", a->emulatorbin ? *a->emulatorbin : NULL);
    text_element(&b, "domain", virt);
    text_element(&b, "machine", a->machine ? *a->machine : NULL);
    text_element(&b, "arch", arch);
    xml_buf_append(&b, "  <cpu>\n"
                   "    <mode name='host-passthrough' supported='no'/>\n"
                   "    <mode name='maximum' supported='no'/>\n"
                   "    <mode name='host-model' supported='no'/>\n"
                   "    <mode name='custom' supported='no'/>\n  </cpu>\n"
                   "  <devices>\n  </devices>\n  <features>\n"
                   "    <sev supported='no'/>\n    <sgx supported='no'/>\n  </features>\n"
                   "</domainCapabilities>\n");
    char *doc = xml_buf_finish(&b);
    if (!doc) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_connect_get_domain_capabilities_ret r = {doc};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_domain_capabilities_ret, &r);
    free(doc);
}

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY, h_cells_free_memory, false},
    {R, VW_REMOTE_PROC_NODE_GET_CPU_MAP, h_cpu_map, false},
    {R, VW_REMOTE_PROC_NODE_GET_CPU_STATS, h_cpu_stats, false},
    {R, VW_REMOTE_PROC_NODE_GET_FREE_PAGES, h_free_pages, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES, h_domain_capabilities, false},
};

const fl_handler_family fl_handlers_host = FL_HANDLER_FAMILY(rows);
