/* vm_guest.c: block nodes, netdevs, chardevs, vCPU properties, balloon, migration capabilities,
 * getfd and (vm_state.c) the saved state of a guest of QEMU's command line (vm_guest.h). */
#include "vm_guest.h"
#include "cpu_props.h"
#include "vcpu_threads.h"
#include "qemu_cmdline.h"
#include "vm_state.h"
#include "vw_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define GENERIC "GenericError"
#define MAX_NAMED_FDS 16

/* QEMU 7.2's migration capabilities, in query-migrate-capabilities' order. */
static const char *const mig_caps[] = {
    "xbzrle", "rdma-pin-all", "auto-converge", "zero-blocks", "compress", "events",
    "postcopy-ram", "x-colo", "release-ram", "block", "return-path", "pause-before-switchover",
    "multifd", "dirty-bitmaps", "postcopy-blocktime", "late-block-activate", "x-ignore-shared",
    "validate-uuid", "background-snapshot", "zero-copy-send", "postcopy-preempt",
};
#define NCAPS (sizeof(mig_caps) / sizeof(mig_caps[0]))

typedef struct {
    char *node_name, *driver, *file, *filename;
    int read_only;
} block_node;

typedef struct {
    char *id, *type;
} netdev;

typedef struct {
    char name[64];
    int fd;
} named_fd;

struct fq_guest {
    const fq_cmdline *cmd;
    const fq_vm_config *cfg;
    block_node *nodes;
    size_t nnodes;
    netdev *netdevs;
    size_t nnetdevs;
    unsigned char caps[NCAPS];
    fq_saved saved;                 /* the balloon (bytes) and how many saves it went through */
    fq_vcpu_threads *vcpus;         /* one idle thread per vCPU of a pc machine */
    int pending_fd;
    named_fd fds[MAX_NAMED_FDS];
    size_t nfds;
    fq_state_in incoming;           /* a restore under way (vm_state.c) */
    fq_guest_incoming_done *in_done;
    fq_vm *vm;                      /* the model this guest belongs to */
    fq_vm_device_lister *device_at; /* its devices (fq_vm_device_at, above this module) */
};

static int fail(const char **err_class, char *desc, size_t desclen, const char *cls,
                const char *fmt, const char *arg)
{
    *err_class = cls;
    snprintf(desc, desclen, fmt, arg ? arg : "");
    return FQ_VM_ERROR;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int add_node(fq_guest *g, const char *node_name, const char *driver, const char *file,
                    const char *filename, int read_only)
{
    block_node *n = vw_array_append(&g->nodes, &g->nnodes, sizeof(*n));
    if (!n)
        return -1;
    *n = (block_node){ dup_or_null(node_name), dup_or_null(driver), dup_or_null(file),
                                   dup_or_null(filename), read_only };
    return 0;
}

static int add_netdev(fq_guest *g, const char *id, const char *type)
{
    netdev *n = vw_array_append(&g->netdevs, &g->nnetdevs, sizeof(*n));
    if (!n)
        return -1;
    *n = (netdev){ dup_or_null(id), dup_or_null(type) };
    return 0;
}

fq_guest *fq_guest_new(const fq_cmdline *cmd, const fq_vm_config *cfg, fq_vm *vm,
                       fq_vm_device_lister *devices)
{
    fq_guest *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->vm = vm;
    g->device_at = devices;
    g->cmd = cmd;
    g->cfg = cfg;
    g->pending_fd = -1;
    fq_state_in_init(&g->incoming);
    g->saved.balloon = (cfg->memory_mib ? cfg->memory_mib : 128) << 20;
    for (size_t i = 0; i < cmd->nblockdevs; i++) {
        const fq_cmdline_blockdev *b = &cmd->blockdevs[i];
        if (b->node_name)
            add_node(g, b->node_name, b->driver, b->file, b->filename, b->read_only);
    }
    for (size_t i = 0; i < cmd->nnetdevs; i++)
        add_netdev(g, cmd->netdevs[i].id, cmd->netdevs[i].type);
    if (!cmd->probe && cfg->machine && strcmp(cfg->machine, "pc") == 0)
        g->vcpus = fq_vcpu_threads_start(cfg->vcpus ? cfg->vcpus : 1);
    return g;
}

static void free_node(block_node *n)
{
    free(n->node_name);
    free(n->driver);
    free(n->file);
    free(n->filename);
}

void fq_guest_free(fq_guest *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nnodes; i++)
        free_node(&g->nodes[i]);
    for (size_t i = 0; i < g->nnetdevs; i++) {
        free(g->netdevs[i].id);
        free(g->netdevs[i].type);
    }
    for (size_t i = 0; i < g->nfds; i++)
        close(g->fds[i].fd);
    if (g->pending_fd >= 0)
        close(g->pending_fd);
    fq_state_in_fini(&g->incoming);
    fq_vcpu_threads_stop(g->vcpus);
    free(g->nodes);
    free(g->netdevs);
    free(g);
}

