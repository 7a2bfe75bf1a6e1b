/* qemu_link.c: one QMP connection per running QEMU-driver domain (see qemu_link.h). */
#include "qemu_link.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "qmp_client.h"
#include "qmp_json.h"
#include "events.h"
#include "qemu_spawn.h"
#include "replies.h"

/* libvirt's reasons and event details used here (libvirt-domain.h) */
enum {
    PAUSED_UNKNOWN = 0,
    PAUSED_USER = 1,
    RUNNING_UNPAUSED = 5,
    SHUTDOWN_UNKNOWN = 0,
    SHUTOFF_SHUTDOWN = 1,
    SHUTOFF_DESTROYED = 2,
    SHUTOFF_CRASHED = 3,
    SHUTOFF_FAILED = 6,
    STOPPED_SHUTDOWN = 0,
    STOPPED_DESTROYED = 1,
    STOPPED_FAILED = 5,
    SHUTDOWN_FINISHED = 0,
    SHUTDOWN_GUEST = 1,
    SHUTDOWN_HOST = 2,
};

typedef struct fl_qemu_link {
    fl_qemu *q;
    fl_model *model;
    char *name;
    unsigned char uuid[16];
    char *path;                 /* DIR/<name>.qmp */
    pid_t pid;                  /* > 0: the fake-qemu we started; 0: connected to a QEMU */
    vw_qmp_client *qmp;
    int fd;                     /* registered on the loop when >= 0 */
    json_t *events;             /* QMP event messages not yet acted on */
    int paused_reason;          /* reason the next STOP gets (libvirt's priv->pausedReason) */
    bool got_shutdown;          /* a SHUTDOWN event came */
    bool ending;                /* the QEMU is gone or shutting down: end_timer will stop it */
    long long end_timer;
    unsigned long next_id;      /* "libvirt-N" command ids */
    struct fl_qemu_link *next;
} fl_qemu_link;

struct fl_qemu {
    /* fl_qemu_hold_events: the model's hook while a start's events are held */
    fl_model *held_model;
    fl_event_hook *held_hook;
    void *held_opaque;
    int held[8][2];             /* (event, detail) */
    int nheld;
    char *dir;
    char *binary;
    char *version;
    int verbose;
    vw_evloop *loop;
    struct fl_server *srv;
    fl_qemu_link *links;
};

/* ---- helpers ------------------------------------------------------------------------------- */

static void qemu_error(vw_virerror *err, const char *fmt, ...) __attribute__((format(printf, 2,
                                                                                     3)));
static void qemu_error(vw_virerror *err, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_QEMU, "internal error", "%s", msg);
}

/* Compact JSON as libvirt prints a monitor reply (virJSONValueToString), numbers beyond int64
 * (qmp_json's raw numbers, {"__vw_qmp_raw_number__":"TEXT"}) printed bare. NULL: no memory. */
static char *compact_json(const json_t *v)
{
    char *out = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    static const char key[] = "{\"" VW_QMP_RAW_NUMBER_KEY "\":\"";
    char *at;
    while (out && (at = strstr(out, key)) != NULL) {
        char *text = at + sizeof(key) - 1;
        char *end = strstr(text, "\"}");
        if (!end)
            break;
        size_t n = (size_t)(end - text);
        memmove(at, text, n);
        memmove(at + n, end + 2, strlen(end + 2) + 1);
    }
    return out;
}

static fl_qemu_link *find_link(fl_qemu *q, const fl_model *m, const unsigned char uuid[16])
{
    for (fl_qemu_link *l = q->links; l; l = l->next)
        if (l->model == m && memcmp(l->uuid, uuid, 16) == 0)
            return l;
    return NULL;
}

