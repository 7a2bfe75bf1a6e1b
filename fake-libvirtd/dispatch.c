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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fl_auth.h"
#include "migration.h"
#include "model_snap.h"
#include "procs.h"
#include "qemu_link.h"
#include "release.h"


/* VIR_DOMAIN_EVENT_ID_LAST in libvirt 9.0.0 */
#define FL_DOMAIN_EVENT_ID_LAST 27

/* ---- helpers -------------------------------------------------------------------------------- */

static void reply_rpc_error(fl_conn *c, const vw_packet_header *hdr, const char *fmt, int n1,
                            int n2)
{
    fl_error e;
    char text[256];
    snprintf(text, sizeof(text), fmt, n1, n2);
    fl_error_set(&e, FL_ERR_RPC, FL_FROM_RPC, "", "%s", text);
    fl_conn_reply_error(c, hdr, &e);
}

/* What libvirt's public API says when the connection's driver lacks the function
 * (virReportUnsupportedError): VIR_ERR_NO_SUPPORT naming the API, in its file's domain. */
void fl_reply_no_support(fl_conn *c, const vw_packet_header *hdr)
{
    const vw_proc_info *info = vw_procs_lookup(hdr->prog, hdr->proc);
    fl_error e;
    fl_error_set(&e, FL_ERR_NO_SUPPORT, info->api_error_domain,
                 "this function is not supported by the connection driver", "%s", info->api);
    fl_conn_reply_error(c, hdr, &e);
}

/* libvirtd's remoteGet*Conn: the hypervisor connection for domains, the host and QEMU, a
 * secondary driver's connection (network, storage, node device, interface, secret, nwfilter)
 * for the others, which says only "connection not open". Told apart by the API's error
 * domain, which is that of its driver's file. */
static void reply_not_open(fl_conn *c, const vw_packet_header *hdr, const vw_proc_info *info)
{
    static const int secondary[] = {FL_FROM_STORAGE, FL_FROM_NETWORK, 22, 26, 30, 33};
    bool hypervisor = true;
    for (size_t i = 0; i < sizeof(secondary) / sizeof(secondary[0]); i++) {
        if (info && info->api_error_domain == secondary[i])
            hypervisor = false;
    }
    fl_error e;
    fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error", "%s",
                 hypervisor ? "hypervisor connection not open" : "connection not open");
    fl_conn_reply_error(c, hdr, &e);
}

/* libvirtd's AUTH_* dispatchers when the socket does not use that method (auth none). */
static void reply_auth_failed(fl_conn *c, const vw_packet_header *hdr)
{
    fl_error e;
    fl_error_set(&e, FL_ERR_AUTH_FAILED, FL_FROM_RPC, "authentication failed", "%s",
                 "authentication failed");
    fl_conn_reply_error(c, hdr, &e);
}

/* virCheckReadOnlyGoto: "read only access prevents virXxx". libvirt-qemu.c's checks report
 * in VIR_FROM_DOM (recorded from libvirtd 9.0). */
static void reply_read_only(fl_conn *c, const vw_packet_header *hdr, const vw_proc_info *info)
{
    fl_error e;
    int domain = hdr->prog == VW_QEMU_PROGRAM ? FL_FROM_DOMAIN : info->api_error_domain;
    fl_error_set(&e, FL_ERR_OPERATION_DENIED, domain, "operation forbidden",
                 "read only access prevents %s", info->api);
    fl_conn_reply_error(c, hdr, &e);
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
    fl_error e;
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

/* ---- connection ----------------------------------------------------------------------------- */

static void h_supports_feature(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_supports_feature_args *a = args;
    int supported = 0;
    if (a->feature == 10 /* PROGRAM_KEEPALIVE */) {
        fl_server_start_keepalive(c->srv, c);
        supported = 1;
    } else if (!c->opened) {
        fl_error e;
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                     "hypervisor connection not open");
        fl_conn_reply_error(c, hdr, &e);
        return;
    } else {
        /* what libvirtd + test driver of the modelled release answer (release.c) */
        supported = a->feature >= 0 && fl_release_has_feature((unsigned)a->feature);
        /* other URIs migrate: MIGRATION_P2P 4, MIGRATION_V3 6, MIGRATION_PARAMS 13 */
        if (!c->test_driver && (a->feature == 4 || a->feature == 6 || a->feature == 13))
            supported = 1;
    }
    vw_connect_supports_feature_ret r = {.supported = supported};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_supports_feature_ret, &r);
}

/* testConnectOpen: test:///default is the built-in state; any other path names a test driver
 * config file, which libvirt 9.0 parses with libxml2 (a missing or unreadable file is "failed
 * to parse xml document"). fake-libvirtd has no reader for those files, so an existing one is
 * refused with a message pointing at --state. Returns 0 when the URI may be opened. */
static int check_test_uri(const char *name, fl_error *e)
{
    if (strncmp(name, "test:", 5) != 0)
        return 0;
    const char *p = name + 5;
    if (strncmp(p, "//", 2) == 0) {
        p += 2;
        p += strcspn(p, "/?#");       /* the authority, if any */
    }
    size_t len = strcspn(p, "?#");
    if (len == 0 || (len == 1 && p[0] == '/')) {
        fl_error_set(e, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "testOpen: supply a path or use test:///default");
        return -1;
    }
    if (len == 8 && strncmp(p, "/default", 8) == 0)
        return 0;
    char path[1024];
    if (len >= sizeof(path)) {
        fl_error_set(e, FL_ERR_XML_ERROR, FL_FROM_TEST, "XML error",
                     "failed to parse xml document '%.*s'", 512, p);
        return -1;
    }
    memcpy(path, p, len);
    path[len] = '\0';
    struct stat st;
    if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
        if (fl_release_current()->open_missing_is_system_error)
            fl_error_set(e, FL_ERR_SYSTEM_ERROR, FL_FROM_NONE, "",
                         "Failed to open file '%s': %s", path, strerror(errno));
        else
            fl_error_set(e, FL_ERR_XML_ERROR, FL_FROM_TEST, "XML error",
                         "failed to parse xml document '%s'", path);
        return -1;
    }
    if (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0)) {
        /* libxml2 reads a directory as an empty document */
        fl_error_set(e, FL_ERR_XML_DETAIL, FL_FROM_TEST, "",
                     "%s:1: Document is empty\n(null)\n^", path);
        return -1;
    }
    fl_error_set(e, FL_ERR_CONFIG_UNSUPPORTED, FL_FROM_TEST, "unsupported configuration",
                 "fake-libvirtd does not read test driver config files ('%s'); start it with "
                 "--state FILE (docs/state-format.md) and open test:///default", path);
    return -1;
}

