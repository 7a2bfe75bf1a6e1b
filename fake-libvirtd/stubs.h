/* stubs.h: fake-libvirtd's side of scenarios (docs/scenario-format.md): turning one incoming
 * CALL into what common/scenario matches on (program and procedure names, the arguments decoded
 * to JSON by a table-driven XDR walker, the raw argument bytes), and carrying out the answer of
 * the stub that matched: a reply (raw payload, or a JSON "ret" encoded by the same table), an
 * error (every remote_error field), lifecycle events, a delay (a timer on the loop), raw bytes,
 * closing the connection, or handing the call on to the normal mode afterwards.
 *
 * Also the admin socket's fake-libvirtd operations (reset of the model, set_faults) on top of
 * the protocol-neutral ones of common/scenario.
 */
#ifndef FL_STUBS_H
#define FL_STUBS_H

#include <jansson.h>

#include "scenario.h"
#include "server.h"

typedef struct fl_stubs fl_stubs;

/* Creates the stub engine for srv; loads scenario_file when not NULL. Returns NULL with err
 * filled (vw_scenario_open). */
fl_stubs *fl_stubs_new(fl_server *srv, const char *scenario_file, uint64_t seed, vw_error *err);
void fl_stubs_free(fl_stubs *st);

/* Offers one CALL packet of c (raw: the whole packet as received) to the stubs (always
 * journaled). Returns 1 when a stub took it (its answer is queued now or by a timer; a
 * "fallthrough" answer hands it on itself), 0 when it goes on to the normal mode. */
int fl_stubs_handle(fl_stubs *st, fl_conn *c, const vw_packet *pkt, const uint8_t *raw,
                    size_t raw_len);

/* The admin handler (common/admin.h vw_admin_handler), opaque = the fl_stubs. */
json_t *fl_stubs_admin(void *opaque, const char *op, const json_t *req);

/* The "faults" section of the scenario file, or NULL (for the fault-injection module). */
const json_t *fl_stubs_faults(const fl_stubs *st);

/* Hook for set_faults on the admin socket (main.c sets it: common/faults, then
 * fl_server_set_faults): called with the request's "faults" member; returns 0, or -1 with a
 * reason. Unset = set_faults answers that fault injection is not built in. */
typedef int fl_stubs_faults_fn(void *opaque, const json_t *faults, char *err, size_t errlen);
void fl_stubs_set_faults_hook(fl_stubs *st, fl_stubs_faults_fn *fn, void *opaque);

#endif
