/* domain_xml.c: libvirt domain XML <-> domain_def (see domain_xml.h). */
#include "domain_xml.h"
#include "domain_metadata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cputune.h"
#include "device_defaults.h"
#include "virerror.h"
#include "vw_util.h"

static void set_err(vw_virerror *err, int code, int domain, const char *prefix, const char *detail)
{
    vw_virerror_report(err, code, domain, prefix, "%s", detail);
}

void domain_def_free(domain_def *def)
{
    if (!def)
        return;
    free(def->virt_type);
    free(def->name);
    free(def->title);
    free(def->description);
    xml_tree_free(def->metadata);
    free(def->os_type);
    free(def->arch);
    free(def->machine);
    xml_tree_free(def->os_extra);
    for (int i = 0; i < def->nboot; i++)
        free(def->boot[i]);
    xml_tree_free(def->features);
    xml_tree_free(def->cpu);
    free(def->clock_offset);
    free(def->on_poweroff);
    free(def->on_reboot);
    free(def->on_crash);
    xml_tree_free(def->devices);
    fl_cputune_free(def->cputune);
    free(def->iothreads);
    xml_tree_free(def->blkiotune);
    xml_tree_free(def->numatune);
    xml_tree_free(def->perf);
    free(def);
}

/* Parses "N" with a libvirt unit into KiB, rounding up. Returns 0 or -1. */
static int parse_scaled_kib(const char *text, const char *unit, unsigned long long *out)
{
    if (!text || !*text)
        return -1;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || text[0] == '-')
        return -1;
    unsigned long long scale = 1024;
    if (unit && *unit) {
        if (strcasecmp(unit, "b") == 0 || strcasecmp(unit, "bytes") == 0) {
            scale = 1;
        } else {
            static const char letters[] = "kmgtpe";
            const char *p = strchr(letters, (unit[0] >= 'A' && unit[0] <= 'Z') ? unit[0] + 32 : unit[0]);
            if (!p || unit[0] == '\0')
                return -1;
            int power = (int)(p - letters) + 1;
            unsigned long long base;
            if (unit[1] == '\0' || strcmp(unit + 1, "iB") == 0)
                base = 1024;
            else if (strcmp(unit + 1, "B") == 0)
                base = 1000;
            else
                return -1;
            scale = 1;
            for (int i = 0; i < power; i++)
                scale *= base;
        }
    }
    if (v != 0 && scale > ~0ULL / v)
        return -1;
    unsigned long long bytes = v * scale;
    *out = bytes / 1024 + (bytes % 1024 ? 1 : 0);
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool valid_virt_type(const char *t)
{
    static const char *types[] = {"none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml",
                                  "openvz", "test", "vmware", "hyperv", "vbox", "phyp",
                                  "parallels", "bhyve", "vz", "ch", NULL};
    for (int i = 0; types[i]; i++) {
        if (strcmp(types[i], t) == 0)
            return true;
    }
    return false;
}

/* Position of a device element in libvirt's output order. */
static int device_rank(const char *name)
{
    static const char *order[] = {"emulator", "disk", "controller", "lease", "filesystem",
                                  "interface", "smartcard", "serial", "parallel", "console",
                                  "channel", "input", "tpm", "graphics", "sound", "audio",
                                  "video", "hostdev", "redirdev", "redirfilter", "hub",
                                  "watchdog", "memballoon", "rng", "panic", "shmem",
                                  "memory", "iommu", "vsock", "crypto", NULL};
    for (int i = 0; order[i]; i++) {
        if (strcmp(order[i], name) == 0)
            return i;
    }
    return 100;
}

typedef struct {
    xml_node *node;
    int rank;
    size_t index;
} ranked_child;

static int compare_ranked(const void *a, const void *b)
{
    const ranked_child *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index ? 1 : 0;
}

/* Sorts the children of node by rank(name), keeping the given order among equals
 * (O(n log n): a huge <devices> must not stall the server). On allocation failure the order
 * is left as given. */
