/* qmp_client.c: the QMP client (see qmp_client.h for the rules it follows).
 *
 * Shape: one non-blocking socket, one vw_qmp_streamer that frames what arrives, a list of
 * commands in flight (each waiting for its reply), and a short queue of replies that carried no
 * id and matched nothing. Every wait is a poll() bounded by the caller's deadline.
 */
#include "qmp_client.h"
#include "qmp_json.h"
#include "netaddr.h"
#include "vw_util.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK     65536
#define MAX_ORPHANS    64      /* id-less replies nobody claimed, kept for wait_reply(NULL) */

struct inflight {
    json_t *id;
    char *command;
    bool oob;
    json_t *reply;              /* NULL until it arrives */
    bool abandoned;             /* its caller timed out: drop the reply when it comes */
    struct inflight *next;
};

struct vw_qmp_client {
    int fd;
    char peer[160];
    vw_qmp_streamer *streamer;
    json_t *inbox;              /* array: messages framed but not yet dispatched */
    char stream_error[512];     /* first JSON error the server's output produced */
    json_t *greeting;           /* the "QMP" member */
    bool oob_enabled;
    bool closed;                /* the peer closed; nothing more will arrive */
    char closed_desc[256];
    unsigned long long next_id;
    struct inflight *inflight;  /* oldest first */
    json_t *orphans;            /* array of id-less replies */
    vw_qmp_event_fn *event_fn;
    void *event_opaque;
};

const char *vw_qmp_errcode_name(enum vw_qmp_errcode code)
{
    switch (code) {
    case VW_QMP_OK: return "ok";
    case VW_QMP_ERR_CONNECT: return "connection failed";
    case VW_QMP_ERR_TIMEOUT: return "timeout";
    case VW_QMP_ERR_CLOSED: return "connection closed";
    case VW_QMP_ERR_IO: return "I/O error";
    case VW_QMP_ERR_PROTOCOL: return "protocol error";
    case VW_QMP_ERR_COMMAND: return "command failed";
    case VW_QMP_ERR_INVALID: return "invalid use";
    }
    return "unknown error";
}

