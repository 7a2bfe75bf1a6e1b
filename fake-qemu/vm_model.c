/* vm_model.c: run state, devices, migration and the command handlers of fake-qemu, see vm_model.h. */
#include "vm_model.h"
#include "netaddr.h"
#include "vw_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_DEVICES 256
#define MAX_MIG_CHILDREN 16   /* exec: migration commands still running at once */

typedef enum {
    RS_PRELAUNCH, RS_RUNNING, RS_PAUSED, RS_POSTMIGRATE, RS_FINISH_MIGRATE, RS_SHUTDOWN
} run_state;

static const char *run_state_name[] = {
    "prelaunch", "running", "paused", "postmigrate", "finish-migrate", "shutdown"
};

typedef enum { MIG_NONE, MIG_SETUP, MIG_ACTIVE, MIG_COMPLETED, MIG_FAILED } mig_status;

typedef struct {
    const char *name;
    const char *bus_type;       /* "usb-bus", "PCI" */
    const char *props[12];      /* properties the fake accepts besides driver/id/bus */
} device_model;

static const device_model device_models[] = {
    { "usb-kbd", "usb-bus", { "port", "serial", "display", "usb_version", "msos-desc", "pcap",
                              "attached", NULL } },
    { "usb-mouse", "usb-bus", { "port", "serial", "msos-desc", "pcap", "attached", NULL } },
    { "usb-tablet", "usb-bus", { "port", "serial", "usb_version", "msos-desc", "pcap",
                                 "attached", NULL } },
    { "e1000", "PCI", { "addr", "mac", "netdev", "romfile", "multifunction", "bootindex", NULL } },
    { "virtio-net-pci", "PCI", { "addr", "mac", "netdev", "romfile", "multifunction",
                                 "bootindex", "mq", "vectors", NULL } },
    { "virtio-balloon-pci", "PCI", { "addr", "multifunction", NULL } },
    { "virtio-rng-pci", "PCI", { "addr", "multifunction", "rng", NULL } },
    { "virtio-serial-pci", "PCI", { "addr", "multifunction", "max_ports", NULL } },
    { "qemu-xhci", "PCI", { "addr", "multifunction", "p2", "p3", NULL } },
};

