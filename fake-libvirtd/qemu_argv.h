/* qemu_argv.h: the QEMU command line libvirt 9.0's QEMU driver writes for a domain, so that
 * --qemu-dir starts fake-qemu exactly as a real libvirtd starts an emulator (docs/fake-libvirtd.md,
 * "QEMU processes"): -name guest=NAME,debug-threads=on -S, the master key secret, -machine,
 * -accel, -cpu, -m with its memory backend, -smp, -uuid, the monitor as an inherited listening
 * socket (-chardev socket,id=charmonitor,fd=N,server=on,wait=off -mon ...), the default devices
 * of an i440FX guest (USB controller, balloon), -sandbox and -msg. Recorded from libvirtd 9.0
 * (`virsh domxml-to-native qemu-argv`) for a guest without disks or interfaces: those, and the
 * other machine types' default devices, are not written. */
#ifndef FL_QEMU_ARGV_H
#define FL_QEMU_ARGV_H

#include <stddef.h>

#include "domain_xml.h"

typedef struct {
    char **argv;                /* NULL-terminated, argv[0] is the binary */
    size_t argc, cap;
} fl_qemu_argv;

/* Fills a with the command line of def (domain id id; its libvirt domain directory, which
 * holds the master key, is under state_dir) with the monitor on the inherited listening socket
 * monitor_fd. 0, or -1 when out of memory. */
int fl_qemu_argv_build(fl_qemu_argv *a, const char *binary, const domain_def *def, int id,
                       const char *state_dir, int monitor_fd);
void fl_qemu_argv_free(fl_qemu_argv *a);

#endif