static int set_err(vw_qmp_error *err, enum vw_qmp_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_err(vw_qmp_error *err, enum vw_qmp_errcode code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        err->cls[0] = '\0';
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->desc, sizeof(err->desc), fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void clear_err(vw_qmp_error *err)
{
    if (err) {
        err->code = VW_QMP_OK;
        err->cls[0] = '\0';
        err->desc[0] = '\0';
    }
}

static int remaining_ms(long long deadline)
{
    long long left = deadline - vw_now_ms();
    if (left < 0) {
        return 0;
    }
    return left > 1000000000 ? 1000000000 : (int)left;
}

/* ---- receiving ------------------------------------------------------------------------------ */

static void streamer_cb(void *opaque, json_t *msg, const char *error)
{
    vw_qmp_client *c = opaque;
    if (error) {
        if (!c->stream_error[0]) {
            /* the desc may hold raw bytes; keep it printable */
            size_t o = 0;
            for (const char *p = error; *p && o + 5 < sizeof(c->stream_error); p++) {
                unsigned char ch = (unsigned char)*p;
                if (ch < 0x20 || ch >= 0x7F) {
                    o += (size_t)snprintf(c->stream_error + o, sizeof(c->stream_error) - o,
                                          "\\x%02X", ch);
                } else {
                    c->stream_error[o++] = (char)ch;
                }
            }
            c->stream_error[o] = '\0';
        }
        return;
    }
    json_array_append_new(c->inbox, msg);
}

static void deliver_event(vw_qmp_client *c, json_t *msg)
{
    if (!c->event_fn) {
        return;
    }
    vw_qmp_event ev = { 0 };
    ev.name = json_string_value(json_object_get(msg, "event"));
    ev.data = json_object_get(msg, "data");
    ev.msg = msg;
    ev.seconds = -1;
    ev.microseconds = -1;
    json_t *ts = json_object_get(msg, "timestamp");
    if (json_is_integer(json_object_get(ts, "seconds"))) {
        ev.seconds = json_integer_value(json_object_get(ts, "seconds"));
    }
    if (json_is_integer(json_object_get(ts, "microseconds"))) {
        ev.microseconds = json_integer_value(json_object_get(ts, "microseconds"));
    }
    c->event_fn(c->event_opaque, &ev);
}

static void remove_inflight(vw_qmp_client *c, struct inflight *gone);

static void settle(vw_qmp_client *c, struct inflight *f, json_t *msg)
{
    if (f->abandoned) {
        remove_inflight(c, f);
    } else {
        f->reply = json_incref(msg);
    }
}

static void route_reply(vw_qmp_client *c, json_t *msg)
{
    json_t *id = json_object_get(msg, "id");
    if (id) {
        for (struct inflight *f = c->inflight; f; f = f->next) {
            if (!f->reply && json_equal(f->id, id)) {
                settle(c, f, msg);
                return;
            }
        }
        return;   /* unknown id: dropped, as the QMP spec asks */
    }
    /* No id: QEMU could not read the command (a parse error). In-band replies come in order,
     * so it belongs to the oldest in-band command still waiting. */
    for (struct inflight *f = c->inflight; f; f = f->next) {
        if (!f->reply && !f->oob) {
            settle(c, f, msg);
            return;
        }
    }
    if (json_array_size(c->orphans) < MAX_ORPHANS) {
        json_array_append(c->orphans, msg);
    }
}

/* Dispatches everything framed so far. Before the greeting only the greeting is accepted. */
static int dispatch_inbox(vw_qmp_client *c, vw_qmp_error *err)
{
    while (json_array_size(c->inbox) > 0) {
        json_t *msg = json_incref(json_array_get(c->inbox, 0));
        json_array_remove(c->inbox, 0);
        if (!c->greeting) {
            json_t *qmp = json_object_get(msg, "QMP");
            if (!vw_qmp_is_object(qmp)) {
                char *text = vw_qmp_dumps(msg, 0);
                set_err(err, VW_QMP_ERR_PROTOCOL,
                        "%s did not start with a QMP greeting {\"QMP\": ...}; it sent: %.200s "
                        "(is this a QMP socket?)", c->peer, text ? text : "?");
                free(text);
                json_decref(msg);
                return -1;
            }
            c->greeting = json_incref(qmp);
        } else if (json_is_object(msg) && json_is_string(json_object_get(msg, "event"))) {
            deliver_event(c, msg);
        } else if (json_is_object(msg) &&
                   (json_object_get(msg, "return") || json_object_get(msg, "error"))) {
            route_reply(c, msg);
        }
        /* anything else: ignored, clients must tolerate new message kinds */
        json_decref(msg);
    }
    return 0;
}

/* Waits until readable (up to deadline), reads once, frames and dispatches.
 * Returns 1 when something was read, 0 on timeout, -1 on error (err set). */
static int read_once(vw_qmp_client *c, long long deadline, const char *waiting_for,
                     vw_qmp_error *err)
{
    if (c->stream_error[0]) {
        return set_err(err, VW_QMP_ERR_PROTOCOL, "%s sent invalid JSON: %s", c->peer,
                       c->stream_error);
    }
    if (c->closed) {
        return set_err(err, VW_QMP_ERR_CLOSED, "%s while %s", c->closed_desc, waiting_for);
    }
    struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
    int n;
    do {
        n = poll(&pfd, 1, remaining_ms(deadline));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return set_err(err, VW_QMP_ERR_IO, "poll on %s failed: %s", c->peer, strerror(errno));
    }
    if (n == 0) {
        return 0;
    }
    char buf[READ_CHUNK];
    ssize_t got;
    do {
        got = recv(c->fd, buf, sizeof(buf), 0);
    } while (got < 0 && errno == EINTR);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return 1;
    }
    if (got <= 0) {
        size_t pending = vw_qmp_streamer_pending(c->streamer);
        c->closed = true;
        if (got < 0) {
            snprintf(c->closed_desc, sizeof(c->closed_desc), "%s reset the connection (%s)",
                     c->peer, strerror(errno));
        } else if (pending) {
            snprintf(c->closed_desc, sizeof(c->closed_desc),
                     "%s closed the connection in the middle of a message (%zu bytes of it "
                     "received)", c->peer, pending);
        } else {
            snprintf(c->closed_desc, sizeof(c->closed_desc), "%s closed the connection",
                     c->peer);
        }
        /* messages that arrived complete before the close still count */
        if (dispatch_inbox(c, err) < 0) {
            return -1;
        }
        return set_err(err, VW_QMP_ERR_CLOSED, "%s while %s", c->closed_desc, waiting_for);
    }
    vw_qmp_streamer_feed(c->streamer, buf, (size_t)got);
    if (dispatch_inbox(c, err) < 0) {
        return -1;
    }
    if (c->stream_error[0]) {
        return set_err(err, VW_QMP_ERR_PROTOCOL, "%s sent invalid JSON: %s", c->peer,
                       c->stream_error);
    }
    return 1;
}

/* ---- sending -------------------------------------------------------------------------------- */

static int write_all(vw_qmp_client *c, const char *buf, size_t len, long long deadline,
                     const char *what, vw_qmp_error *err)
{
    size_t off = 0;
    if (c->closed) {
        return set_err(err, VW_QMP_ERR_CLOSED, "%s; cannot send %s", c->closed_desc, what);
    }
    while (off < len) {
        ssize_t n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
            int r = poll(&pfd, 1, remaining_ms(deadline));
            if (r == 0) {
                return set_err(err, VW_QMP_ERR_TIMEOUT,
                               "timed out sending %s to %s (%zu of %zu bytes sent)", what,
                               c->peer, off, len);
            }
            if (r < 0 && errno != EINTR) {
                return set_err(err, VW_QMP_ERR_IO, "poll on %s failed: %s", c->peer,
                               strerror(errno));
            }
            continue;
        }
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            c->closed = true;
            snprintf(c->closed_desc, sizeof(c->closed_desc), "%s closed the connection",
                     c->peer);
            return set_err(err, VW_QMP_ERR_CLOSED, "%s; could not send %s", c->closed_desc,
                           what);
        }
        return set_err(err, VW_QMP_ERR_IO, "sending %s to %s failed: %s", what, c->peer,
                       n < 0 ? strerror(errno) : "no progress");
    }
    return 0;
}

