/* alloc_fail.c: allocation failure injection, see alloc_fail.h. The __wrap_ functions are what
 * the --wrap'ed references in the statically linked code call; __real_ ones are the C library's
 * (or the sanitizer's interceptors, in the sanitized flavours). */
#include "alloc_fail.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t count, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static enum { IDLE, COUNTING, FAILING } mode = IDLE;
static size_t seen;          /* allocations in the current window */
static size_t fail_at;       /* FAILING: the allocation that fails */
static bool failed;

/* true when this allocation is to fail */
static bool next_fails(void)
{
    if (mode == IDLE)
        return false;
    seen++;
    if (mode == FAILING && seen == fail_at) {
        failed = true;
        errno = ENOMEM;
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n)
{
    return next_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t count, size_t n)
{
    return next_fails() ? NULL : __real_calloc(count, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return next_fails() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return next_fails() ? NULL : __real_strdup(s);
}

static bool jansson_on;

void vw_fuzz_alloc_jansson(bool on)
{
    jansson_on = on;
}

static void *json_alloc(size_t n)
{
    return jansson_on ? __wrap_malloc(n) : __real_malloc(n);
}

static void json_release(void *p)
{
    free(p);
}

/* jansson allocates through these from the first call on (before main: the drivers' and the
 * targets' one-time set-up already use jansson). */
__attribute__((constructor)) static void alloc_fail_init(void)
{
    json_set_alloc_funcs(json_alloc, json_release);
}

void vw_fuzz_alloc_count_begin(void)
{
    mode = COUNTING;
    seen = 0;
}

size_t vw_fuzz_alloc_count_end(void)
{
    mode = IDLE;
    return seen;
}

void vw_fuzz_alloc_fail_begin(size_t k)
{
    mode = FAILING;
    seen = 0;
    fail_at = k;
    failed = false;
}

bool vw_fuzz_alloc_fail_end(void)
{
    mode = IDLE;
    return failed;
}

size_t vw_fuzz_alloc_pick(const uint8_t *data, size_t size, uint32_t salt, size_t n)
{
    uint32_t h = 2166136261u ^ salt;
    for (size_t i = 0; i < size; i++) {
        h ^= data[i];
        h *= 16777619u;
    }
    return 1 + h % n;
}