static void h_connect_open(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_open_args *a = args;
    fl_error e;
    if (c->opened) {
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                     "connection already open");
        fl_conn_reply_error(c, hdr, &e);
        /* libvirtd's remoteDispatchConnectOpen drops the hypervisor connection on any failure,
         * this one included: later calls are "not open" until the next CONNECT_OPEN */
        fl_server_close_model(c->srv, c);
        return;
    }
    const char *name = (a->name && *a->name && **a->name) ? *a->name : "test:///default";
    if (!strchr(name, ':')) {
        fl_error_set(&e, FL_ERR_NO_CONNECT, FL_FROM_NONE, NULL,
                     "no connection driver available for %s", name);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (check_test_uri(name, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    char *uri = strdup(name);
    if (!uri || fl_server_open_model(c->srv, c, name, &e) < 0) {
        if (!uri)
            fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error", "out of memory");
        free(uri);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    free(c->uri);
    c->uri = uri;
    c->opened = true;
    if (a->flags & 1 /* VIR_CONNECT_RO */)
        c->readonly = true;
    fl_reply_void(c, hdr);
}

static void h_connect_close(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    fl_server_close_model(c->srv, c);
    fl_reply_void(c, hdr);
    c->closing = true; /* libvirtd closes the connection after CONNECT_CLOSE */
}

static void h_get_type(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_connect_get_type_ret r = {.type = c->hv_type};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_type_ret, &r);
}

static void h_get_version(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_connect_get_version_ret r = {.hv_ver = c->model->hv_version};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_version_ret, &r);
}

static void h_get_lib_version(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_connect_get_lib_version_ret r = {.lib_ver = c->model->lib_version};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_lib_version_ret, &r);
}

static void h_get_hostname(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    char host[256] = "localhost";
    const char *name = c->model->hostname;
    if (!name) {
        if (gethostname(host, sizeof(host) - 1) < 0)
            snprintf(host, sizeof(host), "localhost");
        host[sizeof(host) - 1] = '\0';
        name = host;
    }
    vw_connect_get_hostname_ret r = {.hostname = (char *)name};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_hostname_ret, &r);
}

static void h_get_uri(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_connect_get_uri_ret r = {.uri = c->uri};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_uri_ret, &r);
}

static void h_get_capabilities(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_connect_get_capabilities_ret r = {.capabilities = c->model->capabilities};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_capabilities_ret, &r);
}

static void h_get_sysinfo(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    fl_reply_string(c, hdr, c->model->sysinfo);
}

static void h_is_secure(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_connect_is_secure_ret r = {.secure = c->tcp && !c->tls ? 0 : 1};   /* TLS is secure */
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_is_secure_ret, &r);
}

static void h_get_max_vcpus(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_connect_get_max_vcpus_ret r = {.max_vcpus = 32};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_max_vcpus_ret, &r);
}

static void h_node_get_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    const fl_node_info *n = &c->model->node;
    vw_node_get_info_ret r;
    memset(&r, 0, sizeof(r));
    memcpy(r.model, n->model, sizeof(r.model) < sizeof(n->model) ? sizeof(r.model) : sizeof(n->model));
    r.memory = n->memory_kib;
    r.cpus = (int)n->cpus;
    r.mhz = (int)n->mhz;
    r.nodes = (int)n->nodes;
    r.sockets = (int)n->sockets;
    r.cores = (int)n->cores;
    r.threads = (int)n->threads;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_get_info_ret, &r);
}

static void h_node_get_security_model(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    /* libvirt sends both as char arrays including the terminating NUL */
    vw_node_get_security_model_ret r;
    r.model.model_len = (u_int)strlen(c->model->sec_model) + 1;
    r.model.model_val = c->model->sec_model;
    r.doi.doi_len = (u_int)strlen(c->model->sec_doi) + 1;
    r.doi.doi_val = c->model->sec_doi;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_get_security_model_ret, &r);
}

static void h_close_callback(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    fl_reply_void(c, hdr);
}

/* ---- domains -------------------------------------------------------------------------------- */

/* The test driver's virCheckFlags, which comes before the domain lookup: false after replying
 * "unsupported flags (0x..) in function func" when flags has a bit outside supported. Only on
 * test:// connections (the QEMU driver a qemu:/// connection reaches accepts more). */
static bool test_flags_ok(fl_conn *c, const vw_packet_header *hdr, unsigned flags,
                          unsigned supported, const char *func)
{
    return !c->test_driver || fl_flags_ok(c, hdr, flags, supported, func);
}

static void h_list_all_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_list_all_domains_args *a = args;
    /* VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL */
    if (!test_flags_ok(c, hdr, a->flags, 0xffff, "testConnectListAllDomains"))
        return;
    size_t n = 0;
    fl_domain **list = fl_domain_list(c->model, a->flags, &n);
    vw_connect_list_all_domains_ret r;
    memset(&r, 0, sizeof(r));
    vw_nonnull_domain *doms = NULL;
    if (n > 0 && !list) {
        fl_error e;
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error", "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (n > VW_REMOTE_DOMAIN_LIST_MAX) {
        /* libvirtd's generated remoteDispatchConnectListAllDomains, after the driver's list */
        free(list);
        fl_error e;
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                     "Too many domains '%zu' for limit '%d'", n, VW_REMOTE_DOMAIN_LIST_MAX);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (a->need_results && n > 0) {
        doms = calloc(n, sizeof(*doms));
        if (!doms) {
            free(list);
            fl_error e;
            fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error", "out of memory");
            fl_conn_reply_error(c, hdr, &e);
            return;
        }
        for (size_t i = 0; i < n; i++)
            fl_make_dom(&doms[i], list[i]);
        r.domains.domains_len = (u_int)n;
        r.domains.domains_val = doms;
    }
    r.ret = (u_int)n;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_all_domains_ret, &r);
    free(doms);
    free(list);
}

static void h_lookup_by_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_lookup_by_name_args *a = args;
    fl_error e;
    fl_domain *d = fl_domain_lookup_name(c->model, a->name, &e);
    if (!d) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_dom(c, hdr, d);
}

static void h_lookup_by_uuid(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_lookup_by_uuid_args *a = args;
    fl_error e;
    fl_domain *d = fl_domain_lookup_uuid(c->model, (const unsigned char *)a->uuid, &e);
    if (!d) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_dom(c, hdr, d);
}

static void h_lookup_by_id(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_lookup_by_id_args *a = args;
    fl_error e;
    fl_domain *d = fl_domain_lookup_id(c->model, a->id, &e);
    if (!d) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_dom(c, hdr, d);
}

