/* vm_state.c: the saved state of save/restore, see vm_state.h. */
#include "vm_state.h"
#include "vw_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#define STATE_MAGIC "FAKE-QEMU-STATE 1\n"
#define STATE_MAX (1u << 20)

/* ---- save ----------------------------------------------------------------------------------- */

static json_t *state_json(const char *name, const char *uuid, fq_state_devices *devices,
                          void *vm, const fq_saved *st)
{
    json_t *devs = json_array();
    const char *id;
    for (size_t i = 0; (id = devices(vm, i)) != NULL; i++)
        json_array_append_new(devs, json_string(id));
    return json_pack("{s:s,s:s,s:o,s:I,s:I}", "name", name ? name : "", "uuid", uuid ? uuid : "",
                     "devices", devs, "balloon", (json_int_t)st->balloon, "saves",
                     (json_int_t)(st->saves + 1));
}

int fq_state_save(int fd, const char *name, const char *uuid, fq_state_devices *devices,
                  void *vm, const fq_saved *st, char *err, size_t errlen)
{
    json_t *js = state_json(name, uuid, devices, vm, st);
    char *text = js ? json_dumps(js, JSON_COMPACT) : NULL;
    json_decref(js);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    int rc = text && vw_write_all(fd, STATE_MAGIC, strlen(STATE_MAGIC)) == 0 &&
             vw_write_all(fd, text, strlen(text)) == 0 && vw_write_all(fd, "\n", 1) == 0 ? 0 : -1;
    if (rc < 0)
        snprintf(err, errlen, "Unable to write to file descriptor: %s",
                 text ? strerror(errno) : "out of memory");
    free(text);
    close(fd);
    return rc;
}

/* ---- restore -------------------------------------------------------------------------------- */

static int state_has_device(const json_t *devs, const char *id)
{
    for (size_t i = 0; i < json_array_size(devs); i++)
        if (json_is_string(json_array_get(devs, i)) &&
            strcmp(json_string_value(json_array_get(devs, i)), id) == 0)
            return 1;
    return 0;
}

static int vm_has_device(const fq_state_in *in, const char *id)
{
    const char *have;
    for (size_t i = 0; id && (have = in->devices(in->vm, i)) != NULL; i++)
        if (strcmp(have, id) == 0)
            return 1;
    return 0;
}

/* The loaded state against this VM: NULL (st filled), or QEMU's error for a different set-up. */
static const char *load_state(const fq_state_in *in, fq_saved *st, char *err, size_t errlen)
{
    size_t ml = strlen(STATE_MAGIC);
    if (in->len < ml || memcmp(in->buf, STATE_MAGIC, ml) != 0)
        return "Not a migration stream";
    json_t *js = json_loadb(in->buf + ml, in->len - ml, 0, NULL);
    const json_t *devs = json_object_get(js, "devices");
    if (!json_is_array(devs)) {
        json_decref(js);
        return "load of migration failed: Invalid argument";
    }
    /* the same devices, in any order (a hot-plugged one comes last in the saved state and
     * in its place on the restoring command line) */
    const char *id, *missing = NULL;
    for (size_t i = 0; !missing && (id = in->devices(in->vm, i)) != NULL; i++)
        if (!state_has_device(devs, id))
            missing = id;
    for (size_t i = 0; i < json_array_size(devs) && !missing; i++)
        if (!vm_has_device(in, json_string_value(json_array_get(devs, i))))
            missing = json_string_value(json_array_get(devs, i));
    if (missing) {
        snprintf(err, errlen, "Unknown savevm section or instance '%s' 0. Make sure that your "
                 "current VM setup matches your saved VM setup, including any hotplugged "
                 "devices", missing);
        json_decref(js);
        return err;
    }
    st->balloon = (unsigned long long)json_integer_value(json_object_get(js, "balloon"));
    st->saves = (unsigned long long)json_integer_value(json_object_get(js, "saves"));
    json_decref(js);
    return NULL;
}