static block_node *find_node(const fq_guest *g, const char *name)
{
    for (size_t i = 0; name && i < g->nnodes; i++)
        if (strcmp(g->nodes[i].node_name, name) == 0)
            return &g->nodes[i];
    return NULL;
}

int fq_guest_has_node(const fq_guest *g, const char *node_name)
{
    return find_node(g, node_name) != NULL;
}

pid_t fq_guest_vcpu_tid(const fq_guest *g, unsigned i)
{
    return fq_vcpu_threads_tid(g->vcpus, i);
}

int fq_guest_migration_events(const fq_guest *g)
{
    return g->caps[5];      /* "events" */
}

void fq_guest_take_fd(fq_guest *g, int fd)
{
    if (g->pending_fd >= 0)
        close(g->pending_fd);   /* QEMU keeps the last descriptor received */
    g->pending_fd = fd;
}

/* ---- block -------------------------------------------------------------------------------- */

/* The file under a node: its own filename, or its file child's. */
static const char *node_filename(const fq_guest *g, const block_node *n)
{
    for (int depth = 0; n && depth < 8; depth++) {
        if (n->filename)
            return n->filename;
        n = find_node(g, n->file);
    }
    return "";
}

/* A qcow2 image's virtual size (the header's big-endian size field), or the file's size. */
static long long virtual_size(const char *path, const char *driver, struct stat *st)
{
    if (stat(path, st) < 0)
        return 0;
    if (driver && strcmp(driver, "qcow2") == 0) {
        unsigned char h[32];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? pread(fd, h, sizeof(h), 0) : -1;
        if (fd >= 0)
            close(fd);
        if (n == (ssize_t)sizeof(h) && memcmp(h, "QFI\xfb", 4) == 0) {
            unsigned long long size = 0;
            for (int i = 24; i < 32; i++)
                size = size << 8 | h[i];
            return (long long)size;
        }
    }
    return (long long)st->st_size;
}

/* One entry of query-named-block-nodes (BlockDeviceInfo). */
static json_t *node_json(const fq_guest *g, const block_node *n)
{
    const char *file = node_filename(g, n);
    struct stat st = { 0 };
    int is_format = n->filename == NULL;
    long long vsize = virtual_size(file, is_format ? n->driver : NULL, &st);
    json_t *image = json_pack("{s:I,s:s,s:s,s:I,s:b}", "virtual-size", (json_int_t)vsize,
                              "filename", file, "format", n->driver ? n->driver : "",
                              "actual-size", (json_int_t)st.st_blocks * 512, "dirty-flag", 0);
    return json_pack("{s:s,s:s,s:s,s:b,s:o,s:i,s:b,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,"
                     "s:{s:b,s:b,s:b}}",
                     "node-name", n->node_name, "drv", n->driver ? n->driver : "",
                     "file", file, "ro", n->read_only, "image", image, "backing_file_depth", 0,
                     "encrypted", 0, "detect_zeroes", "off", "bps", 0, "bps_rd", 0, "bps_wr", 0,
                     "iops", 0, "iops_rd", 0, "iops_wr", 0, "write_threshold", 0,
                     "cache", "writeback", 1, "direct", 0, "no-flush", 0);
}

