/* lv_tls.c: libvirt's TLS transport, client side (see lv_tls.h). Error texts follow libvirt's
 * (src/rpc/virnettlscontext.c, virnetclient.c); the code is our own. */
#include "lv_tls.h"
#include "lv_transport.h"
#include "tls_common.h"
#include "vw_util.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

struct vw_tls {
    gnutls_session_t session;
    gnutls_certificate_credentials_t creds;
    bool send_again;      /* the last send returned GNUTLS_E_AGAIN: finish it first */
};

typedef struct {
    char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
} tls_files;

static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* libvirt's client layout: pkipath/{cacert,clientcert,clientkey}.pem; without pkipath a user
 * other than root uses $HOME/.pki/libvirt/ when all three files are there, else the system's. */
static void locate_files(const char *pkipath, tls_files *f)
{
    const char *home = getenv("HOME");
    if (!pkipath && geteuid() != 0 && home) {
        snprintf(f->ca, sizeof(f->ca), "%s/.pki/libvirt/cacert.pem", home);
        snprintf(f->cert, sizeof(f->cert), "%s/.pki/libvirt/clientcert.pem", home);
        snprintf(f->key, sizeof(f->key), "%s/.pki/libvirt/clientkey.pem", home);
        if (readable(f->ca) && readable(f->cert) && readable(f->key))
            return;
    }
    if (!pkipath) {
        snprintf(f->ca, sizeof(f->ca), "%s", VW_TLS_SYSTEM_CA);
        snprintf(f->cert, sizeof(f->cert), "%s", VW_TLS_SYSTEM_CERT);
        snprintf(f->key, sizeof(f->key), "%s", VW_TLS_SYSTEM_KEY);
        return;
    }
    snprintf(f->ca, sizeof(f->ca), "%s/cacert.pem", pkipath);
    snprintf(f->cert, sizeof(f->cert), "%s/clientcert.pem", pkipath);
    snprintf(f->key, sizeof(f->key), "%s/clientkey.pem", pkipath);
}

/* The CA is required; the client certificate and key are used when both are there (a daemon
 * with tls_no_verify_certificate serves clients without one). */
static int load_credentials(vw_tls *t, const tls_files *f, vw_virerror *err)
{
    if (!readable(f->ca)) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC,
                        "Cannot read CA certificate '%s': %s (give the directory with "
                        "cacert.pem, clientcert.pem and clientkey.pem as ?pkipath=DIR)",
                        f->ca, strerror(errno));
        return -1;
    }
    int rc = gnutls_certificate_allocate_credentials(&t->creds);
    if (rc >= 0)
        rc = gnutls_certificate_set_x509_trust_file(t->creds, f->ca, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC,
                        "Unable to set x509 CA certificate: %s: %s", f->ca,
                        gnutls_strerror(rc));
        return -1;
    }
    if (!readable(f->cert) || !readable(f->key))
        return 0;
    rc = gnutls_certificate_set_x509_key_file(t->creds, f->cert, f->key, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC,
                        "Unable to set x509 key and certificate: %s, %s: %s", f->key,
                        f->cert, gnutls_strerror(rc));
        return -1;
    }
    return 0;
}

/* Waits until fd is ready for the direction GnuTLS wants, or the deadline. */
static int wait_io(vw_tls *t, int fd, long long deadline, vw_virerror *err, const char *what)
{
    long long left = deadline - vw_now_ms();
    struct pollfd p = {.fd = fd,
                       .events = gnutls_record_get_direction(t->session) ? POLLOUT : POLLIN};
    int n = left > 0 ? poll(&p, 1, (int)left) : 0;
    if (n > 0 || (n < 0 && errno == EINTR))
        return 0;
    vw_virerror_set(err, VW_ERR_OPERATION_TIMEOUT, VW_FROM_RPC, "%s: %s", what,
                    n == 0 ? "timed out" : strerror(errno));
    return -1;
}

static int handshake(vw_tls *t, int fd, long long deadline, vw_virerror *err)
{
    for (;;) {
        int rc = gnutls_handshake(t->session);
        if (rc == 0)
            return 0;
        if (gnutls_error_is_fatal(rc)) {
            vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC, "TLS handshake failed %s",
                            gnutls_strerror(rc));
            return -1;
        }
        if (wait_io(t, fd, deadline, err, "TLS handshake") < 0)
            return -1;
    }
}