/* ---- connection ----------------------------------------------------------------------------- */

static vw_qmp_client *client_new(int fd, const char *peer)
{
    vw_qmp_client *c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->fd = fd;
    snprintf(c->peer, sizeof(c->peer), "QMP server %s", peer ? peer : "(fd)");
    c->streamer = vw_qmp_streamer_new(NULL, streamer_cb, c);
    c->inbox = json_array();
    c->orphans = json_array();
    c->next_id = 1;
    if (!c->streamer || !c->inbox || !c->orphans) {
        c->fd = -1;
        vw_qmp_client_close(c);
        return NULL;
    }
    return c;
}

vw_qmp_client *vw_qmp_client_open_fd(int fd, const char *peer_name, int timeout_ms,
                                     vw_qmp_error *err)
{
    clear_err(err);
    if (timeout_ms <= 0) {
        close(fd);
        set_err(err, VW_QMP_ERR_INVALID, "timeout must be > 0 ms (got %d)", timeout_ms);
        return NULL;
    }
    char msg[256];
    if (vw_netaddr_set_nonblock(fd, 1, msg, sizeof(msg)) < 0) {
        close(fd);
        set_err(err, VW_QMP_ERR_IO, "%s", msg);
        return NULL;
    }
    vw_qmp_client *c = client_new(fd, peer_name);
    if (!c) {
        close(fd);
        set_err(err, VW_QMP_ERR_IO, "out of memory");
        return NULL;
    }
    long long deadline = vw_now_ms() + timeout_ms;
    while (!c->greeting) {
        int r = remaining_ms(deadline) > 0
                ? read_once(c, deadline, "waiting for the QMP greeting", err) : 0;
        if (r < 0 && c->greeting) {
            /* the greeting made it; what broke after it surfaces on the next call */
            clear_err(err);
            break;
        }
        if (r < 0) {
            vw_qmp_client_close(c);
            return NULL;
        }
        if (r == 0) {
            set_err(err, VW_QMP_ERR_TIMEOUT,
                    "no QMP greeting from %s within %d ms (QEMU sends no greeting while another "
                    "client is connected to this monitor)", c->peer, timeout_ms);
            vw_qmp_client_close(c);
            return NULL;
        }
    }
    return c;
}

