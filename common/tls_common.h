/* tls_common.h: what both ends of libvirt's TLS transport share (client/lv_tls.c and
 * fake-libvirtd/fl_tls.c): libvirt's words for a certificate verification status, and a record
 * send on a non-blocking session that finishes the one GnuTLS answered with GNUTLS_E_AGAIN.
 */
#ifndef VW_TLS_COMMON_H
#define VW_TLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <gnutls/gnutls.h>

/* libvirt's reason for a gnutls_certificate_verify_peers2 status ("The certificate hasn't got
 * a known issuer.", ...). */
const char *vw_tls_status_reason(unsigned status);

/* gnutls_record_send of buf; after GNUTLS_E_AGAIN (*again set) the record is encrypted already,
 * so the next call sends it with NULL, 0 and returns that earlier call's byte count, which the
 * caller's offset still points at. Returns GnuTLS's result. */
ssize_t vw_tls_record_send(gnutls_session_t session, bool *again, const void *buf, size_t len);

#endif
