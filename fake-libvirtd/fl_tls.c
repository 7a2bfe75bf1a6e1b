/* fl_tls.c: x509 TLS for fake-libvirtd's listeners (see fl_tls.h). The texts of the checks are
 * libvirtd's (src/rpc/virnettlscontext.c, virnettlscert.c); the code is our own. */
#include "fl_tls.h"
#include "tls_common.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define MAX_CA_CERTS 16
#define MAX_DN_LEN 4096

struct fl_tls_ctx {
    gnutls_certificate_credentials_t creds;
    gnutls_priority_t priority;
    bool no_verify;
    bool verbose;             /* a refused DN is shown */
    char *allowed_dn[FL_TLS_MAX_DN];
    int nallowed_dn;
};

struct fl_tls_session {
    fl_tls_ctx *ctx;
    gnutls_session_t session;
    bool send_again;          /* the last send returned GNUTLS_E_AGAIN: finish it first */
};

static int check_readable(const char *what, const char *path, char *err, size_t errlen)
{
    if (access(path, R_OK) == 0)
        return 0;
    snprintf(err, errlen, "Cannot read %s '%s': %s", what, path, strerror(errno));
    return -1;
}

/* Reads a PEM file of at most 64 KiB (libvirt's limit) into a datum (free data->data). */
static int load_pem(const char *path, gnutls_datum_t *data, char *err, size_t errlen)
{
    int rc = gnutls_load_file(path, data);
    if (rc < 0) {
        snprintf(err, errlen, "Cannot read '%s': %s", path, gnutls_strerror(rc));
        return -1;
    }
    if (data->size > 65536) {
        snprintf(err, errlen, "'%s' is larger than 64 KiB", path);
        gnutls_free(data->data);
        return -1;
    }
    return 0;
}

/* libvirtd's start-up check: our own certificate verifies against the CA list. */
static int check_own_cert(const char *cert_file, const char *ca_file, char *err, size_t errlen)
{
    gnutls_datum_t cert_pem = {0}, ca_pem = {0};
    gnutls_x509_crt_t cert = NULL, cas[MAX_CA_CERTS];
    unsigned ncas = MAX_CA_CERTS, status = 0;
    int ret = -1;
    if (load_pem(cert_file, &cert_pem, err, errlen) < 0)
        return -1;
    if (load_pem(ca_file, &ca_pem, err, errlen) < 0)
        goto out;
    if (gnutls_x509_crt_init(&cert) < 0 ||
        gnutls_x509_crt_import(cert, &cert_pem, GNUTLS_X509_FMT_PEM) < 0) {
        snprintf(err, errlen, "Unable to import server certificate %s", cert_file);
        goto out;
    }
    if (gnutls_x509_crt_list_import(cas, &ncas, &ca_pem, GNUTLS_X509_FMT_PEM, 0) < 0) {
        ncas = 0;
        snprintf(err, errlen, "Unable to import CA certificate list %s", ca_file);
        goto out;
    }
    if (gnutls_x509_crt_list_verify(&cert, 1, cas, ncas, NULL, 0, 0, &status) < 0) {
        snprintf(err, errlen, "Unable to verify server certificate %s against CA certificate %s",
                 cert_file, ca_file);
    } else if (status != 0) {
        snprintf(err, errlen, "Our own certificate %s failed validation against %s: %s",
                 cert_file, ca_file, vw_tls_status_reason(status));
    } else {
        ret = 0;
    }
    for (unsigned i = 0; i < ncas; i++)
        gnutls_x509_crt_deinit(cas[i]);
out:
    if (cert)
        gnutls_x509_crt_deinit(cert);
    gnutls_free(cert_pem.data);
    gnutls_free(ca_pem.data);
    return ret;
}

