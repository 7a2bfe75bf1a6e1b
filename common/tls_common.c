/* tls_common.c: see tls_common.h. */
#include "tls_common.h"

const char *vw_tls_status_reason(unsigned status)
{
    const char *reason = "Invalid certificate";
    if (status & GNUTLS_CERT_INVALID)
        reason = "The certificate is not trusted.";
    if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
        reason = "The certificate hasn't got a known issuer.";
    if (status & GNUTLS_CERT_REVOKED)
        reason = "The certificate has been revoked.";
    if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
        reason = "The certificate uses an insecure algorithm";
    return reason;
}

ssize_t vw_tls_record_send(gnutls_session_t session, bool *again, const void *buf, size_t len)
{
    ssize_t n = *again ? gnutls_record_send(session, NULL, 0)
                       : gnutls_record_send(session, buf, len);
    *again = n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED;
    return n;
}