/* Ends the connection and the process; unlinks and frees l. */
static void link_free(fl_qemu_link *l, bool quit_external)
{
    fl_qemu *q = l->q;
    for (fl_qemu_link **pp = &q->links; *pp; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    }
    if (l->end_timer >= 0)
        vw_evloop_del_timer(q->loop, l->end_timer);
    if (l->fd >= 0)
        vw_evloop_del_file(q->loop, l->fd, VW_EV_READABLE);
    if (l->qmp && l->pid == 0 && quit_external) {
        /* a QEMU we did not start: ask it to quit (libvirtd would kill it) */
        vw_qmp_error e;
        vw_qmp_client_execute(l->qmp, "quit", NULL, NULL, 0, FL_QEMU_CALL_TIMEOUT_MS, NULL, &e);
    }
    vw_qmp_client_close(l->qmp);
    if (l->pid > 0) {
        fl_qemu_stop_process(l->pid, true);
        unlink(l->path); /* a killed fake-qemu leaves its socket file (libvirtd removes its own) */
    }
    json_decref(l->events);
    free(l->name);
    free(l->path);
    free(l);
}

/* ---- events ---------------------------------------------------------------------------------- */

static void on_qmp_event(void *opaque, const vw_qmp_event *ev)
{
    fl_qemu_link *l = opaque;
    /* acted on after the client call returns (the handler must not call into the client) */
    json_array_append(l->events, ev->msg);
}

static bool event_matches(const fl_callback *cb, const char *event)
{
    if (!cb->qemu_event[0])
        return true;
    if (cb->qemu_flags & 1 /* VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX */) {
        regex_t re;
        int cflags = REG_EXTENDED | REG_NOSUB |
                     ((cb->qemu_flags & 2 /* NOCASE */) ? REG_ICASE : 0);
        if (regcomp(&re, cb->qemu_event, cflags) != 0)
            return false;
        bool m = regexec(&re, event, 0, NULL, 0) == 0;
        regfree(&re);
        return m;
    }
    if (cb->qemu_flags & 2)
        return strcasecmp(cb->qemu_event, event) == 0;
    return strcmp(cb->qemu_event, event) == 0;
}

/* QEMU_PROC_DOMAIN_MONITOR_EVENT to every registration that wants it. */
static void forward_event(fl_qemu_link *l, const fl_domain *d, json_t *msg)
{
    const char *name = json_string_value(json_object_get(msg, "event"));
    if (!name)
        return;
    json_t *ts = json_object_get(msg, "timestamp");
    long long secs = json_integer_value(json_object_get(ts, "seconds"));
    long long usecs = json_integer_value(json_object_get(ts, "microseconds"));
    json_t *data = json_object_get(msg, "data");
    char *details = data ? compact_json(data) : NULL;
    for (fl_conn *c = fl_server_conns(l->q->srv); c; c = c->next) {
        if (c->model != l->model || c->closing)
            continue;
        for (int i = 0; i < c->ncallbacks; i++) {
            const fl_callback *cb = &c->callbacks[i];
            if (!cb->qemu_monitor || (cb->has_dom && memcmp(cb->dom_uuid, l->uuid, 16) != 0) ||
                !event_matches(cb, name))
                continue;
            vw_qemu_domain_monitor_event_msg m;
            memset(&m, 0, sizeof(m));
            m.callbackID = cb->callback_id;
            m.dom.name = l->name;
            memcpy(m.dom.uuid, l->uuid, 16);
            m.dom.id = d ? d->id : -1;
            m.event = (char *)name;
            m.seconds = secs;
            m.micros = usecs < 0 ? 0 : (unsigned)usecs;
            m.details = details ? &details : NULL;
            fl_conn_send_message(c, VW_QEMU_PROGRAM, VW_QEMU_PROC_DOMAIN_MONITOR_EVENT,
                                 (xdrproc_t)xdr_vw_qemu_domain_monitor_event_msg, &m);
        }
    }
    free(details);
}

static long long end_link(vw_evloop *loop, long long id, void *data);