typedef struct {
    char *id;                   /* NULL for anonymous devices */
    char *path;                 /* QOM path */
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

/* 1 when the modelled release is major.minor or later. */
static int model_at_least(const fq_vm *vm, int major, int minor)
{
    return vm->cfg.model_major > major ||
           (vm->cfg.model_major == major && vm->cfg.model_minor >= minor);
}

/* QEMU 5.2 queues reset, powerdown and shutdown requests for its main loop, which handles them
 * after the monitor has sent the command's return; 7.2 emits the event first. */
static int events_after_return(const fq_vm *vm)
{
    return !model_at_least(vm, 7, 2);
}

static void emit(fq_vm *vm, const char *name, json_t *data)
{
    vm->hooks.event(vm->opaque, name, data);
}

fq_vm *fq_vm_new(const fq_vm_config *cfg, vw_evloop *loop, const fq_vm_hooks *hooks, void *opaque)
{
    fq_vm *vm = calloc(1, sizeof(*vm));
    if (!vm)
        return NULL;
    vm->cfg = *cfg;
    vm->loop = loop;
    vm->hooks = *hooks;
    vm->opaque = opaque;
    if (vm->cfg.model_major == 0 && vm->cfg.model_minor == 0) {
        vm->cfg.model_major = cfg->major;
        vm->cfg.model_minor = cfg->minor;
    }
    vm->state = cfg->prelaunch ? RS_PRELAUNCH : RS_RUNNING;
    vm->firmware_ran = !cfg->prelaunch;
    vm->mig_timer = vm->reap_timer = vm->unplug_timer = -1;
    return vm;
}

/* Reaps the exec: migration commands that have exited (all of them, killed first, with force). */
static void reap_children(fq_vm *vm, int force)
{
    size_t kept = 0;
    for (size_t i = 0; i < vm->nmig_children; i++) {
        pid_t pid = vm->mig_children[i];
        if (force)
            kill(pid, SIGKILL);
        if (waitpid(pid, NULL, force ? 0 : WNOHANG) == 0)
            vm->mig_children[kept++] = pid;
    }
    vm->nmig_children = kept;
}

void fq_vm_free(fq_vm *vm)
{
    if (!vm)
        return;
    if (vm->mig_timer >= 0)
        vw_evloop_del_timer(vm->loop, vm->mig_timer);
    if (vm->reap_timer >= 0)
        vw_evloop_del_timer(vm->loop, vm->reap_timer);
    if (vm->unplug_timer >= 0)
        vw_evloop_del_timer(vm->loop, vm->unplug_timer);
    reap_children(vm, 0);
    reap_children(vm, 1);
    for (size_t i = 0; i < vm->ndevices; i++) {
        free(vm->devices[i].id);
        free(vm->devices[i].path);
    }
    free(vm);
}

int fq_vm_quit_requested(const fq_vm *vm)
{
    return vm->quit;
}

json_t *fq_vm_version_json(const fq_vm *vm)
{
    return json_pack("{s:{s:i,s:i,s:i},s:s}", "qemu", "major", vm->cfg.major, "minor",
                     vm->cfg.minor, "micro", vm->cfg.micro, "package",
                     vm->cfg.package ? vm->cfg.package : "");
}

static int is_running(const fq_vm *vm)
{
    return vm->state == RS_RUNNING;
}

static int set_error(const char **err_class, char *desc, size_t desclen, const char *cls,
                     const char *fmt, const char *a, const char *b)
{
    *err_class = cls;
    snprintf(desc, desclen, fmt, a ? a : "", b ? b : "");
    return FQ_VM_ERROR;
}

#define GENERIC "GenericError"

/* ---- run state ---------------------------------------------------------------------------- */

static void vm_stop(fq_vm *vm)
{
    if (is_running(vm)) {
        vm->state = RS_PAUSED;
        emit(vm, "STOP", NULL);
    } else if (vm->state != RS_PRELAUNCH) {
        vm->state = RS_PAUSED;
    }
}

static int vm_cont(fq_vm *vm, const char **err_class, char *desc, size_t desclen)
{
    if (vm->state == RS_SHUTDOWN)
        return set_error(err_class, desc, desclen, GENERIC,
                         "Resetting the Virtual Machine is required%s%s", NULL, NULL);
    if (!is_running(vm)) {
        vm->state = RS_RUNNING;
        vm->firmware_ran = 1;
        emit(vm, "RESUME", NULL);
    }
    return FQ_VM_OK;
}

static void vm_reset_now(fq_vm *vm)
{
    emit(vm, "RESET", json_pack("{s:b,s:s}", "guest", 0, "reason", "host-qmp-system-reset"));
    if (!is_running(vm))
        vm->state = RS_PRELAUNCH;
}

static void vm_reset(fq_vm *vm)
{
    if (events_after_return(vm))
        vm->pending_reset = 1;
    else
        vm_reset_now(vm);
}

static void vm_powerdown(fq_vm *vm)
{
    if (events_after_return(vm))
        vm->pending_powerdown = 1;
    else
        emit(vm, "POWERDOWN", NULL);
}

static void shutdown_event(fq_vm *vm, const char *reason)
{
    emit(vm, "SHUTDOWN", json_pack("{s:b,s:s}", "guest", 0, "reason", reason));
}

void fq_vm_after_reply(fq_vm *vm)
{
    if (vm->pending_reset) {
        vm->pending_reset = 0;
        vm_reset_now(vm);
    }
    if (vm->pending_powerdown) {
        vm->pending_powerdown = 0;
        emit(vm, "POWERDOWN", NULL);
    }
    if (vm->pending_quit) {
        vm->pending_quit = 0;
        shutdown_event(vm, "host-qmp-quit");
    }
}

void fq_vm_host_signal(fq_vm *vm)
{
    shutdown_event(vm, "host-signal");
}

static json_t *status_json(const fq_vm *vm)
{
    /* StatusInfo's deprecated 'singlestep' member is gone from 10.0 (schema of 10.0.13) */
    if (model_at_least(vm, 10, 0))
        return json_pack("{s:b,s:s}", "running", is_running(vm), "status",
                         run_state_name[vm->state]);
    return json_pack("{s:b,s:b,s:s}", "running", is_running(vm), "singlestep", 0, "status",
                     run_state_name[vm->state]);
}

/* ---- devices ------------------------------------------------------------------------------ */

static int machine_is_pc(const fq_vm *vm)
{
    return vm->cfg.machine && strcmp(vm->cfg.machine, "pc") == 0;
}

/* query-cpus-fast: the -smp CPUs of a pc machine, their topology ids from the index as QEMU
 * numbers them (threads within cores within sockets); QEMU 7.2 puts CPU 0 at unattached
 * device[0] and CPU i > 0 at device[i + 1]. */
static json_t *cpus_fast_json(const fq_vm *vm)
{
    json_t *list = json_array();
    unsigned n = vm->cfg.vcpus ? vm->cfg.vcpus : 1;
    unsigned threads = vm->cfg.threads ? vm->cfg.threads : 1;
    unsigned cores = vm->cfg.cores ? vm->cfg.cores : 1;
    for (unsigned i = 0; machine_is_pc(vm) && i < n; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/machine/unattached/device[%u]", i ? i + 1 : 0);
        json_t *cpu = json_pack("{s:i,s:{s:i,s:i,s:i},s:s,s:i,s:s}", "thread-id", (int)getpid(),
                "props", "core-id", (int)(i / threads % cores), "thread-id", (int)(i % threads),
                "socket-id", (int)(i / (threads * cores)), "qom-path", path, "cpu-index", (int)i,
                "target", "x86_64");
        /* 5.2 still sends 'arch' (removed in 6.0); 11.1's CpuInfoFast has 'qom-type' */
        if (cpu && !model_at_least(vm, 6, 0))
            json_object_set_new(cpu, "arch", json_string("x86"));
        if (cpu && model_at_least(vm, 11, 0))
            json_object_set_new(cpu, "qom-type", json_string("qemu64-x86_64-cpu"));
        if (cpu)
            json_array_append_new(list, cpu);
    }
    return list;
}

/* The buses of the machine: "pc" is modelled as `-machine pc -device qemu-xhci,id=xhci`. */
static const char *bus_type_of(const fq_vm *vm, const char *bus)
{
    if (!machine_is_pc(vm))
        return NULL;
    if (strcmp(bus, "pci.0") == 0)
        return "PCI";
    if (strcmp(bus, "xhci.0") == 0)
        return "usb-bus";
    return NULL;
}

static int machine_has_bus_type(const fq_vm *vm, const char *bus_type)
{
    return machine_is_pc(vm) && (strcmp(bus_type, "PCI") == 0 || strcmp(bus_type, "usb-bus") == 0);
}

static device *find_device(fq_vm *vm, const char *id_or_path)
{
    for (size_t i = 0; i < vm->ndevices; i++) {
        device *d = &vm->devices[i];
        if ((d->id && strcmp(d->id, id_or_path) == 0) || strcmp(d->path, id_or_path) == 0)
            return d;
    }
    return NULL;
}

/* QOM paths of devices with an id: /machine/peripheral/ID (QEMU also accepts the path). */
static int valid_id(const char *id)
{
    /* QEMU's id_wellformed(): a letter first, then letters, digits, '-', '.', '_'. */
    if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z')))
        return 0;
    for (const char *p = id; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.' || ch == '_'))
            return 0;
    }
    return 1;
}

/* Scalars given as device properties are converted to strings, as QEMU's keyval does. */
static void scalar_text(const json_t *v, char *buf, size_t len)
{
    if (json_is_string(v))
        snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.17g", json_real_value(v));
    else if (json_is_true(v))
        snprintf(buf, len, "on");
    else if (json_is_false(v))
        snprintf(buf, len, "off");
    else
        snprintf(buf, len, "%s", "");
}

static int cmd_device_add(fq_vm *vm, const json_t *args, const char **err_class, char *desc,
                          size_t desclen)
{
    const json_t *jdriver = json_object_get(args, "driver");
    if (!jdriver)
        return set_error(err_class, desc, desclen, GENERIC, "Parameter '%s' is missing%s",
                         "driver", NULL);
    char driver[256];
    scalar_text(jdriver, driver, sizeof(driver));
    const device_model *model = NULL;
    for (size_t i = 0; i < sizeof(device_models) / sizeof(device_models[0]); i++)
        if (strcmp(device_models[i].name, driver) == 0)
            model = &device_models[i];
    if (!model)
        return set_error(err_class, desc, desclen, GENERIC,
                         "'%s' is not a valid device model name%s", driver, NULL);
    const char *bus = json_string_value(json_object_get(args, "bus"));
    if (bus) {
        const char *bt = bus_type_of(vm, bus);
        if (!bt)
            return set_error(err_class, desc, desclen, GENERIC, "Bus '%s' not found%s", bus, NULL);
        if (strcmp(bt, model->bus_type) != 0) {
            *err_class = GENERIC;
            snprintf(desc, desclen, "Device '%s' can't go on %s bus", driver, bt);
            return FQ_VM_ERROR;
        }
    } else if (!machine_has_bus_type(vm, model->bus_type)) {
        *err_class = GENERIC;
        snprintf(desc, desclen, "No '%s' bus found for device '%s'", model->bus_type, driver);
        return FQ_VM_ERROR;
    }
    const char *id = json_string_value(json_object_get(args, "id"));
    /* The id check: 7.2 (and 5.2) "Parameter 'id' expects an identifier"; 10.0 has none on
     * the QMP path (device '9k' is created); 11.1 "Invalid qdev ID '9k'". */
    if (id && !valid_id(id) && model_at_least(vm, 11, 0))
        return set_error(err_class, desc, desclen, GENERIC, "Invalid qdev ID '%s'%s", id, NULL);
    if (id && !valid_id(id) && !model_at_least(vm, 10, 0))
        return set_error(err_class, desc, desclen, GENERIC,
                         "Parameter 'id' expects an identifier%s%s", NULL, NULL);
    if (id && find_device(vm, id)) {
        if (!model_at_least(vm, 7, 0))   /* 5.2: qemu_opts_create's QERR_DUPLICATE_ID */
            return set_error(err_class, desc, desclen, GENERIC, "Duplicate ID '%s' for %s", id,
                             "device");
        return set_error(err_class, desc, desclen, GENERIC, "Duplicate device ID '%s'%s", id, NULL);
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)args, key, value) {
        if (strcmp(key, "driver") == 0 || strcmp(key, "id") == 0 || strcmp(key, "bus") == 0)
            continue;
        int known = 0;
        for (size_t i = 0; model->props[i]; i++)
            if (strcmp(model->props[i], key) == 0)
                known = 1;
        if (!known) {
            *err_class = GENERIC;
            snprintf(desc, desclen, "Property '%s.%s' not found", driver, key);
            return FQ_VM_ERROR;
        }
    }
    if (vm->ndevices >= MAX_DEVICES)
        return set_error(err_class, desc, desclen, GENERIC,
                         "fake-qemu: too many devices (limit %s)%s", "256", NULL);
    device *d = &vm->devices[vm->ndevices];
    char path[300];
    if (id)
        snprintf(path, sizeof(path), "/machine/peripheral/%s", id);
    else
        snprintf(path, sizeof(path), "/machine/peripheral-anon/device[%u]", vm->anon_count++);
    d->id = id ? strdup(id) : NULL;
    d->path = strdup(path);
    d->model = model;
    d->unplug_pending = 0;
    if ((id && !d->id) || !d->path) {
        free(d->id);
        free(d->path);
        return set_error(err_class, desc, desclen, GENERIC, "fake-qemu: out of memory%s%s",
                         NULL, NULL);
    }
    vm->ndevices++;
    return FQ_VM_OK;
}

