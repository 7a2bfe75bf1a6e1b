/* libvirt_client_priv.h: the inside of a vw_conn, shared by the files that make up one libvirt RPC connection
 * (not part of the public API):
 *   libvirt_client.c  opening (handshake, auth), closing, options and accessors
 *   lv_call.c         the outgoing queue, calls and their replies (waiters, timeouts)
 *   lv_read.c         the read path: the leader/follower read role, dispatching packets, the I/O
 *                     thread (keepalive, events while no call waits)
 *   lv_events.c       the event queue, the event thread and callback registrations
 *
 * Locking: conn->lock guards every field below except those marked "read role": those belong to
 * whichever thread holds the read role (conn->reading), which is also the only thread that reads
 * the socket. */
#ifndef VW_LIBVIRT_CLIENT_PRIV_H
#define VW_LIBVIRT_CLIENT_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvirt_client.h"
#include "lv_tls.h"
#include "packet.h"
#include "vw_util.h"

#define VW_CLOSE_GRACE_MS 1000    /* CONNECT_CLOSE wait after an unanswered timeout */
#define VW_ABANDONED_SERIALS 64   /* timed-out serials remembered for their late replies */

struct waiter {
    uint32_t serial;
    uint32_t prog;
    int proc;
    bool done;
    bool failed;                   /* local failure: err holds it */
    int status;                    /* reply status when !failed */
    unsigned char *payload;        /* reply payload, owned */
    size_t payload_len;
    vw_virerror err;
    pthread_cond_t cond;           /* signalled when done, or when the read role is free */
    struct out_packet *out;        /* its CALL while still queued for writing */
    struct waiter *next;
};

struct out_packet {
    unsigned char *data;
    size_t len, off;               /* off: bytes already written */
    struct waiter *owner;          /* the call waiting for this packet's reply, or NULL */
    int keepalive_proc;            /* PING / PONG, 0 for calls */
    struct out_packet *next;
};

enum { ITEM_EVENT, ITEM_CLOSED };

struct event_item {
    int kind;
    uint32_t prog;
    int proc;
    unsigned char *payload;
    size_t payload_len;
    struct event_item *next;
};

struct registration;

struct vw_conn {
    int fd;
    vw_tls *tls;                   /* qemu+tls://: every byte goes through it (lv_tls.h) */
    int helper_pid;                /* qemu+ssh://: the ssh process (ended and reaped at free) */
    int wake[2];                   /* wakes the I/O thread: output queued, keepalive on, closing */
    vw_conn_options opts;
    char *open_name;
    bool debug;

    pthread_mutex_t lock;          /* everything below, and writing to fd */
    pthread_t io_thread, event_thread;
    bool io_started, event_started;

    uint32_t next_serial;
    struct waiter *waiters;
    /* Serials of calls that timed out: their late replies are dropped, while a reply for any
     * other serial nobody waits for is a protocol error, as libvirt's client treats it. */
    uint32_t abandoned[VW_ABANDONED_SERIALS];
    unsigned abandoned_count, abandoned_next;
    bool timeout_unanswered;       /* a call timed out and nothing arrived since */
    bool dead;
    vw_virerror death;
    bool closing;                  /* vw_conn_close began: the peer's EOF is no news (no close cb) */
    bool io_stop;                  /* conn_free: the I/O thread must exit */
    int call_timeout_ms;

    /* The read role (lv_read.c): one thread at a time reads the socket. */
    bool reading;                  /* someone holds the read role */
    bool io_wants_wake;            /* the I/O thread sleeps off the socket until calls end */
    uint64_t replies_matched;      /* replies handed to waiters (the I/O thread's sign of traffic) */
    vw_packet_reader reader;       /* read role */
    unsigned char *chunk;          /* read role: the recv buffer */
    size_t chunk_size;

    struct out_packet *out_head, *out_tail;
    bool ping_queued, pong_queued;

    bool keepalive_enabled;
    long long last_rx_ms, last_ping_ms;
    int pings_unanswered;

    vw_conn_stats stats;

    pthread_cond_t event_cond;
    struct event_item *ev_head, *ev_tail;
    size_t ev_count;
    size_t ev_bytes;               /* payload bytes of the queued events */
    bool event_stop;
    int registering;               /* register calls in flight: events wait for them */
    struct registration *regs;
    struct registration *dispatching;
    vw_conn_close_cb close_cb;
    void *close_opaque;
};

/* libvirt_client.c */
void lv_conn_log(vw_conn *conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "CONNECT_OPEN" or "PROC_<n>"; buf needs 32 bytes. */
const char *lv_conn_proc_name(uint32_t prog, int proc, char *buf);
vw_decode_mode lv_conn_mode(const vw_conn *conn);
void lv_conn_deadline_to_timespec(long long deadline_ms, struct timespec *ts);
void lv_conn_init_monotonic_cond(pthread_cond_t *cond);

/* lv_call.c */
/* Marks the connection dead with REASON (consumed), fails every pending call and wakes the
 * thread that reads. die_locked: caller holds conn->lock. */
void lv_conn_die_locked(vw_conn *conn, vw_virerror *reason);
void lv_conn_die(vw_conn *conn, vw_virerror *reason);
void lv_conn_wake_io_thread(vw_conn *conn);
/* Writes queued packets until the socket would block. Caller holds conn->lock. */
void lv_conn_flush_locked(vw_conn *conn);
/* A keepalive PING or PONG, unless one is already waiting to go out. Caller holds conn->lock. */
void lv_conn_queue_keepalive_locked(vw_conn *conn, int proc);
void lv_conn_free_out_queue(vw_conn *conn);

/* lv_read.c */
/* The calling thread takes the read role and reads until W is done, DEADLINE (monotonic ms)
 * passes or the connection dies. Caller holds conn->lock (released while reading) and saw
 * !conn->reading. */
void lv_read_lead_locked(vw_conn *conn, struct waiter *w, long long deadline);
/* The read role is free (or was just given up): wakes the call that should read next, or the
 * I/O thread when no call waits. Caller holds conn->lock. */
void lv_read_pass_role_locked(vw_conn *conn);
int lv_read_init(vw_conn *conn);
void lv_read_free(vw_conn *conn);
void *lv_read_io_thread_main(void *opaque);

/* lv_events.c */
/* Appends ITEM to the event thread's queue and wakes it. Caller holds conn->lock. */
void lv_events_queue_locked(vw_conn *conn, struct event_item *item);
/* An event message from the server (payload taken): queued for the event thread, or dropped
 * (and counted) when nobody handles it or the queue is full. */
void lv_events_received(vw_conn *conn, const vw_packet_header *h, unsigned char *payload,
                        size_t len);
void *lv_events_thread_main(void *opaque);
/* Frees what conn_free leaves: queued events and registrations. */
void lv_events_free(vw_conn *conn);

#endif
