/* daemon_start.h: the start-up both fakes share (fake-libvirtd, fake-qemu).
 *
 * Owns: the command line's framing (`--opt VALUE` and `--opt=VALUE`, -h/--help, -V/--version, one
 * set of messages and exit statuses), the options both daemons have (scenario, admin, faults,
 * seed, record/upstream/record-sync, replay and its sub-options, memory budget) with their help
 * text, and wiring them up: record or replay through the fake's constructors, then the scenario
 * stubs, the faults (--faults over the scenario's "faults" section, the admin socket's
 * set_faults) and the admin socket. Each fake's main keeps only its own options, handed to it
 * through vw_daemon_cli.own_option.
 *
 * Exit statuses: 0 after --help/--version, 2 for a bad command line or a bad file named on it
 * (scenario, faults, trace), 1 for what fails at run time (sockets, the upstream).
 */
#ifndef VW_DAEMON_START_H
#define VW_DAEMON_START_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "admin.h"
#include "evloop.h"
#include "faults.h"
#include "vw_error.h"

/* One option of a program's own: its name with the dashes, whether it takes a value, an id. */
typedef struct vw_opt_def {
    const char *name;
    bool takes_value;
    int id;
} vw_opt_def;

/* The options both daemons have, as parsed. */
typedef struct vw_daemon_opts {
    const char *scenario, *admin, *faults;
    uint64_t seed;
    const char *record, *upstream;
    bool record_sync;
    const char *replay;             /* the trace to replay, or NULL */
    bool allow_truncated;
    bool replay_unordered;          /* --replay-match unordered (default strict) */
    bool replay_unmatched_close;    /* --replay-unmatched close (default error) */
    const char *replay_report;
    long replay_delay_max_ms;       /* --replay-delay-max: recorded delays of server messages
                                     * are capped to this (default VW_REPLAY_DELAY_MAX_MS) */
    const char *replay_tuned;       /* the last replay sub-option given (it needs --replay) */
    size_t memory_budget;           /* --memory-budget-mib in bytes; 0: the program's default */
} vw_daemon_opts;

typedef struct vw_daemon_cli {
    const char *prog;               /* "fake-libvirtd": the prefix of every message */
    const vw_opt_def *own;          /* the program's own options, ended by { NULL } */
    /* one of them with its value (NULL for a flag): 0, or -1 after printing why */
    int (*own_option)(void *ctx, int id, const char *opt, const char *val);
    void *ctx;
    void (*usage)(FILE *out);       /* the whole --help text */
} vw_daemon_cli;

enum { VW_START_GO = -1 };

/* Parses argv into o (zeroed first) and the program's own options. Returns VW_START_GO to go on,
 * else the exit status: 0 after --help or --version was printed, 2 after a message. */
int vw_daemon_parse(const vw_daemon_cli *cli, int argc, char **argv, vw_daemon_opts *o);

/* For the program's own replay sub-options: remembers opt as one that needs --replay. */
void vw_daemon_replay_tuned(vw_daemon_opts *o, const char *opt);

/* An integer option in [min, max]: 0, or -1 after "PROG: OPT VAL: expected an integer from MIN
 * to MAX". */
int vw_daemon_parse_count(const char *prog, const char *opt, const char *val, long min, long max,
                          long *out);

/* The help text of the shared options: scenario, admin, seed, faults, help and version; unit
 * is what one request is ("call", "command"). */
void vw_daemon_usage_shared(FILE *out, const char *unit);

/* The help text of record and replay: peer names what --upstream is ("the real libvirtd"),
 * replay is the program's own lines about --replay TRACE. */
void vw_daemon_usage_modes(FILE *out, const char *peer, const char *unit, const char *replay);

/* What the fake supplies to wire the shared options up. ctx is the fake's; every hook prints
 * nothing and fills err on failure. */
typedef int vw_daemon_faults_fn(void *opaque, const json_t *rules, char *err, size_t errlen);
typedef struct vw_daemon_ops {
    int fault_proto;                                   /* VW_FAULT_PROTO_LIBVIRT or _QMP */
    /* record or replay, before the server exists: 0, or -1 with err (NULL: mode not offered);
     * record's is a plain message, replay's names where the trace is bad */
    int (*record_new)(void *ctx, const vw_daemon_opts *o, char *err, size_t errlen);
    int (*replay_new)(void *ctx, const vw_daemon_opts *o, vw_error *err);
    /* the scenario stubs (file may be NULL: only the admin socket's), with fn installed as
     * their set_faults hook; *faults the scenario's "faults" section or NULL; NULL with err
     * filled (where the file is bad) */
    void *(*stubs_new)(void *ctx, const char *file, uint64_t seed, vw_daemon_faults_fn *fn,
                       void *fn_opaque, const json_t **faults, vw_error *err);
    void (*stubs_free)(void *stubs);
    vw_admin_handler *stubs_admin;
    /* the server's fault rules from now on (NULL: none); takes the reference */
    void (*set_faults)(void *ctx, vw_faults *f);
    void *ctx;
} vw_daemon_ops;

/* What vw_daemon_wire started. */
typedef struct vw_daemon_wiring {
    const vw_daemon_cli *cli;
    const vw_daemon_ops *ops;
    uint64_t seed;
    void *stubs;
    vw_admin *admin;
} vw_daemon_wiring;

/* Checks the shared options together (record and replay exclude each other, --record and
 * --upstream go together, sub-options need their mode) and starts record or replay. Returns
 * VW_START_GO, or the exit status after a message. */
int vw_daemon_start_mode(const vw_daemon_cli *cli, const vw_daemon_opts *o,
                         const vw_daemon_ops *ops);

/* Once the server exists: stubs, faults and the admin socket on loop. Returns VW_START_GO, or
 * the exit status after a message (what was started is freed by vw_daemon_unwire). */
int vw_daemon_wire(vw_daemon_wiring *w, const vw_daemon_cli *cli, const vw_daemon_opts *o,
                   const vw_daemon_ops *ops, vw_evloop *loop);

/* Closes the admin socket (before the loop goes). */
void vw_daemon_stop_admin(vw_daemon_wiring *w);

/* Closes the admin socket if still open and frees the stubs. */
void vw_daemon_unwire(vw_daemon_wiring *w);

#endif
