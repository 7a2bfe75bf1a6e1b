/* vm_guest.h: the guest of QEMU's command line as libvirtd queries and changes it after a start
 * (docs/fake-qemu.md, "Under a real libvirtd"): the block nodes (-blockdev, blockdev-add/-del)
 * and what the devices show of them (query-block, query-blockstats, query-named-block-nodes),
 * the network backends (-netdev, netdev_add/del), the chardevs (query-chardev), the hot-pluggable
 * vCPUs and their QOM properties (query-hotpluggable-cpus, qom-list, qom-get), the balloon, the
 * migration capabilities, descriptors passed with getfd, and the saved state that a migration
 * to fd: writes and -incoming reads back (its format and reading: vm_state.h). Only in QEMU command-line mode; the run state and
 * the devices stay in vm_model.c, which hands the commands it does not know to
 * fq_guest_execute. */
#ifndef FQ_VM_GUEST_H
#define FQ_VM_GUEST_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#include "evloop.h"
#include "vm_config.h"

typedef struct fq_guest fq_guest;
struct fq_cmdline;

/* vm: the model the guest belongs to; devices lists the model's devices (fq_vm_device_at). */
fq_guest *fq_guest_new(const struct fq_cmdline *cmd, const fq_vm_config *cfg, fq_vm *vm,
                       fq_vm_device_lister *devices);
void fq_guest_free(fq_guest *g);

/* FQ_VM_OK, FQ_VM_ERROR or FQ_VM_UNKNOWN as fq_vm_execute. */
int fq_guest_execute(fq_guest *g, const char *command, const json_t *args, json_t **ret,
                     const char **err_class, char *desc, size_t desclen);

/* 1 when a block node of that name exists (device_add drive=). */
int fq_guest_has_node(const fq_guest *g, const char *node_name);

/* The thread id of vCPU i (query-cpus-fast): its idle thread's (vcpu_threads.h), or the
 * process id. */
pid_t fq_guest_vcpu_tid(const fq_guest *g, unsigned i);

/* 1 once migrate-set-capabilities turned "events" on: MIGRATION events are sent. */
int fq_guest_migration_events(const fq_guest *g);

/* A descriptor received on the monitor (SCM_RIGHTS), kept for the next getfd; owned here. */
void fq_guest_take_fd(fq_guest *g, int fd);

/* migrate fd:NAME: writes the saved state (fake-qemu's own small format) to the getfd
 * descriptor NAME and closes it. 0, or -1 with QEMU's error text in err. */
int fq_guest_save(fq_guest *g, const char *fdname, char *err, size_t errlen);

/* migrate-incoming fd:N / -incoming fd:N: reads a saved state from descriptor N (to its end,
 * from the event loop) and calls done(vm, error or NULL) once it is loaded. 0, or -1 with
 * QEMU's error text in err. */
typedef void fq_guest_incoming_done(fq_vm *vm, const char *error);
int fq_guest_incoming(fq_guest *g, vw_evloop *loop, const char *uri,
                      fq_guest_incoming_done *done, char *err, size_t errlen);

#endif
