/* lv_events.c: events of a connection: the queue between the thread that reads them and the
 * event thread, the event thread running user callbacks, and callback registrations. The queue
 * is bounded in count and in payload bytes, so a peer that floods events while a callback is busy
 * cannot grow memory without limit (and no reader ever waits for a callback); one event is always
 * accepted into an empty queue, whatever its size. */
#include "libvirt_client_priv.h"
#include "lv_procs.h"
#include "lv_transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENT_QUEUE_MAX 10000
#define EVENT_QUEUE_MAX_BYTES (16u << 20)

enum { REG_LIFECYCLE, REG_QEMU_MONITOR };

struct registration {
    int kind;
    int callback_id;
    vw_domain_lifecycle_cb lifecycle_cb;
    vw_qemu_monitor_event_cb qemu_cb;
    void *opaque;
    struct registration *next;
};

void lv_events_queue_locked(vw_conn *conn, struct event_item *item)
{
    item->next = NULL;
    if (conn->ev_tail)
        conn->ev_tail->next = item;
    else
        conn->ev_head = item;
    conn->ev_tail = item;
    conn->ev_count++;
    conn->ev_bytes += item->payload_len;
    pthread_cond_broadcast(&conn->event_cond);
}


void lv_events_received(vw_conn *conn, const vw_packet_header *h, unsigned char *payload,
                        size_t len)
{
    char nb[32];
    bool wanted = lv_procs_is_delivered_event(h->prog, h->proc);
    pthread_mutex_lock(&conn->lock);
    bool full = conn->ev_count >= EVENT_QUEUE_MAX ||
                (conn->ev_bytes > 0 && conn->ev_bytes + len > EVENT_QUEUE_MAX_BYTES);
    if (!wanted || full) {
        conn->stats.events_dropped++;
        pthread_mutex_unlock(&conn->lock);
        lv_conn_log(conn, "dropping event %s: %s", lv_conn_proc_name(h->prog, h->proc, nb),
                    wanted ? "event queue full (a callback is slow)" : "no handler for this event");
        free(payload);
        return;
    }
    struct event_item *item = calloc(1, sizeof(*item));
    if (!item) {
        conn->stats.events_dropped++;
        pthread_mutex_unlock(&conn->lock);
        free(payload);
        return;
    }
    item->kind = ITEM_EVENT;
    item->prog = h->prog;
    item->proc = h->proc;
    item->payload = payload;
    item->payload_len = len;
    lv_events_queue_locked(conn, item);
    pthread_mutex_unlock(&conn->lock);
}

/* ---- the event thread ------------------------------------------------------------------------- */

static struct registration *find_registration_locked(vw_conn *conn, int kind, int callback_id)
{
    for (struct registration *r = conn->regs; r; r = r->next)
        if (r->kind == kind && r->callback_id == callback_id)
            return r;
    return NULL;
}

static void dispatch_event(vw_conn *conn, struct event_item *item)
{
    char nb[32];
    lv_procs_event ev;
    if (lv_procs_decode_event(item->prog, item->proc, item->payload, item->payload_len,
                              lv_conn_mode(conn), &ev) < 0) {
        pthread_mutex_lock(&conn->lock);
        conn->stats.events_dropped++;
        pthread_mutex_unlock(&conn->lock);
        lv_conn_log(conn, "dropping event %s: payload (%zu bytes) does not decode",
                    lv_conn_proc_name(item->prog, item->proc, nb), item->payload_len);
        return;
    }
    int kind = ev.kind == LV_PROCS_EVENT_LIFECYCLE ? REG_LIFECYCLE : REG_QEMU_MONITOR;
    pthread_mutex_lock(&conn->lock);
    struct registration *r = find_registration_locked(conn, kind, ev.callback_id);
    long long give_up = vw_now_ms() + conn->call_timeout_ms;
    while (!r && conn->registering > 0 && !conn->event_stop) {
        /* a register call may still be between its reply and storing the callback */
        struct timespec ts;
        lv_conn_deadline_to_timespec(give_up, &ts);
        if (pthread_cond_timedwait(&conn->event_cond, &conn->lock, &ts) == ETIMEDOUT)
            break;
        r = find_registration_locked(conn, kind, ev.callback_id);
    }
    if (!r) {
        conn->stats.events_dropped++;
        pthread_mutex_unlock(&conn->lock);
        lv_conn_log(conn, "dropping event %s for callback id %d: not registered",
                    lv_conn_proc_name(item->prog, item->proc, nb), ev.callback_id);
        lv_procs_event_clear(&ev);
        return;
    }
    conn->dispatching = r;
    vw_domain_lifecycle_cb lcb = r->lifecycle_cb;
    vw_qemu_monitor_event_cb qcb = r->qemu_cb;
    void *opaque = r->opaque;
    conn->stats.events_delivered++;
    pthread_mutex_unlock(&conn->lock);

    if (kind == REG_LIFECYCLE && lcb) {
        lcb(conn, &ev.dom, ev.event, ev.detail, opaque);
    } else if (qcb) {
        vw_client_qemu_monitor_event qev = {
            .dom = &ev.dom, .event = ev.qemu_event, .seconds = ev.seconds, .micros = ev.micros,
            .details = ev.details,
        };
        qcb(conn, &qev, opaque);
    }

    pthread_mutex_lock(&conn->lock);
    conn->dispatching = NULL;
    pthread_cond_broadcast(&conn->event_cond);
    pthread_mutex_unlock(&conn->lock);
    lv_procs_event_clear(&ev);
}

