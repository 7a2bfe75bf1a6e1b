/* fq_start.h: what fake-qemu's start-up builds and its part of the shared start-up
 * (common/daemon_start.h's operations): record and replay, the stubs with the VM reset, faults
 * on the QMP server, the signal watch, the QMP socket, the server and the VM. */
#ifndef FQ_START_H
#define FQ_START_H

#include "daemon_start.h"
#include "evloop.h"
#include "fq_options.h"
#include "qmp_server.h"
#include "record.h"
#include "replay.h"
#include "vm_model.h"

/* What the start-up builds; the hooks below get it as ctx. */
typedef struct {
    fq_options opts;
    vw_evloop *loop;
    qmp_server *srv;
    fq_vm *vm;
    fq_vm_hooks hooks;
    fq_record *rec;
    fq_replay *replay;
    int signal_fd;
} fq_start;

/* The operations common/daemon_start calls, with s as their context. */
vw_daemon_ops fq_start_ops(fq_start *s);

/* The signal watch (SIGTERM/SIGINT: QEMU's SHUTDOWN event in model mode, then the loop stops),
 * the QMP socket, the server, the VM and the record or replay backend. 0, or -1 after a
 * message. */
int fq_start_server(fq_start *s);

#endif
