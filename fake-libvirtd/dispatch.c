/* dispatch.c: RPC checks and per-procedure handlers (see dispatch.h).
 *
 * Errors follow what libvirtd 9.0.0 sends, recorded against the real daemon with the test
 * driver: RPC-level errors are VIR_ERR_RPC / VIR_FROM_RPC with str1 "%s"; calls before
 * CONNECT_OPEN get "internal error: hypervisor connection not open"; the read-only socket
 * refuses state changes with VIR_ERR_OPERATION_DENIED "operation forbidden: read only access
 * prevents virXxx".
 */
#include "dispatch.h"
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fl_auth.h"
#include "migration.h"
#include "model_snap.h"
#include "procs.h"
#include "release.h"
#include "session.h"
#include "qemu_link.h"


/* ---- helpers -------------------------------------------------------------------------------- */

static void reply_rpc_error(fl_conn *c, const vw_packet_header *hdr, const char *fmt, int n1,
                            int n2)
{
    vw_virerror e = {0};
    char text[256];
    snprintf(text, sizeof(text), fmt, n1, n2);
    vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "", "%s", text);
    fl_conn_reply_error(c, hdr, &e);
}

/* What libvirt's public API says when the connection's driver lacks the function
 * (virReportUnsupportedError): VIR_ERR_NO_SUPPORT naming the API, in its file's domain. */
void fl_reply_no_support(fl_conn *c, const vw_packet_header *hdr)
{
    const vw_proc_info *info = vw_procs_lookup(hdr->prog, hdr->proc);
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_NO_SUPPORT, info->api_error_domain,
                       "this function is not supported by the connection driver", "%s", info->api);
    fl_conn_reply_error(c, hdr, &e);
}

/* libvirtd's remoteGet*Conn: the hypervisor connection for domains, the host and QEMU, a
 * secondary driver's connection (network, storage, node device, interface, secret, nwfilter)
 * for the others, which says only "connection not open". Told apart by the API's error
 * domain, which is that of its driver's file. */
static void reply_not_open(fl_conn *c, const vw_packet_header *hdr, const vw_proc_info *info)
{
    static const int secondary[] = {VW_FROM_STORAGE, VW_FROM_NETWORK, 22, 26, 30, 33};
    bool hypervisor = true;
    for (size_t i = 0; i < sizeof(secondary) / sizeof(secondary[0]); i++) {
        if (info && info->api_error_domain == secondary[i])
            hypervisor = false;
    }
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error", "%s",
                       hypervisor ? "hypervisor connection not open" : "connection not open");
    fl_conn_reply_error(c, hdr, &e);
}

/* libvirtd's AUTH_* dispatchers when the socket does not use that method (auth none). */
static void reply_auth_failed(fl_conn *c, const vw_packet_header *hdr)
{
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_AUTH_FAILED, VW_FROM_RPC, "authentication failed", "%s",
                       "authentication failed");
    fl_conn_reply_error(c, hdr, &e);
}

/* virCheckReadOnlyGoto: "read only access prevents virXxx". libvirt-qemu.c's checks report
 * in VIR_FROM_DOM (recorded from libvirtd 9.0). */
static void reply_read_only(fl_conn *c, const vw_packet_header *hdr, const vw_proc_info *info)
{
    vw_virerror e = {0};
    int domain = hdr->prog == VW_QEMU_PROGRAM ? VW_FROM_DOMAIN : info->api_error_domain;
    vw_virerror_report(&e, VW_ERR_OPERATION_DENIED, domain, "operation forbidden",
                       "read only access prevents %s", info->api);
    fl_conn_reply_error(c, hdr, &e);
}

bool fl_flags_ok(fl_conn *c, const vw_packet_header *hdr, unsigned flags, unsigned supported,
                 const char *func)
{
    vw_virerror e = {0};
    if (fl_check_flags(flags, supported, func, &e) == 0)
        return true;
    fl_conn_reply_error(c, hdr, &e);
    return false;
}

/* Fills a remote_nonnull_domain from a model domain (pointers into the model). */
void fl_make_dom(vw_nonnull_domain *out, const fl_domain *d)
{
    out->name = d->def->name;
    memcpy(out->uuid, d->def->uuid, 16);
    out->id = d->id;
}

fl_domain *fl_get_dom(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom)
{
    vw_virerror e = {0};
    fl_domain *d = fl_domain_from_handle(c->model, dom->name, (const unsigned char *)dom->uuid, &e);
    if (!d)
        fl_conn_reply_error(c, hdr, &e);
    return d;
}