/* Stops the domain from a loop timer once its QEMU is gone or shut down. */
static void schedule_end(fl_qemu_link *l)
{
    if (l->ending)
        return;
    l->ending = true;
    if (l->fd >= 0) {
        vw_evloop_del_file(l->q->loop, l->fd, VW_EV_READABLE);
        l->fd = -1;
    }
    l->end_timer = vw_evloop_add_timer(l->q->loop, 0, end_link, l, NULL);
}

static bool is_quit(json_t *msg)
{
    const char *reason =
        json_string_value(json_object_get(json_object_get(msg, "data"), "reason"));
    return reason && strcmp(reason, "host-qmp-quit") == 0;
}

/* Acts on the queued events as libvirtd's qemu_process.c handlers do. May schedule the end of
 * the link but never frees it or a domain. */
static void process_events(fl_qemu_link *l)
{
    while (json_array_size(l->events) > 0) {
        json_t *msg = json_incref(json_array_get(l->events, 0));
        json_array_remove(l->events, 0);
        fl_domain *d = fl_domain_lookup_uuid(l->model, l->uuid, NULL);
        if (d && !fl_domain_is_active(d))
            d = NULL;
        forward_event(l, d, msg);
        const char *name = json_string_value(json_object_get(msg, "event"));
        if (d && name && strcmp(name, "STOP") == 0) {
            /* qemuProcessHandleStop: a running domain becomes paused with the saved reason */
            if (d->state == FL_STATE_RUNNING)
                fl_domain_set_state(l->model, d, FL_STATE_PAUSED, l->paused_reason,
                                    FL_EVENT_SUSPENDED, FL_DETAIL_SUSPENDED_PAUSED);
            l->paused_reason = PAUSED_UNKNOWN;
        } else if (d && name && strcmp(name, "RESUME") == 0) {
            /* qemuProcessHandleResume */
            if (d->state == FL_STATE_PAUSED)
                fl_domain_set_state(l->model, d, FL_STATE_RUNNING, RUNNING_UNPAUSED,
                                    FL_EVENT_RESUMED, FL_DETAIL_RESUMED_UNPAUSED);
        } else if (d && name && strcmp(name, "SHUTDOWN") == 0 && !l->got_shutdown &&
                   !is_quit(msg)) {
            /* qemuProcessHandleShutdown: state shutdown and a Shutdown event whose detail says
             * who asked, then libvirtd kills QEMU (qemuProcessShutdownOrReboot). libvirtd 9.0
             * does not act on the SHUTDOWN of a `quit` sent through the passthrough (observed):
             * the end of the monitor then counts as a crash (end_link) */
            json_t *guest = json_object_get(json_object_get(msg, "data"), "guest");
            int detail = json_is_true(guest) ? SHUTDOWN_GUEST
                         : json_is_false(guest) ? SHUTDOWN_HOST : SHUTDOWN_FINISHED;
            l->got_shutdown = true;
            fl_domain_set_state(l->model, d, FL_STATE_SHUTDOWN, SHUTDOWN_UNKNOWN,
                                FL_EVENT_SHUTDOWN, detail);
            schedule_end(l);
        }
        json_decref(msg);
    }
}

/* Loop timer: the QEMU went away (or shut down): end it and stop the domain. */
static long long end_link(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    fl_qemu_link *l = data;
    fl_qemu *q = l->q;
    l->end_timer = -1;
    fl_model *m = l->model;
    unsigned char uuid[16];
    memcpy(uuid, l->uuid, 16);
    bool shutdown = l->got_shutdown;
    if (q->verbose)
        fprintf(stderr, "fake-libvirtd: QEMU of domain '%s' %s\n", l->name,
                shutdown ? "shut down" : "went away without SHUTDOWN: domain crashed");
    link_free(l, false);
    fl_domain *d = fl_domain_lookup_uuid(m, uuid, NULL);
    if (d && fl_domain_is_active(d)) {
        /* qemuProcessHandleMonitorEOF: shut off, reason shutdown after a SHUTDOWN event,
         * else crashed with a Stopped Failed event */
        if (shutdown)
            fl_domain_stopped(m, d, SHUTOFF_SHUTDOWN, STOPPED_SHUTDOWN);
        else
            fl_domain_stopped(m, d, SHUTOFF_CRASHED, STOPPED_FAILED);
    }
    fl_events_flush(q->srv);
    return VW_EV_NOMORE;
}

