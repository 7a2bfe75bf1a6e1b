/* vm_model.c: run state, devices and the command dispatch of fake-qemu (vm_model.h); the
 * migration is in vm_migrate.c, HMP in vm_hmp.c, a command-line guest's hardware in
 * vm_guest.c. */
#include "vm_model.h"
#include "vm_model_priv.h"
#include "qemu_cmdline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *run_state_name[] = {
    "prelaunch", "running", "paused", "postmigrate", "finish-migrate", "shutdown", "inmigrate"
};

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
    { "virtio-blk-pci", "PCI", { "addr", "drive", "bootindex", "multifunction", "serial",
                                 "write-cache", "num-queues", "share-rw", NULL } },
    { "piix3-usb-uhci", "PCI", { "addr", "multifunction", NULL } },
};

/* A device of QEMU's command line whose driver the fake does not model. */
static const device_model other_pci_device = { "", "PCI", { NULL } };

/* 1 when the modelled release is major.minor or later. */
int fq_vm_at_least(const fq_vm *vm, int major, int minor)
{
    return vm->cfg.model_major > major ||
           (vm->cfg.model_major == major && vm->cfg.model_minor >= minor);
}

/* QEMU 5.2 queues reset, powerdown and shutdown requests for its main loop, which handles them
 * after the monitor has sent the command's return; 7.2 emits the event first. */
static int events_after_return(const fq_vm *vm)
{
    return !fq_vm_at_least(vm, 7, 2);
}

void fq_vm_emit(fq_vm *vm, const char *name, json_t *data)
{
    vm->hooks.event(vm->opaque, name, data);
}

static const device_model *model_named(const char *driver);
static int add_device(fq_vm *vm, const char *id, const char *driver, const char *drive,
                      const device_model *model);

/* QEMU's command line: the guest's devices with an id, its block nodes and netdevs; -incoming
 * fd:N starts loading at once, -incoming defer waits for migrate-incoming. */
static int guest_from_cmdline(fq_vm *vm)
{
    const fq_cmdline *c = vm->cfg.cmdline;
    if (!(vm->guest = fq_guest_new(c, &vm->cfg, vm, fq_vm_device_at)))
        return 0;
    for (size_t i = 0; i < c->ndevices; i++) {
        const fq_cmdline_device *d = &c->devices[i];
        const device_model *m = d->driver ? model_named(d->driver) : NULL;
        if (d->id && d->driver &&
            add_device(vm, d->id, d->driver, d->drive, m ? m : &other_pci_device) < 0)
            return 0;
    }
    if (c->incoming)
        vm->state = RS_INMIGRATE;
    char err[256];
    if (c->incoming && strcmp(c->incoming, "defer") != 0 &&
        fq_guest_incoming(vm->guest, vm->loop, c->incoming, fq_vm_incoming_done, err,
                          sizeof(err)) < 0)
        fprintf(stderr, "fake-qemu: -incoming %s: %s\n", c->incoming, err);
    return 1;
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
    vm->mig_timer = vm->reap_timer = vm->unplug_timer = vm->acpi_timer = -1;
    if (cfg->cmdline && !guest_from_cmdline(vm)) {
        fq_vm_free(vm);
        return NULL;
    }
    return vm;
}