/* Removes the devices whose unplug completed (USB: at once) and sends DEVICE_DELETED for each,
 * after the device_del return, as QEMU does. */
static long long unplug_timer_cb(vw_evloop *loop, long long id, void *cd)
{
    (void)loop;
    (void)id;
    fq_vm *vm = cd;
    vm->unplug_timer = -1;
    size_t i = 0;
    while (i < vm->ndevices) {
        device *d = &vm->devices[i];
        if (d->unplug_pending && strcmp(d->model->bus_type, "usb-bus") == 0) {
            json_t *data = d->id ? json_pack("{s:s,s:s}", "device", d->id, "path", d->path)
                                 : json_pack("{s:s}", "path", d->path);
            free(d->id);
            free(d->path);
            memmove(d, d + 1, (vm->ndevices - i - 1) * sizeof(*d));
            vm->ndevices--;
            emit(vm, "DEVICE_DELETED", data);
            continue;
        }
        i++;
    }
    return VW_EV_NOMORE;
}

static int cmd_device_del(fq_vm *vm, const json_t *args, const char **err_class, char *desc,
                          size_t desclen)
{
    const char *id = json_string_value(json_object_get(args, "id"));
    device *d = find_device(vm, id);
    if (!d)
        return set_error(err_class, desc, desclen, "DeviceNotFound", "Device '%s' not found%s",
                         id, NULL);
    /* A repeated device_del of a device whose unplug is pending succeeds again (7.2). */
    /* PCI devices need the guest's ACPI cooperation: with no guest OS the unplug never
     * completes (as with real QEMU and no OS). USB devices go at once. */
    d->unplug_pending = 1;
    if (strcmp(d->model->bus_type, "usb-bus") == 0 && vm->unplug_timer < 0)
        vm->unplug_timer = vw_evloop_add_timer(vm->loop, 0, unplug_timer_cb, vm, NULL);
    return FQ_VM_OK;
}

