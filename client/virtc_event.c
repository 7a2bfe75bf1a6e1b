/* virtc_event.c: virtc's event command: domain lifecycle events printed as virsh's event
 * command prints them, once or in a loop until a timeout or a signal. */
#include "libvirt_client.h"
#include "virtc_cmd.h"
#include "virtc_table.h"
#include "vw_remote_protocol.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- events ------------------------------------------------------------------------------------ */

static const char *event_text(int event)
{
    static const char *const names[] = {"Defined", "Undefined", "Started", "Suspended", "Resumed",
                                        "Stopped", "Shutdown", "PMSuspended", "Crashed"};
    return event >= 0 && event < (int)(sizeof(names) / sizeof(names[0])) ? names[event] : "unknown";
}

static const char *event_detail_text(int event, int detail)
{
    static const char *const defined[] = {"Added", "Updated", "Renamed", "Snapshot"};
    static const char *const undefined[] = {"Removed", "Renamed"};
    static const char *const started[] = {"Booted", "Migrated", "Restored", "Snapshot",
                                          "Event wakeup", "Recreation"};
    static const char *const suspended[] = {"Paused", "Migrated", "I/O Error", "Watchdog",
                                            "Restored", "Snapshot", "API error", "Post-copy",
                                            "Post-copy Error"};
    static const char *const resumed[] = {"Unpaused", "Migrated", "Snapshot", "Post-copy",
                                          "Post-copy Error"};
    static const char *const stopped[] = {"Shutdown", "Destroyed", "Crashed", "Migrated", "Saved",
                                          "Failed", "Snapshot"};
    static const char *const shutdown[] = {"Finished", "Finished after guest request",
                                           "Finished after host request"};
    static const char *const pmsuspended[] = {"Memory", "Disk"};
    static const char *const crashed[] = {"Panicked", "Crashloaded"};
    const char *const *table = NULL;
    int n = 0;
#define USE(t) do { table = (t); n = (int)(sizeof(t) / sizeof((t)[0])); } while (0)
    switch (event) {
    case 0: USE(defined); break;
    case 1: USE(undefined); break;
    case 2: USE(started); break;
    case 3: USE(suspended); break;
    case 4: USE(resumed); break;
    case 5: USE(stopped); break;
    case 6: USE(shutdown); break;
    case 7: USE(pmsuspended); break;
    case 8: USE(crashed); break;
    default: break;
    }
#undef USE
    return detail >= 0 && detail < n ? table[detail] : "unknown";
}

/* The waiting state shared with the connection's event thread. It is static so that a callback
 * already on its way when the command ends never touches freed memory; `stopped` makes such a
 * late callback print nothing. */
typedef struct event_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int count;
    bool dead;
    bool stopped;
    vw_virerror death;
} event_wait;

