/* lv_tls.h: the client side of libvirt's TLS transport (qemu+tls://): x509 credentials in
 * libvirt's client file layout, the handshake within a timeout, the server certificate check
 * (unless no_verify=1), and libvirtd's confirmation byte. Afterwards the connection reads and
 * writes through the session; sends may come from any thread holding the connection's lock while
 * the thread holding the read role reads (GnuTLS allows one sender and one receiver).
 */
#ifndef VW_LV_TLS_H
#define VW_LV_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "libvirt_client.h"

/* libvirt's system-wide client files (used when pkipath= is not given) */
#define VW_TLS_SYSTEM_CA "/etc/pki/CA/cacert.pem"
#define VW_TLS_SYSTEM_CERT "/etc/pki/libvirt/clientcert.pem"
#define VW_TLS_SYSTEM_KEY "/etc/pki/libvirt/private/clientkey.pem"

typedef struct vw_tls vw_tls;

/* Runs TLS over the connected non-blocking socket fd (the caller keeps owning fd): credentials
 * from pkipath (NULL: $HOME/.pki/libvirt for a user that has the files there, else the system
 * files), the handshake, the certificate check against host, and the server's confirmation
 * byte, all within timeout_ms. Returns the session, or NULL with an error that says which step
 * failed and why. */
vw_tls *vw_tls_client_open(int fd, const char *host, const char *pkipath, bool no_verify,
                           int timeout_ms, vw_virerror *err);
void vw_tls_free(vw_tls *tls);

/* As send(2) / recv(2) on a non-blocking socket: bytes, or -1 with errno (EAGAIN: nothing now;
 * EPIPE / ECONNRESET / EIO: over); recv returns 0 when the server closed. */
ssize_t vw_tls_send(vw_tls *tls, const void *buf, size_t len);
ssize_t vw_tls_recv(vw_tls *tls, void *buf, size_t len);

#endif