void fq_vm_free(fq_vm *vm)
{
    if (!vm)
        return;
    fq_vm_migration_free(vm);
    if (vm->unplug_timer >= 0)
        vw_evloop_del_timer(vm->loop, vm->unplug_timer);
    if (vm->acpi_timer >= 0)
        vw_evloop_del_timer(vm->loop, vm->acpi_timer);
    fq_guest_free(vm->guest);
    for (size_t i = 0; i < vm->ndevices; i++) {
        free(vm->devices[i].id);
        free(vm->devices[i].path);
        free(vm->devices[i].driver);
        free(vm->devices[i].drive);
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

int fq_vm_running(const fq_vm *vm)
{
    return vm->state == RS_RUNNING;
}

int fq_vm_error(const char **err_class, char *desc, size_t desclen, const char *cls,
                     const char *fmt, const char *a, const char *b)
{
    *err_class = cls;
    snprintf(desc, desclen, fmt, a ? a : "", b ? b : "");
    return FQ_VM_ERROR;
}



/* ---- run state ---------------------------------------------------------------------------- */

static void vm_stop(fq_vm *vm)
{
    if (fq_vm_running(vm)) {
        vm->state = RS_PAUSED;
        fq_vm_emit(vm, "STOP", NULL);
    } else if (vm->state != RS_PRELAUNCH) {
        vm->state = RS_PAUSED;
    }
}

static int vm_cont(fq_vm *vm, const char **err_class, char *desc, size_t desclen)
{
    if (vm->state == RS_SHUTDOWN)
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "Resetting the Virtual Machine is required%s%s", NULL, NULL);
    if (!fq_vm_running(vm)) {
        vm->state = RS_RUNNING;
        vm->firmware_ran = 1;
        fq_vm_emit(vm, "RESUME", NULL);
    }
    return FQ_VM_OK;
}

static void complete_unplugs(fq_vm *vm, int pci);
static int machine_is_pc(const fq_vm *vm);

static void vm_reset_now(fq_vm *vm)
{
    fq_vm_emit(vm, "RESET", json_pack("{s:b,s:s}", "guest", 0, "reason", "host-qmp-system-reset"));
    complete_unplugs(vm, 1);    /* a reset finishes the PCI unplugs the guest left pending */
    if (!fq_vm_running(vm))
        vm->state = RS_PRELAUNCH;
}

static void vm_reset(fq_vm *vm)
{
    if (events_after_return(vm))
        vm->pending_reset = 1;
    else
        vm_reset_now(vm);
}

/* The guest of QEMU's command line obeys the power button as an ACPI guest: it shuts down,
 * QEMU sends SHUTDOWN, then pauses (-no-shutdown, with STOP) or exits. */
static long long acpi_shutdown_cb(vw_evloop *loop, long long id, void *cd)
{
    (void)id;
    fq_vm *vm = cd;
    vm->acpi_timer = -1;
    if (!fq_vm_running(vm))
        return VW_EV_NOMORE;
    fq_vm_emit(vm, "SHUTDOWN", json_pack("{s:b,s:s}", "guest", 1, "reason", "guest-shutdown"));
    if (vm->cfg.cmdline->no_shutdown) {
        vm->state = RS_SHUTDOWN;
        fq_vm_emit(vm, "STOP", NULL);
    } else {
        vw_evloop_stop(loop);
    }
    return VW_EV_NOMORE;
}

static void vm_powerdown(fq_vm *vm)
{
    if (events_after_return(vm))
        vm->pending_powerdown = 1;
    else
        fq_vm_emit(vm, "POWERDOWN", NULL);
    if (vm->guest && !vm->cfg.guest_ignores_acpi && machine_is_pc(vm) && fq_vm_running(vm) &&
        vm->acpi_timer < 0)
        vm->acpi_timer = vw_evloop_add_timer(vm->loop, 20, acpi_shutdown_cb, vm, NULL);
}

static void shutdown_event(fq_vm *vm, const char *reason)
{
    fq_vm_emit(vm, "SHUTDOWN", json_pack("{s:b,s:s}", "guest", 0, "reason", reason));
}

void fq_vm_after_reply(fq_vm *vm)
{
    if (vm->pending_reset) {
        vm->pending_reset = 0;
        vm_reset_now(vm);
    }
    if (vm->pending_powerdown) {
        vm->pending_powerdown = 0;
        fq_vm_emit(vm, "POWERDOWN", NULL);
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
    if (fq_vm_at_least(vm, 10, 0))
        return json_pack("{s:b,s:s}", "running", fq_vm_running(vm), "status",
                         run_state_name[vm->state]);
    return json_pack("{s:b,s:b,s:s}", "running", fq_vm_running(vm), "singlestep", 0, "status",
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
        json_t *cpu = json_pack("{s:i,s:{s:i,s:i,s:i},s:s,s:i,s:s}", "thread-id",
                (int)(vm->guest ? fq_guest_vcpu_tid(vm->guest, i) : getpid()),
                "props", "core-id", (int)(i / threads % cores), "thread-id", (int)(i % threads),
                "socket-id", (int)(i / (threads * cores)), "qom-path", path, "cpu-index", (int)i,
                "target", "x86_64");
        /* 5.2 still sends 'arch' (removed in 6.0); 11.1's CpuInfoFast has 'qom-type' */
        if (cpu && !fq_vm_at_least(vm, 6, 0))
            json_object_set_new(cpu, "arch", json_string("x86"));
        if (cpu && fq_vm_at_least(vm, 11, 0))
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
        return fq_vm_error(err_class, desc, desclen, GENERIC, "Parameter '%s' is missing%s",
                         "driver", NULL);
    char driver[256];
    scalar_text(jdriver, driver, sizeof(driver));
    const device_model *model = model_named(driver);
    if (!model)
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "'%s' is not a valid device model name%s", driver, NULL);
    const char *bus = json_string_value(json_object_get(args, "bus"));
    if (bus) {
        const char *bt = bus_type_of(vm, bus);
        if (!bt)
            return fq_vm_error(err_class, desc, desclen, GENERIC, "Bus '%s' not found%s", bus, NULL);
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
    if (id && !valid_id(id) && fq_vm_at_least(vm, 11, 0))
        return fq_vm_error(err_class, desc, desclen, GENERIC, "Invalid qdev ID '%s'%s", id, NULL);
    if (id && !valid_id(id) && !fq_vm_at_least(vm, 10, 0))
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "Parameter 'id' expects an identifier%s%s", NULL, NULL);
    if (id && find_device(vm, id)) {
        if (!fq_vm_at_least(vm, 7, 0))   /* 5.2: qemu_opts_create's QERR_DUPLICATE_ID */
            return fq_vm_error(err_class, desc, desclen, GENERIC, "Duplicate ID '%s' for %s", id,
                             "device");
        return fq_vm_error(err_class, desc, desclen, GENERIC, "Duplicate device ID '%s'%s", id, NULL);
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
    const char *drive = json_string_value(json_object_get(args, "drive"));
    if (drive && (!vm->guest || !fq_guest_has_node(vm->guest, drive))) {
        *err_class = GENERIC;
        snprintf(desc, desclen, "Property '%s.drive' can't find value '%s'", driver, drive);
        return FQ_VM_ERROR;
    }
    if (vm->ndevices >= MAX_DEVICES)
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "fake-qemu: too many devices (limit %s)%s", "256", NULL);
    if (add_device(vm, id, driver, drive, model) < 0)
        return fq_vm_error(err_class, desc, desclen, GENERIC, "fake-qemu: out of memory%s%s",
                         NULL, NULL);
    return FQ_VM_OK;
}

static const device_model *model_named(const char *driver)
{
    for (size_t i = 0; i < sizeof(device_models) / sizeof(device_models[0]); i++)
        if (strcmp(device_models[i].name, driver) == 0)
            return &device_models[i];
    return NULL;
}

static int add_device(fq_vm *vm, const char *id, const char *driver, const char *drive,
                      const device_model *model)
{
    if (vm->ndevices >= MAX_DEVICES)
        return -1;
    device *d = &vm->devices[vm->ndevices];
    char path[300];
    if (id)
        snprintf(path, sizeof(path), "/machine/peripheral/%s", id);
    else
        snprintf(path, sizeof(path), "/machine/peripheral-anon/device[%u]", vm->anon_count++);
    *d = (device){ id ? strdup(id) : NULL, strdup(path), strdup(driver),
                   drive ? strdup(drive) : NULL, model, 0 };
    if ((id && !d->id) || !d->path || !d->driver || (drive && !d->drive)) {
        free(d->id);
        free(d->path);
        free(d->driver);
        free(d->drive);
        return -1;
    }
    vm->ndevices++;
    return 0;
}

int fq_vm_device_at(const fq_vm *vm, size_t i, fq_vm_device *out)
{
    for (size_t k = 0; k < vm->ndevices; k++) {
        const device *d = &vm->devices[k];
        if (d->id && i-- == 0) {
            *out = (fq_vm_device){ d->id, d->driver, d->path, d->drive };
            return 0;
        }
    }
    return -1;
}

void fq_vm_take_fd(fq_vm *vm, int fd)
{
    if (vm->guest)
        fq_guest_take_fd(vm->guest, fd);
    else
        close(fd);
}

/* Removes the devices whose unplug completed (USB: at once) and sends DEVICE_DELETED for each,
 * after the device_del return, as QEMU does. */
static long long unplug_timer_cb(vw_evloop *loop, long long id, void *cd)
{
    (void)loop;
    (void)id;
    fq_vm *vm = cd;
    vm->unplug_timer = -1;
    complete_unplugs(vm, vm->guest != NULL);
    return VW_EV_NOMORE;
}

/* Removes the devices whose unplug is pending (USB; PCI too with pci) with their
 * DEVICE_DELETED events: a virtio device's backend first, as QEMU sends them. */
static void complete_unplugs(fq_vm *vm, int pci)
{
    size_t i = 0;
    while (i < vm->ndevices) {
        device *d = &vm->devices[i];
        if (d->unplug_pending && (pci || strcmp(d->model->bus_type, "usb-bus") == 0)) {
            if (strncmp(d->driver, "virtio-", 7) == 0 && strcmp(d->model->bus_type, "PCI") == 0) {
                char backend[320];
                snprintf(backend, sizeof(backend), "%s/virtio-backend", d->path);
                fq_vm_emit(vm, "DEVICE_DELETED", json_pack("{s:s}", "path", backend));
            }
            json_t *data = d->id ? json_pack("{s:s,s:s}", "device", d->id, "path", d->path)
                                 : json_pack("{s:s}", "path", d->path);
            free(d->id);
            free(d->path);
            free(d->driver);
            free(d->drive);
            memmove(d, d + 1, (vm->ndevices - i - 1) * sizeof(*d));
            vm->ndevices--;
            fq_vm_emit(vm, "DEVICE_DELETED", data);
            continue;
        }
        i++;
    }
}

static int cmd_device_del(fq_vm *vm, const json_t *args, const char **err_class, char *desc,
                          size_t desclen)
{
    const char *id = json_string_value(json_object_get(args, "id"));
    device *d = find_device(vm, id);
    if (!d)
        return fq_vm_error(err_class, desc, desclen, "DeviceNotFound", "Device '%s' not found%s",
                         id, NULL);
    /* A repeated device_del of a device whose unplug is pending succeeds again (7.2). */
    /* PCI devices need the guest's ACPI cooperation: with no guest OS the unplug never
     * completes (as with real QEMU and no OS). USB devices go at once. */
    d->unplug_pending = 1;
    /* the guest of QEMU's command line answers ACPI unplug requests */
    if ((vm->guest || strcmp(d->model->bus_type, "usb-bus") == 0) && vm->unplug_timer < 0)
        vm->unplug_timer = vw_evloop_add_timer(vm->loop, 0, unplug_timer_cb, vm, NULL);
    return FQ_VM_OK;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

int fq_vm_execute(fq_vm *vm, const char *command, const json_t *args, json_t **ret,
                  const char **err_class, char *desc, size_t desclen)
{
    *ret = NULL;
    int rc = vm->guest ? fq_guest_execute(vm->guest, command, args, ret, err_class, desc,
                                          desclen) : FQ_VM_UNKNOWN;
    if (rc != FQ_VM_UNKNOWN)
        return rc;
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
    } else if (strcmp(command, "migrate") == 0) {
        if (fq_vm_migrate(vm, args, err_class, desc, desclen) != FQ_VM_OK)
            return FQ_VM_ERROR;
        *ret = json_object();
    } else if (strcmp(command, "query-migrate") == 0) {
        *ret = fq_vm_query_migrate(vm);
    } else if (strcmp(command, "migrate-pause") == 0) {
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "migrate-pause is currently only supported during postcopy-active%s "
                         "state%s", fq_vm_at_least(vm, 10, 0) ? " or postcopy-recover" : "",
                         NULL);
    } else if (strcmp(command, "migrate-incoming") == 0 && vm->guest) {
        if (fq_vm_migrate_incoming(vm, args, err_class, desc, desclen) != FQ_VM_OK)
            return FQ_VM_ERROR;
        *ret = json_object();
    } else if (strcmp(command, "migrate_set_speed") == 0) {
        *ret = json_object();   /* 5.2 only (removed in 6.0): the schema has it there */
    } else {
        return FQ_VM_UNKNOWN;
    }
    if (!*ret)
        return fq_vm_error(err_class, desc, desclen, GENERIC, "fake-qemu: out of memory%s%s",
                         NULL, NULL);
    return FQ_VM_OK;
}
