/* vw_util.c: the small helpers of every layer (vw_util.h). */
#include "vw_util.h"

#include "vw_error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- clocks ------------------------------------------------------------------------------ */

uint64_t vw_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long long vw_now_ms(void)
{
    return (long long)(vw_now_ns() / 1000000u);
}

long long vw_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- files ------------------------------------------------------------------------------- */

/* "64 MiB" or "1000 bytes" */
static void size_text(size_t n, char *out, size_t outlen)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(out, outlen, "%zu MiB", n >> 20);
    else
        snprintf(out, outlen, "%zu bytes", n);
}

char *vw_read_file(const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        snprintf(why, whylen, "cannot open: %s", strerror(e));
        errno = e;
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    int e = 0;
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > max) {
            char limit[32];
            size_text(max, limit, sizeof(limit));
            snprintf(why, whylen, "larger than %s", limit);
            e = EFBIG;
            break;
        }
        if (n < cap) {
            if (ferror(f)) {
                e = errno ? errno : EIO;
                snprintf(why, whylen, "read error: %s", strerror(e));
            }
            break;
        }
        char *grown = realloc(buf, cap * 2 + 1);
        if (!grown)
            break;
        buf = grown;
        cap *= 2;
    }
    fclose(f);
    if (buf && !e && n < cap) {
        buf[n] = '\0';
        if (len)
            *len = n;
        return buf;
    }
    if (!e) {
        e = ENOMEM;
        snprintf(why, whylen, "out of memory");
    }
    free(buf);
    errno = e;
    return NULL;
}

json_t *vw_load_json_file(const char *path, size_t max, json_error_t *jerr)
{
    size_t len;
    char why[sizeof(jerr->text)];
    char *text = vw_read_file(path, max, &len, why, sizeof(why));
    if (!text) {
        memset(jerr, 0, sizeof(*jerr));
        jerr->line = -1;
        jerr->column = -1;
        jerr->position = -1;
        snprintf(jerr->source, sizeof(jerr->source), "%s", path);
        snprintf(jerr->text, sizeof(jerr->text), "%s", why);
        return NULL;
    }
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, jerr);
    free(text);
    return doc;
}

json_t *vw_load_option_json(const char *option, const char *path, size_t max, vw_error *err)
{
    json_error_t jerr;
    json_t *doc = vw_load_json_file(path, max, &jerr);
    if (!doc) {
        char source[sizeof(err->source)];
        snprintf(source, sizeof(source), "%s %s", option, path);
        vw_error_from_json(err, source, &jerr);
    }
    return doc;
}

void *vw_array_append(void *arrayp, size_t *n, size_t size)
{
    char *old;
    memcpy(&old, arrayp, sizeof(old));
    if (*n >= SIZE_MAX / size - 1)
        return NULL;
    char *grown = realloc(old, (*n + 1) * size);
    if (!grown)
        return NULL;
    memcpy(arrayp, &grown, sizeof(grown));
    memset(grown + *n * size, 0, size);
    return grown + (*n)++ * size;
}