vw_qmp_client *vw_qmp_client_connect(const char *address, int timeout_ms, vw_qmp_error *err)
{
    clear_err(err);
    if (!address) {
        set_err(err, VW_QMP_ERR_INVALID, "no address given (expected unix:PATH or tcp:HOST:PORT)");
        return NULL;
    }
    if (timeout_ms <= 0) {
        set_err(err, VW_QMP_ERR_INVALID, "timeout must be > 0 ms (got %d)", timeout_ms);
        return NULL;
    }
    vw_netaddr addr;
    char msg[512];
    if (vw_netaddr_parse(address, &addr, msg, sizeof(msg)) < 0) {
        set_err(err, VW_QMP_ERR_CONNECT, "%s", msg);
        return NULL;
    }
    long long deadline = vw_now_ms() + timeout_ms;
    int fd = vw_netaddr_connect(&addr, timeout_ms, msg, sizeof(msg));
    if (fd < 0) {
        set_err(err, VW_QMP_ERR_CONNECT, "%s", msg);
        return NULL;
    }
    int left = remaining_ms(deadline);
    return vw_qmp_client_open_fd(fd, address, left > 0 ? left : 1, err);
}

void vw_qmp_client_close(vw_qmp_client *c)
{
    if (!c) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    while (c->inflight) {
        struct inflight *f = c->inflight;
        c->inflight = f->next;
        json_decref(f->id);
        json_decref(f->reply);
        free(f->command);
        free(f);
    }
    vw_qmp_streamer_free(c->streamer);
    json_decref(c->inbox);
    json_decref(c->orphans);
    json_decref(c->greeting);
    free(c);
}

const json_t *vw_qmp_client_greeting(const vw_qmp_client *c)
{
    return c->greeting;
}

int vw_qmp_client_version(const vw_qmp_client *c, int *major, int *minor, int *micro,
                          const char **package)
{
    json_t *ver = json_object_get(c->greeting, "version");
    json_t *q = json_object_get(ver, "qemu");
    json_t *ma = json_object_get(q, "major"), *mi = json_object_get(q, "minor"),
           *mc = json_object_get(q, "micro");
    if (!json_is_integer(ma) || !json_is_integer(mi) || !json_is_integer(mc)) {
        return -1;
    }
    if (major) {
        *major = (int)json_integer_value(ma);
    }
    if (minor) {
        *minor = (int)json_integer_value(mi);
    }
    if (micro) {
        *micro = (int)json_integer_value(mc);
    }
    if (package) {
        *package = json_string_value(json_object_get(ver, "package"));
    }
    return 0;
}

int vw_qmp_client_offers(const vw_qmp_client *c, const char *name)
{
    json_t *caps = json_object_get(c->greeting, "capabilities");
    size_t i;
    json_t *v;
    json_array_foreach(caps, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), name) == 0) {
            return 1;
        }
    }
    return 0;
}

int vw_qmp_client_oob_enabled(const vw_qmp_client *c)
{
    return c->oob_enabled;
}

void vw_qmp_client_set_event_handler(vw_qmp_client *c, vw_qmp_event_fn *fn, void *opaque)
{
    c->event_fn = fn;
    c->event_opaque = opaque;
}

int vw_qmp_client_fd(const vw_qmp_client *c)
{
    return c->fd;
}

/* ---- commands ------------------------------------------------------------------------------- */

static struct inflight *find_inflight(vw_qmp_client *c, const json_t *id)
{
    for (struct inflight *f = c->inflight; f; f = f->next) {
        if (!f->abandoned && json_equal(f->id, (json_t *)id)) {
            return f;
        }
    }
    return NULL;
}

/* Also counts abandoned commands: QEMU may still answer them. */
static bool id_in_use(const vw_qmp_client *c, const json_t *id)
{
    for (const struct inflight *f = c->inflight; f; f = f->next) {
        if (json_equal(f->id, (json_t *)id)) {
            return true;
        }
    }
    return false;
}

static void remove_inflight(vw_qmp_client *c, struct inflight *gone)
{
    for (struct inflight **pp = &c->inflight; *pp; pp = &(*pp)->next) {
        if (*pp == gone) {
            *pp = gone->next;
            json_decref(gone->id);
            json_decref(gone->reply);
            free(gone->command);
            free(gone);
            return;
        }
    }
}