/* ---- migration ---------------------------------------------------------------------------- */

static json_t *ram_json(const fq_vm *vm, int done)
{
    long long transferred = done ? 767166 : 1024;
    json_t *ram = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:I}",
                            "total", (json_int_t)134750208, "postcopy-requests", (json_int_t)0,
                            "dirty-sync-count", (json_int_t)(done ? 3 : 1),
                            "multifd-bytes", (json_int_t)0, "pages-per-second", (json_int_t)0,
                            "page-size", (json_int_t)4096,
                            "remaining", (json_int_t)(done ? 0 : 134217728), "mbps", 32.0,
                            "transferred", (json_int_t)transferred, "duplicate", (json_int_t)0,
                            "dirty-pages-rate", (json_int_t)0, "normal-bytes", (json_int_t)0,
                            "normal", (json_int_t)0);
    if (!ram)
        return NULL;
    /* MigrationStats by release: 7.2 added the byte counters below, 10.0 dropped 'skipped' */
    if (model_at_least(vm, 7, 0)) {
        json_object_set_new(ram, "downtime-bytes", json_integer(0));
        json_object_set_new(ram, "postcopy-bytes", json_integer(0));
        json_object_set_new(ram, "dirty-sync-missed-zero-copy", json_integer(0));
        json_object_set_new(ram, "precopy-bytes", json_integer(transferred));
    }
    if (!model_at_least(vm, 10, 0))
        json_object_set_new(ram, "skipped", json_integer(0));
    return ram;
}