static void sort_children(xml_node *node, int (*rank)(const char *, const char *),
                          const char *parent)
{
    size_t n = 0;
    for (xml_node *c = node->children; c; c = c->next)
        n++;
    if (n < 2)
        return;
    ranked_child *v = calloc(n, sizeof(*v));
    if (!v)
        return;
    size_t i = 0;
    for (xml_node *c = node->children; c; c = c->next, i++) {
        v[i].node = c;
        v[i].rank = rank(parent, c->name);
        v[i].index = i;
    }
    qsort(v, n, sizeof(*v), compare_ranked);
    for (i = 0; i + 1 < n; i++)
        v[i].node->next = v[i + 1].node;
    v[n - 1].node->next = NULL;
    node->children = v[0].node;
    free(v);
}

static int rank_device(const char *parent, const char *name)
{
    (void)parent;
    return device_rank(name);
}

/* Child element order inside the common devices (libvirt's formatter order). */
static int rank_in_device(const char *parent, const char *name)
{
    static const char *disk[] = {"driver", "source", "backingStore", "target", "iotune",
                                 "readonly", "shareable", "transient", "serial", "wwn",
                                 "vendor", "product", "encryption", "boot", "alias",
                                 "address", NULL};
    static const char *iface[] = {"mac", "source", "vlan", "virtualport", "ip", "route",
                                  "script", "backenddomain", "target", "guest", "model",
                                  "driver", "backend", "filterref", "tune", "teaming",
                                  "link", "mtu", "coalesce", "boot", "rom", "alias",
                                  "address", NULL};
    const char **order = strcmp(parent, "disk") == 0 ? disk : iface;
    for (int i = 0; order[i]; i++) {
        if (strcmp(order[i], name) == 0)
            return i;
    }
    return 100;
}

/* Moves the named attributes to the front in the given order. */
static void order_attrs(xml_node *node, const char *const *names)
{
    xml_attr *front = NULL, **ftail = &front;
    for (int i = 0; names[i]; i++) {
        xml_attr **pp = &node->attrs;
        while (*pp) {
            if (strcmp((*pp)->name, names[i]) == 0) {
                xml_attr *a = *pp;
                *pp = a->next;
                a->next = NULL;
                *ftail = a;
                ftail = &a->next;
                break;
            }
            pp = &(*pp)->next;
        }
    }
    *ftail = node->attrs;
    node->attrs = front;
}

/* libvirt inserts each parsed disk after the last disk of the same target bus (as written, so
 * "no bus" is a bus too) whose drive index is not greater (virDomainDiskInsertPreAlloced).
 * Reorders the <disk> children the same way; on allocation failure keeps the given order. */
static void order_disks(xml_node *devices)
{
    size_t n = 0;
    for (xml_node *c = devices->children; c; c = c->next)
        n += strcmp(c->name, "disk") == 0;
    if (n < 2)
        return;
    xml_node **placed = calloc(n, sizeof(*placed));
    if (!placed)
        return;
    size_t count = 0;
    for (xml_node *c = devices->children; c; c = c->next) {
        if (strcmp(c->name, "disk") != 0)
            continue;
        xml_node *t = xml_tree_child(c, "target");
        const char *bus = t && xml_tree_attr(t, "bus") ? xml_tree_attr(t, "bus") : "";
        int idx = t && xml_tree_attr(t, "dev") ? device_disk_name_index(xml_tree_attr(t, "dev")) : -1;
        long at = -1;
        for (long i = (long)count - 1; i >= 0; i--) {
            xml_node *pt = xml_tree_child(placed[i], "target");
            const char *pbus = pt && xml_tree_attr(pt, "bus") ? xml_tree_attr(pt, "bus") : "";
            if (strcmp(pbus, bus) != 0)
                continue;
            int pidx = pt && xml_tree_attr(pt, "dev") ?
                       device_disk_name_index(xml_tree_attr(pt, "dev")) : -1;
            if (pidx > idx)
                at = i;
            else if (at == -1)
                at = i + 1;
        }
        if (at < 0)
            at = (long)count;
        memmove(&placed[at + 1], &placed[at], (count - (size_t)at) * sizeof(*placed));
        placed[at] = c;
        count++;
    }
    /* disks first in their new order, then the other devices as they were */
    xml_node *others = NULL, **otail = &others;
    for (xml_node *c = devices->children, *next; c; c = next) {
        next = c->next;
        c->next = NULL;
        if (strcmp(c->name, "disk") != 0) {
            *otail = c;
            otail = &c->next;
        }
    }
    for (size_t i = 0; i + 1 < count; i++)
        placed[i]->next = placed[i + 1];
    placed[count - 1]->next = others;
    devices->children = placed[0];
    free(placed);
}