static int load_credentials(fl_tls_ctx *ctx, const char *ca, const char *cert, const char *key,
                            char *err, size_t errlen)
{
    if (check_readable("CA certificate", ca, err, errlen) < 0 ||
        check_readable("certificate", cert, err, errlen) < 0 ||
        check_readable("private key", key, err, errlen) < 0)
        return -1;
    int rc = gnutls_certificate_allocate_credentials(&ctx->creds);
    if (rc < 0) {
        snprintf(err, errlen, "Unable to allocate x509 credentials: %s", gnutls_strerror(rc));
        return -1;
    }
    rc = gnutls_certificate_set_x509_trust_file(ctx->creds, ca, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        snprintf(err, errlen, "Unable to set x509 CA certificate: %s: %s", ca,
                 gnutls_strerror(rc));
        return -1;
    }
    rc = gnutls_certificate_set_x509_key_file(ctx->creds, cert, key, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        snprintf(err, errlen, "Unable to set x509 key and certificate: %s, %s: %s", key, cert,
                 gnutls_strerror(rc));
        return -1;
    }
    return check_own_cert(cert, ca, err, errlen);
}

fl_tls_ctx *fl_tls_ctx_new(const fl_tls_config *cfg, char *err, size_t errlen)
{
    fl_tls_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = gnutls_global_init();
    if (rc < 0) {
        snprintf(err, errlen, "Unable to initialize GnuTLS: %s", gnutls_strerror(rc));
        free(ctx);
        return NULL;
    }
    const char *ca = cfg->ca_file ? cfg->ca_file : FL_TLS_DEFAULT_CA;
    const char *cert = cfg->cert_file ? cfg->cert_file : FL_TLS_DEFAULT_CERT;
    const char *key = cfg->key_file ? cfg->key_file : FL_TLS_DEFAULT_KEY;
    if (load_credentials(ctx, ca, cert, key, err, errlen) < 0)
        goto fail;
    const char *prio = cfg->priority ? cfg->priority : "NORMAL";
    const char *where = NULL;
    rc = gnutls_priority_init(&ctx->priority, prio, &where);
    if (rc < 0) {
        ctx->priority = NULL;
        snprintf(err, errlen, "Failed to set TLS session priority to %s: %s (near '%s')", prio,
                 gnutls_strerror(rc), where ? where : "");
        goto fail;
    }
    ctx->no_verify = cfg->no_verify;
    ctx->verbose = cfg->verbose;
    for (int i = 0; i < cfg->nallowed_dn && i < FL_TLS_MAX_DN; i++) {
        if (!(ctx->allowed_dn[i] = strdup(cfg->allowed_dn[i]))) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        ctx->nallowed_dn = i + 1;
    }
    return ctx;
fail:
    fl_tls_ctx_free(ctx);
    return NULL;
}

void fl_tls_ctx_free(fl_tls_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->creds)
        gnutls_certificate_free_credentials(ctx->creds);
    if (ctx->priority)
        gnutls_priority_deinit(ctx->priority);
    for (int i = 0; i < ctx->nallowed_dn; i++)
        free(ctx->allowed_dn[i]);
    free(ctx);
    gnutls_global_deinit();
}

fl_tls_session *fl_tls_session_new(fl_tls_ctx *ctx, int fd)
{
    fl_tls_session *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->ctx = ctx;
    if (gnutls_init(&s->session, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS) < 0) {
        free(s);
        return NULL;
    }
    if (gnutls_priority_set(s->session, ctx->priority) < 0 ||
        gnutls_credentials_set(s->session, GNUTLS_CRD_CERTIFICATE, ctx->creds) < 0) {
        fl_tls_session_free(s);
        return NULL;
    }
    /* ask for a client certificate; a client without one is refused after the handshake
     * (unless tls_no_verify_certificate), as libvirtd does */
    gnutls_certificate_server_set_request(s->session, GNUTLS_CERT_REQUEST);
    gnutls_transport_set_int(s->session, fd);
    return s;
}

void fl_tls_session_free(fl_tls_session *s)
{
    if (!s)
        return;
    gnutls_deinit(s->session);
    free(s);
}

int fl_tls_handshake(fl_tls_session *s, bool *want_write, char *err, size_t errlen)
{
    int rc = gnutls_handshake(s->session);
    if (rc == 0)
        return 1;
    if (!gnutls_error_is_fatal(rc)) {
        *want_write = gnutls_record_get_direction(s->session) == 1;
        return 0;
    }
    snprintf(err, errlen, "TLS handshake failed %s", gnutls_strerror(rc));
    return -1;
}

