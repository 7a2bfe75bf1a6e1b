/* libvirt_client.c: one libvirt RPC connection: opening (transport, TLS, the handshake and
 * authentication), closing, options and accessors. The rest of a connection lives in lv_call.c
 * (calls and replies), lv_read.c (the read path and the I/O thread) and lv_events.c (events and
 * the event thread), which share struct vw_conn through libvirt_client_priv.h. Typed procedure wrappers live
 * in lv_procs.c; framing and XDR types come from proto/ (packet.h and the rpcgen headers). */
#include "libvirt_client_priv.h"
#include "lv_procs.h"
#include "lv_sasl.h"
#include "lv_tls.h"
#include "lv_transport.h"
#include "lv_uri.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VIR_CONNECT_RO 1
#define VIR_DRV_FEATURE_PROGRAM_KEEPALIVE 10
#define AUTH_NONE 0
#define AUTH_SASL 1
#define AUTH_POLKIT 2

/* ---- the earlier public error names (libvirt_client.h) ------------------------------------------ */

void vw_client_error_clear(vw_client_error *err)
{
    vw_virerror_clear(err);
}

const char *vw_client_error_message(const vw_client_error *err)
{
    return vw_virerror_message(err);
}

/* ---- small helpers ----------------------------------------------------------------------------- */

void lv_conn_log(vw_conn *conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lv_conn_log(vw_conn *conn, const char *fmt, ...)
{
    if (!conn->opts.log && !conn->debug)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (conn->opts.log)
        conn->opts.log(conn->opts.log_opaque, line);
    else
        fprintf(stderr, "virtwire client: %s\n", line);
}

/* "CONNECT_OPEN" or "PROC_<n>"; buf needs 32 bytes. */
const char *lv_conn_proc_name(uint32_t prog, int proc, char *buf)
{
    return vw_procs_name(prog, proc, buf, 32);
}

vw_decode_mode lv_conn_mode(const vw_conn *conn)
{
    return (conn->opts.flags & VW_CONN_STRICT) ? VW_DECODE_STRICT : VW_DECODE_LENIENT;
}

void lv_conn_deadline_to_timespec(long long deadline_ms, struct timespec *ts)
{
    ts->tv_sec = deadline_ms / 1000;
    ts->tv_nsec = (deadline_ms % 1000) * 1000000L;
}

void lv_conn_init_monotonic_cond(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

void vw_conn_options_init(vw_conn_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->connect_timeout_ms = 10000;
    opts->call_timeout_ms = 30000;
    opts->keepalive_interval = 5;
    opts->keepalive_count = 5;
}

/* ---- open and close ---------------------------------------------------------------------------- */

static void conn_free(vw_conn *conn)
{
    if (conn->io_started) {
        pthread_mutex_lock(&conn->lock);
        conn->closing = true;
        conn->io_stop = true;
        pthread_mutex_unlock(&conn->lock);
        ssize_t ignored = write(conn->wake[1], "x", 1);
        (void)ignored;
        pthread_join(conn->io_thread, NULL);
    }
    pthread_mutex_lock(&conn->lock);
    conn->closing = true;
    if (!conn->dead) {
        vw_virerror e = { 0 };
        vw_virerror_set(&e, VW_ERR_NO_CONNECT, VW_FROM_RPC, "the connection was closed");
        lv_conn_die_locked(conn, &e);
    }
    conn->event_stop = true;
    pthread_cond_broadcast(&conn->event_cond);
    pthread_mutex_unlock(&conn->lock);
    if (conn->event_started)
        pthread_join(conn->event_thread, NULL);

    lv_events_free(conn);
    lv_conn_free_out_queue(conn);
    lv_read_free(conn);
    vw_tls_free(conn->tls);
    if (conn->fd >= 0)
        close(conn->fd);
    vw_transport_reap(conn->helper_pid);
    if (conn->wake[0] >= 0)
        close(conn->wake[0]);
    if (conn->wake[1] >= 0)
        close(conn->wake[1]);
    vw_virerror_clear(&conn->death);
    pthread_mutex_destroy(&conn->lock);
    pthread_cond_destroy(&conn->event_cond);
    free(conn->open_name);
    free(conn);
}

/* Builds a connection object around a connected fd (and its TLS session, or NULL) and starts
 * its threads. Takes fd and tls. */
static vw_conn *conn_new(int fd, vw_tls *tls, const vw_conn_options *opts, vw_virerror *err)
{
    vw_conn *conn = calloc(1, sizeof(*conn));
    if (!conn) {
        vw_tls_free(tls);
        close(fd);
        vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        return NULL;
    }
    conn->fd = fd;
    conn->tls = tls;
    conn->wake[0] = conn->wake[1] = -1;
    if (opts)
        conn->opts = *opts;
    else
        vw_conn_options_init(&conn->opts);
    if (conn->opts.call_timeout_ms <= 0)
        conn->opts.call_timeout_ms = 30000;
    if (conn->opts.connect_timeout_ms <= 0)
        conn->opts.connect_timeout_ms = 10000;
    if (conn->opts.keepalive_count < 0)
        conn->opts.keepalive_count = 0;
    conn->call_timeout_ms = conn->opts.call_timeout_ms;
    const char *dbg = getenv("VW_CLIENT_DEBUG");
    conn->debug = dbg && dbg[0] && strcmp(dbg, "0") != 0;
    pthread_mutex_init(&conn->lock, NULL);
    lv_conn_init_monotonic_cond(&conn->event_cond);
    conn->last_rx_ms = vw_now_ms();
    if (lv_read_init(conn) < 0) {
        vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        conn_free(conn);
        return NULL;
    }
    if (pipe2(conn->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "pipe: %s", strerror(errno));
        conn->wake[0] = conn->wake[1] = -1;
        conn_free(conn);
        return NULL;
    }
    if (pthread_create(&conn->event_thread, NULL, lv_events_thread_main, conn) != 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "cannot start a thread");
        conn_free(conn);
        return NULL;
    }
    conn->event_started = true;
    if (pthread_create(&conn->io_thread, NULL, lv_read_io_thread_main, conn) != 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "cannot start a thread");
        conn_free(conn);
        return NULL;
    }
    conn->io_started = true;
    return conn;
}