static void canonicalize_devices(xml_node *devices)
{
    static const char *const disk_attrs[] = {"type", "device", NULL};
    static const char *const target_attrs[] = {"dev", "bus", NULL};
    static const char *const addr_attrs[] = {"type", "domain", "bus", "slot", "function", NULL};
    static const char *const drive_attrs[] = {"type", "controller", "bus", "target", "unit",
                                              NULL};
    sort_children(devices, rank_device, "devices");
    for (xml_node *d = devices->children; d; d = d->next) {
        if (strcmp(d->name, "disk") == 0 || strcmp(d->name, "interface") == 0) {
            if (strcmp(d->name, "disk") == 0)
                order_attrs(d, disk_attrs);
            sort_children(d, rank_in_device, d->name);
            for (xml_node *c = d->children; c; c = c->next) {
                if (strcmp(c->name, "target") == 0)
                    order_attrs(c, target_attrs);
                else if (strcmp(c->name, "address") == 0) {
                    const char *t = xml_tree_attr(c, "type");
                    order_attrs(c, t && strcmp(t, "drive") == 0 ? drive_attrs : addr_attrs);
                }
            }
        }
    }
}

bool domain_def_has_iothread(const domain_def *def, unsigned id)
{
    for (unsigned i = 0; i < def->niothreads; i++)
        if (def->iothreads[i] == id)
            return true;
    return false;
}

int domain_def_add_iothread(domain_def *def, unsigned id)
{
    unsigned *v = realloc(def->iothreads, (def->niothreads + 1) * sizeof(*v));
    if (!v)
        return -1;
    def->iothreads = v;
    v[def->niothreads++] = id;
    return 0;
}

bool domain_def_del_iothread(domain_def *def, unsigned id)
{
    for (unsigned i = 0; i < def->niothreads; i++) {
        if (def->iothreads[i] == id) {
            memmove(&def->iothreads[i], &def->iothreads[i + 1],
                    (def->niothreads - i - 1) * sizeof(def->iothreads[0]));
            def->niothreads--;
            return true;
        }
    }
    return false;
}

/* <iothreadids>' ids (malformed, zero and repeated ones left out), then as many more as
 * <iothreads> counts, the lowest free ids first (as libvirt numbers them). 0 or -1 (memory). */
static int parse_iothreads(const xml_node *root, domain_def *def)
{
    const xml_node *ids = xml_tree_child(root, "iothreadids");
    for (const xml_node *c = ids ? ids->children : NULL; c; c = c->next) {
        const char *v = xml_tree_attr(c, "id");
        char *end;
        unsigned long id = v ? strtoul(v, &end, 10) : 0;
        if (strcmp(c->name, "iothread") != 0 || !v || *end || id == 0 || id > 0xffffffffUL ||
            domain_def_has_iothread(def, (unsigned)id))
            continue;
        if (domain_def_add_iothread(def, (unsigned)id) < 0)
            return -1;
    }
    const xml_node *n = xml_tree_child(root, "iothreads");
    unsigned long count = n && n->text ? strtoul(n->text, NULL, 10) : 0;
    for (unsigned id = 1; def->niothreads < count && count <= 65536; id++)
        if (!domain_def_has_iothread(def, id) && domain_def_add_iothread(def, id) < 0)
            return -1;
    return 0;
}

static void format_iothreads(xml_buf *b, const domain_def *def)
{
    if (!def->niothreads)
        return;
    xml_buf_appendf(b, "  <iothreads>%u</iothreads>\n  <iothreadids>\n", def->niothreads);
    for (unsigned i = 0; i < def->niothreads; i++)
        xml_buf_appendf(b, "    <iothread id='%u'/>\n", def->iothreads[i]);
    xml_buf_append(b, "  </iothreadids>\n");
}