/* tls_allowed_dn_list: glob patterns (libvirt uses GLib's simple patterns: '*' and '?'). */
static int check_dn(const fl_tls_ctx *ctx, const char *dn, char *err, size_t errlen)
{
    if (ctx->nallowed_dn == 0)
        return 0;
    for (int i = 0; i < ctx->nallowed_dn; i++)
        if (fnmatch(ctx->allowed_dn[i], dn, FNM_NOESCAPE) == 0)
            return 0;
    snprintf(err, errlen, "Client's Distinguished Name is not on the list of allowed clients "
             "(tls_allowed_dn_list).  Use 'virt-pki-query-dn clientcert.pem' to view the "
             "Distinguished Name field in the client certificate, or run this daemon with "
             "--verbose option.%s%s%s", ctx->verbose ? " (its DN: '" : "",
             ctx->verbose ? dn : "", ctx->verbose ? "')" : "");
    return -1;
}

/* One certificate of the client's chain: its times and, for the first, its DN. */
static int check_one_cert(const fl_tls_ctx *ctx, const gnutls_datum_t *der, bool first,
                          char *err, size_t errlen)
{
    gnutls_x509_crt_t cert;
    if (gnutls_x509_crt_init(&cert) < 0) {
        snprintf(err, errlen, "Unable to initialize certificate");
        return -1;
    }
    int ret = -1;
    time_t now = time(NULL);
    char dn[MAX_DN_LEN];
    size_t dnlen = sizeof(dn);
    if (gnutls_x509_crt_import(cert, der, GNUTLS_X509_FMT_DER) < 0)
        snprintf(err, errlen, "Unable to load certificate");
    else if (gnutls_x509_crt_get_expiration_time(cert) < now)
        snprintf(err, errlen, "The client certificate has expired");
    else if (gnutls_x509_crt_get_activation_time(cert) > now)
        snprintf(err, errlen, "The client certificate is not yet active");
    else if (first && gnutls_x509_crt_get_dn(cert, dn, &dnlen) < 0)
        snprintf(err, errlen, "Failed to get certificate distinguished name");
    else if (!first || check_dn(ctx, dn, err, errlen) == 0)
        ret = 0;
    gnutls_x509_crt_deinit(cert);
    return ret;
}

int fl_tls_check_peer(fl_tls_session *s, char *err, size_t errlen)
{
    if (s->ctx->no_verify)
        return 0;   /* tls_no_verify_certificate: libvirtd skips the whole check */
    unsigned status = 0;
    int rc = gnutls_certificate_verify_peers2(s->session, &status);
    if (rc < 0) {
        snprintf(err, errlen, "Unable to verify TLS peer: %s", gnutls_strerror(rc));
        return -1;
    }
    if (status != 0) {
        snprintf(err, errlen, "Certificate failed validation: %s",
                 vw_tls_status_reason(status));
        return -1;
    }
    if (gnutls_certificate_type_get(s->session) != GNUTLS_CRT_X509) {
        snprintf(err, errlen, "Only x509 certificates are supported");
        return -1;
    }
    unsigned ncerts = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(s->session, &ncerts);
    if (!certs || ncerts == 0) {
        snprintf(err, errlen, "The certificate has no peers");
        return -1;
    }
    for (unsigned i = 0; i < ncerts; i++)
        if (check_one_cert(s->ctx, &certs[i], i == 0, err, errlen) < 0)
            return -1;
    return 0;
}

long fl_tls_recv(fl_tls_session *s, void *buf, size_t len)
{
    size_t got = 0;
    /* take every record the session can give now, so that no decrypted byte waits unseen */
    while (got < len) {
        ssize_t n = gnutls_record_recv(s->session, (char *)buf + got, len - got);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || got > 0)
            break;     /* an end or an error after data shows again on the next call */
        return -1;     /* 0: the client closed; < 0: a TLS error */
    }
    return (long)got;
}

long fl_tls_send(fl_tls_session *s, const void *buf, size_t len)
{
    ssize_t n = vw_tls_record_send(s->session, &s->send_again, buf, len);
    if (s->send_again)
        return 0;
    return n > 0 ? (long)n : -1;
}

bool fl_tls_pending(fl_tls_session *s)
{
    return gnutls_record_check_pending(s->session) > 0;
}