void fl_reply_int(fl_conn *c, const vw_packet_header *hdr, int value)
{
    vw_int_ret r = {.value = value};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_int_ret, &r);
}

void fl_reply_string(fl_conn *c, const vw_packet_header *hdr, const char *s)
{
    vw_string_ret r = {.str = (char *)s};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_string_ret, &r);
}

void fl_reply_dom(fl_conn *c, const vw_packet_header *hdr, const fl_domain *d)
{
    vw_domain_ret r;
    fl_make_dom(&r.dom, d);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_ret, &r);
}

void fl_reply_void(fl_conn *c, const vw_packet_header *hdr)
{
    fl_conn_reply(c, hdr, VW_XDR_VOID, NULL);
}

struct fl_qemu *fl_conn_qemu(const fl_conn *c)
{
    return fl_session_is_test(c) ? NULL : fl_server_qemu(c->srv);
}

/* ---- table and entry point ------------------------------------------------------------------ */

/* Every family of handlers (handlers.h): a new family file adds one line here. */
static const fl_handler_family *const families[] = {
    &fl_handlers_core,
    &fl_handlers_domain,
    &fl_handlers_migrate,
    &fl_handlers_events,
    &fl_handlers_objects,
    &fl_handlers_qemu,
    &fl_handlers_storage,
    &fl_handlers_moments,
    &fl_handlers_net,
    &fl_handlers_iface,
    &fl_handlers_nodedev,
    &fl_handlers_host,
    &fl_handlers_guest,
    &fl_handlers_vcpu,
    &fl_handlers_domstats,
    &fl_handlers_tuning_get,
    &fl_handlers_tuning,
    &fl_handlers_iothread,
    &fl_handlers_peek_cpu,
    &fl_handlers_net_update,
};

#define INDEX_SLOTS 1024   /* procedure numbers per program: REMOTE ends at 456 in libvirt 12 */

/* Handlers by program and procedure number, built once from the families. */
static const fl_handler *index_remote[INDEX_SLOTS], *index_qemu[INDEX_SLOTS],
    *index_lxc[INDEX_SLOTS];
static bool index_built;

static const fl_handler **index_slot(uint32_t prog, int32_t proc)
{
    if (proc < 0 || proc >= INDEX_SLOTS)
        return NULL;
    if (prog == VW_REMOTE_PROGRAM)
        return &index_remote[proc];
    if (prog == VW_QEMU_PROGRAM)
        return &index_qemu[proc];
    if (prog == VW_LXC_PROGRAM)
        return &index_lxc[proc];
    return NULL;
}

/* Fills the index, checking that every handler's procedure is a call our .x describes and has
 * one handler. Returns 0, or -1 with the first problem in err. */
static int build_index(char *err, size_t errlen)
{
    memset(index_remote, 0, sizeof(index_remote));
    memset(index_qemu, 0, sizeof(index_qemu));
    memset(index_lxc, 0, sizeof(index_lxc));
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
        for (size_t i = 0; i < families[f]->count; i++) {
            const fl_handler *h = &families[f]->rows[i];
            const vw_proc_info *info = vw_procs_lookup(h->prog, h->proc);
            const fl_handler **slot = index_slot(h->prog, h->proc);
            if (!info || info->kind != VW_PROC_KIND_CALL || !info->described || !slot) {
                snprintf(err, errlen, "procedure %d of program 0x%08x has a handler but no call "
                         "marked xdr in proto/procedures.list", h->proc, h->prog);
                return -1;
            }
            if (*slot) {
                snprintf(err, errlen, "procedure %s has two handlers", info->name);
                return -1;
            }
            *slot = h;
        }
    }
    index_built = true;
    return 0;
}

int fl_dispatch_check_handlers(char *err, size_t errlen)
{
    return build_index(err, errlen);
}

static const fl_handler *find_handler(uint32_t prog, int32_t proc)
{
    if (!index_built) {
        char err[256];
        if (build_index(err, sizeof(err)) < 0)
            return NULL;   /* fake-libvirtd refused to start on this; a test harness sees none */
    }
    const fl_handler **slot = index_slot(prog, proc);
    return slot ? *slot : NULL;
}