static void h_get_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_domain_get_info_ret r;
    r.state = (u_char)d->state;
    r.maxMem = d->def->memory_kib;
    r.memory = d->def->current_kib;
    r.nrVirtCpu = (u_short)(d->def->vcpus_current ? d->def->vcpus_current : d->def->vcpus);
    r.cpuTime = fl_domain_cpu_time(d);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_info_ret, &r);
}

static void h_get_state(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (!test_flags_ok(c, hdr, a->flags, 0, "testDomainGetState"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_domain_get_state_ret r = {.state = d->state, .reason = d->reason};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_state_ret, &r);
}

static void h_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_xml_desc_args *a = args;
    fl_error e;
    if (c->readonly && (a->flags & 1 /* VIR_DOMAIN_XML_SECURE */)) {
        fl_error_set(&e, FL_ERR_OPERATION_DENIED, FL_FROM_DOMAIN, "operation forbidden",
                     "virDomainGetXMLDesc with secure flag");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    /* VIR_DOMAIN_XML_COMMON_FLAGS: SECURE 1, INACTIVE 2, MIGRATABLE 8 */
    if (fl_check_flags(a->flags, 1 | 2 | 8, "testDomainGetXMLDesc", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    char *xml = fl_domain_xml(d, a->flags);
    if (!xml) {
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error", "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_get_xml_desc_ret r = {.xml = xml};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_xml_desc_ret, &r);
    free(xml);
}

static void h_get_os_type(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    if (!fl_get_dom(c, hdr, &a->dom))
        return;
    fl_reply_string(c, hdr, "linux"); /* what the test driver answers for every domain */
}

static void h_get_max_memory(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_uhyper_ret r = {.value = d->def->memory_kib};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_uhyper_ret, &r);
}

static void h_get_max_vcpus_dom(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, (int)d->def->vcpus);
}

static void h_get_autostart(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, d->autostart);
}

static void h_is_active(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, fl_domain_is_active(d));
}

static void h_is_persistent(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, d->persistent);
}

static void h_is_updated(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    if (fl_get_dom(c, hdr, &a->dom))
        fl_reply_int(c, hdr, 0); /* the model has no pending config changes */
}

static void h_get_security_label(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    /* the test driver labels running domains only; an inactive one gets an empty label */
    char empty[1] = "";
    bool active = fl_domain_is_active(d);
    vw_domain_get_security_label_ret r;
    r.label.label_len = active ? (u_int)strlen(c->model->sec_label) + 1 : 1;
    r.label.label_val = active ? c->model->sec_label : empty;
    r.enforcing = active ? 1 : 0;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_security_label_ret, &r);
}

static void h_get_security_label_list(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    if (!fl_get_dom(c, hdr, &a->dom))
        return;
    /* libvirtd with the test driver answers an empty list and ret -1 */
    vw_domain_get_security_label_list_ret r;
    memset(&r, 0, sizeof(r));
    r.ret = -1;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_security_label_list_ret, &r);
}

static void h_define_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_define_xml_args *a = args;
    fl_error e;
    fl_domain *d = fl_domain_define(c->model, a->xml, &e);
    if (!d) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_dom(c, hdr, d);
}

static void h_define_xml_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_define_xml_flags_args *a = args;
    if (!test_flags_ok(c, hdr, a->flags, 1 /* VALIDATE */, "testDomainDefineXMLFlags"))
        return;
    vw_domain_define_xml_args plain = {.xml = a->xml};
    h_define_xml(c, hdr, &plain);
}

/* The QEMU processes of --qemu-dir for a QEMU-driver connection, else NULL (qemu_link.h). */
static fl_qemu *qemu_of(const fl_conn *c)
{
    return c->test_driver ? NULL : fl_server_qemu(c->srv);
}

static void h_create_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_create_xml_args *a = args;
    fl_error e;
    if (!test_flags_ok(c, hdr, a->flags, 16 /* VALIDATE */, "testDomainCreateXML"))
        return;
    if (qemu_of(c))
        fl_qemu_hold_events(qemu_of(c), c->model);
    fl_domain *d = fl_domain_create_xml(c->model, a->xml_desc, a->flags, &e);
    if ((qemu_of(c) && fl_qemu_domain_started(qemu_of(c), c->model, d, &e) < 0) || !d) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_dom(c, hdr, d);
}

typedef int dom_op(fl_model *m, fl_domain *d, fl_error *err);
typedef int qemu_op(fl_qemu *q, fl_model *m, fl_domain *d, fl_error *err);

/* op on the model, or qop through QMP when the connection's domains have a QEMU. */
static void run_dom_op_qemu(fl_conn *c, const vw_packet_header *hdr,
                            const vw_nonnull_domain *dom, dom_op *op, qemu_op *qop)
{
    fl_error e;
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (!d)
        return;
    fl_qemu *q = qop ? qemu_of(c) : NULL;
    if ((q ? qop(q, c->model, d, &e) : op(c->model, d, &e)) < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_void(c, hdr);
}

static void run_dom_op(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                       dom_op *op)
{
    run_dom_op_qemu(c, hdr, dom, op, NULL);
}

static int start_qemu(fl_qemu *q, fl_model *m, fl_domain *d, fl_error *err)
{
    fl_qemu_hold_events(q, m);
    return fl_qemu_domain_started(q, m, fl_domain_start(m, d, err) < 0 ? NULL : d, err);
}

static void h_create(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_start, start_qemu);
}

static void h_create_with_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    fl_error e;
    if (!test_flags_ok(c, hdr, a->flags, 0, "testDomainCreateWithFlags"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (qemu_of(c))
        fl_qemu_hold_events(qemu_of(c), c->model);
    int rc = fl_domain_start(c->model, d, &e);
    if (rc == 0 && (a->flags & 1 /* VIR_DOMAIN_START_PAUSED */))
        rc = fl_domain_suspend(c->model, d, &e);
    if (qemu_of(c) && fl_qemu_domain_started(qemu_of(c), c->model, rc < 0 ? NULL : d, &e) < 0)
        rc = -1;
    if (rc < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_dom(c, hdr, d);
}

static void h_destroy(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_destroy, fl_qemu_destroy);
}

static void h_destroy_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (test_flags_ok(c, hdr, a->flags, 1 /* GRACEFUL */, "testDomainDestroyFlags"))
        h_destroy(c, hdr, args);
}

static void h_shutdown(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_shutdown,
                    fl_qemu_shutdown);
}

static void h_shutdown_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (test_flags_ok(c, hdr, a->flags, 0, "testDomainShutdownFlags"))
        h_shutdown(c, hdr, args);
}