int vw_qmp_client_send(vw_qmp_client *c, const char *command, const json_t *args,
                       const json_t *id, int flags, int timeout_ms, json_t **id_out,
                       vw_qmp_error *err)
{
    clear_err(err);
    if (id_out) {
        *id_out = NULL;
    }
    if (!command || !*command) {
        return set_err(err, VW_QMP_ERR_INVALID, "no command name given");
    }
    if (args && !vw_qmp_is_object(args)) {
        return set_err(err, VW_QMP_ERR_INVALID,
                       "arguments of '%s' must be a JSON object", command);
    }
    if (timeout_ms <= 0) {
        return set_err(err, VW_QMP_ERR_INVALID, "timeout must be > 0 ms (got %d)", timeout_ms);
    }
    if ((flags & VW_QMP_EXEC_OOB) && !c->oob_enabled) {
        return set_err(err, VW_QMP_ERR_INVALID,
                       "cannot run '%s' out-of-band: OOB was not enabled at negotiation "
                       "(the server %s it)", command,
                       vw_qmp_client_offers(c, "oob") ? "offers" : "does not offer");
    }
    json_t *use_id;
    if (id) {
        if (id_in_use(c, id)) {
            char *t = vw_qmp_dumps(id, 0);
            set_err(err, VW_QMP_ERR_INVALID, "id %s is already used by a command in flight",
                    t ? t : "?");
            free(t);
            return -1;
        }
        use_id = json_deep_copy(id);
    } else {
        do {
            use_id = json_sprintf("vw-%llu", c->next_id++);
            if (id_in_use(c, use_id)) {
                json_decref(use_id);
                use_id = NULL;
            }
        } while (!use_id);
    }
    json_t *msg = json_object();
    json_object_set_new(msg, (flags & VW_QMP_EXEC_OOB) ? "exec-oob" : "execute",
                        json_string(command));
    if (args) {
        json_object_set(msg, "arguments", (json_t *)args);
    }
    json_object_set(msg, "id", use_id);
    char *text = vw_qmp_dumps(msg, 0);
    json_decref(msg);
    if (!text || !use_id) {
        free(text);
        json_decref(use_id);
        return set_err(err, VW_QMP_ERR_INVALID, "out of memory building '%s'", command);
    }
    size_t len = strlen(text);
    char *line = realloc(text, len + 3);
    if (!line) {
        free(text);
        json_decref(use_id);
        return set_err(err, VW_QMP_ERR_INVALID, "out of memory building '%s'", command);
    }
    memcpy(line + len, "\r\n", 3);

    char what[200];
    snprintf(what, sizeof(what), "command '%s'", command);
    struct inflight *f = calloc(1, sizeof(*f));
    if (!f || !(f->command = strdup(command))) {
        free(f);
        free(line);
        json_decref(use_id);
        return set_err(err, VW_QMP_ERR_INVALID, "out of memory");
    }
    f->id = use_id;
    f->oob = (flags & VW_QMP_EXEC_OOB) != 0;
    /* register before sending: the reply may arrive while a big command is still being written */
    struct inflight **tail = &c->inflight;
    while (*tail) {
        tail = &(*tail)->next;
    }
    *tail = f;
    int r = write_all(c, line, len + 2, vw_now_ms() + timeout_ms, what, err);
    free(line);
    if (r < 0) {
        remove_inflight(c, f);
        return -1;
    }
    if (id_out) {
        *id_out = json_incref(f->id);
    }
    return 0;
}

int vw_qmp_client_send_raw(vw_qmp_client *c, const char *buf, size_t len, int timeout_ms,
                           vw_qmp_error *err)
{
    clear_err(err);
    if (timeout_ms <= 0) {
        return set_err(err, VW_QMP_ERR_INVALID, "timeout must be > 0 ms (got %d)", timeout_ms);
    }
    return write_all(c, buf, len, vw_now_ms() + timeout_ms, "raw bytes", err);
}