int vw_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    bool sock = true;   /* send() without SIGPIPE until the fd turns out not to be a socket */
    while (len > 0) {
        ssize_t n = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
        if (n < 0 && sock && errno == ENOTSOCK) {
            sock = false;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- base64 ------------------------------------------------------------------------------ */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *vw_base64_encode(const void *data, size_t n)
{
    const uint8_t *in = data;
    if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    size_t outlen = (n + 2) / 3 * 4;
    char *out = malloc(outlen + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int vw_base64_decode(const char *text, size_t text_len, size_t max, uint8_t **out,
                     size_t *out_len, size_t *bad_pos, const char **why)
{
    *out = NULL;
    *out_len = 0;
    *bad_pos = 0;
    if (text_len % 4 != 0) {
        *bad_pos = text_len;
        *why = "length is not a multiple of 4";
        return -1;
    }
    size_t pad = 0;
    if (text_len >= 4) {
        if (text[text_len - 1] == '=')
            pad++;
        if (text[text_len - 2] == '=')
            pad++;
    }
    size_t n = text_len / 4 * 3 - pad;
    if (n > max) {
        *bad_pos = 0;
        *why = "decoded size exceeds the limit for one message";
        return -1;
    }
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        *why = "out of memory";
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < text_len; i += 4) {
        int v[4];
        bool last = i + 4 == text_len;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)text[i + k];
            if (c == '=' && last && (size_t)k >= 4 - pad) {
                v[k] = 0;
                continue;
            }
            v[k] = b64_value(c);
            if (v[k] < 0) {
                free(buf);
                *bad_pos = i + (size_t)k;
                *why = c == '=' ? "padding '=' before the end" : "character outside the base64 alphabet";
                return -1;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t take = last ? 3 - pad : 3;
        /* Canonical form: the bits dropped by the padding must be zero. */
        if (last && pad == 1 && (w & 0xff) != 0) {
            free(buf);
            *bad_pos = i + 2;
            *why = "non-zero bits before the padding";
            return -1;
        }
        if (last && pad == 2 && (w & 0xffff) != 0) {
            free(buf);
            *bad_pos = i + 1;
            *why = "non-zero bits before the padding";
            return -1;
        }
        if (take >= 1) buf[o++] = (uint8_t)(w >> 16);
        if (take >= 2) buf[o++] = (uint8_t)(w >> 8);
        if (take >= 3) buf[o++] = (uint8_t)w;
    }
    *out = buf;
    *out_len = o;
    return 0;
}

/* ---- hex --------------------------------------------------------------------------------- */

int vw_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint8_t *vw_hex_decode(const char *text, size_t *len)
{
    size_t n = strlen(text);
    uint8_t *out = malloc(n / 2 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        char ch = text[i];
        int v;
        if (ch == ' ' || ch == ':' || ch == '\n' || ch == '\t') {
            if (hi >= 0)
                goto bad;
            continue;
        }
        if ((v = vw_hex_digit((unsigned char)ch)) < 0)
            goto bad;
        if (hi < 0) {
            hi = v;
        } else {
            out[o++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        goto bad;
    *len = o;
    return out;
bad:
    free(out);
    return NULL;
}

/* ---- UUIDs ------------------------------------------------------------------------------- */

void vw_uuid_format(const unsigned char u[VW_UUID_BUFLEN], char out[VW_UUID_STRING_BUFLEN])
{
    snprintf(out, VW_UUID_STRING_BUFLEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    return s;
}

int vw_uuid_parse(const char *text, unsigned char uuid[VW_UUID_BUFLEN])
{
    if (!text)
        return -1;
    const char *s = skip_space(text);
    int n = 0;
    for (; *s && n < 2 * VW_UUID_BUFLEN; s++) {
        if (*s == '-')
            continue;
        int v = vw_hex_digit((unsigned char)*s);
        if (v < 0)
            return -1;
        if (n % 2 == 0)
            uuid[n / 2] = (unsigned char)(v << 4);
        else
            uuid[n / 2] |= (unsigned char)v;
        n++;
    }
    return n == 2 * VW_UUID_BUFLEN && *skip_space(s) == '\0' ? 0 : -1;
}

void vw_uuid_generate(unsigned char uuid[VW_UUID_BUFLEN])
{
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, uuid, VW_UUID_BUFLEN);
        if (n > 0)
            got = (size_t)n;
        close(fd);
    }
    if (got < VW_UUID_BUFLEN) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long long x = (unsigned long long)ts.tv_nsec ^ ((unsigned long long)ts.tv_sec << 20) ^
                               (unsigned long long)getpid();
        for (size_t i = got; i < VW_UUID_BUFLEN; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            uuid[i] = (unsigned char)(x >> 56);
        }
    }
    uuid[6] = (unsigned char)((uuid[6] & 0x0F) | 0x40); /* version 4 */
    uuid[8] = (unsigned char)((uuid[8] & 0x3F) | 0x80); /* RFC 4122 variant */
}
