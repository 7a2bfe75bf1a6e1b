/* vm_model_priv.h: the VM model's state, shared by the files that make up the model
 * (vm_model.c: run state, devices, dispatch; vm_migrate.c: migration and the incoming side).
 * Not for other modules: they use vm_model.h. */
#ifndef FQ_VM_MODEL_PRIV_H
#define FQ_VM_MODEL_PRIV_H

#include <sys/types.h>

#include "evloop.h"
#include "vm_config.h"
#include "vm_guest.h"

#define MAX_DEVICES 256
#define MAX_MIG_CHILDREN 16   /* exec: migration commands still running at once */

typedef enum {
    RS_PRELAUNCH, RS_RUNNING, RS_PAUSED, RS_POSTMIGRATE, RS_FINISH_MIGRATE, RS_SHUTDOWN,
    RS_INMIGRATE
} run_state;

typedef enum { MIG_NONE, MIG_SETUP, MIG_ACTIVE, MIG_COMPLETED, MIG_FAILED } mig_status;

typedef struct {
    const char *name;
    const char *bus_type;       /* "usb-bus", "PCI" */
    const char *props[12];      /* properties the fake accepts besides driver/id/bus */
} device_model;

typedef struct {
    char *id;                   /* NULL for anonymous devices */
    char *path;                 /* QOM path */
    char *driver, *drive;       /* drive: a block node (drive=), or NULL */
    const device_model *model;
    int unplug_pending;
} device;

struct fq_vm {
    fq_vm_config cfg;
    vw_evloop *loop;
    fq_vm_hooks hooks;
    void *opaque;
    run_state state;
    int firmware_ran;           /* the guest has run (query-pci: the BARs are assigned) */
    int quit;
    fq_guest *guest;            /* QEMU's command line: the guest libvirtd drives, or NULL */
    long long acpi_timer;       /* the ACPI guest's answer to system_powerdown */
    device devices[MAX_DEVICES];
    size_t ndevices;
    unsigned anon_count;
    /* migration */
    mig_status mig;
    char mig_error[256];
    long long mig_start_ms;
    long long mig_timer;
    int mig_was_running;
    pid_t mig_children[MAX_MIG_CHILDREN];   /* exec: commands not yet reaped */
    size_t nmig_children;
    long long reap_timer;
    long long unplug_timer;
    /* QEMU < 7.2: RESET/POWERDOWN/SHUTDOWN requests handled after the return (fq_vm_after_reply) */
    int pending_reset, pending_powerdown, pending_quit;
};

#define GENERIC "GenericError"

/* 1 when the modelled release is major.minor or later. */
int fq_vm_at_least(const fq_vm *vm, int major, int minor);
void fq_vm_emit(fq_vm *vm, const char *name, json_t *data);
int fq_vm_running(const fq_vm *vm);
/* *err_class = cls, desc = fmt with a and b (NULL: ""); returns FQ_VM_ERROR. */
int fq_vm_error(const char **err_class, char *desc, size_t desclen, const char *cls,
                const char *fmt, const char *a, const char *b);

/* vm_migrate.c */
int fq_vm_migrate(fq_vm *vm, const json_t *args, const char **err_class, char *desc,
                  size_t desclen);
int fq_vm_migrate_incoming(fq_vm *vm, const json_t *args, const char **err_class, char *desc,
                           size_t desclen);
json_t *fq_vm_query_migrate(fq_vm *vm);
void fq_vm_incoming_done(fq_vm *vm, const char *error);
/* The migration's timers and exec: children, at fq_vm_free. */
void fq_vm_migration_free(fq_vm *vm);

#endif
