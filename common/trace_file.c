/* trace_file.c: a recorder's trace file written in batches (see trace_file.h). */
#include "trace_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

struct vw_trace_file {
    int fd;
    FILE *stream;             /* fopencookie stream over this struct */
    char *buf;                /* records not yet in the file */
    size_t len, cap;
    vw_evloop *loop;
    long long timer;          /* pending flush timer, -1 when none */
    int failed;               /* a write failed: the rest is dropped */
    char error[300];          /* the first failure */
    char who[64];
};

/* Writes buf to the file. */
static int write_out(vw_trace_file *f)
{
    size_t off = 0;
    while (off < f->len && !f->failed) {
        ssize_t n = write(f->fd, f->buf + off, f->len - off);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            f->failed = 1;
            snprintf(f->error, sizeof(f->error), "cannot write the trace (write): %s",
                     n < 0 ? strerror(errno) : "no progress");
        }
    }
    f->len = 0;
    return f->failed ? -1 : 0;
}

static long long flush_tick(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    vw_trace_file *f = data;
    f->timer = -1;
    int was_failed = f->failed;
    if (write_out(f) < 0 && !was_failed)
        fprintf(stderr, "%s: %s (still forwarding; the trace is incomplete)\n", f->who, f->error);
    return VW_EV_NOMORE;
}

static ssize_t cookie_write(void *cookie, const char *data, size_t n)
{
    vw_trace_file *f = cookie;
    if (f->failed) {
        errno = EIO;
        return -1;            /* the trace writer reports it on its next record */
    }
    if (f->len + n > f->cap) {
        size_t cap = f->cap ? f->cap : VW_TRACE_FILE_BATCH;
        while (cap < f->len + n)
            cap *= 2;
        char *nb = realloc(f->buf, cap);
        if (!nb) {
            errno = ENOMEM;
            return -1;
        }
        f->buf = nb;
        f->cap = cap;
    }
    memcpy(f->buf + f->len, data, n);
    f->len += n;
    if (!f->loop || f->len >= VW_TRACE_FILE_BATCH) {
        if (write_out(f) < 0) {
            errno = EIO;
            return -1;
        }
    } else if (f->timer < 0) {
        f->timer = vw_evloop_add_timer(f->loop, VW_TRACE_FILE_FLUSH_MS, flush_tick, f, NULL);
        if (f->timer < 0 && write_out(f) < 0) {
            errno = EIO;
            return -1;
        }
    }
    if (f->cap > 4 * VW_TRACE_FILE_BATCH && f->len == 0) {
        free(f->buf);             /* give back memory after one huge record */
        f->buf = NULL;
        f->cap = 0;
    }
    return (ssize_t)n;
}

vw_trace_file *vw_trace_file_open(const char *path, const char *who, char *err, size_t errlen)
{
    vw_trace_file *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->timer = -1;
    snprintf(f->who, sizeof(f->who), "%s", who ? who : "trace");
    f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        snprintf(err, errlen, "cannot create trace file %s: %s", path, strerror(errno));
        free(f);
        return NULL;
    }
    cookie_io_functions_t io = {.write = cookie_write};
    f->stream = fopencookie(f, "w", io);
    if (!f->stream) {
        snprintf(err, errlen, "cannot create trace file %s: %s", path, strerror(errno));
        close(f->fd);
        free(f);
        return NULL;
    }
    /* stdio collects a record's pieces (text, newline) so that each reaches the cookie once */
    setvbuf(f->stream, NULL, _IOFBF, 65536);
    return f;
}

FILE *vw_trace_file_stream(vw_trace_file *f)
{
    return f->stream;
}

void vw_trace_file_set_loop(vw_trace_file *f, vw_evloop *loop)
{
    if (!f || f->loop == loop)
        return;
    if (f->timer >= 0 && f->loop)
        vw_evloop_del_timer(f->loop, f->timer);
    f->timer = -1;
    f->loop = loop;
    if (!loop)
        (void)write_out(f);
}

int vw_trace_file_flush(vw_trace_file *f)
{
    if (fflush(f->stream) != 0 && !f->failed) {
        f->failed = 1;
        snprintf(f->error, sizeof(f->error), "cannot write the trace (flush): %s",
                 strerror(errno));
    }
    return write_out(f);
}

int vw_trace_file_close(vw_trace_file *f, char *err, size_t errlen)
{
    if (!f)
        return 0;
    vw_trace_file_set_loop(f, NULL);
    int rc = vw_trace_file_flush(f);
    fclose(f->stream);            /* nothing left in stdio: the cookie has no close function */
    if (close(f->fd) < 0 && rc == 0) {
        f->failed = 1;
        snprintf(f->error, sizeof(f->error), "cannot write the trace (close): %s",
                 strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "%s", f->error);
    free(f->buf);
    free(f);
    return rc;
}
