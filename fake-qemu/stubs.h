/* stubs.h: fake-qemu's side of scenarios (docs/scenario-format.md): a framed QMP request is
 * matched by command name and a subset of its "arguments" (common/scenario), and the stub's
 * answer is carried out: a "return" value or an "error" {class, desc} with the request's id
 * echoed, events (timestamped, only to a negotiated client, as QEMU sends them), a delay (a
 * timer on the loop; the client's later commands wait, as QEMU handles one at a time), raw
 * text, closing the connection, or handing the request on to the model / replay afterwards.
 *
 * Also the admin socket's fake-qemu operations (reset of the VM, set_faults) on top of the
 * protocol-neutral ones of common/scenario.
 */
#ifndef FQ_STUBS_H
#define FQ_STUBS_H

#include <stdint.h>

#include <jansson.h>

#include "evloop.h"
#include "qmp_server.h"
#include "vw_error.h"

typedef struct fq_stubs fq_stubs;

/* Creates the stub engine and registers it with srv (qmp_server_set_stubs); loads
 * scenario_file when not NULL. Returns NULL with err filled (vw_scenario_open). */
fq_stubs *fq_stubs_new(vw_evloop *loop, qmp_server *srv, const char *scenario_file,
                       uint64_t seed, vw_error *err);
void fq_stubs_free(fq_stubs *st);

/* The admin handler (common/admin.h vw_admin_handler), opaque = the fq_stubs. */
json_t *fq_stubs_admin(void *opaque, const char *op, const json_t *req);

/* The "faults" section of the scenario file, or NULL (for the fault-injection module). */
const json_t *fq_stubs_faults(const fq_stubs *st);

/* Hooks of the admin operations that are not the stubs': reset of the VM to its start state,
 * and set_faults (with the request's "faults" member). Return 0, or -1 with a reason. */
typedef int fq_stubs_hook_fn(void *opaque, const json_t *arg, char *err, size_t errlen);
void fq_stubs_set_reset_hook(fq_stubs *st, fq_stubs_hook_fn *fn, void *opaque);
void fq_stubs_set_faults_hook(fq_stubs *st, fq_stubs_hook_fn *fn, void *opaque);

#endif