/* libvirtd's order (virnetserverprogram.c, then the generated remoteDispatch* and the public
 * API): program, status, a number with no dispatcher ("unknown procedure": never defined, or
 * an event), argument decoding, "connection not open", read-only refusal, and only then the
 * driver (a handler here, or VIR_ERR_NO_SUPPORT). Arguments of a procedure our .x files do not
 * describe cannot be decoded: such a call goes straight on to the later checks. */
static bool check_call(fl_conn *c, const vw_packet_header *hdr, const vw_proc_info *info)
{
    if ((hdr->prog != VW_REMOTE_PROGRAM && hdr->prog != VW_QEMU_PROGRAM &&
         hdr->prog != VW_LXC_PROGRAM) || hdr->vers != 1) {
        reply_rpc_error(c, hdr, "Cannot find program %d version %d", (int)hdr->prog,
                        (int)hdr->vers);
        return false;
    }
    if (hdr->status != VW_NET_OK) {
        reply_rpc_error(c, hdr, "Unexpected message status %u", hdr->status, 0);
        return false;
    }
    if (!info || info->kind != VW_PROC_KIND_CALL || !fl_release_defines(info)) {
        reply_rpc_error(c, hdr, "unknown procedure: %d", hdr->proc, 0);
        return false;
    }
    return true;
}

static void *decode_args(fl_conn *c, const vw_packet *pkt, const vw_proc_info *info, bool *ok)
{
    *ok = false;
    if (!info->described) {
        *ok = true;
        return NULL;
    }
    void *args = NULL;
    if (info->args_size > 0 && !(args = calloc(1, info->args_size))) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, &pkt->hdr, &e);
        return NULL;
    }
    vw_error perr;
    if (vw_packet_decode_payload(pkt, info->args_proc, args, info->args_size, VW_DECODE_LENIENT,
                                 &perr) < 0) {
        free(args);
        reply_rpc_error(c, &pkt->hdr, "Unable to decode message payload", 0, 0);
        return NULL;
    }
    *ok = true;
    return args;
}

/* A call the modelled release's test driver does not have (since= / test= in
 * proto/procedures.list): VIR_ERR_NO_SUPPORT naming the public API libvirtd called, which
 * for CONNECT_GET_ALL_DOMAIN_STATS with domains given is virDomainListGetStats. */
static void reply_not_in_release(fl_conn *c, const vw_packet_header *hdr,
                                 const vw_proc_info *info, const void *args)
{
    const vw_connect_get_all_domain_stats_args *stats = args;
    if (hdr->prog == VW_REMOTE_PROGRAM &&
        hdr->proc == VW_REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS && stats->doms.doms_len > 0) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_NO_SUPPORT, info->api_error_domain,
                           "this function is not supported by the connection driver",
                           "virDomainListGetStats");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_no_support(c, hdr);
}

static void run_call(fl_conn *c, const vw_packet_header *hdr, const vw_proc_info *info,
                     void *args)
{
    const fl_handler *h = find_handler(hdr->prog, hdr->proc);
    if (info->auth_step && !h)
        reply_auth_failed(c, hdr);
    else if (!fl_session_is_open(c) && !(h && h->before_open))
        reply_not_open(c, hdr, info);
    else if (c->readonly && info->refused_read_only)
        reply_read_only(c, hdr, info);
    else if (!h || !info->described)
        fl_reply_no_support(c, hdr);
    else if (!fl_release_implements(info))
        reply_not_in_release(c, hdr, info, args);
    else
        h->fn(c, hdr, args);
}

void fl_dispatch_call(fl_conn *c, const vw_packet *pkt)
{
    const vw_packet_header *hdr = &pkt->hdr;
    if (fl_server_verbose(c->srv)) {
        char buf[32];
        fprintf(stderr, "fake-libvirtd: connection %llu: call %s serial %u (%zu payload bytes)\n",
                (unsigned long long)c->id, vw_procs_name(hdr->prog, hdr->proc, buf, sizeof(buf)),
                hdr->serial, pkt->payload_len);
    }
    const vw_proc_info *info = vw_procs_lookup(hdr->prog, hdr->proc);
    if (!check_call(c, hdr, info))
        return;
    if (fl_auth_call_refused(c, hdr->prog, hdr->proc)) {   /* libvirtd: before decoding */
        reply_rpc_error(c, hdr, "authentication required", 0, 0);
        return;
    }
    bool ok;
    void *args = decode_args(c, pkt, info, &ok);
    if (!ok)
        return;
    run_call(c, hdr, info, args);
    if (args) {
        vw_xdr_free(info->args_proc, args);
        free(args);
    }
}
