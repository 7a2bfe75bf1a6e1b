/* qemu_argv.c: libvirt 9.0's QEMU command line for a domain (qemu_argv.h). */
#include "qemu_argv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vw_util.h"

static int add(fl_qemu_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add(fl_qemu_argv *a, const char *fmt, ...)
{
    if (a->argc + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        char **n = realloc(a->argv, cap * sizeof(*n));
        if (!n)
            return -1;
        a->argv = n;
        a->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&a->argv[a->argc], fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -1;
    a->argv[++a->argc] = NULL;
    return 0;
}

/* libvirt expands the machine aliases to the versioned type of the QEMU it probed (7.2). */
static const char *machine_type(const domain_def *def)
{
    const char *m = def->machine;
    if (!m || strcmp(m, "pc") == 0)
        return "pc-i440fx-7.2";
    if (strcmp(m, "q35") == 0)
        return "pc-q35-7.2";
    return m;
}

int fl_qemu_argv_build(fl_qemu_argv *a, const char *binary, const domain_def *def, int id,
                       const char *state_dir, int monitor_fd)
{
    char uuid[37];
    vw_uuid_format(def->uuid, uuid);
    /* libvirt aligns x86 guest memory to 1 MiB */
    unsigned long long mib = (def->memory_kib + 1023) / 1024;
    unsigned vcpus = def->vcpus ? def->vcpus : 1;
    bool kvm = def->virt_type && strcmp(def->virt_type, "kvm") == 0;
    bool acpi = def->features && xml_tree_child(def->features, "acpi");
    memset(a, 0, sizeof(*a));
    int rc = add(a, "%s", binary);
    rc |= add(a, "-name") | add(a, "guest=%s,debug-threads=on", def->name);
    rc |= add(a, "-S");
    rc |= add(a, "-object") |
          add(a, "{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\","
                 "\"file\":\"%s/domain-%d-%s/master-key.aes\"}", state_dir, id, def->name);
    rc |= add(a, "-machine") |
          add(a, "%s,usb=off,dump-guest-core=off,memory-backend=pc.ram", machine_type(def));
    rc |= add(a, "-accel") | add(a, kvm ? "kvm" : "tcg");
    rc |= add(a, "-cpu") | add(a, kvm ? "host,migratable=on" : "qemu64");
    rc |= add(a, "-m") | add(a, "%llu", mib);
    rc |= add(a, "-object") |
          add(a, "{\"qom-type\":\"memory-backend-ram\",\"id\":\"pc.ram\",\"size\":%llu}",
              mib << 20);
    rc |= add(a, "-overcommit") | add(a, "mem-lock=off");
    rc |= add(a, "-smp") | add(a, "%u,sockets=%u,cores=1,threads=1", vcpus, vcpus);
    rc |= add(a, "-uuid") | add(a, "%s", uuid);
    rc |= add(a, "-display") | add(a, "none");
    rc |= add(a, "-no-user-config") | add(a, "-nodefaults");
    rc |= add(a, "-chardev") | add(a, "socket,id=charmonitor,fd=%d,server=on,wait=off", monitor_fd);
    rc |= add(a, "-mon") | add(a, "chardev=charmonitor,id=monitor,mode=control");
    rc |= add(a, "-rtc") | add(a, "base=utc");
    rc |= add(a, "-no-shutdown");
    if (!acpi)
        rc |= add(a, "-no-acpi");
    rc |= add(a, "-boot") | add(a, "strict=on");
    rc |= add(a, "-device") |
          add(a, "{\"driver\":\"piix3-usb-uhci\",\"id\":\"usb\",\"bus\":\"pci.0\","
                 "\"addr\":\"0x1.0x2\"}");
    rc |= add(a, "-audiodev") | add(a, "{\"id\":\"audio1\",\"driver\":\"none\"}");
    rc |= add(a, "-device") |
          add(a, "{\"driver\":\"virtio-balloon-pci\",\"id\":\"balloon0\",\"bus\":\"pci.0\","
                 "\"addr\":\"0x2\"}");
    rc |= add(a, "-sandbox") |
          add(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
    rc |= add(a, "-msg") | add(a, "timestamp=on");
    if (rc != 0) {
        fl_qemu_argv_free(a);
        return -1;
    }
    return 0;
}

void fl_qemu_argv_free(fl_qemu_argv *a)
{
    for (size_t i = 0; i < a->argc; i++)
        free(a->argv[i]);
    free(a->argv);
    memset(a, 0, sizeof(*a));
}
