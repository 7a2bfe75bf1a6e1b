/* record.c: fake-libvirtd --record: the recording proxy mode (see record.h).
 *
 * Per client: one upstream socket on the server's event loop. Every message's record is
 * committed to the file before the message is forwarded (common/trace_file.h), so whatever a
 * peer received is in the trace even after a SIGKILL. Client -> upstream: each whole packet
 * server.c's reader hands over is recorded and queued for the upstream; a zero-delay timer
 * forwards all the packets of this loop round at once, after one commit. Upstream -> client:
 * bytes are cut into whole packets by a packet reader, each recorded and queued on the client
 * connection, then one commit, then the client is written to; after a length word outside the
 * protocol's limits the rest of that direction is carried and recorded as unframed "data".
 * Backpressure both ways, so a slow peer never makes the proxy buffer without
 * bound: upstream reads pause while the client has more than FL_CONN_OUT_HIGH bytes waiting, and
 * client reads pause (fl_conn_hold_reads) while more than REC_UP_HIGH bytes wait for the
 * upstream, until they are below REC_UP_LOW. */
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netaddr.h"
#include "packet.h"
#include "trace.h"
#include "trace_file.h"
#include "vw_version.h"

#define REC_CONNECT_TIMEOUT_MS 5000
#define REC_READ_CHUNK 65536
#define REC_RESUME_MS 5           /* re-check a paused upstream this often */
#define REC_UP_HIGH (4u << 20)    /* stop reading the client while this much waits upstream */
#define REC_UP_LOW (1u << 20)     /* ... and read it again below this */

struct fl_record {
    vw_trace_file *file;          /* batches the writer's records (common/trace_file.h) */
    vw_trace_writer *w;
    vw_netaddr upstream;
    char upstream_spec[400];
    int verbose;
    bool stopping;
    bool trace_failed;
};

typedef struct rec_conn {
    fl_record *rec;
    fl_conn *c;
    fl_server *srv;
    uint32_t id;
    int ufd;                      /* upstream socket */
    vw_buf to_up;                 /* bytes waiting for the upstream */
    size_t to_up_off;
    vw_packet_reader s2c;         /* frames upstream bytes into packets */
    vw_buf s2c_pending;           /* bytes of the upstream packet being collected */
    bool s2c_queued;              /* client-bound bytes were queued in this upstream read */
    bool s2c_unframed;            /* a bad length word came from upstream: raw from now on */
    bool up_reading;              /* the upstream fd is registered readable */
    bool client_held;             /* client reads paused: to_up is above REC_UP_HIGH */
    long long resume_timer;       /* -1 when none */
    long long forward_timer;      /* sends to_up after this loop round (forward_tick); -1 */
    const char *by;               /* who ended the connection, when this module knows */
} rec_conn;

static void up_readable(vw_evloop *loop, int fd, void *data, int mask);
static void up_writable(vw_evloop *loop, int fd, void *data, int mask);

static void trace_failed(fl_record *rec, const vw_trace_error *e)
{
    if (!rec->trace_failed) {
        fprintf(stderr, "fake-libvirtd: --record: %s (clients are still forwarded; the trace is "
                        "incomplete)\n", e->text);
        rec->trace_failed = true;
    }
}

/* Records one message (or unframed bytes); it reaches the file at the next commit. */
static void trace_bytes(rec_conn *rc, vw_trace_dir dir, bool message, const void *data, size_t n)
{
    fl_record *rec = rc->rec;
    vw_trace_error e;
    uint64_t t = vw_trace_writer_elapsed_us(rec->w);
    int r = message ? vw_trace_write_message(rec->w, rc->id, dir, t, data, n, &e)
                    : vw_trace_write_data(rec->w, rc->id, dir, t, data, n, &e);
    if (r < 0)
        trace_failed(rec, &e);
}

/* Ends the connection from this side: the client gets what is queued, then is closed. */
static void end_conn(rec_conn *rc, const char *by)
{
    if (!rc->by)
        rc->by = by;
    if (rc->up_reading) {
        vw_evloop_del_file(fl_server_loop(rc->srv), rc->ufd, VW_EV_READABLE);
        rc->up_reading = false;
    }
    fl_conn_finish(rc->c);
}

/* Records one client-bound message and queues it; up_readable commits, then sends. */
static void to_client(rec_conn *rc, bool message, const uint8_t *data, size_t n)
{
    trace_bytes(rc, VW_TRACE_S2C, message, data, n);
    rc->s2c_queued = true;
    if (fl_conn_queue_bytes(rc->c, data, n) < 0)
        end_conn(rc, "error");
}