void *lv_events_thread_main(void *opaque)
{
    vw_conn *conn = opaque;
    pthread_mutex_lock(&conn->lock);
    for (;;) {
        while (!conn->ev_head && !conn->event_stop)
            pthread_cond_wait(&conn->event_cond, &conn->lock);
        if (conn->event_stop)
            break;
        struct event_item *item = conn->ev_head;
        conn->ev_head = item->next;
        if (!conn->ev_head)
            conn->ev_tail = NULL;
        conn->ev_count--;
        conn->ev_bytes -= item->payload_len;
        if (item->kind == ITEM_CLOSED) {
            vw_conn_close_cb cb = conn->close_cb;
            void *cb_opaque = conn->close_opaque;
            vw_virerror reason = { 0 };
            vw_virerror_copy(&reason, &conn->death);
            pthread_mutex_unlock(&conn->lock);
            if (cb)
                cb(conn, &reason, cb_opaque);
            vw_virerror_clear(&reason);
        } else {
            pthread_mutex_unlock(&conn->lock);
            dispatch_event(conn, item);
        }
        free(item->payload);
        free(item);
        pthread_mutex_lock(&conn->lock);
    }
    pthread_mutex_unlock(&conn->lock);
    return NULL;
}

/* ---- registrations (used by the event wrappers) -------------------------------------------------- */

/* Runs the register call with the event thread told to wait for it (an event may arrive between the
 * reply and the moment the callback is stored), then stores the callback. */
static int register_callback(vw_conn *conn, int kind, const vw_client_domain *dom,
                             const char *event, unsigned int flags, vw_domain_lifecycle_cb lcb,
                             vw_qemu_monitor_event_cb qcb, void *opaque, int *callback_id,
                             vw_virerror *err)
{
    struct registration *r = calloc(1, sizeof(*r));
    if (!r) {
        vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        return -1;
    }
    r->kind = kind;
    r->lifecycle_cb = lcb;
    r->qemu_cb = qcb;
    r->opaque = opaque;
    pthread_mutex_lock(&conn->lock);
    conn->registering++;
    pthread_mutex_unlock(&conn->lock);

    int id = -1;
    int rc = kind == REG_LIFECYCLE
                 ? lv_procs_lifecycle_register(conn, dom, &id, err)
                 : lv_procs_qemu_monitor_register(conn, dom, event, flags, &id, err);

    pthread_mutex_lock(&conn->lock);
    conn->registering--;
    if (rc == 0) {
        r->callback_id = id;
        r->next = conn->regs;
        conn->regs = r;
        r = NULL;
    }
    pthread_cond_broadcast(&conn->event_cond);
    pthread_mutex_unlock(&conn->lock);
    free(r);
    if (rc == 0 && callback_id)
        *callback_id = id;
    return rc;
}

/* The registration leaves the list before the server call, under the lock: from then on no event
 * is delivered to it, and a second deregister of the same id (another thread) finds nothing
 * instead of freeing it twice. */
static int deregister_callback(vw_conn *conn, int kind, int callback_id, vw_virerror *err)
{
    pthread_mutex_lock(&conn->lock);
    struct registration *r = find_registration_locked(conn, kind, callback_id);
    for (struct registration **pp = &conn->regs; r && *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    pthread_mutex_unlock(&conn->lock);
    if (!r) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                        "no %s callback with id %d is registered on this connection",
                        kind == REG_LIFECYCLE ? "lifecycle event" : "QEMU monitor event",
                        callback_id);
        return -1;
    }
    int rc = kind == REG_LIFECYCLE ? lv_procs_lifecycle_deregister(conn, callback_id, err)
                                   : lv_procs_qemu_monitor_deregister(conn, callback_id, err);
    /* removed locally even if the server call failed: no more deliveries either way */
    pthread_mutex_lock(&conn->lock);
    bool on_event_thread = conn->event_started && pthread_equal(pthread_self(), conn->event_thread);
    while (!on_event_thread && conn->dispatching == r)
        pthread_cond_wait(&conn->event_cond, &conn->lock);
    pthread_mutex_unlock(&conn->lock);
    free(r);
    return rc;
}

int vw_domain_event_lifecycle_register(vw_conn *conn, const vw_client_domain *dom,
                                       vw_domain_lifecycle_cb cb, void *opaque, int *callback_id,
                                       vw_virerror *err)
{
    if (!conn || !cb) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                        "lifecycle register: connection and callback are required");
        return -1;
    }
    return register_callback(conn, REG_LIFECYCLE, dom, NULL, 0, cb, NULL, opaque, callback_id,
                             err);
}

int vw_domain_event_lifecycle_deregister(vw_conn *conn, int callback_id, vw_virerror *err)
{
    if (!conn) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC, "no connection");
        return -1;
    }
    return deregister_callback(conn, REG_LIFECYCLE, callback_id, err);
}

int vw_qemu_monitor_event_register(vw_conn *conn, const vw_client_domain *dom, const char *event,
                                   unsigned int flags, vw_qemu_monitor_event_cb cb, void *opaque,
                                   int *callback_id, vw_virerror *err)
{
    if (!conn || !cb) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                        "QEMU monitor event register: connection and callback are required");
        return -1;
    }
    return register_callback(conn, REG_QEMU_MONITOR, dom, event, flags, NULL, cb, opaque,
                             callback_id, err);
}

int vw_qemu_monitor_event_deregister(vw_conn *conn, int callback_id, vw_virerror *err)
{
    if (!conn) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC, "no connection");
        return -1;
    }
    return deregister_callback(conn, REG_QEMU_MONITOR, callback_id, err);
}


void lv_events_free(vw_conn *conn)
{
    while (conn->ev_head) {
        struct event_item *item = conn->ev_head;
        conn->ev_head = item->next;
        free(item->payload);
        free(item);
    }
    conn->ev_tail = NULL;
    while (conn->regs) {
        struct registration *r = conn->regs;
        conn->regs = r->next;
        free(r);
    }
}
