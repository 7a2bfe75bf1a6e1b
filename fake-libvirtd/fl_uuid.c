/* fl_uuid.c: UUID parsing, formatting and generation (see fl_uuid.h). */
#include "fl_uuid.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int fl_uuid_parse(const char *s, unsigned char uuid[16])
{
    int n = 0;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    for (; *s && n < 32; s++) {
        if (*s == '-')
            continue;
        int v = hexval(*s);
        if (v < 0)
            return -1;
        if (n % 2 == 0)
            uuid[n / 2] = (unsigned char)(v << 4);
        else
            uuid[n / 2] |= (unsigned char)v;
        n++;
    }
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    return (n == 32 && *s == '\0') ? 0 : -1;
}

void fl_uuid_format(const unsigned char u[16], char out[37])
{
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}

void fl_uuid_generate(unsigned char uuid[16])
{
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, uuid, 16);
        if (n > 0)
            got = (size_t)n;
        close(fd);
    }
    if (got < 16) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long long x = (unsigned long long)ts.tv_nsec ^ ((unsigned long long)ts.tv_sec << 20) ^
                               (unsigned long long)getpid();
        for (size_t i = got; i < 16; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            uuid[i] = (unsigned char)(x >> 56);
        }
    }
    uuid[6] = (unsigned char)((uuid[6] & 0x0F) | 0x40); /* version 4 */
    uuid[8] = (unsigned char)((uuid[8] & 0x3F) | 0x80); /* RFC 4122 variant */
}
