/* fl_tls.h: fake-libvirtd's TLS, as libvirtd serves it (libvirtd.conf's key_file, cert_file,
 * ca_file, tls_no_verify_certificate, tls_allowed_dn_list): x509 credentials loaded once, one
 * GnuTLS session per client on its non-blocking socket, the handshake driven by the event loop,
 * the client certificate checked after it, and libvirt's confirmation byte.
 *
 * Nothing here blocks: every call returns what it could do now and, while the handshake goes
 * on, which direction it waits for.
 */
#ifndef FL_TLS_H
#define FL_TLS_H

#include <stdbool.h>
#include <stddef.h>

#define FL_TLS_MAX_DN 16

/* libvirtd's default file layout (libvirtd.conf) */
#define FL_TLS_DEFAULT_CA "/etc/pki/CA/cacert.pem"
#define FL_TLS_DEFAULT_CERT "/etc/pki/libvirt/servercert.pem"
#define FL_TLS_DEFAULT_KEY "/etc/pki/libvirt/private/serverkey.pem"

typedef struct {
    const char *ca_file;                      /* NULL = FL_TLS_DEFAULT_CA */
    const char *cert_file;                    /* NULL = FL_TLS_DEFAULT_CERT */
    const char *key_file;                     /* NULL = FL_TLS_DEFAULT_KEY */
    bool no_verify;                           /* tls_no_verify_certificate */
    const char *allowed_dn[FL_TLS_MAX_DN];    /* tls_allowed_dn_list (glob patterns) */
    int nallowed_dn;                          /* 0 = every DN */
    const char *priority;                     /* tls_priority; NULL = "NORMAL" */
    bool verbose;                             /* --verbose: a refused DN is shown */
} fl_tls_config;

typedef struct fl_tls_ctx fl_tls_ctx;
typedef struct fl_tls_session fl_tls_session;

/* Loads and checks the credentials (the server certificate against the CA, as libvirtd does at
 * start-up). Returns NULL with a message naming the file in err. */
fl_tls_ctx *fl_tls_ctx_new(const fl_tls_config *cfg, char *err, size_t errlen);
void fl_tls_ctx_free(fl_tls_ctx *ctx);

/* A server session on fd (non-blocking; the caller keeps owning fd). NULL when out of memory. */
fl_tls_session *fl_tls_session_new(fl_tls_ctx *ctx, int fd);
void fl_tls_session_free(fl_tls_session *s);

/* Drives the handshake: 1 done, 0 not yet (*want_write says whether it waits to write, else to
 * read), -1 failed (message in err). */
int fl_tls_handshake(fl_tls_session *s, bool *want_write, char *err, size_t errlen);
/* The client certificate check after the handshake, with libvirtd's texts: 0 the client may go
 * on, -1 it is refused (the reason in err). */
int fl_tls_check_peer(fl_tls_session *s, char *err, size_t errlen);

/* As vw_netaddr_recv / vw_netaddr_send: bytes (> 0), 0 nothing now, -1 the connection is over. */
long fl_tls_recv(fl_tls_session *s, void *buf, size_t len);
long fl_tls_send(fl_tls_session *s, const void *buf, size_t len);
/* True when decrypted bytes wait inside the session (the socket may not be readable). */
bool fl_tls_pending(fl_tls_session *s);

#endif
