/* qemu_link.h: fake-libvirtd's QEMU processes (--qemu-dir): one QMP connection per running
 * domain of a QEMU-driver URI, driven the way libvirtd drives QEMU.
 *
 * Owns: starting a fake-qemu for a domain that starts, with the QEMU command line libvirt 9.0
 * writes (qemu_spawn.h, qemu_argv.h; or connecting to a QEMU that already listens on
 * DIR/<name>.qmp), the QMP negotiation and `cont`, the lifecycle actions sent over
 * QMP (suspend -> stop, resume -> cont, shutdown -> system_powerdown, reboot -> system_powerdown
 * as libvirtd's default ACPI "fake reboot" does, destroy -> SIGTERM to the process), the monitor
 * passthrough (QEMU program procedure 1, QMP and HMP forms), reading QMP events on the server's
 * event loop, forwarding them to QEMU monitor event registrations (procedure 6) and following
 * them in the model as libvirtd's qemu_process.c does (STOP -> paused, RESUME -> running,
 * SHUTDOWN -> shutdown then shut off, end of the monitor without SHUTDOWN -> shut off, reason
 * crashed).
 *
 * Blocking: commands are sent and their replies awaited synchronously, bounded by
 * FL_QEMU_CALL_TIMEOUT_MS (a live fake-qemu answers within a millisecond); starting a process
 * waits at most FL_QEMU_START_TIMEOUT_MS for its greeting on the monitor socket. Events that arrive
 * while no command runs are read from the loop. Stopping a domain because its QEMU went away
 * happens from a loop timer, never inside a call's handler, so handlers never see their domain
 * freed under them.
 */
#ifndef FL_QEMU_LINK_H
#define FL_QEMU_LINK_H

#include <stdbool.h>

#include "evloop.h"
#include "model.h"

#define FL_QEMU_CALL_TIMEOUT_MS 3000
#define FL_QEMU_START_TIMEOUT_MS 10000

typedef struct fl_qemu fl_qemu;
struct fl_server;

typedef struct {
    const char *dir;           /* --qemu-dir: where the DIR/<name>.qmp sockets live */
    const char *binary;        /* --fake-qemu: NULL = fake-qemu next to our own executable */
    const char *qemu_version;  /* --qemu-version: passed to fake-qemu (qemu_spawn.h), NULL =
                                * its default */
    int verbose;
} fl_qemu_config;

/* Checks the directory and finds the fake-qemu binary. NULL with a message in err. */
fl_qemu *fl_qemu_new(const fl_qemu_config *cfg, vw_evloop *loop, struct fl_server *srv,
                     char *err, size_t errlen);
/* Ends every link: spawned processes get SIGTERM (SIGKILL after FL_QEMU_STOP_TIMEOUT_MS) and
 * are reaped; the models are not touched. NULL is fine. */
void fl_qemu_free(fl_qemu *q);

/* Holds the lifecycle events m emits from now until fl_qemu_domain_started: call it before
 * the model starts a domain, so that the events come in libvirtd's order (Resumed from
 * QEMU's RESUME first, then Started Booted). */
void fl_qemu_hold_events(fl_qemu *q, fl_model *m);

/* d has just started in m (NULL: the model refused; the held events are dropped) (model state running, or paused for START_PAUSED): starts or connects
 * its QEMU, negotiates, and sends `cont` unless it is paused. On failure the domain is stopped
 * (reason failed; a transient one is gone afterwards) and -1 returned with err. */
int fl_qemu_domain_started(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err);

/* d has just arrived by migration (running, or paused with VIR_MIGRATE_PAUSED): starts or
 * connects its QEMU like fl_qemu_domain_started, without changing the model's events. */
int fl_qemu_domain_migrated_in(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err);

/* Lifecycle actions with the model's preconditions and errors; 0 or -1 with err. */
int fl_qemu_suspend(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err);
int fl_qemu_resume(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err);
int fl_qemu_shutdown(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err);
int fl_qemu_reboot(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err);
int fl_qemu_destroy(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err);

/* Ends d's QEMU (as destroy does) without touching the model: the domain left this host
 * (migration). Nothing happens when d has no QEMU. */
void fl_qemu_release(fl_qemu *q, fl_model *m, const fl_domain *d);

/* The monitor passthrough. hmp: cmd is an HMP command line. Returns 1 with *result (malloc'd)
 * set, 0 when d has no QEMU link (the caller answers itself), -1 with err. */
int fl_qemu_monitor_command(fl_qemu *q, fl_domain *d, const char *cmd, bool hmp, char **result,
                            vw_virerror *err);

#endif
