/* qemu_cmdline.c: qemu-system-x86_64's command line as libvirt writes it (qemu_cmdline.h). */
#include "qemu_cmdline.h"
#include "vw_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

enum opt_kind {
    K_IGNORED,          /* accepted, with no effect on the model */
    K_PRELAUNCH, K_DAEMONIZE, K_PIDFILE, K_NAME, K_UUID, K_MACHINE, K_ACCEL, K_MEMORY,
    K_SMP, K_DEVICE, K_CHARDEV, K_MON, K_QMP, K_BLOCKDEV, K_NETDEV, K_NOSHUTDOWN, K_INCOMING,
};

typedef struct {
    const char *name;
    bool has_arg;
    enum opt_kind kind;
} qemu_opt;

/* The options libvirt 7.0 to 12.8 generate, and QEMU's common ones besides. */
static const qemu_opt qemu_opts[] = {
    { "S", false, K_PRELAUNCH }, { "daemonize", false, K_DAEMONIZE },
    { "pidfile", true, K_PIDFILE }, { "name", true, K_NAME }, { "uuid", true, K_UUID },
    { "machine", true, K_MACHINE }, { "M", true, K_MACHINE }, { "accel", true, K_ACCEL },
    { "m", true, K_MEMORY }, { "smp", true, K_SMP }, { "device", true, K_DEVICE },
    { "chardev", true, K_CHARDEV }, { "mon", true, K_MON }, { "qmp", true, K_QMP },
    { "no-user-config", false, K_IGNORED }, { "nodefaults", false, K_IGNORED },
    { "nographic", false, K_IGNORED }, { "no-shutdown", false, K_NOSHUTDOWN },
    { "no-reboot", false, K_IGNORED }, { "no-acpi", false, K_IGNORED },
    { "no-hpet", false, K_IGNORED }, { "enable-kvm", false, K_IGNORED },
    { "snapshot", false, K_IGNORED }, { "usb", false, K_IGNORED },
    { "mem-prealloc", false, K_IGNORED }, { "preconfig", false, K_IGNORED },
    { "cpu", true, K_IGNORED }, { "object", true, K_IGNORED }, { "blockdev", true, K_BLOCKDEV },
    { "drive", true, K_IGNORED }, { "netdev", true, K_NETDEV }, { "net", true, K_IGNORED },
    { "nic", true, K_IGNORED }, { "incoming", true, K_INCOMING },
    { "sandbox", true, K_IGNORED }, { "msg", true, K_IGNORED },
    { "overcommit", true, K_IGNORED }, { "boot", true, K_IGNORED }, { "rtc", true, K_IGNORED },
    { "global", true, K_IGNORED }, { "display", true, K_IGNORED }, { "vga", true, K_IGNORED },
    { "serial", true, K_IGNORED }, { "parallel", true, K_IGNORED },
    { "audiodev", true, K_IGNORED }, { "spice", true, K_IGNORED }, { "vnc", true, K_IGNORED },
    { "k", true, K_IGNORED }, { "numa", true, K_IGNORED }, { "mem-path", true, K_IGNORED },
    { "smbios", true, K_IGNORED }, { "fw_cfg", true, K_IGNORED }, { "bios", true, K_IGNORED },
    { "kernel", true, K_IGNORED }, { "initrd", true, K_IGNORED },
    { "append", true, K_IGNORED }, { "dtb", true, K_IGNORED }, { "add-fd", true, K_IGNORED },
    { "set", true, K_IGNORED }, { "loadvm", true, K_IGNORED }, { "tpmdev", true, K_IGNORED },
    { "fsdev", true, K_IGNORED }, { "monitor", true, K_IGNORED }, { "L", true, K_IGNORED },
    { "trace", true, K_IGNORED }, { "action", true, K_IGNORED },
    { "compat", true, K_IGNORED }, { "run-with", true, K_IGNORED },
    { "watchdog-action", true, K_IGNORED }, { "realtime", true, K_IGNORED },
    { "iscsi", true, K_IGNORED }, { "D", true, K_IGNORED }, { "d", true, K_IGNORED },
    { "chroot", true, K_IGNORED }, { "runas", true, K_IGNORED },
    { NULL, false, K_IGNORED },
};

bool fq_cmdline_is_qemu(int argc, char **argv)
{
    return argc > 1 && argv[1][0] == '-' && argv[1][1] != '-' && argv[1][1] != '\0';
}

/* The value of key in a JSON option argument ('{"driver":"virtio-balloon-pci","id":...}', as
 * libvirt writes -device, -object, -blockdev, -netdev and -audiodev since 7.x): a string as
 * it is, a number or boolean as JSON writes it. A new string, or NULL. */