/* After every client call: act on events; a failed connection ends the link. */
static void after_call(fl_qemu_link *l, const vw_qmp_error *err)
{
    process_events(l);
    if (err && (err->code == VW_QMP_ERR_CLOSED || err->code == VW_QMP_ERR_IO ||
                err->code == VW_QMP_ERR_PROTOCOL || err->code == VW_QMP_ERR_TIMEOUT))
        schedule_end(l);
}

static void on_qmp_readable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    fl_qemu_link *l = data;
    vw_qmp_error err;
    memset(&err, 0, sizeof(err));
    int rc = vw_qmp_client_wait_events(l->qmp, 0, &err);
    after_call(l, rc < 0 ? &err : NULL);
    if (rc < 0)
        schedule_end(l);
    fl_events_flush(l->q->srv);
}

/* Runs one command (NULL args allowed); *ret gets the return value when ret is not NULL.
 * Returns 0, or -1 with err (libvirt's "unable to execute QEMU command" wording). The link may
 * be scheduled to end afterwards, never freed. */
static int link_execute(fl_qemu_link *l, const char *command, json_t *args, json_t **ret,
                        vw_virerror *err)
{
    if (l->ending) {
        qemu_error(err, "monitor of domain '%s' is closing", l->name);
        return -1;
    }
    char id[32];
    snprintf(id, sizeof(id), "libvirt-%lu", ++l->next_id);
    json_t *jid = json_string(id);
    vw_qmp_error qe;
    memset(&qe, 0, sizeof(qe));
    int rc = vw_qmp_client_execute(l->qmp, command, args, jid, 0, FL_QEMU_CALL_TIMEOUT_MS, ret,
                                   &qe);
    json_decref(jid);
    if (rc < 0) {
        if (qe.code == VW_QMP_ERR_COMMAND)
            qemu_error(err, "unable to execute QEMU command '%s': %s", command, qe.desc);
        else
            qemu_error(err, "QEMU monitor of domain '%s': %s: %s", l->name,
                       vw_qmp_errcode_name(qe.code), qe.desc);
    }
    after_call(l, rc < 0 ? &qe : NULL);
    return rc;
}

/* ---- start ----------------------------------------------------------------------------------- */

