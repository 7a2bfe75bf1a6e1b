/* vm_model.h: the fake virtual machine behind fake-qemu's QMP commands.
 *
 * Owns the run state (prelaunch / running / paused / postmigrate / shutdown), the hot-plugged
 * devices, the migration job, and the command handlers that read and change them. Handlers
 * receive arguments that the QMP layer has already validated against the schema; they return
 * a value or an error (class + QEMU's desc) and raise events through a hook, in the order real
 * QEMU 7.2 sends them (STOP/RESUME/RESET/POWERDOWN before the command's return, DEVICE_DELETED
 * and migration progress after it, from evloop timers). Where QEMU 5.2, 10.0 or 11.1 answer
 * differently, the model follows fq_vm_config.model_major/minor.
 */
#ifndef FQ_VM_MODEL_H
#define FQ_VM_MODEL_H

#include <stddef.h>
#include <jansson.h>

#include "evloop.h"
#include "vm_config.h"


/* The configuration strings must outlive the model. */
fq_vm *fq_vm_new(const fq_vm_config *cfg, vw_evloop *loop, const fq_vm_hooks *hooks,
                 void *opaque);
void fq_vm_free(fq_vm *vm);


/* Runs a command. On FQ_VM_OK *ret holds a new reference. query-qmp-schema and query-commands
 * are answered by the QMP layer, not here. */
int fq_vm_execute(fq_vm *vm, const char *command, const json_t *args, json_t **ret,
                  const char **err_class, char *desc, size_t desclen);

/* Events QEMU before 7.2 sends after the command's return (RESET, POWERDOWN and SHUTDOWN are
 * requests its main loop handles once the command is answered): the QMP layer calls this right
 * after sending a return or error, and the model emits them then (and applies the reset). */
void fq_vm_after_reply(fq_vm *vm);

/* SIGTERM/SIGINT: the SHUTDOWN event QEMU sends before it exits (reason "host-signal"). */
void fq_vm_host_signal(fq_vm *vm);

/* 1 once `quit` ran: the QMP layer sends the return, closes the connection and exits 0. */
int fq_vm_quit_requested(const fq_vm *vm);

/* Device i (from 0): 0 and *out filled, or -1 past the last (an fq_vm_device_lister). */
int fq_vm_device_at(const fq_vm *vm, size_t i, fq_vm_device *out);

/* A descriptor received on the monitor with SCM_RIGHTS (for getfd); the model owns it. */
void fq_vm_take_fd(fq_vm *vm, int fd);

/* The query-version value (new reference). */
json_t *fq_vm_version_json(const fq_vm *vm);

#endif