static void h_reboot(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    /* virDomainRebootFlagValues: DEFAULT 0 .. PARAVIRT 16 */
    if (!test_flags_ok(c, hdr, ((vw_domain_flags_args *)args)->flags, 0x1f, "testDomainReboot"))
        return;
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_reboot, fl_qemu_reboot);
}

static void h_suspend(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_suspend, fl_qemu_suspend);
}

static void h_resume(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_resume, fl_qemu_resume);
}

/* Undefine, after the test driver's refusal of an inactive domain with snapshots (unless
 * VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) and the dropping of a managed save image (with
 * VIR_DOMAIN_UNDEFINE_MANAGED_SAVE; without it fl_domain_undefine refuses). */
static void undefine(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                     unsigned flags)
{
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (!d)
        return;
    fl_error e;
    if (fl_snapshot_check_undefine(d, flags, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (flags & 1 /* VIR_DOMAIN_UNDEFINE_MANAGED_SAVE */)
        d->managed_save = false;
    run_dom_op(c, hdr, dom, fl_domain_undefine);
}

static void h_undefine(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    undefine(c, hdr, &((vw_domain_args *)args)->dom, 0);
}

static void h_undefine_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    /* MANAGED_SAVE 1, SNAPSHOTS_METADATA 2: no NVRAM, no CHECKPOINTS_METADATA */
    if (!test_flags_ok(c, hdr, a->flags, 1 | 2, "testDomainUndefineFlags"))
        return;
    undefine(c, hdr, &a->dom, a->flags);
}

static void h_migrate_set_max_speed(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_migrate_set_max_speed_args *a = args;
    if (c->test_driver) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    d->max_speed = a->bandwidth;
    fl_reply_void(c, hdr);
}

static void h_migrate_get_max_speed(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (c->test_driver) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_domain_migrate_get_max_speed_ret r = {.bandwidth = d->max_speed};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_migrate_get_max_speed_ret, &r);
}

/* ---- migration (not on test:// URIs: libvirt's test driver does not migrate) -------------- */

/* virDomainMigrateFlags */
#define FL_MIGRATE_PEER2PEER (1u << 1)
#define FL_MIGRATE_PERSIST_DEST (1u << 3)
#define FL_MIGRATE_UNDEFINE_SOURCE (1u << 4)
#define FL_MIGRATE_PAUSED (1u << 5)
#define FL_MIGRATE_OFFLINE (1u << 10)