/* AUTH_LIST, then SASL or polkit if that is what the server wants. host: the URI's host
 * (NULL: a unix socket); secure: TLS or a unix socket. */
static int handshake_auth(vw_conn *conn, const char *host, bool secure, vw_virerror *err)
{
    int types[32];
    size_t ntypes = 0;
    vw_virerror e = { 0 };
    if (lv_procs_auth_list(conn, conn->opts.connect_timeout_ms, types, 32, &ntypes, &e) < 0) {
        if (e.remote && e.code == VW_ERR_NO_SUPPORT) {    /* old server: no auth */
            vw_virerror_clear(&e);
            return 0;
        }
        if (err)
            vw_virerror_move(err, &e);
        vw_virerror_clear(&e);
        return -1;
    }
    if (ntypes == 0)
        return 0;
    bool polkit = false, sasl = false;
    for (size_t i = 0; i < ntypes; i++) {
        if (types[i] == AUTH_NONE)
            return 0;
        polkit |= types[i] == AUTH_POLKIT;
        sasl |= types[i] == AUTH_SASL;
    }
    if (sasl)
        return lv_sasl_authenticate(conn, &conn->opts, host ? host : "localhost", secure,
                                    conn->opts.connect_timeout_ms, err);
    if (polkit) {
        if (lv_procs_auth_polkit(conn, conn->opts.call_timeout_ms, &e) < 0) {
            vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                            "polkit authentication failed: %s", vw_virerror_message(&e));
            vw_virerror_clear(&e);
            return -1;
        }
        return 0;
    }
    vw_virerror_set(err, VW_ERR_AUTH_UNAVAILABLE, VW_FROM_RPC,
                    "the server requires an unknown type of authentication, which this "
                    "client does not implement; configure the daemon with "
                    "auth_unix_rw=\"none\" (unix) or auth_tcp=\"none\" (tcp)");
    return -1;
}

