/* probe.c: where the recorded capability probes are (probe.h). */
#include "probe.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int fq_probe_trace(int major, int minor, int micro, char *out, size_t outlen)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        snprintf(out, outlen, "(/proc/self/exe unreadable)");
        return -1;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    int len = snprintf(out, outlen, "%s/../share/virt-wire/probe/qemu-%d.%d.%d-probe.trace", exe,
                       major, minor, micro);
    if (len < 0 || (size_t)len >= outlen)
        return -1;
    return access(out, R_OK) == 0 ? 0 : -1;
}