static int link_start(fl_qemu *q, fl_model *m, fl_domain *d, bool want_running, vw_virerror *err)
{
    const char *name = d->def->name;
    if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        qemu_error(err, "domain name '%s' cannot name a QMP socket in %s", name, q->dir);
        return -1;
    }
    struct sockaddr_un sa;
    size_t plen = strlen(q->dir) + 1 + strlen(name) + 4;
    if (plen >= sizeof(sa.sun_path)) {
        qemu_error(err, "QMP socket path %s/%s.qmp is longer than a unix socket path may be "
                   "(%zu bytes); use a shorter --qemu-dir", q->dir, name, sizeof(sa.sun_path) - 1);
        return -1;
    }
    fl_qemu_link *old = find_link(q, m, d->def->uuid);
    if (old)
        link_free(old, true); /* a leftover of an earlier run of this domain */

    fl_qemu_link *l = calloc(1, sizeof(*l));
    if (!l || !(l->name = strdup(name)) || !(l->path = malloc(plen + 1)) ||
        !(l->events = json_array())) {
        if (l) {
            free(l->name);
            free(l->path);
            free(l);
        }
        qemu_error(err, "out of memory");
        return -1;
    }
    snprintf(l->path, plen + 1, "%s/%s.qmp", q->dir, name);
    l->q = q;
    l->model = m;
    memcpy(l->uuid, d->def->uuid, 16);
    l->fd = -1;
    l->end_timer = -1;
    l->next = q->links;
    q->links = l;

    if (!fl_qemu_socket_listens(l->path)) {
        char why[512];
        fl_qemu_spawn_args sa = { q->binary, q->version, q->dir, d->def, d->id, l->path };
        l->pid = fl_qemu_spawn(&sa, why, sizeof(why));
        if (l->pid < 0) {
            l->pid = 0;
            qemu_error(err, "fake-qemu (%s) for domain '%s': %s", q->binary, name, why);
            link_free(l, false);
            return -1;
        }
    }
    char addr[PATH_MAX + 8];
    snprintf(addr, sizeof(addr), "unix:%s", l->path);
    vw_qmp_error qe;
    memset(&qe, 0, sizeof(qe));
    l->qmp = vw_qmp_client_connect(addr, FL_QEMU_START_TIMEOUT_MS, &qe);
    if (!l->qmp || (vw_qmp_client_set_event_handler(l->qmp, on_qmp_event, l),
                    vw_qmp_client_negotiate(l->qmp, 0, FL_QEMU_CALL_TIMEOUT_MS, &qe) < 0)) {
        char why[256];
        if (l->pid > 0 && fl_qemu_spawn_exited(l->pid, why, sizeof(why))) {
            l->pid = 0;            /* reaped */
            unlink(l->path);
            qemu_error(err, "fake-qemu (%s) for domain '%s' %s", q->binary, name, why);
        } else {
            qemu_error(err, "cannot talk QMP to the QEMU of domain '%s' at %s: %s", name,
                       l->path, qe.desc);
        }
        link_free(l, false);
        return -1;
    }
    /* libvirtd: qmp_capabilities, its queries, then `cont` unless started paused */
    json_t *status = NULL;
    if (link_execute(l, "query-status", NULL, &status, err) < 0) {
        link_free(l, false);
        return -1;
    }
    bool running = json_is_true(json_object_get(status, "running"));
    json_decref(status);
    int rc = 0;
    if (!want_running && running) {
        l->paused_reason = d->reason;
        rc = link_execute(l, "stop", NULL, NULL, err);
    } else if (want_running && !running) {
        rc = link_execute(l, "cont", NULL, NULL, err);
    }
    if (rc < 0 || l->ending) {
        if (rc == 0)
            qemu_error(err, "QEMU of domain '%s' went away while starting", name);
        link_free(l, false);
        return -1;
    }
    l->fd = vw_qmp_client_fd(l->qmp);
    if (vw_evloop_add_file(q->loop, l->fd, VW_EV_READABLE, on_qmp_readable, l) < 0) {
        l->fd = -1;
        qemu_error(err, "cannot watch the QMP socket of domain '%s': %s", name, strerror(errno));
        link_free(l, false);
        return -1;
    }
    if (q->verbose)
        fprintf(stderr, "fake-libvirtd: domain '%s': QEMU %s at %s\n", name,
                l->pid > 0 ? "started" : "connected", l->path);
    return 0;
}

static void hold_hook(fl_model *m, const fl_domain *d, int event, int detail, void *opaque)
{
    (void)m;
    (void)d;
    fl_qemu *q = opaque;
    if (q->nheld < (int)(sizeof(q->held) / sizeof(q->held[0]))) {
        q->held[q->nheld][0] = event;
        q->held[q->nheld][1] = detail;
        q->nheld++;
    }
}

void fl_qemu_hold_events(fl_qemu *q, fl_model *m)
{
    if (q->held_model)
        return;
    q->held_model = m;
    q->held_hook = m->event_hook;
    q->held_opaque = m->event_opaque;
    q->nheld = 0;
    m->event_hook = hold_hook;
    m->event_opaque = q;
}