static void h_migrate_perform3_params(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_migrate_perform3_params_args *a = args;
    fl_error e;
    if (c->test_driver) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (!(a->flags & FL_MIGRATE_PEER2PEER) || !a->dconnuri || !*a->dconnuri) {
        fl_error_set(&e, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, FL_FROM_DOMAIN,
                     "argument unsupported",
                     "fake-libvirtd migrates peer-to-peer only: set VIR_MIGRATE_PEER2PEER and "
                     "give the destination's libvirt URI");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (a->flags & FL_MIGRATE_OFFLINE) {
        fl_error_set(&e, 74, FL_FROM_DOMAIN, "argument unsupported",
                     "offline migration is not supported by fake-libvirtd");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_domain_is_active(d)) {
        fl_error_set(&e, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                     "Requested operation is not valid", "domain is not running");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    char *xml = domain_def_format(d->def, -1, true, false);
    if (!xml) {
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_DOMAIN, "internal error",
                     "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    /* bounded-time synchronous exchange with the destination (migration.h); d stays valid
     * because nothing else runs on this loop meanwhile */
    int rc = fl_migrate_p2p(*a->dconnuri, xml, a->params.params_val, a->params.params_len,
                            a->flags, &e);
    free(xml);
    if (rc == 0 && qemu_of(c))
        fl_qemu_release(qemu_of(c), c->model, d); /* the source QEMU ends after a migration */
    if (rc < 0 ||
        fl_domain_migrate_out(c->model, d, (a->flags & FL_MIGRATE_UNDEFINE_SOURCE) != 0, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_migrate_perform3_params_ret r = {.cookie_out = {0, NULL}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_migrate_perform3_params_ret, &r);
}

static void h_migrate_prepare3_params(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_migrate_prepare3_params_args *a = args;
    fl_error e;
    if (c->test_driver) {
        fl_reply_no_support(c, hdr);
        return;
    }
    const vw_typed_param *p = a->params.params_val;
    unsigned n = a->params.params_len;
    const char *xml = fl_migrate_param_string(p, n, "destination_xml");
    const char *dname = fl_migrate_param_string(p, n, "destination_name");
    if (!xml) {
        fl_error_set(&e, FL_ERR_INVALID_ARG, FL_FROM_DOMAIN, "invalid argument",
                     "no domain XML passed (typed parameter destination_xml)");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (dname) {
        fl_error_set(&e, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, FL_FROM_DOMAIN,
                     "argument unsupported",
                     "fake-libvirtd cannot rename a migrating domain (destination_name '%s')",
                     dname);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    domain_xml_error xe;
    domain_def *def = domain_def_parse(xml, &xe);
    if (!def) {
        fl_error_set(&e, xe.code, xe.domain, xe.prefix, "%s", xe.detail);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (def->has_uuid) {
        fl_error le;
        fl_domain *old = fl_domain_lookup_uuid(c->model, def->uuid, &le);
        if (old && fl_domain_is_active(old)) {
            fl_error_set(&e, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                         "Requested operation is not valid", "domain '%s' is already active",
                         old->def->name);
            domain_def_free(def);
            fl_conn_reply_error(c, hdr, &e);
            return;
        }
    }
    domain_def_free(def);
    char *copy = strdup(xml);
    if (!copy) {
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_DOMAIN, "internal error",
                     "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    free(c->migrate_xml);
    c->migrate_xml = copy;
    vw_domain_migrate_prepare3_params_ret r = {.cookie_out = {0, NULL}, .uri_out = NULL};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_migrate_prepare3_params_ret, &r);
}

static void h_migrate_finish3_params(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_migrate_finish3_params_args *a = args;
    fl_error e;
    if (c->test_driver) {
        fl_reply_no_support(c, hdr);
        return;
    }
    char *xml = c->migrate_xml;
    c->migrate_xml = NULL;
    if (!xml) {
        fl_error_set(&e, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                     "Requested operation is not valid",
                     "no incoming migration was prepared on this connection "
                     "(DOMAIN_MIGRATE_PREPARE3_PARAMS first)");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (a->cancelled) {
        free(xml);
        fl_error_set(&e, FL_ERR_OPERATION_FAILED, FL_FROM_DOMAIN, "operation failed",
                     "incoming migration cancelled by the source");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_domain_migrate_in(c->model, xml, (a->flags & FL_MIGRATE_PERSIST_DEST) != 0,
                                        (a->flags & FL_MIGRATE_PAUSED) != 0, &e);
    free(xml);
    if (!d || (qemu_of(c) && fl_qemu_domain_migrated_in(qemu_of(c), c->model, d, &e) < 0)) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_migrate_finish3_params_ret r;
    memset(&r, 0, sizeof(r));
    fl_make_dom(&r.dom, d);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_migrate_finish3_params_ret, &r);
}

static void h_set_autostart(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_autostart_args *a = args;
    fl_error e;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (fl_domain_set_autostart(c->model, d, a->autostart != 0, &e) < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_void(c, hdr);
}

static void set_memory(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                       unsigned long long kib, unsigned flags)
{
    fl_error e;
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (!d)
        return;
    if (fl_domain_set_memory(c->model, d, kib, flags, &e) < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_void(c, hdr);
}

static void h_set_memory(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_memory_args *a = args;
    set_memory(c, hdr, &a->dom, a->memory, 1 /* VIR_DOMAIN_AFFECT_LIVE */);
}

static void h_set_max_memory(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_max_memory_args *a = args;
    set_memory(c, hdr, &a->dom, a->memory, 4 /* VIR_DOMAIN_MEM_MAXIMUM */);
}

static void h_set_memory_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_memory_flags_args *a = args;
    if (!test_flags_ok(c, hdr, a->flags, 1 | 2 | 4, "testDomainSetMemoryFlags"))
        return;
    set_memory(c, hdr, &a->dom, a->memory, a->flags);
}

static void h_get_scheduler_type(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    /* testDomainGetSchedulerType: "fair" with one parameter, without looking the domain up
     * (a vanished domain gets the same answer) */
    vw_domain_get_scheduler_type_ret r = {.type = (char *)"fair", .nparams = 1};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_scheduler_type_ret, &r);
}

static void h_num_of_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    size_t n = 0;
    free(fl_domain_list(c->model, FL_LIST_ACTIVE, &n));
    fl_reply_int(c, hdr, (int)n);
}

static void h_num_of_defined_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    size_t n = 0;
    free(fl_domain_list(c->model, FL_LIST_INACTIVE, &n));
    fl_reply_int(c, hdr, (int)n);
}

static void h_list_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_list_domains_args *a = args;
    fl_error e;
    if (a->maxids < 0 || a->maxids > VW_REMOTE_DOMAIN_LIST_MAX) {
        fl_error_set(&e, FL_ERR_RPC, FL_FROM_RPC, "", a->maxids < 0 ? "maxids must be "
                     "non-negative" : "maxids > REMOTE_DOMAIN_LIST_MAX");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    size_t n = 0;
    fl_domain **list = fl_domain_list(c->model, FL_LIST_ACTIVE, &n);
    int *ids = n ? calloc(n, sizeof(int)) : NULL;
    vw_connect_list_domains_ret r = {{0, ids}};
    for (size_t i = 0; ids && i < n && (int)i < a->maxids; i++)
        ids[r.ids.ids_len++] = list[i]->id;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_domains_ret, &r);
    free(ids);
    free(list);
}

static void h_list_defined_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_list_defined_domains_args *a = args;
    fl_error e;
    if (a->maxnames < 0 || a->maxnames > VW_REMOTE_DOMAIN_LIST_MAX) {
        fl_error_set(&e, FL_ERR_RPC, FL_FROM_RPC, "", a->maxnames < 0 ? "maxnames must be "
                     "non-negative" : "maxnames > REMOTE_DOMAIN_LIST_MAX");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    size_t n = 0;
    fl_domain **list = fl_domain_list(c->model, FL_LIST_INACTIVE, &n);
    char **names = n ? calloc(n, sizeof(char *)) : NULL;
    vw_connect_list_defined_domains_ret r = {{0, names}};
    for (size_t i = 0; names && i < n && (int)i < a->maxnames; i++)
        names[r.names.names_len++] = list[i]->def->name;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_defined_domains_ret, &r);
    free(names);
    free(list);
}

static void h_node_get_free_memory(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_uhyper_ret r = {.value = c->model->free_memory};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_uhyper_ret, &r);
}

static void h_domain_get_hostname(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    fl_error e;
    if (!test_flags_ok(c, hdr, a->flags, 0, "testDomainGetHostname"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (!fl_domain_is_active(d)) {
        fl_error_set(&e, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                     "Requested operation is not valid", "domain is not running");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_string(c, hdr, "testhost"); /* the test driver's guest host name */
}

static void h_domain_get_control_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (!test_flags_ok(c, hdr, a->flags, 0, "testDomainGetControlInfo"))
        return;
    if (!fl_get_dom(c, hdr, &a->dom))
        return;
    vw_domain_get_control_info_ret r = {0, 0, 0}; /* VIR_DOMAIN_CONTROL_OK */
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_control_info_ret, &r);
}

/* ---- events --------------------------------------------------------------------------------- */

static bool callback_tracked(const fl_conn *c, int event_id, bool has_dom, const unsigned char *uuid)
{
    for (int i = 0; i < c->ncallbacks; i++) {
        const fl_callback *cb = &c->callbacks[i];
        if (cb->qemu_monitor || cb->object != FL_CB_DOMAIN || cb->event_id != event_id ||
            cb->has_dom != has_dom)
            continue;
        if (!has_dom || memcmp(cb->dom_uuid, uuid, 16) == 0)
            return true;
    }
    return false;
}

bool fl_flags_ok(fl_conn *c, const vw_packet_header *hdr, unsigned flags, unsigned supported,
                 const char *func)
{
    fl_error e;
    if (fl_check_flags(flags, supported, func, &e) == 0)
        return true;
    fl_conn_reply_error(c, hdr, &e);
    return false;
}

fl_callback *fl_conn_new_callback(fl_conn *c, const vw_packet_header *hdr)
{
    fl_error e;
    if (c->ncallbacks >= FL_MAX_CALLBACKS) {
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                     "too many event registrations on this connection (limit %d)",
                     FL_MAX_CALLBACKS);
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    if (c->ncallbacks == c->callbacks_cap) {
        int cap = c->callbacks_cap ? c->callbacks_cap * 2 : 8;
        fl_callback *grown = realloc(c->callbacks, (size_t)cap * sizeof(*grown));
        if (!grown) {
            fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error", "out of memory");
            fl_conn_reply_error(c, hdr, &e);
            return NULL;
        }
        c->callbacks = grown;
        c->callbacks_cap = cap;
    }
    fl_callback *cb = &c->callbacks[c->ncallbacks++];
    memset(cb, 0, sizeof(*cb));
    cb->callback_id = fl_server_next_callback_id(c->srv);
    return cb;
}

fl_callback *fl_conn_new_object_callback(fl_conn *c, const vw_packet_header *hdr, int object,
                                         int event_id, int id_last, const char *noun)
{
    if (event_id < 0 || event_id >= id_last) {
        fl_error e;
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                     "unsupported %s event ID %d", noun, event_id);
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    fl_callback *cb = fl_conn_new_callback(c, hdr);
    if (cb) {
        cb->object = object;
        cb->event_id = event_id;
    }
    return cb;
}

void fl_conn_deregister_object(fl_conn *c, const vw_packet_header *hdr, int object,
                               int callback_id, const char *noun)
{
    for (int i = 0; i < c->ncallbacks; i++) {
        if (c->callbacks[i].object == object && c->callbacks[i].callback_id == callback_id) {
            fl_conn_remove_callback(c, i);
            fl_reply_void(c, hdr);
            return;
        }
    }
    fl_error e;
    fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                 "%s event callback %d not registered", noun, callback_id);
    fl_conn_reply_error(c, hdr, &e);
}

/* Adds a registration; replies with the error itself and returns NULL on failure. */
static fl_callback *add_callback(fl_conn *c, const vw_packet_header *hdr, int event_id,
                                 const vw_nonnull_domain *dom, bool legacy)
{
    fl_error e;
    if (event_id < 0 || event_id >= FL_DOMAIN_EVENT_ID_LAST) {
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                     "unsupported event ID %d", event_id);
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    if (callback_tracked(c, event_id, dom != NULL, dom ? (const unsigned char *)dom->uuid : NULL)) {
        fl_error_set(&e, FL_ERR_INVALID_ARG, FL_FROM_NONE, "invalid argument",
                     "event callback already tracked");
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    fl_callback *cb = fl_conn_new_callback(c, hdr);
    if (!cb)
        return NULL;
    cb->event_id = event_id;
    cb->legacy = legacy;
    if (dom) {
        cb->has_dom = true;
        memcpy(cb->dom_uuid, dom->uuid, 16);
    }
    return cb;
}

void fl_conn_remove_callback(fl_conn *c, int index)
{
    memmove(&c->callbacks[index], &c->callbacks[index + 1],
            (size_t)(c->ncallbacks - index - 1) * sizeof(c->callbacks[0]));
    c->ncallbacks--;
}

static void h_event_callback_register(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_domain_event_callback_register_any_args *a = args;
    fl_callback *cb = add_callback(c, hdr, a->eventID, a->dom, false);
    if (!cb)
        return;
    vw_connect_domain_event_callback_register_any_ret r = {.callbackID = cb->callback_id};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_ret, &r);
}

static void h_event_callback_deregister(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_domain_event_callback_deregister_any_args *a = args;
    for (int i = 0; i < c->ncallbacks; i++) {
        if (!c->callbacks[i].qemu_monitor && c->callbacks[i].object == FL_CB_DOMAIN &&
            !c->callbacks[i].legacy &&
            c->callbacks[i].callback_id == a->callbackID) {
            fl_conn_remove_callback(c, i);
            fl_reply_void(c, hdr);
            return;
        }
    }
    fl_error e;
    fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                 "domain event callback %d not registered", a->callbackID);
    fl_conn_reply_error(c, hdr, &e);
}

static void h_event_register(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_domain_event_register_any_args *a = args;
    if (add_callback(c, hdr, a->eventID, NULL, true))
        fl_reply_void(c, hdr);
}

static void h_event_deregister(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_domain_event_deregister_any_args *a = args;
    for (int i = 0; i < c->ncallbacks; i++) {
        if (!c->callbacks[i].qemu_monitor && c->callbacks[i].object == FL_CB_DOMAIN &&
            c->callbacks[i].event_id == a->eventID &&
            !c->callbacks[i].has_dom) {
            fl_conn_remove_callback(c, i);
            fl_reply_void(c, hdr);
            return;
        }
    }
    fl_error e;
    fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                 "domain event %d not registered", a->eventID);
    fl_conn_reply_error(c, hdr, &e);
}

/* ---- networks and pools --------------------------------------------------------------------- */

/* The handlers below serve the NETWORK_* and the STORAGE_POOL_* procedure of the same name: the
 * procedure tells which kind of object a call is about, and the arguments of both kinds start
 * alike (a remote_nonnull_network / _storage_pool, a name, or a uuid: read through a pointer to
 * that first member). */
static fl_object_kind call_kind(const vw_packet_header *hdr)
{
    const vw_proc_info *pi = vw_procs_lookup(hdr->prog, hdr->proc);
    return pi && strstr(pi->name, "NETWORK") ? FL_OBJ_NETWORK : FL_OBJ_POOL;
}

/* The object the call's leading remote_nonnull_network / _storage_pool names (the test driver
 * matches the uuid), or NULL after replying its not-found error. */
static fl_object *get_object(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object_kind kind = call_kind(hdr);
    const char *uuid = kind == FL_OBJ_NETWORK ? ((vw_nonnull_network *)args)->uuid
                                              : ((vw_nonnull_storage_pool *)args)->uuid;
    fl_error e;
    fl_object *o = fl_object_lookup_uuid(c->model, kind, (const unsigned char *)uuid, &e);
    if (!o)
        fl_conn_reply_error(c, hdr, &e);
    return o;
}

/* Fills a remote_nonnull_network / _storage_pool (both are a name and a uuid). */
static void set_ref(char **name, char uuid[16], const fl_object *o)
{
    *name = o->name;
    memcpy(uuid, o->uuid, 16);
}

/* LOOKUP_BY_NAME (o from a name) or LOOKUP_BY_UUID: the object's name and uuid, or e. */
static void reply_lookup(fl_conn *c, const vw_packet_header *hdr, const fl_object *o,
                         const fl_error *e)
{
    if (!o) {
        fl_conn_reply_error(c, hdr, e);
    } else if (call_kind(hdr) == FL_OBJ_NETWORK) {
        vw_network_ret r;
        set_ref(&r.net.name, r.net.uuid, o);
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_network_ret, &r);
    } else {
        vw_storage_pool_ret r;
        set_ref(&r.pool.name, r.pool.uuid, o);
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_pool_ret, &r);
    }
}