static const char *const memtune_names[3] = {"hard_limit", "soft_limit", "swap_hard_limit"};

/* <memtune>'s limits (those that do not parse stay unset). */
static void parse_memtune(const xml_node *memtune, unsigned long long limits[3])
{
    for (int i = 0; i < 3; i++) {
        const xml_node *n = xml_tree_child(memtune, memtune_names[i]);
        if (!n || !n->text || parse_scaled_kib(n->text, xml_tree_attr(n, "unit"), &limits[i]) < 0 ||
            limits[i] > DOMAIN_MEMTUNE_UNLIMITED)
            limits[i] = DOMAIN_MEMTUNE_UNLIMITED;
    }
}

static void format_memtune(xml_buf *b, const unsigned long long limits[3])
{
    if (limits[0] >= DOMAIN_MEMTUNE_UNLIMITED && limits[1] >= DOMAIN_MEMTUNE_UNLIMITED &&
        limits[2] >= DOMAIN_MEMTUNE_UNLIMITED)
        return;
    xml_buf_append(b, "  <memtune>\n");
    for (int i = 0; i < 3; i++)
        if (limits[i] < DOMAIN_MEMTUNE_UNLIMITED)
            xml_buf_appendf(b, "    <%s unit='KiB'>%llu</%s>\n", memtune_names[i], limits[i],
                            memtune_names[i]);
    xml_buf_append(b, "  </memtune>\n");
}