static vw_conn *conn_open_stream(int fd, vw_tls *tls, const char *host, bool secure,
                                 const char *open_name, const vw_conn_options *opts,
                                 vw_virerror *err);

vw_conn *vw_conn_open(const char *uri_text, const vw_conn_options *opts, vw_virerror *err)
{
    vw_conn_options defaults;
    if (!opts) {
        vw_conn_options_init(&defaults);
        opts = &defaults;
    }
    vw_uri uri;
    if (vw_uri_parse(uri_text, opts->flags, &uri, err) < 0)
        return NULL;
    int connect_timeout = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
    long long deadline = vw_now_ms() + connect_timeout;
    int pid = 0;
    int fd = uri.transport == VW_TRANSPORT_SSH ? vw_transport_connect_ssh(&uri, &pid, err)
             : uri.transport != VW_TRANSPORT_UNIX
                 ? vw_transport_connect_tcp(uri.host, uri.port, connect_timeout, err)
                 : vw_transport_connect_unix(uri.socket_path, connect_timeout, err);
    vw_tls *tls = NULL;
    if (fd >= 0 && uri.transport == VW_TRANSPORT_TLS) {
        /* the handshake shares the connect timeout */
        long long left = deadline - vw_now_ms();
        tls = vw_tls_client_open(fd, uri.host, uri.pkipath, uri.no_verify,
                                 left > 0 ? (int)left : 1, err);
        if (!tls) {
            close(fd);
            fd = -1;
        }
    }
    const char *host = uri.transport == VW_TRANSPORT_UNIX ? NULL : uri.host;
    bool secure = uri.transport != VW_TRANSPORT_TCP;
    vw_conn *conn = fd < 0 ? NULL : conn_open_stream(fd, tls, host, secure, uri.open_name, opts,
                                                     err);
    if (conn)
        conn->helper_pid = pid;   /* set after the handshake: vw_conn_close reaps it */
    else
        vw_transport_reap(pid);
    vw_uri_clear(&uri);
    return conn;
}

vw_conn *vw_conn_open_fd(int fd, const char *open_name, const vw_conn_options *opts,
                         vw_virerror *err)
{
    return conn_open_stream(fd, NULL, NULL, true, open_name, opts, err);
}

static vw_conn *conn_open_stream(int fd, vw_tls *tls, const char *host, bool secure,
                                 const char *open_name, const vw_conn_options *opts,
                                 vw_virerror *err)
{
    vw_conn_options defaults;
    if (!opts) {
        vw_conn_options_init(&defaults);
        opts = &defaults;
    }
    int fl = fcntl(fd, F_GETFL);   /* the I/O thread expects a non-blocking socket */
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "fcntl: %s", strerror(errno));
        vw_tls_free(tls);
        close(fd);
        return NULL;
    }
    vw_conn *conn = conn_new(fd, tls, opts, err);
    if (!conn)
        return NULL;
    conn->open_name = strdup(open_name);
    if (!conn->open_name) {
        vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        goto fail;
    }

    if (handshake_auth(conn, host, secure, err) < 0)
        goto fail;

    int supported = 0;
    vw_virerror e = { 0 };
    if (lv_procs_supports_feature(conn, VIR_DRV_FEATURE_PROGRAM_KEEPALIVE,
                                  conn->opts.connect_timeout_ms, &supported, &e) < 0) {
        if (!e.remote) {
            if (err)
                vw_virerror_move(err, &e);
            vw_virerror_clear(&e);
            goto fail;
        }
        lv_conn_log(conn, "server does not answer PROGRAM_KEEPALIVE (%s); keepalive off",
                    vw_virerror_message(&e));
        vw_virerror_clear(&e);
        supported = 0;
    }

    int open_timeout = conn->opts.call_timeout_ms > conn->opts.connect_timeout_ms
                           ? conn->opts.call_timeout_ms : conn->opts.connect_timeout_ms;
    if (lv_procs_connect_open(conn, conn->open_name,
                              (conn->opts.flags & VW_CONN_READ_ONLY) ? VIR_CONNECT_RO : 0,
                              open_timeout, err) < 0)
        goto fail;

    if (supported && conn->opts.keepalive_interval > 0) {
        pthread_mutex_lock(&conn->lock);
        conn->keepalive_enabled = true;
        conn->last_rx_ms = vw_now_ms();
        pthread_mutex_unlock(&conn->lock);
        ssize_t ignored = write(conn->wake[1], "k", 1);   /* the I/O thread re-reads its timer */
        (void)ignored;
    }
    return conn;

