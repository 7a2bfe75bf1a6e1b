/* replay_engine.h: the one replay engine of fake-libvirtd --replay and fake-qemu --replay, with
 * the protocol's part supplied by each fake as a small operations struct (vw_replay_proto).
 *
 * Owns: the one option struct of both replays, loading the trace into recorded connections
 * (common/replay_load.h; each record handed to the protocol), sealing their match indexes
 * (common/replay_match.h), which recorded connection a new client gets (the next one in trace
 * order, or with pick "match" a free one whose opening calls equal the client's), which recorded
 * call answers a live one (strict or unordered), the recorded delay of a server message capped
 * by --replay-delay-max, and the report (common/replay_report.h): opened at start, a
 * connection's never-used calls listed when it ends, the never-served connections, the run's
 * totals. The protocol keeps what a call's key holds, what counts as a reply, rewriting the
 * serial or id of a recorded reply, and its own messages on stderr.
 *
 * A recorded connection is the protocol's own struct with vw_replay_rconn as its first member
 * (proto->rconn_size bytes, zeroed by the engine).
 */
#ifndef VW_REPLAY_ENGINE_H
#define VW_REPLAY_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "replay_match.h"
#include "replay_report.h"
#include "trace.h"
#include "vw_error.h"

typedef enum { VW_REPLAY_STRICT = 0, VW_REPLAY_UNORDERED = 1 } vw_replay_match_mode;
typedef enum { VW_REPLAY_UNMATCHED_ERROR = 0, VW_REPLAY_UNMATCHED_CLOSE = 1 } vw_replay_unmatched;
typedef enum { VW_REPLAY_PICK_NEXT = 0, VW_REPLAY_PICK_MATCH = 1 } vw_replay_pick;

#define VW_REPLAY_DELAY_MAX_MS 100

/* The one option struct of both replays (--replay and its sub-options). */
typedef struct vw_replay_options {
    const char *trace_path;
    bool allow_truncated;         /* --allow-truncated: drop a cut last line with a warning */
    vw_replay_match_mode match;
    vw_replay_unmatched unmatched;
    vw_replay_pick pick;          /* fake-libvirtd only; fake-qemu always serves the next */
    const char *report_path;      /* NULL: no JSON report */
    long long delay_max_ms;       /* recorded delays of server messages are capped to this */
    int verbose;
} vw_replay_options;

/* The engine's part of a recorded connection: the first member of the protocol's struct. */
typedef struct vw_replay_rconn {
    uint32_t id;                  /* the trace's connection number */
    vw_replay_match *match;       /* its calls' keys, in recorded order, and which are used */
    bool bound;                   /* serving a live connection, or served one */
} vw_replay_rconn;

/* The protocol's operations. */
typedef struct vw_replay_proto {
    const char *who;              /* prefix of messages, "fake-qemu: replay" */
    const char *protocol;         /* the report's protocol name, "libvirt" */
    vw_trace_protocol trace_protocol;
    size_t rconn_size;            /* sizeof the protocol's recorded connection */
    /* One msg or data record of rc (close records too): add its calls with
     * vw_replay_match_add(rc->match, ...). Returns 0, or -1 when out of memory. */
    int (*record)(void *ctx, vw_replay_rconn *rc, const vw_trace_record *rec);
    /* optional: after the whole trace is read. Returns 0, or -1 when out of memory. */
    int (*sealed)(void *ctx, vw_replay_rconn *rc);
    /* optional: frees what the protocol holds in rc (not rc itself) */
    void (*rconn_clear)(void *ctx, vw_replay_rconn *rc);
    /* names recorded call i of rc for the report (a new JSON object) */
    json_t *(*call_json)(void *ctx, const vw_replay_rconn *rc, size_t i);
    /* the error for a trace of another protocol (found), into err */
    void (*wrong_protocol)(void *ctx, const char *path, vw_trace_protocol found, vw_error *err);
    /* prefix of a load error's source ("--replay "), may be NULL */
    const char *load_error_prefix;
    /* prefix of a report that cannot be written ("fake-qemu: replay") */
    const char *report_who;
} vw_replay_proto;