domain_def *domain_def_parse(const char *xml, vw_virerror *err)
{
    vw_error xerr;
    char perr[256];
    xml_node *root = xml_tree_parse(xml, strlen(xml), &xerr);
    if (!root) {
        char detail[400];
        snprintf(detail, sizeof(detail), "(domain_definition): %s",
                 xml_tree_error_text(&xerr, perr, sizeof(perr)));
        set_err(err, VW_ERR_XML_DETAIL, VW_FROM_DOMAIN, NULL, detail);
        return NULL;
    }
    domain_def *def = calloc(1, sizeof(*def));
    if (!def) {
        set_err(err, VW_ERR_INTERNAL_ERROR, VW_FROM_DOMAIN, "internal error", "out of memory");
        xml_tree_free(root);
        return NULL;
    }
    char detail[300];
    if (strcmp(root->name, "domain") != 0) {
        snprintf(detail, sizeof(detail), "expecting root element of 'domain', not '%s'",
                 root->name);
        set_err(err, VW_ERR_XML_ERROR, 5 /* VIR_FROM_XML */, "XML error", detail);
        goto fail;
    }
    const char *type = xml_tree_attr(root, "type");
    if (!type) {
        set_err(err, VW_ERR_INTERNAL_ERROR, VW_FROM_DOMAIN, "internal error",
                "missing domain type attribute");
        goto fail;
    }
    if (!valid_virt_type(type)) {
        snprintf(detail, sizeof(detail), "invalid domain type %s", type);
        set_err(err, VW_ERR_CONFIG_UNSUPPORTED, VW_FROM_DOMAIN, "unsupported configuration",
                detail);
        goto fail;
    }
    def->virt_type = strdup(type);

    xml_node *n = xml_tree_child(root, "name");
    if (!n || !n->text) {
        set_err(err, VW_ERR_NO_NAME, VW_FROM_DOMAIN, NULL, "missing name information");
        goto fail;
    }
    if (strchr(n->text, '/')) {
        snprintf(detail, sizeof(detail), "name %s cannot contain '/'", n->text);
        set_err(err, VW_ERR_XML_ERROR, VW_FROM_DOMAIN, "XML error", detail);
        goto fail;
    }
    def->name = strdup(n->text);

    n = xml_tree_child(root, "uuid");
    if (n) {
        if (!n->text || vw_uuid_parse(n->text, def->uuid) < 0) {
            set_err(err, VW_ERR_INTERNAL_ERROR, VW_FROM_DOMAIN, "internal error",
                    "malformed uuid element");
            goto fail;
        }
        def->has_uuid = true;
    }
    if ((n = xml_tree_child(root, "title")) && n->text)
        def->title = strdup(n->text);
    if ((n = xml_tree_child(root, "description")) && n->text)
        def->description = strdup(n->text);
    if ((n = xml_tree_child(root, "metadata")) && n->children)
        def->metadata = xml_tree_copy(n);

    n = xml_tree_child(root, "memory");
    if (!n) {
        set_err(err, VW_ERR_XML_ERROR, VW_FROM_DOMAIN, "XML error",
                "Memory size must be specified via <memory> or in the <numa> configuration");
        goto fail;
    }
    if (parse_scaled_kib(n->text, xml_tree_attr(n, "unit"), &def->memory_kib) < 0) {
        set_err(err, VW_ERR_XML_ERROR, VW_FROM_DOMAIN, "XML error",
                "could not parse memory element");
        goto fail;
    }
    def->current_kib = def->memory_kib;
    n = xml_tree_child(root, "currentMemory");
    if (n) {
        if (parse_scaled_kib(n->text, xml_tree_attr(n, "unit"), &def->current_kib) < 0) {
            set_err(err, VW_ERR_XML_ERROR, VW_FROM_DOMAIN, "XML error",
                    "could not parse currentMemory element");
            goto fail;
        }
        if (def->current_kib > def->memory_kib || def->current_kib == 0)
            def->current_kib = def->memory_kib;
    }

    def->vcpus = 1;
    n = xml_tree_child(root, "vcpu");
    if (n) {
        char *end;
        unsigned long v = n->text ? strtoul(n->text, &end, 10) : 0;
        if (!n->text || *end != '\0' || v == 0 || v > 4096) {
            set_err(err, VW_ERR_XML_ERROR, VW_FROM_DOMAIN, "XML error",
                    "maximum vcpus count must be an integer");
            goto fail;
        }
        def->vcpus = (unsigned)v;
        const char *cur = xml_tree_attr(n, "current");
        if (cur) {
            unsigned long c = strtoul(cur, &end, 10);
            if (*end != '\0' || c == 0 || c > v) {
                set_err(err, VW_ERR_XML_ERROR, VW_FROM_DOMAIN, "XML error",
                        "current vcpus count must be an integer");
                goto fail;
            }
            if (c != v)
                def->vcpus_current = (unsigned)c;
        }
    }

    if (parse_iothreads(root, def) < 0) {
        set_err(err, VW_ERR_INTERNAL_ERROR, VW_FROM_DOMAIN, "internal error", "out of memory");
        goto fail;
    }
    def->cputune = fl_cputune_parse(xml_tree_child(root, "cputune"), def->vcpus);
    parse_memtune(xml_tree_child(root, "memtune"), def->memtune);
    if ((n = xml_tree_child(root, "blkiotune")))
        def->blkiotune = xml_tree_copy(n);
    if ((n = xml_tree_child(root, "numatune")))
        def->numatune = xml_tree_copy(n);
    if ((n = xml_tree_child(root, "perf")))
        def->perf = xml_tree_copy(n);

    xml_node *os = xml_tree_child(root, "os");
    xml_node *ostype = xml_tree_child(os, "type");
    if (!ostype || !ostype->text) {
        set_err(err, VW_ERR_XML_ERROR, VW_FROM_DOMAIN, "XML error",
                "an os <type> must be specified");
        goto fail;
    }
    def->os_type = strdup(ostype->text);
    def->arch = strdup(xml_tree_attr(ostype, "arch") ? xml_tree_attr(ostype, "arch") : "i686");
    def->machine = dup_or_null(xml_tree_attr(ostype, "machine"));
    bool has_kernel = false;
    xml_node **etail = &def->os_extra;
    for (xml_node *c = os->children; c; c = c->next) {
        if (strcmp(c->name, "type") == 0)
            continue;
        if (strcmp(c->name, "boot") == 0) {
            const char *dev = xml_tree_attr(c, "dev");
            if (dev && def->nboot < 4)
                def->boot[def->nboot++] = strdup(dev);
            continue;
        }
        if (strcmp(c->name, "kernel") == 0)
            has_kernel = true;
        xml_node *copy = xml_tree_copy(c);
        if (copy) {
            *etail = copy;
            etail = &copy->next;
        }
    }
    if (def->nboot == 0 && !has_kernel && strcmp(def->os_type, "hvm") == 0)
        def->boot[def->nboot++] = strdup("hd");

    if ((n = xml_tree_child(root, "features")))
        def->features = xml_tree_copy(n);
    if ((n = xml_tree_child(root, "cpu")))
        def->cpu = xml_tree_copy(n);
    n = xml_tree_child(root, "clock");
    def->clock_offset = strdup(n && xml_tree_attr(n, "offset") ? xml_tree_attr(n, "offset") : "utc");
    n = xml_tree_child(root, "on_poweroff");
    def->on_poweroff = strdup(n && n->text ? n->text : "destroy");
    n = xml_tree_child(root, "on_reboot");
    def->on_reboot = strdup(n && n->text ? n->text : "restart");
    n = xml_tree_child(root, "on_crash");
    def->on_crash = strdup(n && n->text ? n->text : "destroy");

    n = xml_tree_child(root, "devices");
    if (n) {
        def->devices = xml_tree_copy(n);
        if (!def->devices)
            goto oom;
        free(def->devices->text);
        def->devices->text = NULL;
        xml_tree_free(def->devices->next);
        def->devices->next = NULL;
        order_disks(def->devices);
        if (strcmp(def->os_type, "hvm") == 0 && device_defaults_apply(def->devices) < 0)
            goto oom;
        canonicalize_devices(def->devices);
    }
    if (!def->virt_type || !def->name || !def->os_type || !def->arch || !def->clock_offset ||
        !def->on_poweroff || !def->on_reboot || !def->on_crash)
        goto oom;
    for (int i = 0; i < def->nboot; i++) {
        if (!def->boot[i])
            goto oom;
    }
    xml_tree_free(root);
    return def;
oom:
    set_err(err, VW_ERR_INTERNAL_ERROR, VW_FROM_DOMAIN, "internal error", "out of memory");
fail:
    xml_tree_free(root);
    domain_def_free(def);
    return NULL;
}