static json_t *query_migrate_json(fq_vm *vm)
{
    long long elapsed = vw_evloop_now_ms() - vm->mig_start_ms;
    switch (vm->mig) {
    case MIG_NONE:
        return json_object();
    case MIG_SETUP:
        return json_pack("{s:s}", "status", "setup");
    case MIG_ACTIVE:
        return json_pack("{s:s,s:I,s:I,s:I,s:o}", "status", "active", "expected-downtime",
                         (json_int_t)300, "setup-time", (json_int_t)1, "total-time",
                         (json_int_t)elapsed, "ram", ram_json(vm, 0));
    case MIG_COMPLETED:
        return json_pack("{s:s,s:I,s:I,s:I,s:o}", "status", "completed", "setup-time",
                         (json_int_t)1, "downtime", (json_int_t)1, "total-time",
                         (json_int_t)(elapsed > 0 ? elapsed : 1), "ram", ram_json(vm, 1));
    case MIG_FAILED:
        return json_pack("{s:s,s:s}", "status", "failed", "error-desc", vm->mig_error);
    }
    return json_object();
}

static long long reap_timer_cb(vw_evloop *loop, long long id, void *cd)
{
    (void)loop;
    (void)id;
    fq_vm *vm = cd;
    reap_children(vm, 0);
    if (vm->nmig_children > 0)
        return 50;
    vm->reap_timer = -1;
    return VW_EV_NOMORE;
}

static long long mig_timer_cb(vw_evloop *loop, long long id, void *cd)
{
    (void)loop;
    (void)id;
    fq_vm *vm = cd;
    if (vm->mig == MIG_SETUP) {
        vm->mig = MIG_ACTIVE;
        return 20;
    }
    /* Completion: stop the VM for the final stage (STOP only when it was running), then done. */
    if (is_running(vm)) {
        vm->state = RS_FINISH_MIGRATE;
        emit(vm, "STOP", NULL);
    }
    vm->state = RS_POSTMIGRATE;
    vm->mig = MIG_COMPLETED;
    vm->mig_timer = -1;
    return VW_EV_NOMORE;
}

/* A small, recognisable stream: the QEMU_VM_FILE_MAGIC header, version 3, then QEMU_VM_EOF.
 * It is not a loadable migration stream. */
static const unsigned char mig_stream[] = { 'Q', 'E', 'V', 'M', 0, 0, 0, 3, 0 };

static void mig_fail(fq_vm *vm, const char *fmt, const char *a, const char *b)
{
    vm->mig = MIG_FAILED;
    snprintf(vm->mig_error, sizeof(vm->mig_error), fmt, a, b);
}