static event_wait event_state = {.lock = PTHREAD_MUTEX_INITIALIZER};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void on_lifecycle(vw_conn *conn, const vw_client_domain *dom, int event, int detail,
                         void *opaque)
{
    (void)conn;
    event_wait *w = opaque;
    pthread_mutex_lock(&w->lock);
    if (!w->stopped) {
        printf("event 'lifecycle' for domain '%s': %s %s\n", dom->name, event_text(event),
               event_detail_text(event, detail));
        fflush(stdout);
        w->count++;
        pthread_cond_broadcast(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
}

static void on_close(vw_conn *conn, const vw_virerror *reason, void *opaque)
{
    (void)conn;
    event_wait *w = opaque;
    pthread_mutex_lock(&w->lock);
    if (w->dead || w->stopped) {
        pthread_mutex_unlock(&w->lock);
        return;
    }
    w->dead = true;
    w->death.code = reason ? reason->code : VW_ERR_RPC;
    w->death.message = strdup(reason ? vw_virerror_message(reason) : "connection closed");
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static int cmd_event(ctx *c, const parsed_args *a)
{
    bool loop = virtc_arg_set(c->cmd, a, "loop");
    int timeout_s = 0;
    const char *timeout = virtc_arg_value(c->cmd, a, "timeout");
    const char *which = virtc_arg_value(c->cmd, a, "event");
    if (timeout && virtc_parse_seconds(timeout, &timeout_s) < 0) {
        virtc_error("event: invalid timeout '%s': give whole seconds from 1 to %d", timeout,
                   VIRTC_TIMEOUT_MAX_S);
        return EXIT_USAGE;
    }
    if (which && strcmp(which, "lifecycle") != 0) {
        virtc_error("event: unsupported event type '%s' (virtc waits for 'lifecycle' events)", which);
        return EXIT_USAGE;
    }
    if (virtc_arg_set(c->cmd, a, "list")) {
        printf("lifecycle\n");
        return EXIT_OK;
    }
    vw_client_domain dom, *filter = NULL;
    int rc;
    const char *key = virtc_arg_value(c->cmd, a, "domain");
    if (key) {
        if ((rc = virtc_lookup_domain(c, key, BY_ID | BY_UUID | BY_NAME, &dom)) != 0)
            return rc;
        filter = &dom;
    }
    event_wait *w = &event_state;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    vw_virerror err = {0};
    int callback_id = -1;
    vw_conn_set_close_callback(c->conn, on_close, w);
    rc = EXIT_OK;
    if (vw_domain_event_lifecycle_register(c->conn, filter, on_lifecycle, w, &callback_id,
                                           &err) < 0) {
        rc = virtc_report(&err);
        goto out;
    }

    struct timespec now, deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_s;
    enum { WAITING, TIMED_OUT, INTERRUPTED, DONE, DIED } why = WAITING;
    pthread_mutex_lock(&w->lock);
    while (why == WAITING) {
        if (w->dead) {
            why = DIED;
            break;
        }
        if (!loop && w->count > 0) {
            why = DONE;
            break;
        }
        if (interrupted) {
            why = INTERRUPTED;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timeout_s && (now.tv_sec > deadline.tv_sec ||
                          (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))) {
            why = TIMED_OUT;
            break;
        }
        /* wake at least every 100 ms to notice a signal */
        struct timespec step = now;
        step.tv_nsec += 100 * 1000 * 1000;
        if (step.tv_nsec >= 1000000000L) {
            step.tv_sec++;
            step.tv_nsec -= 1000000000L;
        }
        if (timeout_s && (step.tv_sec > deadline.tv_sec ||
                          (step.tv_sec == deadline.tv_sec && step.tv_nsec > deadline.tv_nsec)))
            step = deadline;
        pthread_cond_timedwait(&w->cond, &w->lock, &step);
    }
    w->stopped = true;   /* from here on callbacks print nothing */
    if (why == DIED) {
        virtc_error("%s", w->death.message ? w->death.message : "connection to the daemon lost");
        rc = EXIT_LIBVIRT;
    } else {
        if (why == INTERRUPTED)
            printf("event loop interrupted\n");
        else if (why == TIMED_OUT)
            printf("event loop timed out\n");
        printf("events received: %d\n", w->count);
        fflush(stdout);
    }
    vw_virerror_clear(&w->death);
    pthread_mutex_unlock(&w->lock);
    if (why != DIED && vw_domain_event_lifecycle_deregister(c->conn, callback_id, &err) < 0)
        rc = virtc_report(&err);
out:
    vw_conn_set_close_callback(c->conn, NULL, NULL);
    if (filter)
        vw_client_domain_clear(filter);
    return rc;
}

static const arg_spec args_event[] = {
    {"domain", ARG_VALUE, false, "only this domain"},
    {"event", ARG_VALUE, false, "event type (lifecycle)"},
    {"all", ARG_BOOL, false, "all supported events (lifecycle)"},
    {"loop", ARG_BOOL, false, "until the timeout or a signal, not one event"},
    {"timeout", ARG_VALUE, false, "seconds to wait"},
    {"list", ARG_BOOL, false, "list the event types"}, {0}};

const command virtc_event_commands[] = {
    {"event", args_event, cmd_event,
     "[--loop] [--timeout S] [--domain DOMAIN]: print lifecycle events"},
    {NULL, NULL, NULL, NULL}};