static xml_node *new_node(const char *name, const char *attr, const char *value)
{
    xml_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->name = strdup(name);
    if (attr) {
        n->attrs = calloc(1, sizeof(*n->attrs));
        if (n->attrs) {
            n->attrs->name = strdup(attr);
            n->attrs->value = strdup(value);
        }
        if (!n->attrs || !n->attrs->name || !n->attrs->value) {
            xml_tree_free(n);
            return NULL;
        }
    }
    if (!n->name) {
        xml_tree_free(n);
        return NULL;
    }
    return n;
}

void domain_def_assign_ifnames(domain_def *def)
{
    int counter = 0;
    if (!def->devices)
        return;
    for (xml_node *d = def->devices->children; d; d = d->next) {
        if (strcmp(d->name, "interface") != 0)
            continue;
        if (xml_tree_child(d, "target")) {
            counter++;
            continue;
        }
        char ifname[32];
        snprintf(ifname, sizeof(ifname), "testnet%d", counter++);
        xml_node *t = new_node("target", "dev", ifname);
        if (!t)
            return;
        /* after mac/source/vlan/virtualport/ip/route/script, before the rest */
        xml_node **pos = &d->children;
        while (*pos && rank_in_device("interface", (*pos)->name) < rank_in_device("interface", "target"))
            pos = &(*pos)->next;
        t->next = *pos;
        *pos = t;
    }
}

const char *domain_def_emulator(const domain_def *def)
{
    xml_node *e = xml_tree_child(def->devices, "emulator");
    return e ? e->text : NULL;
}

/* Writes a device tree, dropping generated interface names when asked. */
static void write_devices(xml_buf *b, const xml_node *devices, bool inactive)
{
    xml_buf_append(b, "  <devices>\n");
    for (const xml_node *d = devices ? devices->children : NULL; d; d = d->next) {
        if (inactive && strcmp(d->name, "interface") == 0) {
            xml_node *copy = xml_tree_copy(d);
            if (!copy) {
                b->failed = 1;
                return;
            }
            xml_node **pp = &copy->children;
            while (*pp) {
                const char *dev = xml_tree_attr(*pp, "dev");
                if (strcmp((*pp)->name, "target") == 0 && dev && strncmp(dev, "testnet", 7) == 0) {
                    xml_node *t = *pp;
                    *pp = t->next;
                    t->next = NULL;
                    xml_tree_free(t);
                    break;
                }
                pp = &(*pp)->next;
            }
            xml_tree_write(b, copy, 2);
            xml_tree_free(copy);
            continue;
        }
        xml_tree_write(b, d, 2);
    }
    xml_buf_append(b, "  </devices>\n");
}