typedef struct vw_replay_engine vw_replay_engine;

/* Loads and checks the trace, opens the report. NULL with err filled: the trace's source
 * (load_error_prefix and its path) and line where the trace is bad, the text alone for a report
 * file that cannot be written. */
vw_replay_engine *vw_replay_engine_new(const vw_replay_options *opt, const vw_replay_proto *proto,
                                       void *ctx, vw_error *err);
void vw_replay_engine_free(vw_replay_engine *e);

const vw_replay_options *vw_replay_engine_options(const vw_replay_engine *e);
vw_replay_report *vw_replay_engine_report(vw_replay_engine *e);
size_t vw_replay_engine_count(const vw_replay_engine *e);
vw_replay_rconn *vw_replay_engine_rconn(vw_replay_engine *e, size_t i);
/* How many recorded connections have been handed out. */
size_t vw_replay_engine_served(const vw_replay_engine *e);

/* Hand-out: the next recorded connection nobody was served from (bound now), or NULL. */
vw_replay_rconn *vw_replay_engine_take(vw_replay_engine *e);
/* A recorded connection given back (pick "match" moved away from it): unbound, its calls
 * unused again. */
void vw_replay_engine_give_back(vw_replay_engine *e, vw_replay_rconn *rc);
/* Pick "match": the first free recorded connection whose calls 0..k-1 equal cur's and whose
 * call k has this key; its calls 0..k-1 are marked used and it is bound. NULL when none. The
 * caller gives cur back once it has moved what it needs. */
vw_replay_rconn *vw_replay_engine_switch(vw_replay_engine *e, const vw_replay_rconn *cur,
                                         size_t k, const void *key, size_t len);

/* The recorded call of rc that answers a live call with this key (by the option's match
 * mode), or -1; not marked used. */
long vw_replay_engine_find(const vw_replay_engine *e, vw_replay_rconn *rc, const void *key,
                           size_t len);
/* The delay in ms of a server message recorded at t_us after what released it (recorded at
 * base_us), capped by the option's delay_max_ms. */
long long vw_replay_engine_delay_ms(const vw_replay_engine *e, uint64_t t_us, uint64_t base_us);
const char *vw_replay_engine_match_name(const vw_replay_engine *e);
/* Recorded call i of rc answers the live connection conn: marked used and counted. */
void vw_replay_engine_matched(vw_replay_engine *e, size_t conn, vw_replay_rconn *rc, size_t i);
/* A live call (call: a JSON object naming it; stolen) of conn matched nothing: counted and
 * named in the report. Returns true when the policy (--replay-unmatched close) closes the
 * connection; false when the protocol answers the call with an error. */
bool vw_replay_engine_unmatched(vw_replay_engine *e, size_t conn, json_t *call);
bool vw_replay_engine_closes_unmatched(const vw_replay_engine *e);

/* A live connection ended: rc's unused calls go into the report's connection conn (rc may be
 * NULL), the never-served list is brought up to date and the report file rewritten. Returns
 * the connection's counts. */
vw_replay_counts vw_replay_engine_conn_done(vw_replay_engine *e, size_t conn,
                                            const vw_replay_rconn *rc);

/* The run's end. */
typedef struct vw_replay_summary {
    vw_replay_counts totals;
    size_t never_served;          /* recorded connections */
    unsigned long never_served_calls;
} vw_replay_summary;
vw_replay_summary vw_replay_engine_summary(vw_replay_engine *e);
/* Writes the report file. Returns 0, or -1 after a message. */
int vw_replay_engine_write_report(vw_replay_engine *e);

/* "strict"/"unordered", "error"/"close", "next"/"match" -> the enum; -1 if unknown. */
int vw_replay_match_from_name(const char *name);
int vw_replay_unmatched_from_name(const char *name);
int vw_replay_pick_from_name(const char *name);

#endif