/* BlockDeviceStats of a node nothing has read or written (the fake guest does no I/O). */
static json_t *zero_stats(void)
{
    static const char *const counters[] = {
        "rd_bytes", "wr_bytes", "unmap_bytes", "rd_operations", "wr_operations",
        "flush_operations", "unmap_operations", "rd_total_time_ns", "wr_total_time_ns",
        "flush_total_time_ns", "unmap_total_time_ns", "wr_highest_offset", "rd_merged",
        "wr_merged", "unmap_merged", "failed_rd_operations", "failed_wr_operations",
        "failed_flush_operations", "failed_unmap_operations", "invalid_rd_operations",
        "invalid_wr_operations", "invalid_flush_operations", "invalid_unmap_operations",
    };
    json_t *s = json_pack("{s:b,s:b,s:[]}", "account_invalid", 0, "account_failed", 0,
                          "timed_stats");
    for (size_t i = 0; s && i < sizeof(counters) / sizeof(counters[0]); i++)
        json_object_set_new(s, counters[i], json_integer(0));
    return s;
}

/* A node's BlockStats, with its file child's as "parent" (query-nodes and per device alike). */
static json_t *node_stats(const fq_guest *g, const block_node *n, int depth)
{
    json_t *st = json_pack("{s:s,s:o}", "node-name", n->node_name, "stats", zero_stats());
    const block_node *child = find_node(g, n->file);
    if (st && child && depth < 8)
        json_object_set_new(st, "parent", node_stats(g, child, depth + 1));
    if (st && n->filename)
        json_object_set_new(st, "driver-specific",
                            json_pack("{s:s,s:i,s:i,s:i}", "driver", "file", "discard-nb-ok", 0,
                                      "discard-nb-failed", 0, "discard-bytes-ok", 0));
    return st;
}

static void qdev_path(const fq_vm_device *d, char *buf, size_t len)
{
    int virtio = strncmp(d->driver, "virtio-", 7) == 0;
    snprintf(buf, len, "%s%s", d->path, virtio ? "/virtio-backend" : "");
}

/* query-block (which=0) and query-blockstats (which=1): the devices with a drive. */
static json_t *devices_block(const fq_guest *g, int which)
{
    json_t *list = json_array();
    fq_vm_device d;
    for (size_t i = 0; g->device_at(g->vm, i, &d) == 0; i++) {
        const block_node *n = find_node(g, d.drive);
        if (!n)
            continue;
        char qdev[320];
        qdev_path(&d, qdev, sizeof(qdev));
        json_t *e = which ? node_stats(g, n, 0)
                          : json_pack("{s:s,s:s,s:b,s:b,s:s,s:s,s:o}", "device", "", "qdev", qdev,
                                      "locked", 0, "removable", 0, "io-status", "ok", "type",
                                      "unknown", "inserted", node_json(g, n));
        if (e && which) {
            json_object_set_new(e, "device", json_string(""));
            json_object_set_new(e, "qdev", json_string(qdev));
        }
        if (e)
            json_array_append_new(list, e);
    }
    return list;
}

static json_t *all_nodes(const fq_guest *g, int stats)
{
    json_t *list = json_array();
    for (size_t i = 0; i < g->nnodes; i++)
        json_array_append_new(list, stats ? node_stats(g, &g->nodes[i], 0)
                                          : node_json(g, &g->nodes[i]));
    return list;
}

static int blockdev_add(fq_guest *g, const json_t *args, const char **cls, char *desc,
                        size_t len)
{
    const char *name = json_string_value(json_object_get(args, "node-name"));
    if (!name)
        return fail(cls, desc, len, GENERIC, "fake-qemu: blockdev-add without node-name is not "
                    "modelled%s", NULL);
    if (find_node(g, name))
        return fail(cls, desc, len, GENERIC, "Duplicate nodes with node-name='%s'", name);
    const json_t *file = json_object_get(args, "file");
    if (json_is_string(file) && !find_node(g, json_string_value(file)))
        return fail(cls, desc, len, GENERIC, "Cannot find device='' nor node-name='%s'",
                    json_string_value(file));
    const char *filename = json_string_value(json_object_get(args, "filename"));
    if (filename && access(filename, F_OK) != 0) {
        *cls = GENERIC;
        snprintf(desc, len, "Could not open '%s': %s", filename, strerror(errno));
        return FQ_VM_ERROR;
    }
    if (add_node(g, name, json_string_value(json_object_get(args, "driver")),
                 json_string_value(file), filename,
                 json_is_true(json_object_get(args, "read-only"))) < 0)
        return fail(cls, desc, len, GENERIC, "fake-qemu: out of memory%s", NULL);
    return FQ_VM_OK;
}

