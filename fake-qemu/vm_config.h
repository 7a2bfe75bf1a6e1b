/* vm_config.h: the types the VM model shares with the modules below it (QEMU's command line,
 * the command-line guest): what a VM is built from, its event hook, the devices it lists and the
 * result codes of a command. The model itself is vm_model.h. */
#ifndef FQ_VM_CONFIG_H
#define FQ_VM_CONFIG_H

#include <stddef.h>
#include <jansson.h>

#include "pci_model.h"

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

#define FQ_VM_OK        0
#define FQ_VM_ERROR    -1   /* *err_class and desc set */
#define FQ_VM_UNKNOWN  -2   /* the model does not implement this command */

/* A device with an id (QEMU's /machine/peripheral), in the order they were created. */
typedef struct {
    const char *id, *driver, *path;
    const char *drive;          /* its drive= block node, or NULL */
} fq_vm_device;

/* Device i (from 0): 0 and *out filled, or -1 past the last (fq_vm_device_at; the guest,
 * below the model, is handed it). */
typedef int fq_vm_device_lister(const fq_vm *vm, size_t i, fq_vm_device *out);

#endif
