/* daemon_start.c: the start-up both fakes share: the command line's framing, the shared options
 * and their wiring (daemon_start.h). */
#include "daemon_start.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replay_engine.h"
#include "vw_version.h"

enum {
    OPT_HELP = 1, OPT_VERSION, OPT_SCENARIO, OPT_ADMIN, OPT_FAULTS, OPT_SEED, OPT_RECORD,
    OPT_UPSTREAM, OPT_RECORD_SYNC, OPT_REPLAY, OPT_ALLOW_TRUNCATED, OPT_REPLAY_MATCH,
    OPT_REPLAY_UNMATCHED, OPT_REPLAY_REPORT, OPT_REPLAY_DELAY_MAX, OPT_MEMORY_BUDGET,
};

static const vw_opt_def shared_opts[] = {
    { "--help", false, OPT_HELP },
    { "-h", false, OPT_HELP },
    { "--version", false, OPT_VERSION },
    { "-V", false, OPT_VERSION },
    { "--scenario", true, OPT_SCENARIO },
    { "--admin", true, OPT_ADMIN },
    { "--faults", true, OPT_FAULTS },
    { "--seed", true, OPT_SEED },
    { "--record", true, OPT_RECORD },
    { "--upstream", true, OPT_UPSTREAM },
    { "--record-sync", false, OPT_RECORD_SYNC },
    { "--replay", true, OPT_REPLAY },
    { "--allow-truncated", false, OPT_ALLOW_TRUNCATED },
    { "--replay-match", true, OPT_REPLAY_MATCH },
    { "--replay-unmatched", true, OPT_REPLAY_UNMATCHED },
    { "--replay-report", true, OPT_REPLAY_REPORT },
    { "--replay-delay-max", true, OPT_REPLAY_DELAY_MAX },
    { "--memory-budget-mib", true, OPT_MEMORY_BUDGET },
    { NULL, false, 0 },
};

static const vw_opt_def *find_opt(const vw_opt_def *table, const char *name)
{
    for (; table && table->name; table++)
        if (strcmp(table->name, name) == 0)
            return table;
    return NULL;
}

int vw_daemon_parse_count(const char *prog, const char *opt, const char *val, long min, long max,
                          long *out)
{
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || *end || !*val || v < min || v > max) {
        fprintf(stderr, "%s: %s %s: expected an integer from %ld to %ld\n", prog, opt, val, min,
                max);
        return -1;
    }
    *out = v;
    return 0;
}

/* --seed: decimal, or hexadecimal with 0x (fake-qemu took C's bases, so 0x... still works; a
 * leading 0 is no longer octal). */
static int parse_seed(const char *prog, const char *val, uint64_t *out)
{
    char *end;
    bool hex = val[0] == '0' && (val[1] == 'x' || val[1] == 'X');
    errno = 0;
    unsigned long long v = strtoull(hex ? val + 2 : val, &end, hex ? 16 : 10);
    if (errno || *end || !*val || (hex && !val[2]) || val[0] == '-' || val[0] == '+' ||
        val[0] == ' ') {
        fprintf(stderr, "%s: --seed %s: expected a non-negative integer (decimal, or hex with "
                "0x)\n", prog, val);
        return -1;
    }
    *out = v;
    return 0;
}

void vw_daemon_replay_tuned(vw_daemon_opts *o, const char *opt)
{
    o->replay_tuned = opt;
}

/* A value that is one of two words: *second tells which. 0, or -1 after a message. */
static int pick_one(const char *prog, const char *opt, const char *val, const char *first,
                    const char *second, bool *is_second)
{
    if (strcmp(val, first) != 0 && strcmp(val, second) != 0) {
        fprintf(stderr, "%s: %s %s: expected %s or %s\n", prog, opt, val, first, second);
        return -1;
    }
    *is_second = strcmp(val, second) == 0;
    return 0;
}