char *domain_def_format(const domain_def *def, int id, bool inactive, bool drop_ifnames)
{
    xml_buf b = {0};
    char uuid[37];
    vw_uuid_format(def->uuid, uuid);
    xml_buf_append(&b, "<domain type='");
    xml_buf_escape(&b, def->virt_type);
    xml_buf_append(&b, "'");
    if (id >= 0 && !inactive)
        xml_buf_appendf(&b, " id='%d'", id);
    xml_buf_append(&b, ">\n  <name>");
    xml_buf_escape(&b, def->name);
    xml_buf_appendf(&b, "</name>\n  <uuid>%s</uuid>\n", uuid);
    if (def->title) {
        xml_buf_append(&b, "  <title>");
        xml_buf_escape(&b, def->title);
        xml_buf_append(&b, "</title>\n");
    }
    if (def->description) {
        xml_buf_append(&b, "  <description>");
        xml_buf_escape(&b, def->description);
        xml_buf_append(&b, "</description>\n");
    }
    domain_metadata_write(&b, def->metadata);
    xml_buf_appendf(&b, "  <memory unit='KiB'>%llu</memory>\n", def->memory_kib);
    xml_buf_appendf(&b, "  <currentMemory unit='KiB'>%llu</currentMemory>\n", def->current_kib);
    if (def->blkiotune)
        xml_tree_write(&b, def->blkiotune, 1);
    format_memtune(&b, def->memtune);
    if (def->vcpus_current)
        xml_buf_appendf(&b, "  <vcpu placement='static' current='%u'>%u</vcpu>\n",
                        def->vcpus_current, def->vcpus);
    else
        xml_buf_appendf(&b, "  <vcpu placement='static'>%u</vcpu>\n", def->vcpus);
    format_iothreads(&b, def);
    fl_cputune_format(&b, def->cputune);
    if (def->numatune)
        xml_tree_write(&b, def->numatune, 1);
    xml_buf_append(&b, "  <os>\n    <type arch='");
    xml_buf_escape(&b, def->arch);
    xml_buf_append(&b, "'");
    if (def->machine) {
        xml_buf_append(&b, " machine='");
        xml_buf_escape(&b, def->machine);
        xml_buf_append(&b, "'");
    }
    xml_buf_append(&b, ">");
    xml_buf_escape(&b, def->os_type);
    xml_buf_append(&b, "</type>\n");
    for (const xml_node *c = def->os_extra; c; c = c->next)
        xml_tree_write(&b, c, 2);
    for (int i = 0; i < def->nboot; i++) {
        xml_buf_append(&b, "    <boot dev='");
        xml_buf_escape(&b, def->boot[i]);
        xml_buf_append(&b, "'/>\n");
    }
    xml_buf_append(&b, "  </os>\n");
    if (def->features)
        xml_tree_write(&b, def->features, 1);
    if (def->cpu)
        xml_tree_write(&b, def->cpu, 1);
    xml_buf_append(&b, "  <clock offset='");
    xml_buf_escape(&b, def->clock_offset);
    xml_buf_append(&b, "'/>\n  <on_poweroff>");
    xml_buf_escape(&b, def->on_poweroff);
    xml_buf_append(&b, "</on_poweroff>\n  <on_reboot>");
    xml_buf_escape(&b, def->on_reboot);
    xml_buf_append(&b, "</on_reboot>\n  <on_crash>");
    xml_buf_escape(&b, def->on_crash);
    xml_buf_append(&b, "</on_crash>\n");
    if (def->perf)
        xml_tree_write(&b, def->perf, 1);
    write_devices(&b, def->devices, drop_ifnames);
    xml_buf_append(&b, "</domain>\n");
    return xml_buf_finish(&b);
}