/* Gives the model its own hook back (the held events stay in q->held). */
static void restore_hook(fl_qemu *q)
{
    fl_model *m = q->held_model;
    if (!m)
        return;
    m->event_hook = q->held_hook;
    m->event_opaque = q->held_opaque;
    q->held_model = NULL;
}

/* Emits the held events for d, in their order. */
static void replay_held(fl_qemu *q, fl_model *m, fl_domain *d)
{
    for (int i = 0; m->event_hook && i < q->nheld; i++)
        m->event_hook(m, d, q->held[i][0], q->held[i][1], m->event_opaque);
    q->nheld = 0;
}

int fl_qemu_domain_started(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err)
{
    restore_hook(q);
    if (!d) {
        q->nheld = 0;
        return -1;
    }
    bool want_running = d->state == FL_STATE_RUNNING;
    int reason = d->reason;
    if (want_running) /* during qemuProcessStart the domain is paused until `cont` */
        fl_domain_set_state(m, d, FL_STATE_PAUSED, 0, -1, 0);
    int rc = link_start(q, m, d, want_running, err);
    if (rc == 0 && want_running) /* qemuProcessStartCPUs: running, booted */
        fl_domain_set_state(m, d, FL_STATE_RUNNING, reason, -1, 0);
    /* libvirtd emits Resumed (from QEMU's RESUME) before Started Booted */
    replay_held(q, m, d);
    if (rc == 0)
        return 0;
    /* qemuProcessStart failed: the domain does not run (reason failed) */
    if (fl_domain_is_active(d))
        fl_domain_stopped(m, d, SHUTOFF_FAILED, STOPPED_FAILED);
    return -1;
}

int fl_qemu_domain_migrated_in(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err)
{
    /* the model already emitted Started/Resumed Migrated: QEMU's RESUME finds the domain
     * running and adds nothing */
    if (link_start(q, m, d, d->state == FL_STATE_RUNNING, err) == 0)
        return 0;
    if (fl_domain_is_active(d))
        fl_domain_stopped(m, d, SHUTOFF_FAILED, STOPPED_FAILED);
    return -1;
}

/* ---- actions --------------------------------------------------------------------------------- */

/* The link of an active d; NULL with *no_link set for a domain that has none (one that was
 * already running in the state file: the model alone acts for it), NULL with libvirt's error for
 * a domain whose QEMU is going away. */
static fl_qemu_link *link_of(fl_qemu *q, fl_model *m, fl_domain *d, bool *no_link, vw_virerror *err)
{
    fl_qemu_link *l = find_link(q, m, d->def->uuid);
    *no_link = l == NULL;
    if (l && l->ending) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_QEMU,
                           "Requested operation is not valid", "domain is not running");
        return NULL;
    }
    return l;
}

int fl_qemu_suspend(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err)
{
    if (d->state != FL_STATE_RUNNING)
        return fl_domain_suspend(m, d, err); /* the model's error */
    bool no_link;
    fl_qemu_link *l = link_of(q, m, d, &no_link, err);
    if (!l)
        return no_link ? fl_domain_suspend(m, d, err) : -1;
    /* qemuProcessStopCPUs: the STOP event handler sets paused with this reason */
    l->paused_reason = PAUSED_USER;
    if (link_execute(l, "stop", NULL, NULL, err) < 0)
        return -1;
    if (d->state == FL_STATE_RUNNING) /* no STOP came (a QEMU that was not running) */
        fl_domain_set_state(m, d, FL_STATE_PAUSED, PAUSED_USER, FL_EVENT_SUSPENDED,
                            FL_DETAIL_SUSPENDED_PAUSED);
    return 0;
}

int fl_qemu_resume(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err)
{
    if (d->state != FL_STATE_PAUSED)
        return fl_domain_resume(m, d, err);
    bool no_link;
    fl_qemu_link *l = link_of(q, m, d, &no_link, err);
    if (!l)
        return no_link ? fl_domain_resume(m, d, err) : -1;
    if (link_execute(l, "cont", NULL, NULL, err) < 0)
        return -1;
    if (d->state == FL_STATE_PAUSED)
        fl_domain_set_state(m, d, FL_STATE_RUNNING, RUNNING_UNPAUSED, FL_EVENT_RESUMED,
                            FL_DETAIL_RESUMED_UNPAUSED);
    return 0;
}