/* One shared option. Returns VW_START_GO, or an exit status. */
static int shared_option(const vw_daemon_cli *cli, const vw_opt_def *d, const char *val,
                         vw_daemon_opts *o)
{
    long mib;
    switch (d->id) {
    case OPT_HELP:
        cli->usage(stdout);
        return 0;
    case OPT_VERSION:
        printf("%s (virt-wire) %s\n", cli->prog, VW_VERSION);
        return 0;
    case OPT_SCENARIO: o->scenario = val; break;
    case OPT_ADMIN: o->admin = val; break;
    case OPT_FAULTS: o->faults = val; break;
    case OPT_SEED:
        if (parse_seed(cli->prog, val, &o->seed) < 0)
            return 2;
        break;
    case OPT_RECORD: o->record = val; break;
    case OPT_UPSTREAM: o->upstream = val; break;
    case OPT_RECORD_SYNC: o->record_sync = true; break;
    case OPT_REPLAY: o->replay = val; break;
    case OPT_ALLOW_TRUNCATED: o->allow_truncated = true; o->replay_tuned = d->name; break;
    case OPT_REPLAY_REPORT: o->replay_report = val; o->replay_tuned = d->name; break;
    case OPT_REPLAY_MATCH:
        if (pick_one(cli->prog, d->name, val, "strict", "unordered", &o->replay_unordered) < 0)
            return 2;
        o->replay_tuned = d->name;
        break;
    case OPT_REPLAY_UNMATCHED:
        if (pick_one(cli->prog, d->name, val, "error", "close", &o->replay_unmatched_close) < 0)
            return 2;
        o->replay_tuned = d->name;
        break;
    case OPT_REPLAY_DELAY_MAX:
        if (vw_daemon_parse_count(cli->prog, d->name, val, 0, 3600000,
                                  &o->replay_delay_max_ms) < 0)
            return 2;
        o->replay_tuned = d->name;
        break;
    case OPT_MEMORY_BUDGET:
        if (vw_daemon_parse_count(cli->prog, d->name, val, 1, 1L << 20, &mib) < 0)
            return 2;
        o->memory_budget = (size_t)mib << 20;
        break;
    }
    return VW_START_GO;
}

int vw_daemon_parse(const vw_daemon_cli *cli, int argc, char **argv, vw_daemon_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->replay_delay_max_ms = VW_REPLAY_DELAY_MAX_MS;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        char name[64];
        if (arg[0] != '-' || !arg[1]) {
            fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", cli->prog, arg);
            return 2;
        }
        /* "--opt VALUE" and "--opt=VALUE" */
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        if (eq && (size_t)(eq - arg) < sizeof(name)) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = '\0';
            val = eq + 1;
            arg = name;
        }
        const vw_opt_def *own = find_opt(cli->own, arg);
        const vw_opt_def *d = own ? own : find_opt(shared_opts, arg);
        if (!d) {
            fprintf(stderr, "%s: unknown option '%s' (see --help)\n", cli->prog, argv[i]);
            return 2;
        }
        if (d->takes_value && !val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value (see --help)\n", cli->prog, arg);
                return 2;
            }
            val = argv[++i];
        } else if (!d->takes_value && val) {
            fprintf(stderr, "%s: %s takes no value (see --help)\n", cli->prog, arg);
            return 2;
        }
        if (own) {
            if (cli->own_option(cli->ctx, d->id, d->name, val) < 0)
                return 2;
            continue;
        }
        int rc = shared_option(cli, d, val, o);
        if (rc != VW_START_GO)
            return rc;
    }
    return VW_START_GO;
}

void vw_daemon_usage_shared(FILE *out, const char *unit)
{
    fprintf(out,
            "  --scenario FILE   answer %ss from the stubs in FILE first, in every mode (model,\n"
            "                    replay, record) (docs/scenario-format.md)\n"
            "  --admin unix:PATH control socket: add/remove stubs, journal, reset\n"
            "                    (newline-delimited JSON, docs/admin-protocol.md)\n"
            "  --seed N          seed for everything random (stub and fault probabilities):\n"
            "                    decimal, or hexadecimal with 0x\n"
            "  --faults FILE     inject faults from the JSON rules in FILE (docs/faults.md); they\n"
            "                    replace the scenario's \"faults\" section\n"
            "  --help, -h        this text\n"
            "  --version, -V     the program's version (virt-wire's)\n", unit);
}

void vw_daemon_usage_modes(FILE *out, const char *peer, const char *unit, const char *replay)
{
    fprintf(out,
            "\n"
            "Record and replay (docs/replay.md):\n"
            "  --record TRACE --upstream unix:PATH|tcp:HOST:PORT\n"
            "                    a transparent proxy: every client gets its own connection to\n"
            "                    %s at --upstream; all traffic is written to TRACE,\n"
            "                    each message's record before the message is forwarded (a\n"
            "                    killed recorder's trace has all that either side received)\n"
            "  --record-sync     also fdatasync the trace before forwarding (survives a power\n"
            "                    loss; costs one disk flush per forwarded batch)\n"
            "%s"
            "  --allow-truncated drop a cut last line of the replayed TRACE (a recorder killed\n"
            "                    while writing it) with a warning instead of refusing the trace\n"
            "  --replay-match strict|unordered\n"
            "                    strict (default): only the next recorded %s may match;\n"
            "                    unordered: the first unused one that is equal\n"
            "  --replay-unmatched error|close\n"
            "                    a %s that matches nothing gets an error reply (default) or\n"
            "                    closes the connection\n"
            "  --replay-report FILE\n"
            "                    write the replay report (matched, unmatched, never used) as JSON\n"
            "  --replay-delay-max MS\n"
            "                    events and other server messages keep their recorded delay\n"
            "                    after the %s or reply they follow, up to MS milliseconds\n"
            "                    (default %d; 0: none); a reply never overtakes them\n",
            peer, replay, unit, unit, unit, VW_REPLAY_DELAY_MAX_MS);
}