static void h_object_lookup_by_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_error e;
    const char *name = *(char **)args;
    reply_lookup(c, hdr, fl_object_lookup_name(c->model, call_kind(hdr), name, &e), &e);
}

static void h_object_lookup_by_uuid(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_error e;
    const unsigned char *uuid = args;
    reply_lookup(c, hdr, fl_object_lookup_uuid(c->model, call_kind(hdr), uuid, &e), &e);
}

/* CONNECT_LIST_ALL_NETWORKS / _STORAGE_POOLS: the count, and the objects with need_results. */
static void h_object_list_all(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object_kind kind = call_kind(hdr);
    const vw_connect_list_all_networks_args *na = args;
    const vw_connect_list_all_storage_pools_args *pa = args;
    bool need_results = kind == FL_OBJ_NETWORK ? na->need_results : pa->need_results;
    size_t n = 0;
    fl_object **list = fl_object_list(c->model, kind,
                                      kind == FL_OBJ_NETWORK ? na->flags : pa->flags, &n);
    vw_nonnull_network *nets = NULL;
    vw_nonnull_storage_pool *pools = NULL;
    bool ok = n == 0 || list;
    if (ok && need_results && n > 0) {
        if (kind == FL_OBJ_NETWORK)
            ok = (nets = calloc(n, sizeof(*nets))) != NULL;
        else
            ok = (pools = calloc(n, sizeof(*pools))) != NULL;
    }
    for (size_t i = 0; ok && (nets || pools) && i < n; i++) {
        if (nets)
            set_ref(&nets[i].name, nets[i].uuid, list[i]);
        else
            set_ref(&pools[i].name, pools[i].uuid, list[i]);
    }
    if (!ok) {
        fl_error e;
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR,
                     kind == FL_OBJ_NETWORK ? FL_FROM_NETWORK : FL_FROM_STORAGE, "internal error",
                     "out of memory");
        fl_conn_reply_error(c, hdr, &e);
    } else if (kind == FL_OBJ_NETWORK) {
        vw_connect_list_all_networks_ret r = {{nets ? (u_int)n : 0, nets}, (u_int)n};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_all_networks_ret, &r);
    } else {
        vw_connect_list_all_storage_pools_ret r = {{pools ? (u_int)n : 0, pools}, (u_int)n};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_all_storage_pools_ret, &r);
    }
    free(nets);
    free(pools);
    free(list);
}