static void migrate_unix_or_tcp(fq_vm *vm, const char *uri)
{
    char err[512];
    vw_netaddr addr;
    const char *target = strchr(uri, ':') + 1;
    if (vw_netaddr_parse(uri, &addr, err, sizeof(err)) < 0) {
        mig_fail(vm, "Failed to connect to '%s': %s", target, "Invalid argument");
        return;
    }
    int fd = vw_netaddr_connect(&addr, 2000, err, sizeof(err));
    if (fd < 0) {
        mig_fail(vm, "Failed to connect to '%s': %s", target, strerror(errno ? errno : ECONNREFUSED));
        return;
    }
    if (vw_write_all(fd, mig_stream, sizeof(mig_stream)) < 0)
        mig_fail(vm, "Unable to write to socket: %s%s", strerror(errno), "");
    close(fd);
}

/* The whole stream goes into the pipe before the command starts: it is far smaller than a pipe's
 * guaranteed atomic write, so the write never blocks, and it cannot meet EPIPE because the read
 * end is still open here. A command that exits without reading (exec:true) therefore always sees
 * the same outcome, a completed migration, whatever the scheduler does. */
_Static_assert(sizeof(mig_stream) <= PIPE_BUF, "the migration stream must fit the pipe at once");

static void migrate_exec(fq_vm *vm, const char *command)
{
    reap_children(vm, 0);
    if (vm->nmig_children == MAX_MIG_CHILDREN) {
        mig_fail(vm, "Unable to start '%s': %s", command,
                 "too many earlier migration commands still running");
        return;
    }
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        mig_fail(vm, "Unable to create pipe: %s%s", strerror(errno), "");
        return;
    }
    if (vw_write_all(pipefd[1], mig_stream, sizeof(mig_stream)) < 0) {
        mig_fail(vm, "Unable to write to command: %s%s", strerror(errno), "");
        close(pipefd[0]);
        close(pipefd[1]);
        return;
    }
    close(pipefd[1]);   /* the command reads the stream, then end of file */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[0], 0);
    /* The child gets default signal handling and an empty mask (the fake blocks SIGTERM). */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGTERM);
    sigaddset(&dflt, SIGINT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[0]);
    if (rc != 0) {
        mig_fail(vm, "Unable to start '%s': %s", command, strerror(rc));
        return;
    }
    vm->mig_children[vm->nmig_children++] = pid;
    if (vm->reap_timer < 0)
        vm->reap_timer = vw_evloop_add_timer(vm->loop, 10, reap_timer_cb, vm, NULL);
}

static int cmd_migrate(fq_vm *vm, const json_t *args, const char **err_class, char *desc,
                       size_t desclen)
{
    const char *uri = json_string_value(json_object_get(args, "uri"));
    const json_t *channels = json_object_get(args, "channels");
    /* 10.0 on: 'uri' is optional beside 'channels' (the schema checked the types) */
    if (!uri == !channels)
        return set_error(err_class, desc, desclen, GENERIC,
                         "need either 'uri' or 'channels' argument%s%s", NULL, NULL);
    if (!uri)
        return set_error(err_class, desc, desclen, GENERIC,
                         "fake-qemu: migrate with 'channels' is not modelled; use 'uri'%s%s",
                         NULL, NULL);
    if (vm->mig == MIG_SETUP || vm->mig == MIG_ACTIVE)
        return set_error(err_class, desc, desclen, GENERIC,
                         "There's a migration process in progress%s%s", NULL, NULL);
    /* 5.2 starts a second migration from postmigrate; the check came after it */
    if (vm->state == RS_POSTMIGRATE && model_at_least(vm, 7, 0))
        return set_error(err_class, desc, desclen, GENERIC,
                         "Can't migrate the vm that was paused due to previous migration%s%s",
                         NULL, NULL);
    int is_exec = strncmp(uri, "exec:", 5) == 0;
    int is_sock = strncmp(uri, "unix:", 5) == 0 || strncmp(uri, "tcp:", 4) == 0;
    if (!is_exec && !is_sock && model_at_least(vm, 10, 0))   /* 10.0 parses the URI itself */
        return set_error(err_class, desc, desclen, GENERIC, "unknown migration protocol: %s%s",
                         uri, NULL);
    if (!is_exec && !is_sock)
        return set_error(err_class, desc, desclen, GENERIC,
                         "Parameter 'uri' expects a valid migration protocol%s%s", NULL, NULL);
    vm->mig = MIG_SETUP;
    vm->mig_error[0] = '\0';
    vm->mig_start_ms = vw_evloop_now_ms();
    errno = 0;
    if (is_exec)
        migrate_exec(vm, uri + 5);
    else
        migrate_unix_or_tcp(vm, uri);
    if (vm->mig == MIG_SETUP && vm->mig_timer < 0)
        vm->mig_timer = vw_evloop_add_timer(vm->loop, 20, mig_timer_cb, vm, NULL);
    return FQ_VM_OK;
}

