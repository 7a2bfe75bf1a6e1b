/* session.h: the RPC session on one connection, owned by dispatch: whether CONNECT_OPEN
 * succeeded, the URI it opened and its hypervisor type ("TEST", "QEMU"), the model it uses
 * (models.h: the shared test:// model or the one for every other URI), read-only access, and
 * the destination side of a migration. The transport (server.h) knows nothing of it: the
 * session ends through the server's conn_gone hook.
 *
 * Handlers read c->model and c->readonly directly (every family file does); everything else
 * about the session goes through these functions.
 */
#ifndef FL_SESSION_H
#define FL_SESSION_H

#include <stdbool.h>

#include "model.h"
#include "server.h"

/* CONNECT_OPEN of uri (canonical, with a scheme): c uses the model for it. readonly: the
 * client asked for VIR_CONNECT_RO. Returns 0, or -1 with err (c stays as it was). */
int fl_session_open(fl_conn *c, const char *uri, bool readonly, vw_virerror *err);
/* CONNECT_CLOSE, or a failed second open: the model is released, registrations dropped; calls
 * are "not open" until the next CONNECT_OPEN. */
void fl_session_close(fl_conn *c);
/* The connection is going (server hook): closes the session and frees what it holds. */
void fl_session_end(fl_conn *c);

bool fl_session_is_open(const fl_conn *c);
/* Opened a test:// URI (libvirt's test driver, with its own flag checks and no migration). */
bool fl_session_is_test(const fl_conn *c);
/* The URI given to CONNECT_OPEN and the hypervisor type; NULL / "" before it. */
const char *fl_session_uri(const fl_conn *c);
const char *fl_session_hv_type(const fl_conn *c);

/* Destination side of a migration: the domain XML MIGRATE_PREPARE3_PARAMS announced (taken
 * over; the previous one is dropped), taken back (the caller frees it) by FINISH3_PARAMS. */
void fl_session_set_migration(fl_conn *c, char *xml);
char *fl_session_take_migration(fl_conn *c);

/* Rebuilds every model from the start state (admin "reset"); sessions keep going on the new
 * ones. Returns 0, 1 when the qemu:// model was kept (--qemu-dir runs QEMUs for its domains),
 * -1 with err. */
int fl_session_reset_models(fl_server *srv, char *err, size_t errlen);

#endif