static int blockdev_del(fq_guest *g, const json_t *args, const char **cls,
                        char *desc, size_t len)
{
    const char *name = json_string_value(json_object_get(args, "node-name"));
    block_node *n = find_node(g, name);
    if (!n)
        return fail(cls, desc, len, GENERIC, "Failed to find node with node-name='%s'", name);
    fq_vm_device d;
    for (size_t i = 0; g->device_at(g->vm, i, &d) == 0; i++)
        if (d.drive && strcmp(d.drive, name) == 0)
            return fail(cls, desc, len, GENERIC, "Node %s is in use", name);
    for (size_t i = 0; i < g->nnodes; i++)
        if (g->nodes[i].file && strcmp(g->nodes[i].file, name) == 0)
            return fail(cls, desc, len, GENERIC, "Node %s is in use", name);
    free_node(n);
    size_t at = (size_t)(n - g->nodes);
    memmove(n, n + 1, (g->nnodes - at - 1) * sizeof(*n));
    g->nnodes--;
    return FQ_VM_OK;
}

/* ---- netdevs, chardevs, vCPUs, QOM -------------------------------------------------------- */

static int netdev_cmd(fq_guest *g, int add, const json_t *args, const char **cls, char *desc,
                      size_t len)
{
    const char *id = json_string_value(json_object_get(args, "id"));
    size_t i = 0;
    while (id && i < g->nnetdevs && strcmp(g->netdevs[i].id, id) != 0)
        i++;
    if (add && i < g->nnetdevs)
        return fail(cls, desc, len, GENERIC, "Duplicate ID '%s' for netdev", id);
    if (add)
        return add_netdev(g, id, json_string_value(json_object_get(args, "type"))) < 0
                   ? fail(cls, desc, len, GENERIC, "fake-qemu: out of memory%s", NULL)
                   : FQ_VM_OK;
    if (i == g->nnetdevs)
        return fail(cls, desc, len, "DeviceNotFound", "Device '%s' not found", id);
    free(g->netdevs[i].id);
    free(g->netdevs[i].type);
    memmove(&g->netdevs[i], &g->netdevs[i + 1], (g->nnetdevs - i - 1) * sizeof(netdev));
    g->nnetdevs--;
    return FQ_VM_OK;
}

/* query-chardev: a socket chardev shows its path as QEMU prints it ("unix:PATH,server=on"),
 * also when libvirt passed the listening socket as a descriptor. */
static json_t *chardevs_json(const fq_guest *g)
{
    json_t *list = json_array();
    for (size_t i = 0; i < g->cmd->nchardevs; i++) {
        const fq_cmdline_chardev *c = &g->cmd->chardevs[i];
        char name[300] = "", path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1] = "";
        if (c->path) {
            snprintf(path, sizeof(path), "%s", c->path);
        } else if (c->fd >= 0) {
            struct sockaddr_un sa;
            socklen_t sl = sizeof(sa);
            if (getsockname(c->fd, (struct sockaddr *)&sa, &sl) == 0 && sa.sun_family == AF_UNIX)
                snprintf(path, sizeof(path), "%s", sa.sun_path);
        }
        const char *backend = c->backend ? c->backend : "";
        if (strcmp(backend, "socket") == 0)
            snprintf(name, sizeof(name), "unix:%s,server=on", path);
        else
            snprintf(name, sizeof(name), "%s:%s", backend, path);
        json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "label", c->id ? c->id : "",
                                              "filename", name, "frontend-open", 1));
    }
    return list;
}

static unsigned cpu_count(const fq_vm_config *cfg)
{
    return cfg->vcpus ? cfg->vcpus : 1;
}