int fl_qemu_shutdown(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err)
{
    if (!fl_domain_is_active(d))
        return fl_domain_shutdown(m, d, err);
    bool no_link;
    fl_qemu_link *l = link_of(q, m, d, &no_link, err);
    if (!l)
        return no_link ? fl_domain_shutdown(m, d, err) : -1;
    /* ACPI power button; the domain stops when the guest shuts down (SHUTDOWN event) */
    return link_execute(l, "system_powerdown", NULL, NULL, err);
}

int fl_qemu_reboot(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err)
{
    if (!fl_domain_is_active(d))
        return fl_domain_reboot(m, d, err);
    bool no_link;
    fl_qemu_link *l = link_of(q, m, d, &no_link, err);
    if (!l)
        return no_link ? fl_domain_reboot(m, d, err) : -1;
    /* virDomainReboot's default (ACPI) mode in libvirtd 9.0 is a "fake reboot": the power
     * button, and a reset once the guest has shut down (a guest OS is not modelled, so the
     * domain simply keeps running, as a real QEMU without an OS does) */
    return link_execute(l, "system_powerdown", NULL, NULL, err);
}

int fl_qemu_destroy(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err)
{
    if (!fl_domain_is_active(d))
        return fl_domain_destroy(m, d, err);
    fl_qemu_link *l = find_link(q, m, d->def->uuid);
    if (l) {
        /* qemuProcessKill: SIGTERM (then SIGKILL) and reap; a QEMU we only connected to is
         * asked to quit instead. What QEMU says until its monitor closes is still acted on
         * (a real QEMU reports SHUTDOWN, reason host-signal: libvirtd's Shutdown Host event) */
        if (l->pid > 0 && !l->ending && kill(l->pid, SIGTERM) == 0) {
            long long deadline = vw_evloop_now_ms() + FL_QEMU_STOP_TIMEOUT_MS;
            vw_qmp_error qe;
            long long left;
            while ((left = deadline - vw_evloop_now_ms()) > 0 &&
                   vw_qmp_client_wait_events(l->qmp, (int)left, &qe) == 0)
                ;
        }
        process_events(l);
        link_free(l, true);
    }
    return fl_domain_destroy(m, d, err);
}

void fl_qemu_release(fl_qemu *q, fl_model *m, const fl_domain *d)
{
    fl_qemu_link *l = find_link(q, m, d->def->uuid);
    if (l)
        link_free(l, true);
}