/* ---- HMP ---------------------------------------------------------------------------------- */

static json_t *hmp(fq_vm *vm, const char *line, const json_t *cpu_index, const char **err_class,
                   char *desc, size_t desclen, int *failed)
{
    *failed = 0;
    if (cpu_index) {
        json_int_t n = json_integer_value(cpu_index);
        if (!machine_is_pc(vm) || n != 0) {
            *failed = 1;
            set_error(err_class, desc, desclen, GENERIC,
                      "Parameter 'cpu-index' expects a CPU number%s%s", NULL, NULL);
            return NULL;
        }
    }
    const char *w1 = line;
    while (*w1 == ' ' || *w1 == '\t')
        w1++;
    const char *e1 = w1;
    while (*e1 && *e1 != ' ' && *e1 != '\t')
        e1++;
    const char *w2 = e1;
    while (*w2 == ' ' || *w2 == '\t')
        w2++;
    const char *e2 = w2;
    while (*e2 && *e2 != ' ' && *e2 != '\t')
        e2++;
    size_t l1 = (size_t)(e1 - w1), l2 = (size_t)(e2 - w2);
    char out[512];
#define WORD_IS(w, l, s) ((l) == strlen(s) && strncmp((w), (s), (l)) == 0)
    if (l1 == 0)
        return json_string("");
    if (WORD_IS(w1, l1, "info")) {
        const char *rest = e2;
        while (*rest == ' ' || *rest == '\t')
            rest++;
        int known = WORD_IS(w2, l2, "status") || WORD_IS(w2, l2, "version") ||
                    WORD_IS(w2, l2, "name") || WORD_IS(w2, l2, "uuid") || WORD_IS(w2, l2, "kvm");
        if (known && *rest) {   /* these info commands take no argument */
            snprintf(out, sizeof(out),
                     "%.*s: extraneous characters at the end of line\r\n"
                     "Try \"help info %.*s\" for more information\r\n",
                     (int)l2, w2, (int)l2, w2);
            return json_string(out);
        }
        if (WORD_IS(w2, l2, "kvm"))
            return json_string("kvm support: disabled\r\n");
        if (WORD_IS(w2, l2, "status")) {
            if (is_running(vm))
                snprintf(out, sizeof(out), "VM status: running\r\n");
            else if (vm->state == RS_PAUSED)
                snprintf(out, sizeof(out), "VM status: paused\r\n");
            else
                snprintf(out, sizeof(out), "VM status: paused (%s)\r\n", run_state_name[vm->state]);
            return json_string(out);
        }
        if (WORD_IS(w2, l2, "version")) {
            snprintf(out, sizeof(out), "%d.%d.%d%s\r\n", vm->cfg.major, vm->cfg.minor,
                     vm->cfg.micro, vm->cfg.package ? vm->cfg.package : "");
            return json_string(out);
        }
        if (WORD_IS(w2, l2, "name")) {
            if (vm->cfg.name)
                snprintf(out, sizeof(out), "%s\r\n", vm->cfg.name);
            else
                out[0] = '\0';
            return json_string(out);
        }
        if (WORD_IS(w2, l2, "uuid")) {
            snprintf(out, sizeof(out), "%s\r\n",
                     vm->cfg.uuid ? vm->cfg.uuid : "00000000-0000-0000-0000-000000000000");
            return json_string(out);
        }
        snprintf(out, sizeof(out), "unknown command: '%.*s'\r\n", (int)(e2 - w1), w1);
        return json_string(out);
    }
    if (WORD_IS(w1, l1, "stop")) {
        vm_stop(vm);
        return json_string("");
    }
    if (WORD_IS(w1, l1, "cont") || WORD_IS(w1, l1, "c")) {
        if (vm_cont(vm, err_class, desc, desclen) != FQ_VM_OK) {
            snprintf(out, sizeof(out), "%s\r\n", desc);
            return json_string(out);
        }
        return json_string("");
    }
    if (WORD_IS(w1, l1, "system_reset")) {
        vm_reset(vm);
        return json_string("");
    }
    if (WORD_IS(w1, l1, "system_powerdown")) {
        vm_powerdown(vm);
        return json_string("");
    }
    snprintf(out, sizeof(out), "unknown command: '%.*s'\r\n", (int)l1, w1);
#undef WORD_IS
    return json_string(out);
}