/* Frames n upstream bytes into packets; each goes to the trace and to the client. */
static void feed_s2c(rec_conn *rc, const uint8_t *data, size_t n)
{
    vw_proto_error pe;
    while (n > 0 && !rc->s2c_unframed) {
        size_t used = 0;
        int r = vw_packet_reader_feed(&rc->s2c, data, n, &used, &pe);
        if (r < 0) {
            fprintf(stderr, "fake-libvirtd: --record: connection %u: the upstream sent %s; the "
                            "rest of what it sends is carried and recorded as unframed data\n",
                    rc->id, pe.text);
            rc->s2c_unframed = true;
            break;
        }
        if (used == 0 && r == 0)
            break;
        if (vw_buf_append(&rc->s2c_pending, data, used, &pe) < 0) {
            rc->s2c_unframed = true;
            break;
        }
        data += used;
        n -= used;
        if (r == 1) {
            vw_packet pkt;
            (void)vw_packet_reader_take(&rc->s2c, &pkt, NULL, NULL, &pe);
            to_client(rc, true, rc->s2c_pending.data, rc->s2c_pending.len);
            vw_buf_reset(&rc->s2c_pending);
        }
    }
    if (rc->s2c_unframed) {
        if (rc->s2c_pending.len) {
            to_client(rc, false, rc->s2c_pending.data, rc->s2c_pending.len);
            vw_buf_reset(&rc->s2c_pending);
        }
        if (n)
            to_client(rc, false, data, n);
    }
}

static void watch_upstream(rec_conn *rc, bool on)
{
    vw_evloop *loop = fl_server_loop(rc->srv);
    if (on && !rc->up_reading) {
        if (vw_evloop_add_file(loop, rc->ufd, VW_EV_READABLE, up_readable, rc) == 0)
            rc->up_reading = true;
    } else if (!on && rc->up_reading) {
        vw_evloop_del_file(loop, rc->ufd, VW_EV_READABLE);
        rc->up_reading = false;
    }
}

static long long resume_tick(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    rec_conn *rc = data;
    fl_conn *c = rc->c;
    if (c->closing) {
        rc->resume_timer = -1;
        return VW_EV_NOMORE;
    }
    if (c->out.len - c->out_off >= FL_CONN_OUT_HIGH)
        return REC_RESUME_MS;
    rc->resume_timer = -1;
    watch_upstream(rc, true);
    return VW_EV_NOMORE;
}

static void up_readable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)mask;
    rec_conn *rc = data;
    fl_conn *c = rc->c;
    uint8_t buf[REC_READ_CHUNK];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        if (rc->rec->verbose)
            fprintf(stderr, "fake-libvirtd: --record: connection %u: read from the upstream: %s\n",
                    rc->id, strerror(errno));
        end_conn(rc, "error");
        return;
    }
    if (n == 0) {
        /* the real daemon closed: the client gets the rest, then the close */
        if (rc->s2c_pending.len) {
            to_client(rc, false, rc->s2c_pending.data, rc->s2c_pending.len);
            vw_buf_reset(&rc->s2c_pending);
        }
        vw_trace_file_commit(rc->rec->file);    /* before the server writes to the client */
        end_conn(rc, "server");
        return;
    }
    rc->s2c_queued = false;
    feed_s2c(rc, buf, (size_t)n);
    /* every packet of this read is recorded: one write for all, then the client gets them */
    if (rc->s2c_queued) {
        vw_trace_file_commit(rc->rec->file);
        if (!c->closing && fl_conn_flush(c) < 0)
            return;             /* c and rc are gone */
    }
    if (!c->closing && c->out.len - c->out_off >= FL_CONN_OUT_HIGH && rc->resume_timer < 0) {
        watch_upstream(rc, false);
        rc->resume_timer = vw_evloop_add_timer(loop, REC_RESUME_MS, resume_tick, rc, NULL);
    }
}

/* Writes what the upstream takes, after the records of those packets. */
static void flush_up(rec_conn *rc)
{
    vw_evloop *loop = fl_server_loop(rc->srv);
    if (rc->to_up_off < rc->to_up.len)
        vw_trace_file_commit(rc->rec->file);
    while (rc->to_up_off < rc->to_up.len) {
        long n = vw_netaddr_send(rc->ufd, rc->to_up.data + rc->to_up_off,
                                 rc->to_up.len - rc->to_up_off);
        if (n > 0) {
            rc->to_up_off += (size_t)n;
            continue;
        }
        if (n == 0) {
            vw_evloop_add_file(loop, rc->ufd, VW_EV_WRITABLE, up_writable, rc);
            return;
        }
        if (rc->rec->verbose)
            fprintf(stderr, "fake-libvirtd: --record: connection %u: write to the upstream: %s\n",
                    rc->id, strerror(errno));
        vw_evloop_del_file(loop, rc->ufd, VW_EV_WRITABLE);
        vw_buf_reset(&rc->to_up);
        rc->to_up_off = 0;
        end_conn(rc, "error");
        return;
    }
    vw_buf_reset(&rc->to_up);
    rc->to_up_off = 0;
    vw_evloop_del_file(loop, rc->ufd, VW_EV_WRITABLE);
    if (rc->to_up.cap > REC_UP_HIGH)
        vw_buf_free(&rc->to_up);          /* give back memory after a burst */
}