int fl_qemu_monitor_command(fl_qemu *q, fl_domain *d, const char *cmd, bool hmp, char **result,
                            vw_virerror *err)
{
    fl_qemu_link *l = NULL;
    for (fl_qemu_link *it = q->links; it; it = it->next)
        if (memcmp(it->uuid, d->def->uuid, 16) == 0)
            l = it;
    if (!l)
        return 0;
    if (l->ending) { /* its QEMU is gone; the domain stops at the next loop round */
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_QEMU,
                           "Requested operation is not valid", "domain is not running");
        return -1;
    }
    *result = NULL;
    if (hmp) {
        /* qemuMonitorJSONHumanCommand: human-monitor-command, the string comes back */
        json_t *args = json_pack("{s:s}", "command-line", cmd);
        json_t *ret = NULL;
        int rc = args ? link_execute(l, "human-monitor-command", args, &ret, err) : -1;
        json_decref(args);
        if (rc < 0)
            return -1;
        *result = strdup(json_is_string(ret) ? json_string_value(ret) : "");
        json_decref(ret);
    } else {
        /* qemuMonitorJSONArbitraryCommand: the caller's object, our id, the whole reply */
        char perr[256];
        json_t *obj = vw_qmp_loads(cmd, strlen(cmd), perr, sizeof(perr));
        if (!obj || !json_is_object(obj)) {
            json_decref(obj);
            qemu_error(err, "cannot parse json %s: %s", cmd, obj ? "not an object" : perr);
            return -1;
        }
        const char *exec = json_string_value(json_object_get(obj, "execute"));
        json_t *args = json_object_get(obj, "arguments");
        if (!exec || (args && !json_is_object(args))) {
            json_decref(obj);
            qemu_error(err, "cannot parse json %s: a QMP command needs \"execute\" (a string) "
                       "and optional \"arguments\" (an object)", cmd);
            return -1;
        }
        char id[32];
        snprintf(id, sizeof(id), "libvirt-%lu", ++l->next_id);
        json_t *jid = json_string(id);
        json_t *reply = NULL;
        vw_qmp_error qe;
        memset(&qe, 0, sizeof(qe));
        int rc = vw_qmp_client_send(l->qmp, exec, args, jid, 0, FL_QEMU_CALL_TIMEOUT_MS, NULL,
                                    &qe);
        if (rc == 0)
            rc = vw_qmp_client_wait_reply(l->qmp, jid, FL_QEMU_CALL_TIMEOUT_MS, &reply, &qe);
        json_decref(jid);
        if (rc < 0)
            qemu_error(err, "QEMU monitor of domain '%s': %s: %s", l->name,
                       vw_qmp_errcode_name(qe.code), qe.desc);
        else
            *result = compact_json(reply);
        json_decref(reply);
        json_decref(obj);
        after_call(l, rc < 0 ? &qe : NULL);
        if (rc < 0)
            return -1;
    }
    if (!*result) {
        qemu_error(err, "out of memory");
        return -1;
    }
    return 1;
}

/* ---- setup ----------------------------------------------------------------------------------- */

fl_qemu *fl_qemu_new(const fl_qemu_config *cfg, vw_evloop *loop, struct fl_server *srv,
                     char *err, size_t errlen)
{
    struct stat st;
    if (stat(cfg->dir, &st) < 0) {
        snprintf(err, errlen, "--qemu-dir %s: %s", cfg->dir, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--qemu-dir %s: not a directory", cfg->dir);
        return NULL;
    }
    char binary[PATH_MAX];
    if (cfg->binary) {
        snprintf(binary, sizeof(binary), "%s", cfg->binary);
    } else {
        /* fake-qemu next to our own executable */
        ssize_t n = readlink("/proc/self/exe", binary, sizeof(binary) - 16);
        if (n <= 0) {
            snprintf(err, errlen, "cannot find our own executable (/proc/self/exe: %s); "
                     "give --fake-qemu PATH", strerror(errno));
            return NULL;
        }
        binary[n] = '\0';
        char *slash = strrchr(binary, '/');
        snprintf(slash ? slash + 1 : binary, sizeof(binary) - (size_t)(slash ? slash + 1 - binary : 0),
                 "fake-qemu");
    }
    if (access(binary, X_OK) < 0) {
        snprintf(err, errlen, "fake-qemu binary %s: %s (give --fake-qemu PATH)", binary,
                 strerror(errno));
        return NULL;
    }
    fl_qemu *q = calloc(1, sizeof(*q));
    if (!q || !(q->dir = realpath(cfg->dir, NULL)) || !(q->binary = strdup(binary)) ||
        (cfg->qemu_version && !(q->version = strdup(cfg->qemu_version)))) {
        snprintf(err, errlen, "out of memory");
        fl_qemu_free(q);
        return NULL;
    }
    q->verbose = cfg->verbose;
    q->loop = loop;
    q->srv = srv;
    return q;
}

void fl_qemu_free(fl_qemu *q)
{
    if (!q)
        return;
    while (q->links)
        link_free(q->links, false);
    free(q->dir);
    free(q->binary);
    free(q->version);
    free(q);
}
