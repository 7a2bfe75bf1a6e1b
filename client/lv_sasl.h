/* lv_sasl.h: the client side of libvirt's SASL authentication (Cyrus SASL, service "libvirt"):
 * AUTH_SASL_INIT, then START and STEP until both sides are complete, as libvirt's remote
 * driver does. Credentials, first found wins:
 *   1. the connection options' sasl_credentials callback;
 *   2. env VIRTC_SASL_USER and VIRTC_SASL_PASS;
 *   3. libvirt's auth file (docs/auth.rst): env LIBVIRT_AUTH_FILE, else
 *      $XDG_CONFIG_HOME/libvirt/auth.conf (~/.config/libvirt/auth.conf), else
 *      /etc/libvirt/auth.conf; section [auth-libvirt-HOST] (or [auth-libvirt-default]) names
 *      credentials=NAME, section [credentials-NAME] holds authname= and password=.
 * env VIRTC_SASL_MECH picks one mechanism of the server's list (default: SASL's choice).
 * No SASL security layer is spoken: on TLS and unix sockets none is negotiated; on plain TCP
 * (where libvirtd requires one) the exchange is refused with a message saying so.
 */
#ifndef VW_LV_SASL_H
#define VW_LV_SASL_H

#include <stdbool.h>

#include "libvirt_client.h"

/* host: the server's name as in the URI ("localhost" for unix sockets); secure: TLS or unix. */
int lv_sasl_authenticate(vw_conn *conn, const vw_conn_options *opts, const char *host,
                         bool secure, int timeout_ms, vw_virerror *err);

#endif