static char *json_value(const char *arg, const char *key)
{
    json_t *obj = json_loads(arg, JSON_DECODE_ANY, NULL), *v = json_object_get(obj, key);
    char *out = NULL;
    if (json_is_string(v))
        out = strdup(json_string_value(v));
    else if (v && !json_is_object(v) && !json_is_array(v) && !json_is_null(v))
        out = json_dumps(v, JSON_ENCODE_ANY);
    json_decref(obj);
    return out;
}

/* The value of key in a QEMU option argument "implied,key=value,..." (",," is a comma);
 * implied names the key of a first item without '='; or in a JSON argument. A new string, or
 * NULL when absent. */
static char *opt_value(const char *arg, const char *implied, const char *key)
{
    if (arg[0] == '{')
        return json_value(arg, key);
    size_t klen = strlen(key);
    const char *p = arg;
    bool first = true;
    while (*p) {
        const char *eq = NULL, *q = p;
        while (*q && !(*q == ',' && q[1] != ',')) {
            if (*q == ',')
                q++;                                /* ",," */
            else if (*q == '=' && !eq)
                eq = q;
            q++;
        }
        bool hit = eq ? ((size_t)(eq - p) == klen && strncmp(p, key, klen) == 0)
                      : (first && implied && strcmp(implied, key) == 0);
        if (hit) {
            const char *v = eq ? eq + 1 : p;
            char *out = malloc((size_t)(q - v) + 1), *o = out;
            if (!out)
                return NULL;
            for (; v < q; v++) {
                *o++ = *v;
                if (*v == ',')
                    v++;
            }
            *o = '\0';
            return out;
        }
        first = false;
        p = *q ? q + 1 : q;
    }
    return NULL;
}

/* "1024", "1G", "512M", "size=1048576k": MiB, as QEMU reads -m (no suffix: MiB). */
static bool parse_memory(const char *arg, unsigned long long *mib)
{
    char *size = opt_value(arg, "size", "size"), *end;
    if (!size)
        return false;
    unsigned long long n = strtoull(size, &end, 10);
    bool ok = end != size;
    switch (*end) {
    case '\0': case 'M': case 'm': break;
    case 'k': case 'K': n /= 1024; break;
    case 'G': case 'g': n *= 1024; break;
    case 'T': case 't': n *= 1024 * 1024; break;
    default: ok = false;
    }
    free(size);
    if (ok)
        *mib = n;
    return ok && n > 0;
}

/* QEMU's error: "PROG: LOCATION: WHAT", the location being the option as written (with its
 * value when val is not NULL). */
/* The count under key in -smp's argument, or 0 when absent. */
static unsigned smp_count(const char *arg, const char *key)
{
    char *v = opt_value(arg, "cpus", key);
    long n = v ? strtol(v, NULL, 10) : 0;
    free(v);
    return n > 0 && n < 65536 ? (unsigned)n : 0;
}

/* -smp [cpus=]N,sockets=S,cores=C,threads=T: what is not given follows from the rest, as QEMU
 * 7.2 computes it for machine types from 6.2 on (cores preferred over sockets). */
static int parse_smp(fq_cmdline *c, const char *arg)
{
    unsigned cpus = smp_count(arg, "cpus"), sockets = smp_count(arg, "sockets");
    unsigned cores = smp_count(arg, "cores"), threads = smp_count(arg, "threads");
    threads = threads ? threads : 1;
    if (!cpus)
        cpus = (sockets ? sockets : 1) * (cores ? cores : 1) * threads;
    if (!sockets)
        sockets = cores ? (cpus + cores * threads - 1) / (cores * threads) : 1;
    if (!cores)
        cores = (cpus + sockets * threads - 1) / (sockets * threads);
    c->vcpus = cpus;
    c->sockets = sockets;
    c->cores = cores;
    c->threads = threads;
    return 0;
}

static void fail(const char *prog, const char *opt, const char *val, const char *what)
{
    const char *base = strrchr(prog, '/');
    fprintf(stderr, "%s: %s%s%s: %s\n", base ? base + 1 : prog, opt, val ? " " : "",
            val ? val : "", what);
}