/* After writing: drops what was written from a buffer that never empties, and lets the client
 * be read again once the upstream caught up. */
static void up_progress(rec_conn *rc)
{
    if (rc->to_up_off > 65536 && rc->to_up_off > rc->to_up.len / 2) {
        memmove(rc->to_up.data, rc->to_up.data + rc->to_up_off, rc->to_up.len - rc->to_up_off);
        rc->to_up.len -= rc->to_up_off;
        rc->to_up_off = 0;
    }
    size_t waiting = rc->to_up.len - rc->to_up_off;
    if (!rc->client_held && waiting > REC_UP_HIGH && !rc->by) {
        rc->client_held = true;
        fl_conn_hold_reads(rc->c, true);
    } else if (rc->client_held && waiting < REC_UP_LOW) {
        rc->client_held = false;
        fl_conn_hold_reads(rc->c, false);
    }
}

static void up_writable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    flush_up(data);
    up_progress(data);
}

/* Zero-delay timer: runs after the file events of this loop round, so the client packets of
 * every read in the round go upstream behind one commit. */
static long long forward_tick(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    rec_conn *rc = data;
    rc->forward_timer = -1;
    flush_up(rc);
    up_progress(rc);
    return VW_EV_NOMORE;
}

/* Makes sure to_up goes out soon: up_writable does it while the upstream is full. */
static void schedule_forward(rec_conn *rc)
{
    vw_evloop *loop = fl_server_loop(rc->srv);
    if (rc->forward_timer >= 0 || (vw_evloop_get_file_mask(loop, rc->ufd) & VW_EV_WRITABLE))
        return;
    rc->forward_timer = vw_evloop_add_timer(loop, 0, forward_tick, rc, NULL);
    if (rc->forward_timer < 0)
        flush_up(rc);           /* no memory for a timer: forward this packet alone */
}

/* ---- server hooks --------------------------------------------------------------------------- */

static int rec_conn_open(void *opaque, fl_conn *c)
{
    fl_record *rec = opaque;
    char err[512];
    int ufd = vw_netaddr_connect(&rec->upstream, REC_CONNECT_TIMEOUT_MS, err, sizeof(err));
    if (ufd < 0) {
        fprintf(stderr, "fake-libvirtd: --record: client %llu connected but the upstream %s is "
                        "unreachable (%s); closing the client\n",
                (unsigned long long)c->id, rec->upstream_spec, err);
        return -1;
    }
    if (vw_netaddr_set_nonblock(ufd, 1, err, sizeof(err)) < 0) {
        fprintf(stderr, "fake-libvirtd: --record: %s; closing client %llu\n", err,
                (unsigned long long)c->id);
        close(ufd);
        return -1;
    }
    rec_conn *rc = calloc(1, sizeof(*rc));
    if (!rc) {
        fprintf(stderr, "fake-libvirtd: --record: out of memory; closing client %llu\n",
                (unsigned long long)c->id);
        close(ufd);
        return -1;
    }
    rc->rec = rec;
    rc->c = c;
    rc->srv = c->srv;
    rc->id = (uint32_t)c->id;
    rc->ufd = ufd;
    rc->resume_timer = -1;
    rc->forward_timer = -1;
    vw_packet_reader_init(&rc->s2c, VW_DECODE_LENIENT);
    c->mode_data = rc;
    vw_trace_error e;
    if (vw_trace_write_open(rec->w, rc->id, vw_trace_writer_elapsed_us(rec->w), "client", &e) < 0)
        trace_failed(rec, &e);
    vw_trace_file_commit(rec->file);
    watch_upstream(rc, true);
    if (!rc->up_reading) {
        fprintf(stderr, "fake-libvirtd: --record: cannot watch the upstream socket: %s; closing "
                        "client %llu\n", strerror(errno), (unsigned long long)c->id);
        return -1;      /* conn_close frees rc */
    }
    return 0;
}

