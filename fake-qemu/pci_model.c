/* pci_model.c: query-pci of the modelled pc (pci_model.h). */
#include "pci_model.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int bar;
    int io;                     /* 1: I/O space, 0: memory */
    long long size;
    int prefetch, mem64;
} bar_kind;

typedef struct {
    const char *driver;
    int vendor, device, subsystem_vendor, subsystem;
    int class_code;
    const char *desc;           /* NULL: QEMU prints no description for the class */
    int irq_pin;
    bar_kind bars[2];
    int nbars;
} pci_kind;

/* As qemu-system-x86_64 7.2 reports them (-machine pc, -nodefaults). */
static const pci_kind kinds[] = {
    { "i440FX", 0x8086, 0x1237, 0x1af4, 0x1100, 0x0600, "Host bridge", 0, {{0}}, 0 },
    { "PIIX3", 0x8086, 0x7000, 0x1af4, 0x1100, 0x0601, "ISA bridge", 0, {{0}}, 0 },
    { "piix3-ide", 0x8086, 0x7010, 0x1af4, 0x1100, 0x0101, "IDE controller", 0,
      { { 4, 1, 16, 0, 0 } }, 1 },
    { "PIIX4_PM", 0x8086, 0x7113, 0x1af4, 0x1100, 0x0680, "Bridge", 1, {{0}}, 0 },
    { "piix3-usb-uhci", 0x8086, 0x7020, 0x1af4, 0x1100, 0x0c03, "USB controller", 4,
      { { 4, 1, 32, 0, 0 } }, 1 },
    { "qemu-xhci", 0x1b36, 0x000d, 0x1af4, 0x1100, 0x0c03, "USB controller", 1,
      { { 0, 0, 16384, 0, 1 } }, 1 },
    { "virtio-balloon-pci", 0x1af4, 0x1002, 0x1af4, 0x0005, 0x00ff, NULL, 1,
      { { 0, 1, 64, 0, 0 }, { 4, 0, 16384, 1, 1 } }, 2 },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
#define MAX_FUNCS 64
#define IO_BASE 0xc000LL
#define MEM_TOP 0xfec00000LL

typedef struct {
    const pci_kind *kind;
    const char *id;
    int slot, function;
    long long addr[2];          /* per BAR, -1 until the firmware assigns it */
} func;

static const pci_kind *kind_of(const char *driver)
{
    for (size_t i = 0; driver && i < NKINDS; i++)
        if (strcmp(kinds[i].driver, driver) == 0)
            return &kinds[i];
    return NULL;
}

static int slot_used(const func *f, size_t n, int slot)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].slot == slot)
            return 1;
    return 0;
}

/* "0x1.0x2", "0x2", "2", "1.2": slot and function; -1 when absent or unreadable. */
static void parse_addr(const char *addr, int *slot, int *function)
{
    *slot = -1;
    *function = 0;
    if (!addr)
        return;
    char *end;
    long s = strtol(addr, &end, 16);
    if (end == addr || s < 0 || s > 31)
        return;
    if (*end == '.') {
        long f = strtol(end + 1, &end, 16);
        if (f < 0 || f > 7)
            return;
        *function = (int)f;
    }
    *slot = (int)s;
}

static int by_position(const void *a, const void *b)
{
    const func *x = a, *y = b;
    return (x->slot * 8 + x->function) - (y->slot * 8 + y->function);
}

/* The firmware's assignment: I/O BARs from IO_BASE up and memory BARs from the bottom of a
 * window just below MEM_TOP (aligned to its largest BAR), largest first, ties in bus order. */
static void assign_bars(func *f, size_t n)
{
    long long io = IO_BASE, mem_total = 0, mem_align = 1;
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < f[i].kind->nbars; b++)
            if (!f[i].kind->bars[b].io) {
                mem_total += f[i].kind->bars[b].size;
                if (f[i].kind->bars[b].size > mem_align)
                    mem_align = f[i].kind->bars[b].size;
            }
    long long mem = (MEM_TOP - mem_total) & ~(mem_align - 1);
    for (long long size = 1LL << 30; size > 0; size >>= 1)
        for (size_t i = 0; i < n; i++)
            for (int b = 0; b < f[i].kind->nbars; b++) {
                const bar_kind *k = &f[i].kind->bars[b];
                if (k->size != size)
                    continue;
                long long *next = k->io ? &io : &mem;
                f[i].addr[b] = *next;
                *next += size;
            }
}

