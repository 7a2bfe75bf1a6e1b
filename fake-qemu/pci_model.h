/* pci_model.h: query-pci as QEMU 7.2 answers it: an empty list on -machine none; on an i440FX
 * pc the machine's own functions (host bridge 00.0, PIIX3 ISA 01.0 and IDE 01.1, PIIX4 power
 * management 01.3) and the PCI devices the command line adds (or, in fake-qemu's own mode, its
 * modelled qemu-xhci at 02.0), each with QEMU's ids, class, interrupt pin and BARs. Until the
 * guest first runs (-S) the BARs are unassigned (address -1) and the IRQs 0; once it has run,
 * the addresses and IRQs are the ones the firmware (SeaBIOS) gives: I/O BARs from 0xc000 up,
 * largest first; memory BARs in a window just below 0xfec00000, largest first; PCI
 * IRQs 10, 10, 11, 11 by (slot + pin - 2) mod 4 and 9 for the power management function
 * (as recorded from qemu-system-x86_64 7.2 with those devices). Known devices: qemu-xhci,
 * piix3-usb-uhci, virtio-balloon-pci; others are left out. */
#ifndef FQ_PCI_MODEL_H
#define FQ_PCI_MODEL_H

#include <stddef.h>
#include <jansson.h>

/* A -device of QEMU's command line (borrowed strings; addr as given, "0x1.0x2", or NULL). */
typedef struct {
    const char *driver, *id, *addr;
} fq_pci_device;

/* The query-pci return value. pc: 0 for -machine none; devices NULL: fake-qemu's own pc
 * (qemu-xhci,id=xhci); firmware_ran: the guest has run since it was started. */
json_t *fq_pci_query(int pc, const fq_pci_device *devices, size_t ndevices, int firmware_ran);

#endif
