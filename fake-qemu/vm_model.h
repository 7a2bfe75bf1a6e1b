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

#include "pci_model.h"

#include "evloop.h"

typedef struct fq_vm fq_vm;
struct fq_cmdline;

typedef struct {
    int major, minor, micro;
    /* The QEMU release whose behaviour is modelled: the recorded schema's (5.2, 7.2, 10.0,
     * 11.1); 0.0 = major.minor. Replies and error texts that changed between releases follow
     * it (docs/fake-qemu.md, "Versions"). */
    int model_major, model_minor;
    const char *package;       /* query-version "package" */
    const char *machine;       /* "none" or "pc" */
    const char *name;          /* -name, or NULL */
    const char *uuid;          /* -uuid, or NULL (all zeros) */
    int prelaunch;             /* started as with -S */
    /* -smp and -m of QEMU's command line; 0: QEMU's defaults (one CPU, 128 MiB) */
    unsigned vcpus, sockets, cores, threads;
    unsigned long long memory_mib;
    /* QEMU's command line (its devices, block nodes, netdevs, chardevs, -no-shutdown,
     * -incoming), or NULL with --qmp. With it the model is a guest as libvirtd drives it
     * (vm_guest.h) that obeys the power button as an ACPI guest does. */
    const struct fq_cmdline *cmdline;
    /* With cmdline: the guest ignores the power button, as real QEMU with nothing to boot
     * (FQ_GUEST_ENV=none; fake-libvirtd --qemu-dir sets it: its reference is such a QEMU). */
    int guest_ignores_acpi;
    /* the -device list of QEMU's command line, for query-pci; NULL: fake-qemu's own pc */
    const fq_pci_device *pci_devices;
    size_t npci_devices;
} fq_vm_config;

typedef struct {
    /* An event with its data (stolen reference, may be NULL). */
    void (*event)(void *opaque, const char *name, json_t *data);
} fq_vm_hooks;

/* The configuration strings must outlive the model. */
fq_vm *fq_vm_new(const fq_vm_config *cfg, vw_evloop *loop, const fq_vm_hooks *hooks,
                 void *opaque);
void fq_vm_free(fq_vm *vm);

#define FQ_VM_OK        0
#define FQ_VM_ERROR    -1   /* *err_class and desc set */
#define FQ_VM_UNKNOWN  -2   /* the model does not implement this command */

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

/* A device with an id (QEMU's /machine/peripheral), in the order they were created. */
typedef struct {
    const char *id, *driver, *path;
    const char *drive;          /* its drive= block node, or NULL */
} fq_vm_device;

/* Device i (from 0): 0 and *out filled, or -1 past the last. */
int fq_vm_device_at(const fq_vm *vm, size_t i, fq_vm_device *out);

/* A descriptor received on the monitor with SCM_RIGHTS (for getfd); the model owns it. */
void fq_vm_take_fd(fq_vm *vm, int fd);

/* The query-version value (new reference). */
json_t *fq_vm_version_json(const fq_vm *vm);

#endif
