/* device_defaults.c: the device defaults libvirt's parser adds (see device_defaults.h). */
#include "device_defaults.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_util.h"

/* ---- small tree helpers ---- */

static xml_node *node_new(const char *name)
{
    xml_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->name = strdup(name);
    if (!n->name) {
        free(n);
        return NULL;
    }
    return n;
}

/* Sets (or replaces) an attribute, appending new ones at the end. Returns 0 or -1. */
static int node_set_attr(xml_node *n, const char *name, const char *value)
{
    xml_attr **pp = &n->attrs;
    for (; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->name, name) == 0) {
            char *v = strdup(value);
            if (!v)
                return -1;
            free((*pp)->value);
            (*pp)->value = v;
            return 0;
        }
    }
    xml_attr *a = calloc(1, sizeof(*a));
    if (!a)
        return -1;
    a->name = strdup(name);
    a->value = strdup(value);
    if (!a->name || !a->value) {
        free(a->name);
        free(a->value);
        free(a);
        return -1;
    }
    *pp = a;
    return 0;
}

static void node_append(xml_node *parent, xml_node *child)
{
    xml_node **pp = &parent->children;
    while (*pp)
        pp = &(*pp)->next;
    *pp = child;
}

static void node_prepend(xml_node *parent, xml_node *child)
{
    child->next = parent->children;
    parent->children = child;
}

/* A new element with up to 5 attribute pairs (NULL-terminated). */
static xml_node *element(const char *name, const char *const *attrs)
{
    xml_node *n = node_new(name);
    for (int i = 0; n && attrs && attrs[i]; i += 2) {
        if (node_set_attr(n, attrs[i], attrs[i + 1]) < 0) {
            xml_tree_free(n);
            return NULL;
        }
    }
    return n;
}

static size_t count_children(const xml_node *parent, const char *name)
{
    size_t n = 0;
    for (const xml_node *c = parent->children; c; c = c->next) {
        if (strcmp(c->name, name) == 0)
            n++;
    }
    return n;
}

/* ---- disks ---- */

int device_disk_name_index(const char *name)
{
    static const char *prefixes[] = {"fd", "hd", "vd", "sd", "xvd", "ubd", NULL};
    const char *p = NULL;
    for (int i = 0; prefixes[i]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(name, prefixes[i], n) == 0) {
            p = name + n;
            break;
        }
    }
    if (!p || *p < 'a' || *p > 'z')
        return -1;
    long idx = 0;
    int i = 0;
    for (; *p >= 'a' && *p <= 'z'; p++, i++) {
        idx = (idx + (i < 1 ? 0 : 1)) * 26 + (*p - 'a');
        if (idx > 100000)
            return -1;
    }
    while (*p >= '0' && *p <= '9')
        p++;
    return *p == '\0' ? (int)idx : -1;
}

static const char *bus_for_name(const char *dev)
{
    static const struct { const char *prefix; const char *bus; } map[] = {
        {"hd", "ide"}, {"sd", "scsi"}, {"vd", "virtio"}, {"xvd", "xen"}, {"fd", "fdc"},
        {"ubd", "uml"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strncmp(dev, map[i].prefix, strlen(map[i].prefix)) == 0)
            return map[i].bus;
    }
    return NULL;
}

/* Drive controllers in the order libvirt adds the implicit ones, with units per controller
 * (ide: 2 buses x 2 units). */
static const struct { const char *bus; int per_controller; } drive_buses[] = {
    {"scsi", 7}, {"fdc", 2}, {"ide", 4}, {"sata", 6},
};

#define MAX_IMPLICIT_CONTROLLERS 64