/* ---- dispatch ----------------------------------------------------------------------------- */

int fq_vm_execute(fq_vm *vm, const char *command, const json_t *args, json_t **ret,
                  const char **err_class, char *desc, size_t desclen)
{
    *ret = NULL;
    if (strcmp(command, "query-status") == 0) {
        *ret = status_json(vm);
    } else if (strcmp(command, "query-version") == 0) {
        *ret = fq_vm_version_json(vm);
    } else if (strcmp(command, "query-name") == 0) {
        *ret = vm->cfg.name ? json_pack("{s:s}", "name", vm->cfg.name) : json_object();
    } else if (strcmp(command, "query-uuid") == 0) {
        *ret = json_pack("{s:s}", "UUID",
                         vm->cfg.uuid ? vm->cfg.uuid : "00000000-0000-0000-0000-000000000000");
    } else if (strcmp(command, "query-kvm") == 0) {
        *ret = json_pack("{s:b,s:b}", "enabled", 0, "present", 1);
    } else if (strcmp(command, "query-cpus-fast") == 0) {
        *ret = cpus_fast_json(vm);
    } else if (strcmp(command, "query-memory-size-summary") == 0) {
        unsigned long long mib = vm->cfg.memory_mib ? vm->cfg.memory_mib : 128;
        *ret = json_pack("{s:I,s:i}", "base-memory", (json_int_t)(mib << 20), "plugged-memory", 0);
    } else if (strcmp(command, "query-block") == 0) {
        *ret = json_array();
    } else if (strcmp(command, "query-pci") == 0) {
        *ret = fq_pci_query(machine_is_pc(vm), vm->cfg.pci_devices, vm->cfg.npci_devices,
                            vm->firmware_ran);
    } else if (strcmp(command, "stop") == 0) {
        vm_stop(vm);
        *ret = json_object();
    } else if (strcmp(command, "cont") == 0) {
        if (vm_cont(vm, err_class, desc, desclen) != FQ_VM_OK)
            return FQ_VM_ERROR;
        *ret = json_object();
    } else if (strcmp(command, "system_reset") == 0) {
        vm_reset(vm);
        *ret = json_object();
    } else if (strcmp(command, "system_powerdown") == 0) {
        vm_powerdown(vm);
        *ret = json_object();
    } else if (strcmp(command, "quit") == 0) {
        if (events_after_return(vm))
            vm->pending_quit = 1;
        else
            shutdown_event(vm, "host-qmp-quit");
        vm->quit = 1;
        *ret = json_object();
    } else if (strcmp(command, "device_add") == 0) {
        if (cmd_device_add(vm, args, err_class, desc, desclen) != FQ_VM_OK)
            return FQ_VM_ERROR;
        *ret = json_object();
    } else if (strcmp(command, "device_del") == 0) {
        if (cmd_device_del(vm, args, err_class, desc, desclen) != FQ_VM_OK)
            return FQ_VM_ERROR;
        *ret = json_object();
    } else if (strcmp(command, "human-monitor-command") == 0) {
        int failed;
        const char *line = json_string_value(json_object_get(args, "command-line"));
        *ret = hmp(vm, line ? line : "", json_object_get(args, "cpu-index"), err_class, desc,
                   desclen, &failed);
        if (failed)
            return FQ_VM_ERROR;
    } else if (strcmp(command, "migrate") == 0) {
        if (cmd_migrate(vm, args, err_class, desc, desclen) != FQ_VM_OK)
            return FQ_VM_ERROR;
        *ret = json_object();
    } else if (strcmp(command, "query-migrate") == 0) {
        *ret = query_migrate_json(vm);
    } else if (strcmp(command, "migrate-pause") == 0) {
        return set_error(err_class, desc, desclen, GENERIC,
                         "migrate-pause is currently only supported during postcopy-active%s "
                         "state%s", model_at_least(vm, 10, 0) ? " or postcopy-recover" : "",
                         NULL);
    } else if (strcmp(command, "migrate_set_speed") == 0) {
        *ret = json_object();   /* 5.2 only (removed in 6.0): the schema has it there */
    } else {
        return FQ_VM_UNKNOWN;
    }
    if (!*ret)
        return set_error(err_class, desc, desclen, GENERIC, "fake-qemu: out of memory%s%s",
                         NULL, NULL);
    return FQ_VM_OK;
}