/* "PROG: SOURCE:LINE:COL: text" on stderr; the exit status of a bad option file. */
static int print_error(const vw_daemon_cli *cli, const vw_error *e)
{
    char msg[sizeof(e->source) + sizeof(e->text) + 64];
    fprintf(stderr, "%s: %s\n", cli->prog, vw_error_format(e, msg, sizeof(msg)));
    return 2;
}

int vw_daemon_start_mode(const vw_daemon_cli *cli, const vw_daemon_opts *o,
                         const vw_daemon_ops *ops)
{
    char err[1024];
    if (o->record && o->replay) {
        fprintf(stderr, "%s: --record and --replay exclude each other\n", cli->prog);
        return 2;
    }
    if (!o->record != !o->upstream) {
        fprintf(stderr, "%s: --record TRACE and --upstream ADDR go together (see --help)\n",
                cli->prog);
        return 2;
    }
    if (o->record_sync && !o->record) {
        fprintf(stderr, "%s: --record-sync needs --record TRACE\n", cli->prog);
        return 2;
    }
    if (o->replay_tuned && !o->replay) {
        fprintf(stderr, "%s: %s needs --replay TRACE\n", cli->prog, o->replay_tuned);
        return 2;
    }
    if (o->record && ops->record_new(ops->ctx, o, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", cli->prog, err);
        return 1;
    }
    vw_error e;
    if (o->replay && ops->replay_new(ops->ctx, o, &e) < 0)
        return print_error(cli, &e);
    return VW_START_GO;
}

/* The scenario's "faults" section and the admin socket's set_faults (docs/faults.md): null or []
 * removes every rule. */
static int set_faults(void *opaque, const json_t *rules, char *err, size_t errlen)
{
    vw_daemon_wiring *w = opaque;
    char why[512];
    bool given = rules && !json_is_null(rules);
    vw_faults *f = given ? vw_faults_from_json(rules, w->seed, why, sizeof(why)) : NULL;
    if (given && (!f || vw_faults_check_protocol(f, w->ops->fault_proto, why, sizeof(why)) < 0)) {
        vw_faults_unref(f);
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (f && vw_faults_count(f) == 0) {
        vw_faults_unref(f);
        f = NULL;
    }
    w->ops->set_faults(w->ops->ctx, f);
    return 0;
}

int vw_daemon_wire(vw_daemon_wiring *w, const vw_daemon_cli *cli, const vw_daemon_opts *o,
                   const vw_daemon_ops *ops, vw_evloop *loop)
{
    char err[1024];
    vw_error e;
    memset(w, 0, sizeof(*w));
    w->cli = cli;
    w->ops = ops;
    w->seed = o->seed;
    const json_t *scenario_faults = NULL;
    if (o->scenario || o->admin) {
        w->stubs = ops->stubs_new(ops->ctx, o->scenario, o->seed, set_faults, w,
                                  &scenario_faults, &e);
        if (!w->stubs)
            return print_error(cli, &e);
    }
    if (o->faults) {
        /* --faults wins over the scenario's "faults" section */
        vw_faults *f = vw_faults_load_file(o->faults, o->seed, ops->fault_proto, &e);
        if (!f)
            return print_error(cli, &e);
        ops->set_faults(ops->ctx, f);
    } else if (scenario_faults && set_faults(w, scenario_faults, err, sizeof(err)) < 0) {
        char source[sizeof(e.source)];
        snprintf(source, sizeof(source), "--scenario %s", o->scenario);
        vw_error_set(&e, source, 0, 0, 0, "%s", err);
        return print_error(cli, &e);
    }
    if (o->admin) {
        w->admin = vw_admin_new(loop, o->admin, ops->stubs_admin, w->stubs, err, sizeof(err));
        if (!w->admin) {
            fprintf(stderr, "%s: %s\n", cli->prog, err);
            return 1;
        }
    }
    return VW_START_GO;
}

void vw_daemon_stop_admin(vw_daemon_wiring *w)
{
    vw_admin_free(w->admin);
    w->admin = NULL;
}

void vw_daemon_unwire(vw_daemon_wiring *w)
{
    vw_daemon_stop_admin(w);
    if (w->stubs)
        w->ops->stubs_free(w->stubs);
    w->stubs = NULL;
}