static int apply_disks(xml_node *devices)
{
    int max_controller[4] = {-1, -1, -1, -1};
    for (xml_node *d = devices->children; d; d = d->next) {
        if (strcmp(d->name, "disk") != 0)
            continue;
        xml_node *target = xml_tree_child(d, "target");
        const char *dev = target ? xml_tree_attr(target, "dev") : NULL;
        if (!dev)
            continue;
        const char *bus = xml_tree_attr(target, "bus");
        if (!bus) {
            bus = bus_for_name(dev);
            if (!bus)
                continue;
            if (node_set_attr(target, "bus", bus) < 0)
                return -1;
            bus = xml_tree_attr(target, "bus");
        }
        int kind = -1;
        for (int k = 0; k < 4; k++) {
            if (strcmp(bus, drive_buses[k].bus) == 0)
                kind = k;
        }
        int idx = device_disk_name_index(dev);
        if (kind < 0 || idx < 0)
            continue;
        xml_node *addr = xml_tree_child(d, "address");
        int controller;
        if (addr) {
            const char *t = xml_tree_attr(addr, "type");
            const char *ctl = xml_tree_attr(addr, "controller");
            if (!t || strcmp(t, "drive") != 0 || !ctl)
                continue;
            controller = atoi(ctl);
        } else {
            int per = drive_buses[kind].per_controller;
            controller = idx / per;
            int bus_no = strcmp(bus, "ide") == 0 ? (idx % 4) / 2 : 0;
            int unit = strcmp(bus, "ide") == 0 ? idx % 2 : idx % per;
            char c[16], b[16], u[16];
            snprintf(c, sizeof(c), "%d", controller);
            snprintf(b, sizeof(b), "%d", bus_no);
            snprintf(u, sizeof(u), "%d", unit);
            const char *attrs[] = {"type", "drive", "controller", c, "bus", b, "target", "0",
                                   "unit", u, NULL};
            addr = element("address", attrs);
            if (!addr)
                return -1;
            node_append(d, addr);
        }
        if (controller >= 0 && controller < MAX_IMPLICIT_CONTROLLERS &&
            controller > max_controller[kind])
            max_controller[kind] = controller;
    }
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i <= max_controller[k]; i++) {
            bool have = false;
            char idx[16];
            snprintf(idx, sizeof(idx), "%d", i);
            for (xml_node *c = devices->children; c; c = c->next) {
                if (strcmp(c->name, "controller") == 0 && xml_tree_attr(c, "type") &&
                    strcmp(xml_tree_attr(c, "type"), drive_buses[k].bus) == 0 &&
                    strcmp(xml_tree_attr(c, "index") ? xml_tree_attr(c, "index") : "0", idx) == 0)
                    have = true;
            }
            if (have)
                continue;
            const char *attrs[] = {"type", drive_buses[k].bus, "index", idx, NULL};
            xml_node *ctl = element("controller", attrs);
            if (!ctl)
                return -1;
            node_append(devices, ctl);
        }
    }
    return 0;
}

/* ---- interfaces ---- */

static int apply_interfaces(xml_node *devices)
{
    for (xml_node *d = devices->children; d; d = d->next) {
        if (strcmp(d->name, "interface") != 0 || xml_tree_child(d, "mac"))
            continue;
        unsigned char r[16];
        vw_uuid_generate(r); /* 16 random bytes; three are enough */
        char mac[32];
        snprintf(mac, sizeof(mac), "52:54:00:%02x:%02x:%02x", r[0], r[1], r[2]);
        const char *attrs[] = {"address", mac, NULL};
        xml_node *m = element("mac", attrs);
        if (!m)
            return -1;
        node_prepend(d, m);
    }
    return 0;
}

/* ---- serial ports and consoles ---- */

/* A copy of a character device under another element name, without its <target>. */
static xml_node *chardev_twin(const xml_node *src, const char *name)
{
    xml_node *copy = xml_tree_copy(src);
    if (!copy)
        return NULL;
    char *n = strdup(name);
    if (!n) {
        xml_tree_free(copy);
        return NULL;
    }
    free(copy->name);
    copy->name = n;
    copy->next = NULL;
    xml_node **pp = &copy->children;
    while (*pp) {
        if (strcmp((*pp)->name, "target") == 0) {
            xml_node *t = *pp;
            *pp = t->next;
            t->next = NULL;
            xml_tree_free(t);
            continue;
        }
        pp = &(*pp)->next;
    }
    return copy;
}

static int apply_chardevs(xml_node *devices)
{
    /* twins first, so that the new devices get their targets below */
    size_t serials = count_children(devices, "serial");
    size_t consoles = count_children(devices, "console");
    if (consoles > 0 && serials == 0) {
        xml_node *console = xml_tree_child(devices, "console");
        xml_node *t = xml_tree_child(console, "target");
        const char *ttype = t ? xml_tree_attr(t, "type") : NULL;
        if (!ttype || strcmp(ttype, "serial") == 0) {
            xml_node *twin = chardev_twin(console, "serial");
            if (!twin)
                return -1;
            node_append(devices, twin);
        }
    } else if (serials > 0 && consoles == 0) {
        xml_node *twin = chardev_twin(xml_tree_child(devices, "serial"), "console");
        if (!twin)
            return -1;
        node_append(devices, twin);
    }
    int port = 0;
    for (xml_node *d = devices->children; d; d = d->next) {
        bool serial = strcmp(d->name, "serial") == 0;
        bool console = strcmp(d->name, "console") == 0;
        if ((!serial && !console) || xml_tree_child(d, "target")) {
            if (serial)
                port++;
            continue;
        }
        char p[16];
        snprintf(p, sizeof(p), "%d", serial ? port++ : 0);
        const char *sattrs[] = {"port", p, NULL};
        const char *cattrs[] = {"type", "serial", "port", p, NULL};
        xml_node *t = element("target", serial ? sattrs : cattrs);
        if (!t)
            return -1;
        node_append(d, t);
    }
    return 0;
}

