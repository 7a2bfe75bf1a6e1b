/* fl_auth.h: the authentication procedures of fake-libvirtd's clients, as libvirtd answers
 * them: AUTH_LIST (the listener's auth type: --auth-unix-rw, --auth-tcp, --auth-tls), the SASL
 * exchange (AUTH_SASL_INIT / START / STEP over fl_sasl.h) and the gate that refuses every other
 * call of a client that has not authenticated yet ("authentication required").
 */
#ifndef FL_AUTH_H
#define FL_AUTH_H

#include <stdbool.h>

#include "server.h"
#include "replies.h"

/* True when c must authenticate before prog/proc may run. */
bool fl_auth_call_refused(const fl_conn *c, unsigned prog, int proc);

void fl_auth_list(fl_conn *c, const vw_packet_header *hdr, void *args);
void fl_auth_sasl_init(fl_conn *c, const vw_packet_header *hdr, void *args);
void fl_auth_sasl_start(fl_conn *c, const vw_packet_header *hdr, void *args);
void fl_auth_sasl_step(fl_conn *c, const vw_packet_header *hdr, void *args);

#endif
