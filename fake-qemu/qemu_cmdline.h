/* qemu_cmdline.h: fake-qemu run as libvirt runs an emulator, with qemu-system-x86_64's own
 * command line (-S, -name guest=..., -machine, -m, -smp, -chardev, -mon, -qmp, -pidfile,
 * -daemonize, ...): which options are QEMU's, their values as QEMU splits them
 * (key=value,... with an implied first key and ",," for a comma), the VM model they describe,
 * and QEMU's error text and status for an option it does not accept (docs/fake-qemu.md,
 * "Under a real libvirtd"). */
#ifndef FQ_QEMU_CMDLINE_H
#define FQ_QEMU_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "vm_config.h"

typedef struct {
    char *id, *driver, *addr;       /* addr=SLOT[.FN] or NULL */
    char *drive, *netdev;           /* drive=NODE (a block device's), netdev=ID, or NULL */
} fq_cmdline_device;

typedef struct {
    char *node_name, *driver;
    char *file;                     /* a format node's "file" child node, or NULL */
    char *filename;                 /* a protocol node's "filename", or NULL */
    bool read_only;
} fq_cmdline_blockdev;

typedef struct {
    char *id, *type;
} fq_cmdline_netdev;

typedef struct {
    char *id, *backend, *path;      /* path: socket,path=...; NULL with fd */
    int fd;                         /* socket,fd=N, or -1 */
} fq_cmdline_chardev;

typedef struct fq_cmdline {
    bool daemonize;
    bool probe;                     /* libvirt's capability probe: -S, -machine none, no -name,
                                     * the monitor on -qmp unix:PATH */
    const char *pidfile;
    int monitor_fd;                 /* the QMP monitor as an inherited listening socket, or -1 */
    char *monitor_addr;             /* or "unix:PATH" (-qmp, or a chardev with path=), or NULL */
    char *machine_type;             /* as given: "none", "pc-i440fx-7.2", "q35", ... */
    char *accel;                    /* -machine accel= or -accel, or NULL */
    char *name, *uuid;
    unsigned long long memory_mib;  /* -m, default 128 as QEMU */
    unsigned vcpus, sockets, cores, threads;    /* -smp, default 1 each */
    fq_cmdline_device *devices;
    size_t ndevices;
    fq_pci_device *pci;             /* the same for the VM model (borrowed strings) */
    fq_cmdline_chardev *chardevs;
    size_t nchardevs;
    fq_cmdline_blockdev *blockdevs;
    size_t nblockdevs;
    fq_cmdline_netdev *netdevs;
    size_t nnetdevs;
    bool no_shutdown;               /* -no-shutdown: a guest's power-off pauses, QEMU stays */
    char *incoming;                 /* -incoming URI ("defer"), or NULL */
} fq_cmdline;

/* True when argv is QEMU's: its first argument is a single-dash option (fake-qemu's own
 * options have two). */
bool fq_cmdline_is_qemu(int argc, char **argv);

/* Parses QEMU's argv into c and fills vm (name, uuid, machine model, prelaunch). Returns 0, or
 * QEMU's exit status (1) after QEMU's message on stderr ("PROG: -foo: invalid option"). */
int fq_cmdline_parse(fq_cmdline *c, fq_vm_config *vm, int argc, char **argv);

void fq_cmdline_clear(fq_cmdline *c);

#endif