static const qemu_opt *find_opt(const char *arg)
{
    const char *name = arg + 1 + (arg[1] == '-');     /* QEMU takes -opt and --opt */
    for (const qemu_opt *o = qemu_opts; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static int add_chardev(fq_cmdline *c, const char *arg)
{
    fq_cmdline_chardev *d = vw_array_append(&c->chardevs, &c->nchardevs, sizeof(*d));
    if (!d)
        return -1;
    char *fd = opt_value(arg, "backend", "fd");
    d->id = opt_value(arg, "backend", "id");
    d->backend = opt_value(arg, "backend", "backend");
    d->path = opt_value(arg, "backend", "path");
    d->fd = fd ? atoi(fd) : -1;
    free(fd);
    return 0;
}

static int add_device(fq_cmdline *c, const char *arg)
{
    fq_cmdline_device *d = vw_array_append(&c->devices, &c->ndevices, sizeof(*d));
    if (!d)
        return -1;
    d->driver = opt_value(arg, "driver", "driver");
    d->id = opt_value(arg, "driver", "id");
    d->drive = opt_value(arg, "driver", "drive");
    d->netdev = opt_value(arg, "driver", "netdev");
    d->addr = opt_value(arg, "driver", "addr");
    return 0;
}

/* -blockdev: a node (libvirt writes a protocol node "file" with filename=, then a format node
 * whose file= names it). */
static int add_blockdev(fq_cmdline *c, const char *arg)
{
    fq_cmdline_blockdev *b = vw_array_append(&c->blockdevs, &c->nblockdevs, sizeof(*b));
    if (!b)
        return -1;
    char *ro = opt_value(arg, "driver", "read-only");
    b->node_name = opt_value(arg, "driver", "node-name");
    b->driver = opt_value(arg, "driver", "driver");
    b->file = opt_value(arg, "driver", "file");
    b->filename = opt_value(arg, "driver", "filename");
    b->read_only = ro && (strcmp(ro, "true") == 0 || strcmp(ro, "on") == 0);
    free(ro);
    return 0;
}

static int add_netdev(fq_cmdline *c, const char *arg)
{
    fq_cmdline_netdev *n = vw_array_append(&c->netdevs, &c->nnetdevs, sizeof(*n));
    if (!n)
        return -1;
    n->id = opt_value(arg, "type", "id");
    n->type = opt_value(arg, "type", "type");
    return 0;
}

/* -mon chardev=ID,mode=control: the monitor is that chardev's socket. */
static int set_monitor(fq_cmdline *c, const char *prog, const char *opt, const char *arg)
{
    char *id = opt_value(arg, "chardev", "chardev"), *mode = opt_value(arg, "chardev", "mode");
    int rc = -1;
    for (size_t i = 0; id && i < c->nchardevs; i++) {
        fq_cmdline_chardev *d = &c->chardevs[i];
        if (!d->id || strcmp(d->id, id) != 0)
            continue;
        rc = 0;
        if (!mode || strcmp(mode, "control") != 0)
            break;                      /* a human monitor: not modelled, no QMP there */
        c->monitor_fd = d->fd;
        if (d->path && asprintf(&c->monitor_addr, "unix:%s", d->path) < 0)
            rc = -1;
    }
    if (rc < 0 && id) {
        char what[300];
        snprintf(what, sizeof(what), "chardev \"%s\" not found", id);
        fail(prog, opt, arg, what);
    } else if (rc < 0) {
        fail(prog, opt, arg, "Parameter 'chardev' is missing");
    }
    free(id);
    free(mode);
    return rc;
}

static int take(fq_cmdline *c, fq_vm_config *vm, const char *prog, const qemu_opt *o,
                const char *opt, const char *arg)
{
    switch (o->kind) {
    case K_IGNORED: return 0;
    case K_PRELAUNCH: vm->prelaunch = 1; return 0;
    case K_DAEMONIZE: c->daemonize = true; return 0;
    case K_PIDFILE: c->pidfile = arg; return 0;
    case K_NAME: free(c->name); c->name = opt_value(arg, "guest", "guest"); return 0;
    case K_UUID: free(c->uuid); c->uuid = strdup(arg); return 0;
    case K_MACHINE:
        free(c->machine_type);
        c->machine_type = opt_value(arg, "type", "type");
        char *accel = opt_value(arg, "type", "accel");
        if (accel) {
            free(c->accel);
            c->accel = accel;
        }
        return 0;
    case K_ACCEL: free(c->accel); c->accel = opt_value(arg, "accel", "accel"); return 0;
    case K_MEMORY:
        if (parse_memory(arg, &c->memory_mib))
            return 0;
        fail(prog, opt, arg, "Parameter 'size' expects a non-negative number below 2^64\n"
             "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
             "and exabytes, respectively.");
        return -1;
    case K_SMP: return parse_smp(c, arg);
    case K_DEVICE: return add_device(c, arg);
    case K_CHARDEV: return add_chardev(c, arg);
    case K_BLOCKDEV: return add_blockdev(c, arg);
    case K_NETDEV: return add_netdev(c, arg);
    case K_NOSHUTDOWN: c->no_shutdown = true; return 0;
    case K_INCOMING: free(c->incoming); c->incoming = strdup(arg); return c->incoming ? 0 : -1;
    case K_MON: return set_monitor(c, prog, opt, arg);
    case K_QMP: {
        char *addr = strdup(arg), *comma = addr ? strchr(addr, ',') : NULL;
        if (comma)
            *comma = '\0';              /* server=on,wait=off: how fake-qemu listens anyway */
        free(c->monitor_addr);
        c->monitor_addr = addr;
        return 0;
    }
    }
    return 0;
}

int fq_cmdline_parse(fq_cmdline *c, fq_vm_config *vm, int argc, char **argv)
{
    memset(c, 0, sizeof(*c));
    c->monitor_fd = -1;
    c->memory_mib = 128;
    c->vcpus = c->sockets = c->cores = c->threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            /* QEMU takes a lone argument as the first disk image; libvirt never writes one */
            fprintf(stderr, "%s: %s: a disk image on the command line is not modelled\n",
                    argv[0], arg);
            return 1;
        }
        const qemu_opt *o = find_opt(arg);
        if (!o) {
            fail(argv[0], arg, NULL, "invalid option");
            return 1;
        }
        if (o->has_arg && i + 1 >= argc) {
            fail(argv[0], arg, NULL, "requires an argument");
            return 1;
        }
        if (take(c, vm, argv[0], o, arg, o->has_arg ? argv[i + 1] : NULL) < 0)
            return 1;
        i += o->has_arg;
    }
    /* QEMU's default machine is pc; every type but none is modelled as pc */
    vm->machine = c->machine_type && strcmp(c->machine_type, "none") == 0 ? "none" : "pc";
    vm->name = c->name;
    vm->uuid = c->uuid;
    vm->vcpus = c->vcpus;
    vm->sockets = c->sockets;
    vm->cores = c->cores;
    vm->threads = c->threads;
    vm->memory_mib = c->memory_mib;
    vm->cmdline = c;
    if (!(c->pci = calloc(c->ndevices + 1, sizeof(*c->pci))))
        return 1;
    for (size_t k = 0; k < c->ndevices; k++)
        c->pci[k] = (fq_pci_device){ c->devices[k].driver, c->devices[k].id, c->devices[k].addr };
    vm->pci_devices = c->pci;
    vm->npci_devices = c->ndevices;
    /* libvirt's probe: -S -machine none, a nameless VM, the monitor given with -qmp */
    c->probe = vm->prelaunch && strcmp(vm->machine, "none") == 0 && !c->name &&
               c->monitor_fd < 0 && c->monitor_addr && strncmp(c->monitor_addr, "unix:", 5) == 0;
    if (c->monitor_fd < 0 && !c->monitor_addr) {
        fprintf(stderr, "%s: no QMP monitor: fake-qemu needs -qmp unix:PATH,server=on,wait=off "
                "or -chardev socket,id=ID,fd=N|path=PATH,server=on,wait=off -mon "
                "chardev=ID,mode=control\n", argv[0]);
        return 1;
    }
    return 0;
}

void fq_cmdline_clear(fq_cmdline *c)
{
    for (size_t i = 0; i < c->ndevices; i++) {
        free(c->devices[i].id);
        free(c->devices[i].driver);
        free(c->devices[i].drive);
        free(c->devices[i].netdev);
        free(c->devices[i].addr);
    }
    for (size_t i = 0; i < c->nblockdevs; i++) {
        free(c->blockdevs[i].node_name);
        free(c->blockdevs[i].driver);
        free(c->blockdevs[i].file);
        free(c->blockdevs[i].filename);
    }
    for (size_t i = 0; i < c->nnetdevs; i++) {
        free(c->netdevs[i].id);
        free(c->netdevs[i].type);
    }
    free(c->blockdevs);
    free(c->netdevs);
    free(c->incoming);
    free(c->pci);
    for (size_t i = 0; i < c->nchardevs; i++) {
        free(c->chardevs[i].id);
        free(c->chardevs[i].backend);
        free(c->chardevs[i].path);
    }
    free(c->devices);
    free(c->chardevs);
    free(c->monitor_addr);
    free(c->machine_type);
    free(c->accel);
    free(c->name);
    free(c->uuid);
    memset(c, 0, sizeof(*c));
    c->monitor_fd = -1;
}