fail:
    conn_free(conn);
    return NULL;
}

int vw_conn_close(vw_conn *conn, vw_virerror *err)
{
    if (!conn)
        return 0;
    if (conn->event_started && pthread_equal(pthread_self(), conn->event_thread)) {
        vw_virerror_set(err, VW_ERR_OPERATION_INVALID, VW_FROM_RPC,
                        "vw_conn_close called from an event callback: close the connection "
                        "from another thread once the callback returned");
        return -1;
    }
    int rc = 0;
    pthread_mutex_lock(&conn->lock);
    bool alive = !conn->dead;
    pthread_mutex_unlock(&conn->lock);
    pthread_mutex_lock(&conn->lock);
    bool unresponsive = conn->timeout_unanswered;
    pthread_mutex_unlock(&conn->lock);
    if (alive && conn->open_name) {
        pthread_mutex_lock(&conn->lock);
        conn->closing = true;      /* the server's EOF after CONNECT_CLOSE is no news */
        pthread_mutex_unlock(&conn->lock);
        int timeout = conn->call_timeout_ms < 5000 ? conn->call_timeout_ms : 5000;
        /* a server that let a call time out and sent nothing since gets a short grace for
         * CONNECT_CLOSE, not a second full timeout */
        if (unresponsive && timeout > VW_CLOSE_GRACE_MS)
            timeout = VW_CLOSE_GRACE_MS;
        rc = lv_procs_connect_close(conn, timeout, err);
    }
    conn_free(conn);
    return rc;
}

bool vw_conn_is_alive(vw_conn *conn)
{
    if (!conn)
        return false;
    pthread_mutex_lock(&conn->lock);
    bool alive = !conn->dead;
    pthread_mutex_unlock(&conn->lock);
    return alive;
}

int vw_conn_get_death_reason(vw_conn *conn, vw_virerror *err)
{
    if (!conn)
        return -1;
    pthread_mutex_lock(&conn->lock);
    int rc = -1;
    if (conn->dead) {
        if (err)
            vw_virerror_copy(err, &conn->death);
        rc = 0;
    }
    pthread_mutex_unlock(&conn->lock);
    return rc;
}

void vw_conn_set_call_timeout(vw_conn *conn, int timeout_ms)
{
    if (!conn || timeout_ms <= 0)
        return;
    pthread_mutex_lock(&conn->lock);
    conn->call_timeout_ms = timeout_ms;
    pthread_mutex_unlock(&conn->lock);
}

const char *vw_conn_open_name(vw_conn *conn)
{
    return conn ? conn->open_name : NULL;
}

bool vw_conn_keepalive_enabled(vw_conn *conn)
{
    if (!conn)
        return false;
    pthread_mutex_lock(&conn->lock);
    bool on = conn->keepalive_enabled;
    pthread_mutex_unlock(&conn->lock);
    return on;
}

void vw_conn_get_stats(vw_conn *conn, vw_conn_stats *stats)
{
    memset(stats, 0, sizeof(*stats));
    if (!conn)
        return;
    pthread_mutex_lock(&conn->lock);
    *stats = conn->stats;
    pthread_mutex_unlock(&conn->lock);
}

void vw_conn_set_close_callback(vw_conn *conn, vw_conn_close_cb cb, void *opaque)
{
    if (!conn)
        return;
    pthread_mutex_lock(&conn->lock);
    conn->close_cb = cb;
    conn->close_opaque = opaque;
    pthread_mutex_unlock(&conn->lock);
}