/* ---- graphics and video ---- */

static int apply_graphics(xml_node *devices)
{
    bool graphics = false;
    for (xml_node *d = devices->children; d; d = d->next) {
        if (strcmp(d->name, "graphics") != 0)
            continue;
        graphics = true;
        const char *type = xml_tree_attr(d, "type");
        if (!type || xml_tree_child(d, "listen") || xml_tree_attr(d, "listen"))
            continue;
        if (strcmp(type, "vnc") == 0) {
            const char *port = xml_tree_attr(d, "port");
            if (!port && (node_set_attr(d, "port", "-1") < 0))
                return -1;
            port = xml_tree_attr(d, "port");
            if (!xml_tree_attr(d, "autoport") &&
                node_set_attr(d, "autoport", strcmp(port, "-1") == 0 ? "yes" : "no") < 0)
                return -1;
            const char *attrs[] = {"type", "address", NULL};
            xml_node *l = element("listen", attrs);
            if (!l)
                return -1;
            node_prepend(d, l);
        } else if (strcmp(type, "spice") == 0 && !xml_tree_attr(d, "port")) {
            const char *attrs[] = {"type", "none", NULL};
            xml_node *l = element("listen", attrs);
            if (!l)
                return -1;
            node_prepend(d, l);
        }
    }
    if (graphics && count_children(devices, "video") == 0) {
        const char *attrs[] = {"type", "cirrus", NULL};
        xml_node *video = node_new("video");
        xml_node *model = element("model", attrs);
        if (!video || !model) {
            xml_tree_free(video);
            xml_tree_free(model);
            return -1;
        }
        node_append(video, model);
        node_append(devices, video);
    }
    bool first = true;
    for (xml_node *d = devices->children; d; d = d->next) {
        if (strcmp(d->name, "video") != 0)
            continue;
        xml_node *m = xml_tree_child(d, "model");
        const char *type = m ? xml_tree_attr(m, "type") : NULL;
        if (!type)
            continue;
        bool qxl = strcmp(type, "qxl") == 0;
        if (!qxl && strcmp(type, "vga") != 0 && strcmp(type, "cirrus") != 0)
            continue;
        /* rebuild the attribute list in libvirt's order: type ram vram heads primary */
        const char *ram = xml_tree_attr(m, "ram");
        const char *vram = xml_tree_attr(m, "vram");
        const char *heads = xml_tree_attr(m, "heads");
        const char *primary = xml_tree_attr(m, "primary");
        char *vals[5] = {strdup(type), (qxl || ram) ? strdup(ram ? ram : "65536") : NULL,
                         strdup(vram ? vram : (qxl ? "65536" : "16384")),
                         strdup(heads ? heads : "1"),
                         (primary || first) ? strdup(primary ? primary : "yes") : NULL};
        const char *names[5] = {"type", "ram", "vram", "heads", "primary"};
        xml_attr *old = m->attrs;
        m->attrs = NULL;
        int rc = 0;
        for (int i = 0; i < 5; i++) {
            if (vals[i] && node_set_attr(m, names[i], vals[i]) < 0)
                rc = -1;
            free(vals[i]);
        }
        /* keep any other attributes the user gave */
        for (xml_attr *a = old; a; a = a->next) {
            bool known = false;
            for (int i = 0; i < 5; i++)
                known = known || strcmp(a->name, names[i]) == 0;
            if (!known && node_set_attr(m, a->name, a->value) < 0)
                rc = -1;
        }
        while (old) {
            xml_attr *next = old->next;
            free(old->name);
            free(old->value);
            free(old);
            old = next;
        }
        if (rc < 0)
            return -1;
        first = false;
    }
    return 0;
}

int device_defaults_apply(xml_node *devices)
{
    if (apply_disks(devices) < 0 || apply_interfaces(devices) < 0 ||
        apply_chardevs(devices) < 0 || apply_graphics(devices) < 0)
        return -1;
    return 0;
}
