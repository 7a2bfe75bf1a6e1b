/* vw_util.h: small helpers every layer may use (proto/ is the lowest layer, so common/, client/,
 * the fakes, trace/, fuzz/ and the tests include this one copy): the monotonic clock, whole-file
 * reading with a size limit and JSON-file loading, write-all, base64 and hex, UUIDs as libvirt
 * writes them, and big-endian words.
 *
 * Owns: nothing but these pure functions; no state, no policy, no messages of its own except the
 * reasons it hands back.
 */
#ifndef VW_UTIL_H
#define VW_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vw_error.h"

/* ---- clocks ---- */

/* CLOCK_MONOTONIC in milliseconds and nanoseconds: for timeouts, delays and elapsed times. */
long long vw_now_ms(void);
uint64_t vw_now_ns(void);
/* CLOCK_REALTIME in milliseconds since the epoch: for time stamps people read. */
long long vw_wall_ms(void);

/* ---- files ---- */

/* The whole file at path, at most max bytes, NUL-terminated (the NUL is not counted in *len,
 * which may be NULL). On failure NULL, errno set (EFBIG: larger than max) and the reason in why
 * ("cannot open: No such file or directory", "larger than 64 MiB", ...) without the path. */
char *vw_read_file(const char *path, size_t max, size_t *len, char *why, size_t whylen);

/* The JSON document in the file at path (at most max bytes; duplicate keys refused). On failure
 * NULL and jerr filled as jansson does: line and column of a parse error, or line -1 and the
 * reason (from vw_read_file) when the file could not be read. */
json_t *vw_load_json_file(const char *path, size_t max, json_error_t *jerr);

/* vw_load_json_file for a file an option names: on failure NULL and err filled with the source
 * "OPTION PATH" and jansson's line, column, offset and text (vw_error_format prints e.g.
 * "--scenario s.json:3:1: '}' expected near end of file"). */
json_t *vw_load_option_json(const char *option, const char *path, size_t max, vw_error *err);

/* Writes all len bytes to a blocking fd, again after EINTR and short writes; a socket peer that
 * is gone is an EPIPE error, not a SIGPIPE. 0, or -1 with errno. */
int vw_write_all(int fd, const void *buf, size_t len);

/* Grows the malloc'd array *arrayp (a T **, holding *n elements of size bytes) by one zeroed
 * element and counts it in *n. The new element, or NULL (array and count unchanged) when out
 * of memory. */
void *vw_array_append(void *arrayp, size_t *n, size_t size);

/* ---- base64 and hex ---- */

/* Standard base64 (RFC 4648, with padding). encode returns a malloc'd string (NULL when out
 * of memory). decode is strict (alphabet, padding, no whitespace): returns 0 and a malloc'd
 * buffer, or -1 with the character position of the first bad character in *bad_pos and a
 * reason in why (static text). Output larger than max is refused before allocating. */
char *vw_base64_encode(const void *data, size_t n);
int vw_base64_decode(const char *text, size_t text_len, size_t max, uint8_t **out,
                     size_t *out_len, size_t *bad_pos, const char **why);

/* One hex digit's value (either case), or -1. */
int vw_hex_digit(int c);
/* Hex byte pairs (spaces, tabs, newlines and colons allowed between pairs); returns malloc'd
 * bytes and their count in *len, or NULL. */
uint8_t *vw_hex_decode(const char *text, size_t *len);

/* ---- UUIDs ---- */

#ifndef VW_UUID_BUFLEN
#define VW_UUID_BUFLEN 16
#endif
#ifndef VW_UUID_STRING_BUFLEN
#define VW_UUID_STRING_BUFLEN 37
#endif

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case. */
void vw_uuid_format(const unsigned char uuid[VW_UUID_BUFLEN], char out[VW_UUID_STRING_BUFLEN]);
/* 32 hex digits, dashes allowed between them, white space around them (as libvirt's
 * virUUIDParse); 0, or -1 (text NULL or not a UUID). */
int vw_uuid_parse(const char *text, unsigned char uuid[VW_UUID_BUFLEN]);
/* A random (version 4) UUID: /dev/urandom, or the clock and pid when that cannot be read. */
void vw_uuid_generate(unsigned char uuid[VW_UUID_BUFLEN]);

/* ---- big-endian words ---- */

static inline uint16_t vw_get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t vw_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void vw_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void vw_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
