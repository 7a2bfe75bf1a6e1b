/* trace_file.c: a recorder's trace file, committed before forwarding (see trace_file.h). */
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
    bool sync;                /* fdatasync after each write (--record-sync) */
    bool unsynced;            /* written since the last fdatasync */
    bool failed;              /* a write failed: the rest is dropped */
    bool reported;            /* the failure was printed */
    char error[300];          /* the first failure */
    char who[64];
};

static void fail(vw_trace_file *f, const char *what, int err)
{
    if (f->failed)
        return;
    f->failed = true;
    snprintf(f->error, sizeof(f->error), "cannot write the trace (%s): %s", what,
             err ? strerror(err) : "no progress");
}

/* Writes buf to the file. */
static int write_out(vw_trace_file *f)
{
    size_t off = 0;
    while (off < f->len && !f->failed) {
        ssize_t n = write(f->fd, f->buf + off, f->len - off);
        if (n > 0) {
            off += (size_t)n;
            f->unsynced = true;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            fail(f, "write", n < 0 ? errno : 0);
        }
    }
    f->len = 0;
    if (f->cap > 4 * VW_TRACE_FILE_BATCH) {
        free(f->buf);             /* give back memory after one huge record */
        f->buf = NULL;
        f->cap = 0;
    }
    return f->failed ? -1 : 0;
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
    /* early is always safe: the rule is only that a record is out before its message */
    if (f->len >= VW_TRACE_FILE_BATCH && write_out(f) < 0) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)n;
}

static vw_trace_file *trace_file_open(const char *path, const char *who, bool sync, char *err,
                                     size_t errlen)
{
    vw_trace_file *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->sync = sync;
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

/* Writes what waits and syncs it when asked; the failure is kept, not printed. */
static int commit_quietly(vw_trace_file *f)
{
    if (fflush(f->stream) != 0)
        fail(f, "flush", errno);
    if (write_out(f) < 0)
        return -1;
    if (f->sync && f->unsynced) {
        if (fdatasync(f->fd) < 0) {
            fail(f, "fdatasync", errno);
            return -1;
        }
        f->unsynced = false;
    }
    return 0;
}

int vw_trace_file_commit(vw_trace_file *f)
{
    if (f->len == 0 && !(f->sync && f->unsynced) && !f->failed)
        return 0;             /* the writer flushes every record: stdio holds nothing */
    if (!f->failed && commit_quietly(f) == 0)
        return 0;
    if (!f->reported) {
        fprintf(stderr, "%s: %s (still forwarding; the trace is incomplete)\n", f->who, f->error);
        f->reported = true;
    }
    return -1;
}

/* Commits what waits, closes the file and frees f; -1 with the first failure in err. */
static int trace_file_close(vw_trace_file *f, char *err, size_t errlen)
{
    int rc = commit_quietly(f);
    fclose(f->stream);            /* nothing left in stdio: the cookie has no close function */
    if (close(f->fd) < 0 && rc == 0) {
        fail(f, "close", errno);
        rc = -1;
    }
    if (rc < 0 || f->failed) {
        snprintf(err, errlen, "%s", f->error);
        rc = -1;
    }
    free(f->buf);
    free(f);
    return rc;
}

vw_trace_file *vw_trace_file_start(const char *path, const char *who, bool sync,
                                   vw_trace_protocol protocol, const char *tool,
                                   const char *upstream, vw_trace_writer **w, char *err,
                                   size_t errlen)
{
    vw_trace_file *f = trace_file_open(path, who, sync, err, errlen);
    if (!f)
        return NULL;
    vw_error te;
    *w = vw_trace_writer_open_stream(f->stream, protocol, tool, upstream, &te);
    if (*w && vw_trace_writer_flush(*w, &te) == 0 && commit_quietly(f) == 0)
        return f;
    snprintf(err, errlen, "%s", f->failed ? f->error : te.text);
    vw_trace_writer_close(*w, NULL);
    *w = NULL;
    char ignored[300];
    trace_file_close(f, ignored, sizeof(ignored));
    return NULL;
}

int vw_trace_file_finish(vw_trace_file *f, vw_trace_writer *w, char *err, size_t errlen)
{
    vw_error te;
    int rc = 0;
    if (vw_trace_writer_close(w, &te) < 0) {
        snprintf(err, errlen, "%s", te.text);
        rc = -1;
    }
    char why[300];
    if (trace_file_close(f, why, sizeof(why)) < 0 && rc == 0) {
        snprintf(err, errlen, "%s", why);
        rc = -1;
    }
    return rc;
}