/* QOM path of vCPU i as QEMU 7.2 numbers it on pc (see cpus_fast_json in vm_model.c). */
static void cpu_path(unsigned i, char *buf, size_t len)
{
    snprintf(buf, len, "/machine/unattached/device[%u]", i ? i + 1 : 0);
}

static json_t *hotpluggable_cpus(const fq_vm_config *cfg)
{
    json_t *list = json_array();
    unsigned threads = cfg->threads ? cfg->threads : 1, cores = cfg->cores ? cfg->cores : 1;
    for (unsigned k = cpu_count(cfg); k-- > 0;) {   /* QEMU lists the last one first */
        char path[64];
        cpu_path(k, path, sizeof(path));
        json_array_append_new(list, json_pack("{s:{s:i,s:i,s:i},s:i,s:s,s:s}", "props",
                "core-id", (int)(k / threads % cores), "thread-id", (int)(k % threads),
                "socket-id", (int)(k / (threads * cores)), "vcpus-count", 1, "qom-path", path,
                "type", "qemu64-x86_64-cpu"));
    }
    return list;
}

static int is_cpu_path(const fq_vm_config *cfg, const char *path)
{
    for (unsigned i = 0; path && i < cpu_count(cfg); i++) {
        char p[64];
        cpu_path(i, p, sizeof(p));
        if (strcmp(p, path) == 0)
            return 1;
    }
    return 0;
}

/* The device at /machine/peripheral/ID, or -1. */
static int peripheral(const fq_guest *g, const char *path, fq_vm_device *out)
{
    for (size_t i = 0; path && g->device_at(g->vm, i, out) == 0; i++)
        if (strcmp(out->path, path) == 0)
            return 0;
    return -1;
}

static json_t *prop(const char *name, const char *type)
{
    return json_pack("{s:s,s:s}", "name", name, "type", type);
}

static int qom_list(fq_guest *g, const char *path, json_t **ret, const char **cls,
                    char *desc, size_t len)
{
    fq_vm_device d;
    if (is_cpu_path(g->cfg, path)) {
        *ret = json_array();
        for (unsigned i = 0; i < fq_cpu_qemu64_nprops; i++)
            json_array_append_new(*ret, prop(fq_cpu_qemu64_props[i].name,
                                             fq_cpu_qemu64_props[i].type));
    } else if (path && strcmp(path, "/machine/peripheral") == 0) {
        *ret = json_array();
        json_array_append_new(*ret, prop("type", "string"));
        for (size_t i = 0; g->device_at(g->vm, i, &d) == 0; i++) {
            char type[300];
            snprintf(type, sizeof(type), "child<%s>", d.driver);
            json_array_append_new(*ret, prop(strrchr(d.path, '/') + 1, type));
        }
    } else if (peripheral(g, path, &d) == 0) {
        /* the common device properties; a balloon's statistics besides */
        *ret = json_pack("[o,o,o,o,o]", prop("type", "string"), prop("parent_bus", "link<bus>"),
                         prop("realized", "bool"), prop("hotplugged", "bool"),
                         prop("hotpluggable", "bool"));
        if (strcmp(d.driver, "virtio-balloon-pci") == 0) {
            json_array_append_new(*ret, prop("guest-stats-polling-interval", "int"));
            json_array_append_new(*ret, prop("guest-stats", "guest statistics"));
        }
    } else {
        return fail(cls, desc, len, "DeviceNotFound", "Device '%s' not found", path);
    }
    return FQ_VM_OK;
}