static void h_object_get_autostart(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *o = get_object(c, hdr, args);
    if (o)
        fl_reply_int(c, hdr, o->autostart);
}

static void h_object_is_active(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *o = get_object(c, hdr, args);
    if (o)
        fl_reply_int(c, hdr, o->active);
}

static void h_object_is_persistent(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *o = get_object(c, hdr, args);
    if (o)
        fl_reply_int(c, hdr, o->persistent);
}

static void h_pool_get_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *p = get_object(c, hdr, args);
    if (!p)
        return;
    /* virStoragePoolState: 2 running, 0 inactive */
    vw_storage_pool_get_info_ret r = {.state = p->active ? 2 : 0, .capacity = p->capacity,
                                      .allocation = p->allocation, .available = p->available};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_pool_get_info_ret, &r);
}

/* ---- QEMU program --------------------------------------------------------------------------- */

static void h_qemu_monitor_command(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_qemu_domain_monitor_command_args *a = args;
    if (c->test_driver) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    fl_error e;
    if (!fl_domain_is_active(d)) {
        fl_error_set(&e, FL_ERR_OPERATION_INVALID, FL_FROM_QEMU,
                     "Requested operation is not valid", "domain is not running");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (qemu_of(c)) {
        /* --qemu-dir: the domain's QEMU answers (flag 1 = VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) */
        char *out = NULL;
        int rc = fl_qemu_monitor_command(qemu_of(c), d, a->cmd, (a->flags & 1) != 0, &out, &e);
        if (rc < 0) {
            fl_conn_reply_error(c, hdr, &e);
            return;
        }
        if (rc > 0) {
            vw_qemu_domain_monitor_command_ret r = {.result = out};
            fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_qemu_domain_monitor_command_ret, &r);
            free(out);
            return;
        }
    }
    /* without --qemu-dir: a built-in minimal monitor */
    char result[256];
    if (strstr(a->cmd, "\"query-status\"")) {
        snprintf(result, sizeof(result),
                 "{\"return\":{\"status\":\"%s\",\"singlestep\":false,\"running\":%s},"
                 "\"id\":\"libvirt-1\"}",
                 d->state == FL_STATE_PAUSED ? "paused" : "running",
                 d->state == FL_STATE_PAUSED ? "false" : "true");
    } else if (strstr(a->cmd, "\"query-version\"")) {
        snprintf(result, sizeof(result),
                 "{\"return\":{\"qemu\":{\"micro\":0,\"minor\":2,\"major\":7},\"package\":\"\"},"
                 "\"id\":\"libvirt-1\"}");
    } else {
        snprintf(result, sizeof(result),
                 "{\"id\":\"libvirt-1\",\"error\":{\"class\":\"CommandNotFound\","
                 "\"desc\":\"The command is not supported by fake-libvirtd's built-in monitor\"}}");
    }
    vw_qemu_domain_monitor_command_ret r = {.result = result};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_qemu_domain_monitor_command_ret, &r);
}

static void h_qemu_event_register(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_qemu_connect_domain_monitor_event_register_args *a = args;
    if (c->test_driver) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_callback *cb = fl_conn_new_callback(c, hdr);
    if (!cb)
        return;
    cb->qemu_monitor = true;
    if (a->dom) {
        cb->has_dom = true;
        memcpy(cb->dom_uuid, a->dom->uuid, 16);
    }
    if (a->event && *a->event)
        snprintf(cb->qemu_event, sizeof(cb->qemu_event), "%s", *a->event);
    cb->qemu_flags = a->flags;
    /* QMP events come from the domains' QEMUs with --qemu-dir (qemu_link.c); the built-in
     * monitor emits none */
    vw_qemu_connect_domain_monitor_event_register_ret r = {.callbackID = cb->callback_id};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_qemu_connect_domain_monitor_event_register_ret, &r);
}

static void h_qemu_event_deregister(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_qemu_connect_domain_monitor_event_deregister_args *a = args;
    for (int i = 0; i < c->ncallbacks; i++) {
        if (c->callbacks[i].qemu_monitor && c->callbacks[i].callback_id == a->callbackID) {
            fl_conn_remove_callback(c, i);
            fl_reply_void(c, hdr);
            return;
        }
    }
    fl_error e;
    fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error",
                 "qemu monitor event callback %d not registered", a->callbackID);
    fl_conn_reply_error(c, hdr, &e);
}

/* ---- table and entry point ------------------------------------------------------------------ */