static int firmware_irq(const func *f)
{
    static const int pirq[4] = { 10, 10, 11, 11 };
    if (strcmp(f->kind->driver, "PIIX4_PM") == 0)
        return 9;   /* the ACPI SCI */
    return pirq[(f->slot + f->kind->irq_pin - 2) & 3];
}

/* Members are added in the schema's order (PciDeviceInfo, PciMemoryRegion, ...), as QEMU's
 * output visitor does: the QDict order the writer reproduces depends on it. */
static json_t *func_json(const func *f, int firmware_ran)
{
    const pci_kind *k = f->kind;
    json_t *cls = json_object();
    if (k->desc)
        json_object_set_new(cls, "desc", json_string(k->desc));
    json_object_set_new(cls, "class", json_integer(k->class_code));
    json_t *regions = json_array();
    for (int b = 0; b < k->nbars; b++) {
        const bar_kind *bk = &k->bars[b];
        json_t *r = json_pack("{s:i,s:s,s:I,s:I}", "bar", bk->bar, "type",
                              bk->io ? "io" : "memory", "address",
                              (json_int_t)(firmware_ran ? f->addr[b] : -1), "size",
                              (json_int_t)bk->size);
        if (!bk->io) {
            json_object_set_new(r, "prefetch", json_boolean(bk->prefetch));
            json_object_set_new(r, "mem_type_64", json_boolean(bk->mem64));
        }
        json_array_append_new(regions, r);
    }
    json_t *d = json_pack("{s:i,s:i,s:i,s:o,s:{s:i,s:i,s:i,s:i}}", "bus", 0, "slot", f->slot,
                          "function", f->function, "class_info", cls, "id", "device", k->device,
                          "vendor", k->vendor, "subsystem", k->subsystem, "subsystem-vendor",
                          k->subsystem_vendor);
    if (k->irq_pin)
        json_object_set_new(d, "irq", json_integer(firmware_ran ? firmware_irq(f) : 0));
    json_object_set_new(d, "irq_pin", json_integer(k->irq_pin));
    json_object_set_new(d, "qdev_id", json_string(f->id ? f->id : ""));
    json_object_set_new(d, "regions", regions);
    return d;
}

json_t *fq_pci_query(int pc, const fq_pci_device *devices, size_t ndevices, int firmware_ran)
{
    json_t *out = json_array();
    if (!pc)
        return out;
    static const fq_pci_device own_pc = { "qemu-xhci", "xhci", NULL };
    if (!devices) {
        devices = &own_pc;
        ndevices = 1;
    }
    func f[MAX_FUNCS];
    size_t n = 0;
    static const struct { const char *driver; int slot, function; } board[] = {
        { "i440FX", 0, 0 }, { "PIIX3", 1, 0 }, { "piix3-ide", 1, 1 }, { "PIIX4_PM", 1, 3 },
    };
    for (size_t i = 0; i < sizeof(board) / sizeof(board[0]); i++)
        f[n++] = (func){ kind_of(board[i].driver), NULL, board[i].slot, board[i].function,
                         { -1, -1 } };
    /* the devices with an address first, then the others in the first free slots, as QEMU */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ndevices && n < MAX_FUNCS; i++) {
            const pci_kind *k = kind_of(devices[i].driver);
            int slot, function;
            parse_addr(devices[i].addr, &slot, &function);
            if (!k || (pass == 0) != (slot >= 0))
                continue;
            if (slot < 0)
                for (slot = 0; slot < 31 && slot_used(f, n, slot);)
                    slot++;
            f[n++] = (func){ k, devices[i].id, slot, function, { -1, -1 } };
        }
    qsort(f, n, sizeof(f[0]), by_position);
    assign_bars(f, n);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, func_json(&f[i], firmware_ran));
    json_array_append_new(out, json_pack("{s:i,s:o}", "bus", 0, "devices", list));
    return out;
}