static int qom_get(fq_guest *g, const json_t *args, json_t **ret, const char **cls,
                   char *desc, size_t len)
{
    const char *path = json_string_value(json_object_get(args, "path"));
    const char *name = json_string_value(json_object_get(args, "property"));
    fq_vm_device d;
    if (is_cpu_path(g->cfg, path)) {
        if (strcmp(name, "unavailable-features") == 0) {
            *ret = json_array();
            return FQ_VM_OK;
        }
        for (unsigned i = 0; i < fq_cpu_qemu64_nprops; i++)
            if (strcmp(fq_cpu_qemu64_props[i].name, name) == 0 &&
                fq_cpu_qemu64_props[i].value >= 0) {
                *ret = json_boolean(fq_cpu_qemu64_props[i].value);
                return FQ_VM_OK;
            }
    } else if (peripheral(g, path, &d) == 0) {
        int balloon = strcmp(d.driver, "virtio-balloon-pci") == 0;
        if (strcmp(name, "realized") == 0 || strcmp(name, "hotpluggable") == 0) {
            *ret = json_true();
            return FQ_VM_OK;
        }
        if (balloon && strcmp(name, "guest-stats-polling-interval") == 0) {
            *ret = json_integer(0);
            return FQ_VM_OK;
        }
        /* no balloon driver in the fake guest: no statistics (QEMU sends each as 2^64-1,
         * which libvirt skips the same way) */
        if (balloon && strcmp(name, "guest-stats") == 0) {
            *ret = json_pack("{s:{},s:i}", "stats", "last-update", 0);
            return FQ_VM_OK;
        }
    } else {
        return fail(cls, desc, len, "DeviceNotFound", "Device '%s' not found", path);
    }
    *cls = GENERIC;
    snprintf(desc, len, "fake-qemu: property '%s' of '%s' is not modelled", name, path);
    return FQ_VM_ERROR;
}

/* ---- migration capabilities, balloon, descriptors ----------------------------------------- */

static json_t *caps_json(const fq_guest *g)
{
    json_t *list = json_array();
    for (size_t i = 0; i < NCAPS; i++)
        json_array_append_new(list, json_pack("{s:s,s:b}", "capability", mig_caps[i], "state",
                                              g->caps[i]));
    return list;
}

static void set_caps(fq_guest *g, const json_t *list)
{
    size_t i;
    const json_t *c;
    json_array_foreach(list, i, c) {
        const char *name = json_string_value(json_object_get(c, "capability"));
        for (size_t k = 0; name && k < NCAPS; k++)
            if (strcmp(mig_caps[k], name) == 0)
                g->caps[k] = json_is_true(json_object_get(c, "state"));
    }
}

static named_fd *find_fd(fq_guest *g, const char *name)
{
    for (size_t i = 0; name && i < g->nfds; i++)
        if (strcmp(g->fds[i].name, name) == 0)
            return &g->fds[i];
    return NULL;
}

static int getfd(fq_guest *g, const char *name, const char **cls, char *desc, size_t len)
{
    if (g->pending_fd < 0)
        return fail(cls, desc, len, GENERIC, "No file descriptor supplied via SCM_RIGHTS%s",
                    NULL);
    named_fd *f = find_fd(g, name);
    if (!f && g->nfds == MAX_NAMED_FDS)
        return fail(cls, desc, len, GENERIC, "fake-qemu: too many named descriptors%s", NULL);
    if (f) {
        close(f->fd);               /* QEMU replaces a descriptor of the same name */
    } else {
        f = &g->fds[g->nfds++];
        snprintf(f->name, sizeof(f->name), "%s", name);
    }
    f->fd = g->pending_fd;
    g->pending_fd = -1;
    return FQ_VM_OK;
}