#define R VW_REMOTE_PROGRAM
#define Q VW_QEMU_PROGRAM

static const fl_handler core_rows[] = {
    {R, VW_REMOTE_PROC_AUTH_LIST, fl_auth_list, true},
    {R, VW_REMOTE_PROC_AUTH_SASL_INIT, fl_auth_sasl_init, true},
    {R, VW_REMOTE_PROC_AUTH_SASL_START, fl_auth_sasl_start, true},
    {R, VW_REMOTE_PROC_AUTH_SASL_STEP, fl_auth_sasl_step, true},
    {R, VW_REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, h_supports_feature, true},
    {R, VW_REMOTE_PROC_CONNECT_OPEN, h_connect_open, true},
    {R, VW_REMOTE_PROC_CONNECT_CLOSE, h_connect_close, true},
    {R, VW_REMOTE_PROC_CONNECT_GET_TYPE, h_get_type, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_VERSION, h_get_version, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_MAX_VCPUS, h_get_max_vcpus, false},
    {R, VW_REMOTE_PROC_NODE_GET_INFO, h_node_get_info, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_CAPABILITIES, h_get_capabilities, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, h_get_hostname, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_URI, h_get_uri, false},
    {R, VW_REMOTE_PROC_NODE_GET_SECURITY_MODEL, h_node_get_security_model, false},
    {R, VW_REMOTE_PROC_CONNECT_IS_SECURE, h_is_secure, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, h_get_lib_version, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_SYSINFO, h_get_sysinfo, false},
    {R, VW_REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK, h_close_callback, false},
    {R, VW_REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, h_close_callback, false},

    {R, VW_REMOTE_PROC_DOMAIN_CREATE, h_create, false},
    {R, VW_REMOTE_PROC_DOMAIN_CREATE_XML, h_create_xml, false},
    {R, VW_REMOTE_PROC_DOMAIN_DEFINE_XML, h_define_xml, false},
    {R, VW_REMOTE_PROC_DOMAIN_DESTROY, h_destroy, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_XML_DESC, h_get_xml_desc, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_AUTOSTART, h_get_autostart, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_INFO, h_get_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_MAX_MEMORY, h_get_max_memory, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_MAX_VCPUS, h_get_max_vcpus_dom, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_OS_TYPE, h_get_os_type, false},
    {R, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_ID, h_lookup_by_id, false},
    {R, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, h_lookup_by_name, false},
    {R, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, h_lookup_by_uuid, false},
    {R, VW_REMOTE_PROC_DOMAIN_REBOOT, h_reboot, false},
    {R, VW_REMOTE_PROC_DOMAIN_RESUME, h_resume, false},
    {R, VW_REMOTE_PROC_DOMAIN_SHUTDOWN, h_shutdown, false},
    {R, VW_REMOTE_PROC_DOMAIN_SUSPEND, h_suspend, false},
    {R, VW_REMOTE_PROC_DOMAIN_UNDEFINE, h_undefine, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL, h_get_security_label, false},
    {R, VW_REMOTE_PROC_DOMAIN_IS_ACTIVE, h_is_active, false},
    {R, VW_REMOTE_PROC_DOMAIN_IS_PERSISTENT, h_is_persistent, false},
    {R, VW_REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, h_create_with_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_SPEED, h_migrate_set_max_speed, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_STATE, h_get_state, false},
    {R, VW_REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, h_undefine_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_DESTROY_FLAGS, h_destroy_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED, h_migrate_get_max_speed, false},
    {R, VW_REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, h_shutdown_flags, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, h_list_all_domains, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL_LIST, h_get_security_label_list, false},
    {R, VW_REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, h_define_xml_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_IS_UPDATED, h_is_updated, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_MAX_MEMORY, h_set_max_memory, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_MEMORY, h_set_memory, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE, h_get_scheduler_type, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, h_set_memory_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS, h_migrate_prepare3_params, false},
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS, h_migrate_perform3_params, false},
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS, h_migrate_finish3_params, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS, h_list_defined_domains, false},
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS, h_num_of_defined_domains, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_AUTOSTART, h_set_autostart, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_DOMAINS, h_list_domains, false},
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_DOMAINS, h_num_of_domains, false},
    {R, VW_REMOTE_PROC_NODE_GET_FREE_MEMORY, h_node_get_free_memory, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_CONTROL_INFO, h_domain_get_control_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_HOSTNAME, h_domain_get_hostname, false},

    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY, h_event_register, false},
    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY, h_event_deregister, false},
    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, h_event_callback_register,
     false},
    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, h_event_callback_deregister,
     false},

    /* networks */
    {R, VW_REMOTE_PROC_NETWORK_GET_AUTOSTART, h_object_get_autostart, false},
    {R, VW_REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, h_object_lookup_by_name, false},
    {R, VW_REMOTE_PROC_NETWORK_LOOKUP_BY_UUID, h_object_lookup_by_uuid, false},
    {R, VW_REMOTE_PROC_NETWORK_IS_ACTIVE, h_object_is_active, false},
    {R, VW_REMOTE_PROC_NETWORK_IS_PERSISTENT, h_object_is_persistent, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS, h_object_list_all, false},

    /* storage pools */
    {R, VW_REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, h_object_lookup_by_name, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID, h_object_lookup_by_uuid, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_GET_INFO, h_pool_get_info, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, h_object_get_autostart, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, h_object_is_active, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, h_object_is_persistent, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, h_object_list_all, false},

    {Q, VW_QEMU_PROC_DOMAIN_MONITOR_COMMAND, h_qemu_monitor_command, false},
    {Q, VW_QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER, h_qemu_event_register, false},
    {Q, VW_QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER, h_qemu_event_deregister, false},
};

const fl_handler_family fl_handlers_core = FL_HANDLER_FAMILY(core_rows);

/* Every family of handlers (handlers.h): a new family file adds one line here. */
static const fl_handler_family *const families[] = {
    &fl_handlers_core,
    &fl_handlers_storage,
    &fl_handlers_moments,
    &fl_handlers_net,
    &fl_handlers_iface,
    &fl_handlers_nodedev,
    &fl_handlers_host,
    &fl_handlers_guest,
    &fl_handlers_stats,
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
        fl_error e;
        fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error", "out of memory");
        fl_conn_reply_error(c, &pkt->hdr, &e);
        return NULL;
    }
    vw_proto_error perr;
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
        fl_error e;
        fl_error_set(&e, FL_ERR_NO_SUPPORT, info->api_error_domain,
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
    else if (!c->opened && !(h && h->before_open))
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