/* Reads what the descriptor has: 1 while more may come, 0 at its end (the state loaded into
 * st, or *error set). */
static int incoming_read(fq_state_in *in, int fd, fq_saved *st, const char **error, char *err,
                         size_t errlen)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 1;
        if (n <= 0) {
            *error = n < 0 ? strerror(errno) : load_state(in, st, err, errlen);
            return 0;
        }
        char *nb = in->len + (size_t)n <= STATE_MAX ? realloc(in->buf, in->len + (size_t)n)
                                                    : NULL;
        if (!nb) {
            *error = "fake-qemu: the saved state is too large";
            return 0;
        }
        memcpy(nb + in->len, buf, (size_t)n);
        in->buf = nb;
        in->len += (size_t)n;
    }
}

static void incoming_finish(fq_state_in *in, const char *error, const fq_saved *st)
{
    close(in->fd);
    in->fd = -1;
    in->done(in->opaque, error, st);
}

/* a pipe or socket (libvirtd's iohelper): read as it comes */
static void incoming_readable(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)mask;
    fq_state_in *in = cd;
    fq_saved st = { 0, 0 };
    const char *error = NULL;
    char err[512];
    if (incoming_read(in, fd, &st, &error, err, sizeof(err)))
        return;
    vw_evloop_del_file(loop, fd, VW_EV_READABLE);
    incoming_finish(in, error, &st);
}

/* a regular file (epoll cannot watch one): read at once, finished after the command's return */
static long long incoming_file_cb(vw_evloop *loop, long long id, void *cd)
{
    (void)loop;
    (void)id;
    fq_state_in *in = cd;
    fq_saved st = { 0, 0 };
    const char *error = NULL;
    char err[512];
    incoming_read(in, in->fd, &st, &error, err, sizeof(err));
    incoming_finish(in, error, &st);
    return VW_EV_NOMORE;
}

void fq_state_in_init(fq_state_in *in)
{
    memset(in, 0, sizeof(*in));
    in->fd = -1;
}

int fq_state_in_start(fq_state_in *in, vw_evloop *loop, const char *uri,
                      fq_state_devices *devices, void *vm, fq_state_loaded *done, void *opaque,
                      char *err, size_t errlen)
{
    char *end;
    if (strncmp(uri, "fd:", 3) != 0) {
        snprintf(err, errlen, "fake-qemu: incoming migration from '%s' is not modelled (fd:N "
                 "only)", uri);
        return -1;
    }
    long fd = strtol(uri + 3, &end, 10);
    if (end == uri + 3 || *end || fd < 0 || fcntl((int)fd, F_GETFD) < 0) {
        snprintf(err, errlen, "Failed to parse descriptor '%s'", uri + 3);   /* not QEMU's */
        return -1;
    }
    if (in->fd >= 0) {
        snprintf(err, errlen, "The incoming migration has already been started");
        return -1;
    }
    struct stat sb;
    int regular = fstat((int)fd, &sb) == 0 && S_ISREG(sb.st_mode);
    int fl = fcntl((int)fd, F_GETFL);
    fcntl((int)fd, F_SETFL, fl | O_NONBLOCK);
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    if (regular ? vw_evloop_add_timer(loop, 0, incoming_file_cb, in, NULL) < 0
                : vw_evloop_add_file(loop, (int)fd, VW_EV_READABLE, incoming_readable, in) < 0) {
        snprintf(err, errlen, "fake-qemu: cannot watch descriptor %ld", fd);
        return -1;
    }
    in->loop = loop;
    in->devices = devices;
    in->vm = vm;
    in->fd = (int)fd;
    in->done = done;
    in->opaque = opaque;
    free(in->buf);
    in->buf = NULL;
    in->len = 0;
    return 0;
}

void fq_state_in_fini(fq_state_in *in)
{
    if (in->fd >= 0) {
        vw_evloop_del_file(in->loop, in->fd, VW_EV_READABLE);
        close(in->fd);
        in->fd = -1;
    }
    free(in->buf);
    in->buf = NULL;
    in->len = 0;
}