int vw_qmp_client_wait_reply(vw_qmp_client *c, const json_t *id, int timeout_ms,
                             json_t **reply, vw_qmp_error *err)
{
    clear_err(err);
    *reply = NULL;
    if (timeout_ms <= 0) {
        return set_err(err, VW_QMP_ERR_INVALID, "timeout must be > 0 ms (got %d)", timeout_ms);
    }
    long long deadline = vw_now_ms() + timeout_ms;
    struct inflight *f = NULL;
    char waiting[256];
    if (id) {
        f = find_inflight(c, id);
        if (!f) {
            char *t = vw_qmp_dumps(id, 0);
            set_err(err, VW_QMP_ERR_INVALID, "no command with id %s is in flight", t ? t : "?");
            free(t);
            return -1;
        }
        char *t = vw_qmp_dumps(f->id, 0);
        snprintf(waiting, sizeof(waiting), "waiting for the reply to '%s' (id %.100s)",
                 f->command, t ? t : "?");
        free(t);
    } else {
        snprintf(waiting, sizeof(waiting), "waiting for a reply without id");
    }
    for (;;) {
        /* replies dispatched earlier (or just now) are checked first */
        if (f && f->reply) {
            *reply = json_incref(f->reply);
            remove_inflight(c, f);
            return 0;
        }
        if (!f && json_array_size(c->orphans) > 0) {
            *reply = json_incref(json_array_get(c->orphans, 0));
            json_array_remove(c->orphans, 0);
            return 0;
        }
        /* a peer that keeps sending (events, a never-ending message) must not stretch the
         * deadline: poll(0) would keep finding data */
        int r = remaining_ms(deadline) > 0 ? read_once(c, deadline, waiting, err) : 0;
        if (r < 0) {
            if (f && f->reply) {     /* it arrived together with the close */
                continue;
            }
            if (f) {
                remove_inflight(c, f);
            }
            return -1;
        }
        if (r == 0) {
            if (f) {
                /* QEMU may still answer: keep the slot so that the late reply is recognised
                 * (and an id-less one is not taken for the next command's), then drop it */
                f->abandoned = true;
            }
            return set_err(err, VW_QMP_ERR_TIMEOUT, "timed out after %d ms %s from %s",
                           timeout_ms, waiting, c->peer);
        }
    }
}

/* Turns a reply into the caller's result. */
static int reply_result(json_t *reply, const char *command, json_t **ret, vw_qmp_error *err)
{
    json_t *e = json_object_get(reply, "error");
    if (e) {
        const char *cls = json_string_value(json_object_get(e, "class"));
        const char *desc = json_string_value(json_object_get(e, "desc"));
        set_err(err, VW_QMP_ERR_COMMAND, "%s", desc ? desc : "(no desc)");
        if (err) {
            snprintf(err->cls, sizeof(err->cls), "%s", cls ? cls : "GenericError");
        }
        return -1;
    }
    json_t *r = json_object_get(reply, "return");
    if (!r) {
        return set_err(err, VW_QMP_ERR_PROTOCOL,
                       "the reply to '%s' has neither \"return\" nor \"error\"", command);
    }
    if (ret) {
        *ret = json_incref(r);
    }
    return 0;
}

int vw_qmp_client_execute(vw_qmp_client *c, const char *command, const json_t *args,
                          const json_t *id, int flags, int timeout_ms, json_t **ret,
                          vw_qmp_error *err)
{
    if (ret) {
        *ret = NULL;
    }
    long long deadline = vw_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    json_t *used_id = NULL;
    if (vw_qmp_client_send(c, command, args, id, flags, timeout_ms, &used_id, err) < 0) {
        return -1;
    }
    int left = remaining_ms(deadline);
    json_t *reply = NULL;
    int r = vw_qmp_client_wait_reply(c, used_id, left > 0 ? left : 1, &reply, err);
    json_decref(used_id);
    if (r < 0) {
        return -1;
    }
    r = reply_result(reply, command, ret, err);
    json_decref(reply);
    return r;
}

int vw_qmp_client_negotiate(vw_qmp_client *c, int want_oob, int timeout_ms, vw_qmp_error *err)
{
    json_t *args = NULL;
    bool oob = want_oob && vw_qmp_client_offers(c, "oob");
    if (oob) {
        args = json_pack("{s:[s]}", "enable", "oob");
    }
    int r = vw_qmp_client_execute(c, "qmp_capabilities", args, NULL, 0, timeout_ms, NULL, err);
    json_decref(args);
    if (r == 0) {
        c->oob_enabled = oob;
    } else if (err && err->code == VW_QMP_ERR_COMMAND) {
        char desc[sizeof(err->desc)];
        snprintf(desc, sizeof(desc), "%s", err->desc);
        snprintf(err->desc, sizeof(err->desc), "capabilities negotiation failed: %.900s", desc);
    }
    return r;
}

int vw_qmp_client_wait_events(vw_qmp_client *c, int timeout_ms, vw_qmp_error *err)
{
    clear_err(err);
    if (timeout_ms < 0) {
        return set_err(err, VW_QMP_ERR_INVALID, "timeout must be >= 0 ms (got %d)", timeout_ms);
    }
    long long deadline = vw_now_ms() + timeout_ms;
    for (;;) {
        int r = read_once(c, deadline, "waiting for events", err);
        if (r < 0) {
            return -1;
        }
        if (r == 0 || remaining_ms(deadline) == 0) {
            return 0;
        }
    }
}
