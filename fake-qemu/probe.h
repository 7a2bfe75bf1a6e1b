/* probe.h: libvirt's capability probe (-S -machine none ... -qmp unix:PATH -daemonize), answered
 * from a recorded probe: fake-qemu/probe/qemu-X.Y.Z-probe.trace, a QMP trace of a real libvirtd
 * probing the real QEMU of that release (fake-qemu/probe/record-probe.py), installed beside the
 * binary as ../share/virt-wire/probe/ and replayed with unordered matching. */
#ifndef FQ_PROBE_H
#define FQ_PROBE_H

#include <stddef.h>

/* The recorded probe of QEMU major.minor.micro for this binary: BIN/../share/virt-wire/probe/
 * qemu-X.Y.Z-probe.trace, written into out. 0, or -1 when there is none (out then holds the
 * path looked for). */
int fq_probe_trace(int major, int minor, int micro, char *out, size_t outlen);

#endif
