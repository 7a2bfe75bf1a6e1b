/* connect_family.c: handlers of the connection: authentication, CONNECT_OPEN / CLOSE, the
 * hypervisor's identity (type, version, host name, URI, capabilities, sysinfo) and the host's
 * basic facts. */
#include "handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include <sys/stat.h>
#include <unistd.h>

#include "fl_auth.h"
#include "keepalive.h"
#include "release.h"

/* ---- connection ----------------------------------------------------------------------------- */

static void h_supports_feature(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_supports_feature_args *a = args;
    int supported = 0;
    if (a->feature == 10 /* PROGRAM_KEEPALIVE */) {
        fl_keepalive_start(c);
        supported = 1;
    } else if (!fl_session_is_open(c)) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "hypervisor connection not open");
        fl_conn_reply_error(c, hdr, &e);
        return;
    } else {
        /* what libvirtd + test driver of the modelled release answer (release.c) */
        supported = a->feature >= 0 && fl_release_has_feature((unsigned)a->feature);
        /* other URIs migrate: MIGRATION_P2P 4, MIGRATION_V3 6, MIGRATION_PARAMS 13 */
        if (!fl_session_is_test(c) && (a->feature == 4 || a->feature == 6 || a->feature == 13))
            supported = 1;
    }
    vw_connect_supports_feature_ret r = {.supported = supported};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_supports_feature_ret, &r);
}

/* testConnectOpen: test:///default is the built-in state; any other path names a test driver
 * config file, which libvirt 9.0 parses with libxml2 (a missing or unreadable file is "failed
 * to parse xml document"). fake-libvirtd has no reader for those files, so an existing one is
 * refused with a message pointing at --state. Returns 0 when the URI may be opened. */
static int check_test_uri(const char *name, vw_virerror *e)
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
        vw_virerror_report(e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "testOpen: supply a path or use test:///default");
        return -1;
    }
    if (len == 8 && strncmp(p, "/default", 8) == 0)
        return 0;
    char path[1024];
    if (len >= sizeof(path)) {
        vw_virerror_report(e, VW_ERR_XML_ERROR, VW_FROM_TEST, "XML error",
                           "failed to parse xml document '%.*s'", 512, p);
        return -1;
    }
    memcpy(path, p, len);
    path[len] = '\0';
    struct stat st;
    if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
        if (fl_release_current()->open_missing_is_system_error)
            vw_virerror_report(e, VW_ERR_SYSTEM_ERROR, VW_FROM_NONE, "",
                               "Failed to open file '%s': %s", path, strerror(errno));
        else
            vw_virerror_report(e, VW_ERR_XML_ERROR, VW_FROM_TEST, "XML error",
                               "failed to parse xml document '%s'", path);
        return -1;
    }
    if (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0)) {
        /* libxml2 reads a directory as an empty document */
        vw_virerror_report(e, VW_ERR_XML_DETAIL, VW_FROM_TEST, "",
                           "%s:1: Document is empty\n(null)\n^", path);
        return -1;
    }
    vw_virerror_report(e, VW_ERR_CONFIG_UNSUPPORTED, VW_FROM_TEST, "unsupported configuration",
                       "fake-libvirtd does not read test driver config files ('%s'); start it with "
                       "--state FILE (docs/state-format.md) and open test:///default", path);
    return -1;
}

static void h_connect_open(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_open_args *a = args;
    vw_virerror e = {0};
    if (fl_session_is_open(c)) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "connection already open");
        fl_conn_reply_error(c, hdr, &e);
        /* libvirtd's remoteDispatchConnectOpen drops the hypervisor connection on any failure,
         * this one included: later calls are "not open" until the next CONNECT_OPEN */
        fl_session_close(c);
        return;
    }
    const char *name = (a->name && *a->name && **a->name) ? *a->name : "test:///default";
    if (!strchr(name, ':')) {
        vw_virerror_report(&e, VW_ERR_NO_CONNECT, VW_FROM_NONE, NULL,
                           "no connection driver available for %s", name);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (check_test_uri(name, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (fl_session_open(c, name, a->flags & 1 /* VIR_CONNECT_RO */, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_conn_not_anonymous(c);   /* max_anonymous_clients counts it no more */
    fl_reply_void(c, hdr);
}

static void h_connect_close(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    fl_session_close(c);
    fl_reply_void(c, hdr);
    c->closing = true; /* libvirtd closes the connection after CONNECT_CLOSE */
}

static void h_get_type(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_connect_get_type_ret r = {.type = (char *)fl_session_hv_type(c)};
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
    vw_connect_get_uri_ret r = {.uri = (char *)fl_session_uri(c)};
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


#define R VW_REMOTE_PROGRAM
#define Q VW_QEMU_PROGRAM

static const fl_handler rows[] = {
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
};

const fl_handler_family fl_handlers_core = FL_HANDLER_FAMILY(rows);