static int closefd(fq_guest *g, const char *name, const char **cls, char *desc, size_t len)
{
    named_fd *f = find_fd(g, name);
    if (!f)
        return fail(cls, desc, len, GENERIC, "File descriptor named '%s' not found", name);
    close(f->fd);
    *f = g->fds[--g->nfds];
    return FQ_VM_OK;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

int fq_guest_execute(fq_guest *g, const char *command, const json_t *args,
                     json_t **ret, const char **err_class, char *desc, size_t desclen)
{
    int rc = FQ_VM_OK;
    if (strcmp(command, "query-migrate-capabilities") == 0) {
        *ret = caps_json(g);
    } else if (strcmp(command, "migrate-set-capabilities") == 0) {
        set_caps(g, json_object_get(args, "capabilities"));
    } else if (strcmp(command, "migrate-set-parameters") == 0) {
        /* accepted; the fake's migration runs at its own pace */
    } else if (strcmp(command, "query-chardev") == 0) {
        *ret = chardevs_json(g);
    } else if (strcmp(command, "query-hotpluggable-cpus") == 0) {
        *ret = hotpluggable_cpus(g->cfg);
    } else if (strcmp(command, "qom-list") == 0) {
        rc = qom_list(g, json_string_value(json_object_get(args, "path")), ret, err_class,
                      desc, desclen);
    } else if (strcmp(command, "qom-get") == 0) {
        rc = qom_get(g, args, ret, err_class, desc, desclen);
    } else if (strcmp(command, "query-iothreads") == 0 || strcmp(command, "query-stats") == 0 ||
               strcmp(command, "query-stats-schemas") == 0) {
        *ret = json_array();        /* no iothreads; TCG has no statistics providers */
    } else if (strcmp(command, "query-dirty-rate") == 0) {
        *ret = json_pack("{s:s,s:i,s:s,s:i,s:i}", "status", "unstarted", "sample-pages", 0,
                         "mode", "page-sampling", "start-time", 0, "calc-time", 0);
    } else if (strcmp(command, "balloon") == 0) {
        g->saved.balloon = (unsigned long long)json_integer_value(json_object_get(args, "value"));
    } else if (strcmp(command, "query-balloon") == 0) {
        *ret = json_pack("{s:I}", "actual", (json_int_t)g->saved.balloon);
    } else if (strcmp(command, "query-named-block-nodes") == 0) {
        *ret = all_nodes(g, 0);
    } else if (strcmp(command, "query-block") == 0) {
        *ret = devices_block(g, 0);
    } else if (strcmp(command, "query-blockstats") == 0) {
        *ret = json_is_true(json_object_get(args, "query-nodes")) ? all_nodes(g, 1)
                                                                   : devices_block(g, 1);
    } else if (strcmp(command, "blockdev-add") == 0) {
        rc = blockdev_add(g, args, err_class, desc, desclen);
    } else if (strcmp(command, "blockdev-del") == 0) {
        rc = blockdev_del(g, args, err_class, desc, desclen);
    } else if (strcmp(command, "netdev_add") == 0 || strcmp(command, "netdev_del") == 0) {
        rc = netdev_cmd(g, command[7] == 'a', args, err_class, desc, desclen);
    } else if (strcmp(command, "getfd") == 0 || strcmp(command, "closefd") == 0) {
        const char *name = json_string_value(json_object_get(args, "fdname"));
        rc = command[0] == 'g' ? getfd(g, name, err_class, desc, desclen)
                               : closefd(g, name, err_class, desc, desclen);
    } else {
        return FQ_VM_UNKNOWN;
    }
    if (rc == FQ_VM_OK && !*ret)
        *ret = json_object();
    return rc;
}

/* ---- saved state (vm_state.c) ------------------------------------------------------------- */

/* fq_state_devices over the VM model */
static const char *device_id(void *guest, size_t i)
{
    const fq_guest *g = guest;
    fq_vm_device d;
    return g->device_at(g->vm, i, &d) == 0 ? strrchr(d.path, '/') + 1 : NULL;
}

int fq_guest_save(fq_guest *g, const char *fdname, char *err, size_t errlen)
{
    named_fd *f = find_fd(g, fdname);
    if (!f) {
        snprintf(err, errlen, "File descriptor named '%s' not found", fdname);
        return -1;
    }
    int fd = f->fd;
    *f = g->fds[--g->nfds];         /* the migration owns the descriptor now */
    return fq_state_save(fd, g->cfg->name, g->cfg->uuid, device_id, g, &g->saved, err,
                         errlen);
}

static void incoming_loaded(void *opaque, const char *error, const fq_saved *st)
{
    fq_guest *g = opaque;
    if (!error)
        g->saved = *st;
    g->in_done(g->vm, error);
}

int fq_guest_incoming(fq_guest *g, vw_evloop *loop, const char *uri,
                      fq_guest_incoming_done *done, char *err, size_t errlen)
{
    if (fq_state_in_start(&g->incoming, loop, uri, device_id, g, incoming_loaded, g, err,
                          errlen) < 0)
        return -1;
    g->in_done = done;
    return 0;
}