static void rec_conn_packet(void *opaque, fl_conn *c, const vw_packet *pkt, const uint8_t *raw,
                            size_t raw_len)
{
    (void)opaque;
    (void)pkt;          /* carried as is, even with a header our decoder refuses */
    rec_conn *rc = c->mode_data;
    if (!rc || rc->by)
        return;
    vw_proto_error pe;
    if (rc->to_up.len - rc->to_up_off + raw_len > FL_CONN_OUT_MAX) {
        /* cannot happen: client reads pause above REC_UP_HIGH (one read's packets overshoot) */
        fprintf(stderr, "fake-libvirtd: --record: connection %u: more than %u bytes wait for the "
                        "upstream; closing the client\n", rc->id, FL_CONN_OUT_MAX);
        end_conn(rc, "error");
        return;
    }
    trace_bytes(rc, VW_TRACE_C2S, true, raw, raw_len);
    if (vw_buf_append(&rc->to_up, raw, raw_len, &pe) < 0) {
        end_conn(rc, "error");
        return;
    }
    schedule_forward(rc);
    up_progress(rc);
}

static void rec_conn_close(void *opaque, fl_conn *c)
{
    fl_record *rec = opaque;
    rec_conn *rc = c->mode_data;
    if (!rc)
        return;
    vw_evloop *loop = fl_server_loop(rc->srv);
    if (rc->forward_timer >= 0)
        vw_evloop_del_timer(loop, rc->forward_timer);
    if (!rc->by)
        flush_up(rc);           /* what the client sent just before it left, as far as it goes */
    if (rc->s2c_pending.len)
        trace_bytes(rc, VW_TRACE_S2C, false, rc->s2c_pending.data, rc->s2c_pending.len);
    const char *by = rc->by ? rc->by : rec->stopping ? "end" : "client";
    vw_trace_error e;
    if (vw_trace_write_close(rec->w, rc->id, vw_trace_writer_elapsed_us(rec->w), by, &e) < 0)
        trace_failed(rec, &e);
    vw_trace_file_commit(rec->file);
    vw_evloop_del_file(loop, rc->ufd, VW_EV_READABLE | VW_EV_WRITABLE);
    if (rc->resume_timer >= 0)
        vw_evloop_del_timer(loop, rc->resume_timer);
    close(rc->ufd);
    vw_packet_reader_free(&rc->s2c);
    vw_buf_free(&rc->s2c_pending);
    vw_buf_free(&rc->to_up);
    free(rc);
    c->mode_data = NULL;
}

static const fl_mode_ops record_ops = {
    .conn_open = rec_conn_open,
    .conn_packet = rec_conn_packet,
    .conn_close = rec_conn_close,
};

/* ---- setup ---------------------------------------------------------------------------------- */

fl_record *fl_record_new(const char *trace_path, const char *upstream, int verbose, bool sync,
                         char *err, size_t errlen)
{
    fl_record *rec = calloc(1, sizeof(*rec));
    if (!rec) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rec->verbose = verbose;
    snprintf(rec->upstream_spec, sizeof(rec->upstream_spec), "%s", upstream);
    char why[512];
    if (vw_netaddr_parse(upstream, &rec->upstream, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "--upstream %s: %s", upstream, why);
        free(rec);
        return NULL;
    }
    /* a recorder whose daemon is not there would only fail every client later: say so now */
    int fd = vw_netaddr_connect(&rec->upstream, REC_CONNECT_TIMEOUT_MS, why, sizeof(why));
    if (fd < 0) {
        snprintf(err, errlen, "--upstream %s: the real libvirtd is unreachable: %s", upstream, why);
        free(rec);
        return NULL;
    }
    close(fd);
    rec->file = vw_trace_file_start(trace_path, "fake-libvirtd: --record", sync,
                                    VW_TRACE_LIBVIRT, "fake-libvirtd --record " VW_VERSION, upstream,
                                    &rec->w, why, sizeof(why));
    if (!rec->file) {
        snprintf(err, errlen, "--record %s: %s", trace_path, why);
        free(rec);
        return NULL;
    }
    return rec;
}

void fl_record_attach(fl_record *rec, fl_server_config *cfg)
{
    cfg->mode_ops = &record_ops;
    cfg->mode_opaque = rec;
}

void fl_record_shutdown(fl_record *rec)
{
    if (rec)
        rec->stopping = true;
}

int fl_record_free(fl_record *rec)
{
    if (!rec)
        return 0;
    char why[512];
    int rc = vw_trace_file_finish(rec->file, rec->w, why, sizeof(why));
    if (rc < 0)
        fprintf(stderr, "fake-libvirtd: --record: %s\n", why);
    if (rec->trace_failed)
        rc = -1;
    free(rec);
    return rc;
}