/* The server's certificate: trusted by our CA, in its validity period, issued to host. */
static int check_server(vw_tls *t, const char *host, vw_virerror *err)
{
    unsigned status = 0, ncerts = 0;
    int rc = gnutls_certificate_verify_peers2(t->session, &status);
    const gnutls_datum_t *certs = rc < 0 ? NULL : gnutls_certificate_get_peers(t->session, &ncerts);
    if (rc < 0 || status != 0 || !certs || ncerts == 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC,
                        rc < 0 ? "Unable to verify TLS peer: %s"
                                   : certs ? "Certificate failed validation: %s"
                                           : "The certificate has no peers%s",
                        rc < 0   ? gnutls_strerror(rc)
                        : certs ? vw_tls_status_reason(status)
                                    : "");
        return -1;
    }
    gnutls_x509_crt_t cert;
    if (gnutls_x509_crt_init(&cert) < 0) {
        vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        return -1;
    }
    if (gnutls_x509_crt_import(cert, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
        gnutls_x509_crt_deinit(cert);
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "Unable to load certificate");
        return -1;
    }
    time_t now = time(NULL);
    int code = VW_ERR_SYSTEM_ERROR;
    const char *why = NULL;
    if (gnutls_x509_crt_get_expiration_time(cert) < now)
        why = "The server certificate has expired";
    else if (gnutls_x509_crt_get_activation_time(cert) > now)
        why = "The server certificate is not yet active";
    else if (!gnutls_x509_crt_check_hostname(cert, host))
        code = VW_ERR_RPC;
    gnutls_x509_crt_deinit(cert);
    if (why)
        vw_virerror_set(err, code, VW_FROM_RPC, "%s", why);
    else if (code == VW_ERR_RPC)
        vw_virerror_set(err, code, VW_FROM_RPC,
                        "Certificate [session] owner does not match the hostname %s", host);
    return why || code == VW_ERR_RPC ? -1 : 0;
}

/* libvirtd sends one byte 1 once it accepted our certificate; otherwise it just closes. */
static int read_confirmation(vw_tls *t, int fd, long long deadline, vw_virerror *err)
{
    char byte = 0;
    for (;;) {
        ssize_t n = gnutls_record_recv(t->session, &byte, 1);
        if (n == 1 && byte == '\1')
            return 0;
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
            if (wait_io(t, fd, deadline, err, "Unable to read TLS confirmation") < 0)
                return -1;
            continue;
        }
        if (n < 0 && n != GNUTLS_E_UNEXPECTED_PACKET_LENGTH)
            /* libvirt's text (GnuTLS errors become EIO there), and what it means */
            vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC,
                            "Unable to read TLS confirmation: %s (%s: the server closed the "
                            "connection after the handshake, so it refused our certificate "
                            "or address)", strerror(EIO), gnutls_strerror((int)n));
        else
            vw_virerror_set(err, VW_ERR_RPC, VW_FROM_RPC,
                            "server verification (of our certificate or IP address) failed");
        return -1;
    }
}

static int start_session(vw_tls *t, int fd, const char *host, vw_virerror *err)
{
    int rc = gnutls_init(&t->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
    if (rc >= 0)
        rc = gnutls_set_default_priority(t->session);
    if (rc >= 0)
        rc = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->creds);
    if (rc < 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC,
                        "Failed to create TLS session: %s", gnutls_strerror(rc));
        return -1;
    }
    gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, host, strlen(host));
    gnutls_transport_set_int(t->session, fd);
    return 0;
}

vw_tls *vw_tls_client_open(int fd, const char *host, const char *pkipath, bool no_verify,
                           int timeout_ms, vw_virerror *err)
{
    long long deadline = vw_now_ms() + timeout_ms;
    vw_tls *t = calloc(1, sizeof(*t));
    tls_files *files = malloc(sizeof(*files));
    if (!t || !files) {
        free(t);
        free(files);
        vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        return NULL;
    }
    locate_files(pkipath, files);
    int ok = load_credentials(t, files, err) == 0 && start_session(t, fd, host, err) == 0 &&
             handshake(t, fd, deadline, err) == 0 &&
             (no_verify || check_server(t, host, err) == 0) &&
             read_confirmation(t, fd, deadline, err) == 0;
    free(files);
    if (ok)
        return t;
    vw_tls_free(t);
    return NULL;
}

void vw_tls_free(vw_tls *t)
{
    if (!t)
        return;
    if (t->session)
        gnutls_deinit(t->session);
    if (t->creds)
        gnutls_certificate_free_credentials(t->creds);
    free(t);
}

/* GnuTLS's error as an errno value for the caller's send/recv error paths. */
static ssize_t as_errno(ssize_t rc)
{
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
        errno = EAGAIN;
    else if (rc == GNUTLS_E_PUSH_ERROR)
        errno = EPIPE;
    else if (rc == GNUTLS_E_PREMATURE_TERMINATION || rc == GNUTLS_E_PULL_ERROR)
        errno = ECONNRESET;
    else
        errno = EIO;
    return -1;
}

ssize_t vw_tls_send(vw_tls *t, const void *buf, size_t len)
{
    ssize_t n = vw_tls_record_send(t->session, &t->send_again, buf, len);
    return n >= 0 ? n : as_errno(n);
}

ssize_t vw_tls_recv(vw_tls *t, void *buf, size_t len)
{
    ssize_t n = gnutls_record_recv(t->session, buf, len);
    return n >= 0 ? n : as_errno(n);
}
