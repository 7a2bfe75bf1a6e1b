/* release_name.c: the modelled QEMU release from the name fake-qemu runs under
 * (release_name.h). */
#include "release_name.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINKS_MAX 16

int fq_release_name_parse(const char *path, int *major, int *minor)
{
    static const char prefix[] = "fake-qemu-", digits[] = "0123456789";
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (strncmp(base, prefix, sizeof(prefix) - 1) != 0)
        return 0;
    base += sizeof(prefix) - 1;
    size_t n1 = strspn(base, digits);       /* MAJOR.MINOR: digits only, at most 4 each */
    if (n1 == 0 || n1 > 4 || base[n1] != '.')
        return 0;
    size_t n2 = strspn(base + n1 + 1, digits);
    if (n2 == 0 || n2 > 4 || base[n1 + 1 + n2] != '\0')
        return 0;
    *major = atoi(base);
    *minor = atoi(base + n1 + 1);
    return 1;
}

/* The target of the symlink path, as a path (relative targets joined to path's directory),
 * written into out: 0, or -1 when path is no symlink or the result does not fit. */
static int link_target(const char *path, char *out, size_t outlen)
{
    char target[4096];
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n <= 0)
        return -1;
    target[n] = '\0';
    const char *slash = strrchr(path, '/');
    int len;
    if (target[0] == '/' || !slash)
        len = snprintf(out, outlen, "%s", target);
    else
        len = snprintf(out, outlen, "%.*s/%s", (int)(slash - path), path, target);
    return len < 0 || (size_t)len >= outlen ? -1 : 0;
}

int fq_release_from_name(const char *argv0, int *major, int *minor, char *name, size_t namelen)
{
    char path[4096], next[4096];
    if (!argv0 || snprintf(path, sizeof(path), "%s", argv0) >= (int)sizeof(path))
        return 0;
    for (int i = 0; i <= LINKS_MAX; i++) {
        if (fq_release_name_parse(path, major, minor)) {
            snprintf(name, namelen, "%s", path);
            return 1;
        }
        if (!strchr(path, '/') || link_target(path, next, sizeof(next)) < 0)
            return 0;
        memcpy(path, next, sizeof(path));
    }
    return 0;
}
