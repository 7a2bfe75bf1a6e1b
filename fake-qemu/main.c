/* main.c: fake-qemu's command line, start-up and shutdown.
 *
 *   fake-qemu --qmp unix:PATH|tcp:HOST:PORT [--qemu-version X.Y.Z] [--qemu-package STR]
 *             [--machine none|pc] [--prelaunch] [--name NAME] [--uuid UUID] [--schema FILE]
 *             [--self-check] [--seed N] [--faults FILE] [--scenario FILE]
 *             [--admin unix:PATH] [--help] [--version]
 *
 * Prints `ready` on stdout once the QMP socket accepts; SIGTERM/SIGINT send the client the
 * SHUTDOWN event (reason host-signal, as QEMU does), close the connection and exit 0; `quit` over QMP exits 0 after its reply, as QEMU does.
 */
#include "evloop.h"
#include "faults.h"
#include "netaddr.h"
#include "qapi_schema.h"
#include "qmp_server.h"
#include "record.h"
#include "replay.h"
#include "schema_data.h"
#include "vm_model.h"
#include "admin.h"
#include "stubs.h"
#include "vw_version.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
        "usage: fake-qemu --qmp unix:PATH|tcp:HOST:PORT [options]\n"
        "\n"
        "A fake QEMU that speaks QMP as qemu-system-x86_64 7.2 does, or 5.2, 10.0 or 11.1\n"
        "with --qemu-version (see docs/fake-qemu.md).\n"
        "\n"
        "  --qmp ADDR            where to listen: unix:PATH or tcp:HOST:PORT (required)\n"
        "  --qemu-version X.Y.Z  version in the greeting and query-version (default 7.2.22);\n"
        "                        the newest recorded release at or below X.Y is modelled:\n"
        "                        its schema, commands and version-dependent replies\n"
        "                        (recorded: %s)\n"
        "  --qemu-package STR    the version's \"package\" string (default \"v\" + version)\n"
        "  --machine none|pc     none: no CPU, no buses (like -machine none); pc: one CPU and\n"
        "                        a pci.0 and a USB bus xhci.0, like -machine pc -device\n"
        "                        qemu-xhci,id=xhci (default pc)\n"
        "  --prelaunch           start in the prelaunch state, as QEMU does with -S\n"
        "  --name NAME           VM name (query-name)\n"
        "  --uuid UUID           VM UUID (query-uuid)\n"
        "  --schema FILE         a query-qmp-schema reply recorded with\n"
        "                        fake-qemu/schemas/record-schema.py, instead of the built-in one\n"
        "  --self-check          validate every reply and event against the schema; report\n"
        "                        mismatches on stderr and exit with status 3\n"
        "  --seed N              seed for everything random (stub and fault probabilities)\n"
        "  --faults FILE         inject faults from the JSON rules in FILE (docs/faults.md)\n"
        "  --record TRACE --upstream ADDR\n"
        "                        record: a transparent proxy in front of a real QEMU's QMP\n"
        "                        socket ADDR, every connection written to TRACE, each value's\n"
        "                        record before the value is forwarded (a killed recorder's\n"
        "                        trace has all that either side received)\n"
        "  --record-sync         also fdatasync the trace before forwarding (survives a power\n"
        "                        loss; costs one disk flush per forwarded batch)\n"
        "  --replay TRACE        replay: answer from a recorded QMP trace (docs/replay-qmp.md)\n"
        "  --replay-match strict|unordered\n"
        "                        commands in recorded order (default), or in any order\n"
        "  --replay-unmatched error|close\n"
        "                        a command that matches nothing: an error reply (default) or\n"
        "                        close the connection\n"
        "  --replay-report FILE  write the replay report (matched, unmatched, never used) as JSON\n"
        "  --allow-truncated     drop a cut last line of the replayed TRACE (a recorder killed\n"
        "                        while writing it) with a warning instead of refusing it\n"
        "  --scenario FILE       answer commands from the stubs in FILE first, in every mode\n"
        "                        (model, replay, record) (docs/scenario-format.md)\n"
        "  --admin unix:PATH     control socket: add/remove stubs, journal, reset\n"
        "                        (newline-delimited JSON, docs/admin-protocol.md)\n"
        "  --memory-budget-mib N output queued for the client (default 64): a client that\n"
        "                        does not read while more would be queued is closed\n"
        "  --help                this text\n"
        "  --version             fake-qemu's version (virt-wire's, not the QEMU it models)\n",
        fq_schema_data_versions());
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= (64u << 20)) {
            snprintf(err, errlen, "%s: larger than 64 MiB", path);
            free(buf);
            fclose(f);
            return NULL;
        }
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (!nb)
            free(buf);
        buf = nb;
    }
    fclose(f);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    *len = n;
    return buf;
}

static int parse_version(const char *s, int *major, int *minor, int *micro)
{
    char tail;
    return sscanf(s, "%d.%d.%d%c", major, minor, micro, &tail) == 3 && *major >= 0 &&
           *minor >= 0 && *micro >= 0;
}

/* query-commands derived from the schema, for schemas given with --schema. */
static json_t *commands_from_schema(const qapi_schema *schema)
{
    json_t *out = json_array();
    size_t i;
    json_t *ent;
    json_array_foreach(qapi_schema_list(schema), i, ent) {
        const char *meta = json_string_value(json_object_get(ent, "meta-type"));
        if (meta && strcmp(meta, "command") == 0)
            json_array_append_new(out, json_pack("{s:O}", "name", json_object_get(ent, "name")));
    }
    return out;
}

/* SIGTERM/SIGINT: in model mode the client gets QEMU's SHUTDOWN event (reason host-signal,
 * written out before the loop stops); then the process exits 0. cd: the fq_vm ** or NULL. */
static void on_signal(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)mask;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        ;
    fq_vm **vmp = cd;
    if (vmp && *vmp)
        fq_vm_host_signal(*vmp);
    vw_evloop_stop(loop);
}

/* admin "reset": the VM back to its start state (fq_stubs_set_reset_hook) */
typedef struct {
    fq_vm **vm;
    const fq_vm_config *cfg;
    vw_evloop *loop;
    const fq_vm_hooks *hooks;
    qmp_server *srv;
} vm_reset_ctx;

static int reset_vm(void *opaque, const json_t *arg, char *err, size_t errlen)
{
    (void)arg;
    vm_reset_ctx *r = opaque;
    fq_vm *fresh = fq_vm_new(r->cfg, r->loop, r->hooks, r->srv);
    if (!fresh) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    qmp_server_set_vm(r->srv, fresh);
    fq_vm_free(*r->vm);
    *r->vm = fresh;
    return 0;
}

/* The scenario's "faults" section and the admin socket's set_faults (docs/faults.md). */
static struct {
    qmp_server *srv;
    unsigned long long seed;
} fault_target;

static int set_faults(void *opaque, const json_t *rules, char *err, size_t errlen)
{
    char why[512];
    (void)opaque;
    vw_faults *f = rules && !json_is_null(rules)
                       ? vw_faults_from_json(rules, fault_target.seed, why, sizeof(why)) : NULL;
    if (rules && !json_is_null(rules) &&
        (!f || vw_faults_check_protocol(f, VW_FAULT_PROTO_QMP, why, sizeof(why)) < 0)) {
        vw_faults_unref(f);
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (f && vw_faults_count(f) == 0) {   /* [] removes every rule */
        vw_faults_unref(f);
        f = NULL;
    }
    qmp_server_set_faults(fault_target.srv, f);   /* null clears */
    return 0;
}

int main(int argc, char **argv)
{
    enum { OPT_QMP = 1000, OPT_VERSION, OPT_PACKAGE, OPT_MACHINE, OPT_PRELAUNCH, OPT_NAME,
           OPT_UUID, OPT_SCHEMA, OPT_SELF_CHECK, OPT_SEED, OPT_SCENARIO, OPT_REPLAY, OPT_RECORD, OPT_UPSTREAM,
           OPT_REPLAY_MATCH, OPT_REPLAY_UNMATCHED, OPT_REPLAY_REPORT, OPT_ADMIN, OPT_HELP,
           OPT_FAULTS, OPT_SHOW_VERSION, OPT_MEMORY_BUDGET, OPT_ALLOW_TRUNCATED,
           OPT_RECORD_SYNC };
    static const struct option opts[] = {
        { "qmp", required_argument, NULL, OPT_QMP },
        { "qemu-version", required_argument, NULL, OPT_VERSION },
        { "qemu-package", required_argument, NULL, OPT_PACKAGE },
        { "machine", required_argument, NULL, OPT_MACHINE },
        { "prelaunch", no_argument, NULL, OPT_PRELAUNCH },
        { "name", required_argument, NULL, OPT_NAME },
        { "uuid", required_argument, NULL, OPT_UUID },
        { "schema", required_argument, NULL, OPT_SCHEMA },
        { "self-check", no_argument, NULL, OPT_SELF_CHECK },
        { "seed", required_argument, NULL, OPT_SEED },
        { "faults", required_argument, NULL, OPT_FAULTS },
        { "memory-budget-mib", required_argument, NULL, OPT_MEMORY_BUDGET },
        { "scenario", required_argument, NULL, OPT_SCENARIO },
        { "admin", required_argument, NULL, OPT_ADMIN },
        { "replay", required_argument, NULL, OPT_REPLAY },
        { "record", required_argument, NULL, OPT_RECORD },
        { "upstream", required_argument, NULL, OPT_UPSTREAM },
        { "replay-match", required_argument, NULL, OPT_REPLAY_MATCH },
        { "replay-unmatched", required_argument, NULL, OPT_REPLAY_UNMATCHED },
        { "replay-report", required_argument, NULL, OPT_REPLAY_REPORT },
        { "allow-truncated", no_argument, NULL, OPT_ALLOW_TRUNCATED },
        { "record-sync", no_argument, NULL, OPT_RECORD_SYNC },
        { "help", no_argument, NULL, OPT_HELP },
        { "version", no_argument, NULL, OPT_SHOW_VERSION },
        { NULL, 0, NULL, 0 },
    };
    const char *qmp = NULL, *version = "7.2.22", *package = NULL, *machine = "pc";
    const char *schema_file = NULL;
    int self_check = 0;
    const char *scenario_file = NULL, *admin_spec = NULL, *faults_file = NULL;
    unsigned long long seed = 0;
    size_t memory_budget = FQ_MEMORY_BUDGET;
    const char *record_path = NULL, *upstream = NULL;
    bool record_sync = false;
    fq_replay_options ropt = { 0 };
    const char *replay_match = NULL, *replay_unmatched = NULL;
    fq_vm_config cfg = { 0 };
    char pkgbuf[64];
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_QMP: qmp = optarg; break;
        case OPT_VERSION: version = optarg; break;
        case OPT_PACKAGE: package = optarg; break;
        case OPT_MACHINE: machine = optarg; break;
        case OPT_PRELAUNCH: cfg.prelaunch = 1; break;
        case OPT_NAME: cfg.name = optarg; break;
        case OPT_UUID: cfg.uuid = optarg; break;
        case OPT_SCHEMA: schema_file = optarg; break;
        case OPT_SELF_CHECK: self_check = 1; break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            seed = strtoull(optarg, &end, 0);
            if (errno || *optarg == '\0' || *end != '\0') {
                fprintf(stderr, "fake-qemu: --seed '%s' is not a number\n", optarg);
                return 2;
            }
            break;
        }
        case OPT_RECORD: record_path = optarg; break;
        case OPT_UPSTREAM: upstream = optarg; break;
        case OPT_REPLAY: ropt.trace = optarg; break;
        case OPT_REPLAY_MATCH: replay_match = optarg; break;
        case OPT_REPLAY_UNMATCHED: replay_unmatched = optarg; break;
        case OPT_REPLAY_REPORT: ropt.report = optarg; break;
        case OPT_ALLOW_TRUNCATED: ropt.allow_truncated = 1; break;
        case OPT_RECORD_SYNC: record_sync = true; break;
        case OPT_SCENARIO: scenario_file = optarg; break;
        case OPT_ADMIN: admin_spec = optarg; break;
        case OPT_FAULTS: faults_file = optarg; break;
        case OPT_MEMORY_BUDGET: {
            char *end;
            errno = 0;
            long mib = strtol(optarg, &end, 10);
            if (errno || *optarg == '\0' || *end != '\0' || mib < 1 || mib > (1L << 20)) {
                fprintf(stderr, "fake-qemu: --memory-budget-mib '%s': expected an integer from 1 "
                        "to 1048576\n", optarg);
                return 2;
            }
            memory_budget = (size_t)mib << 20;
            break;
        }
        case OPT_HELP:
            usage(stdout);
            return 0;
        case OPT_SHOW_VERSION:
            printf("fake-qemu (virt-wire) %s\n", VW_VERSION);
            return 0;
        default:
            if (optopt)
                fprintf(stderr, "fake-qemu: option %s needs a value (see --help)\n",
                        argv[optind - 1]);
            else
                fprintf(stderr, "fake-qemu: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fake-qemu: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (!qmp) {
        fprintf(stderr, "fake-qemu: --qmp unix:PATH or --qmp tcp:HOST:PORT is required (see --help)\n");
        return 2;
    }
    if (!parse_version(version, &cfg.major, &cfg.minor, &cfg.micro)) {
        fprintf(stderr, "fake-qemu: --qemu-version '%s' is not MAJOR.MINOR.MICRO (e.g. 7.2.0)\n",
                version);
        return 2;
    }
    if (strcmp(machine, "none") != 0 && strcmp(machine, "pc") != 0) {
        fprintf(stderr, "fake-qemu: --machine '%s': the fake models 'none' and 'pc'\n", machine);
        return 2;
    }
    if (!package) {
        snprintf(pkgbuf, sizeof(pkgbuf), "v%d.%d.%d", cfg.major, cfg.minor, cfg.micro);
        package = pkgbuf;
    }
    cfg.package = package;
    cfg.machine = machine;
    if (record_path && ropt.trace) {
        fprintf(stderr, "fake-qemu: --record and --replay exclude each other\n");
        return 2;
    }
    if (!!record_path != !!upstream) {
        fprintf(stderr, "fake-qemu: --record TRACE and --upstream ADDR go together (see --help)\n");
        return 2;
    }
    if (record_sync && !record_path) {
        fprintf(stderr, "fake-qemu: --record-sync needs --record TRACE\n");
        return 2;
    }
    if ((replay_match || replay_unmatched || ropt.report || ropt.allow_truncated) && !ropt.trace) {
        fprintf(stderr, "fake-qemu: --replay-match, --replay-unmatched, --replay-report and "
                "--allow-truncated need --replay TRACE\n");
        return 2;
    }
    if (replay_match && strcmp(replay_match, "strict") != 0 &&
        strcmp(replay_match, "unordered") != 0) {
        fprintf(stderr, "fake-qemu: --replay-match '%s': use strict or unordered\n", replay_match);
        return 2;
    }
    ropt.unordered = replay_match && strcmp(replay_match, "unordered") == 0;
    if (replay_unmatched && strcmp(replay_unmatched, "error") != 0 &&
        strcmp(replay_unmatched, "close") != 0) {
        fprintf(stderr, "fake-qemu: --replay-unmatched '%s': use error or close\n",
                replay_unmatched);
        return 2;
    }
    ropt.unmatched_close = replay_unmatched && strcmp(replay_unmatched, "close") == 0;

    char err[512];
    vw_netaddr addr;
    if (vw_netaddr_parse(qmp, &addr, err, sizeof(err)) < 0) {
        fprintf(stderr, "fake-qemu: --qmp: %s\n", err);
        return 2;
    }

    /* A --schema file is checked before `ready`; the built-in schema is parsed after it (it is
     * known to be good), so start-up is not slowed by 200 KB of JSON. */
    qapi_schema *schema = NULL;
    json_t *commands = NULL;
    const fq_schema_data *data = NULL;
    if (schema_file) {
        size_t len;
        char *text = read_file(schema_file, &len, err, sizeof(err));
        if (!text) {
            fprintf(stderr, "fake-qemu: --schema %s\n", err);
            return 2;
        }
        schema = qapi_schema_load(text, len, err, sizeof(err));
        free(text);
        if (!schema) {
            fprintf(stderr, "fake-qemu: --schema %s: %s\n", schema_file, err);
            return 2;
        }
        commands = commands_from_schema(schema);
    } else {
        data = fq_schema_data_find(cfg.major, cfg.minor);
        if (!data) {
            fprintf(stderr, "fake-qemu: no recorded QAPI schema at or below QEMU %s: it is "
                    "older than the oldest modelled release (recorded: %s); record that QEMU's "
                    "schema with fake-qemu/schemas/record-schema.py and pass --schema FILE\n",
                    version, fq_schema_data_versions());
            return 2;
        }
        cfg.model_major = data->major;   /* behaviours follow the recorded release */
        cfg.model_minor = data->minor;
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

    int rc = 1;
    vw_evloop *loop = vw_evloop_create(64, err, sizeof(err));
    qmp_server *srv = NULL;
    fq_vm *vm = NULL;
    fq_stubs *stubs = NULL;
    vw_admin *admin = NULL;
    fq_record *rec = NULL;
    fq_replay *replay = NULL;
    if (!loop) {
        fprintf(stderr, "fake-qemu: %s\n", err);
        goto out;
    }
    if (ropt.trace && !(replay = fq_replay_load(&ropt, err, sizeof(err)))) {
        fprintf(stderr, "fake-qemu: --replay %s\n", err);
        rc = 2;
        goto out;
    }
    if (record_path && !(rec = fq_record_new(loop, record_path, upstream,
                                             "fake-qemu --record " VW_VERSION, record_sync, err,
                                             sizeof(err)))) {
        fprintf(stderr, "fake-qemu: %s\n", err);
        goto out;
    }
    if (sfd < 0 || vw_evloop_add_file(loop, sfd, VW_EV_READABLE, on_signal,
                                      rec || replay ? NULL : &vm) < 0) {
        fprintf(stderr, "fake-qemu: cannot watch signals: %s\n", strerror(errno));
        goto out;
    }
    int lfd = vw_netaddr_listen(&addr, 16, err, sizeof(err));
    if (lfd < 0) {
        fprintf(stderr, "fake-qemu: %s\n", err);
        goto out;
    }
    srv = qmp_server_new(loop, lfd, addr.kind == VW_NETADDR_UNIX ? addr.path : NULL);
    if (!srv) {
        close(lfd);
        if (addr.kind == VW_NETADDR_UNIX)
            unlink(addr.path);
        fprintf(stderr, "fake-qemu: cannot start the QMP server\n");
        goto out;
    }
    fq_vm_hooks hooks = { qmp_server_event };
    vm = fq_vm_new(&cfg, loop, &hooks, srv);
    if (!vm) {
        fprintf(stderr, "fake-qemu: out of memory\n");
        goto out;
    }
    qmp_server_set_vm(srv, vm);
    qmp_server_set_memory_budget(srv, memory_budget);
    if (rec)
        qmp_server_set_backend(srv, fq_record_backend(rec));
    if (replay)
        qmp_server_set_backend(srv, fq_replay_backend(replay));
    /* scenario stubs and the admin socket (docs/scenario-format.md, docs/admin-protocol.md) */
    vm_reset_ctx reset_ctx = { &vm, &cfg, loop, &hooks, srv };
    if (scenario_file || admin_spec) {
        stubs = fq_stubs_new(loop, srv, scenario_file, seed, err, sizeof(err));
        if (!stubs) {
            fprintf(stderr, "fake-qemu: %s\n", err);
            rc = 2;
            goto out;
        }
        fq_stubs_set_reset_hook(stubs, reset_vm, &reset_ctx);
        fault_target.srv = srv;
        fault_target.seed = seed;
        fq_stubs_set_faults_hook(stubs, set_faults, &fault_target);
        const json_t *sf = fq_stubs_faults(stubs);
        if (sf && !faults_file && set_faults(&fault_target, sf, err, sizeof(err)) < 0) {
            fprintf(stderr, "fake-qemu: --scenario %s: %s\n", scenario_file, err);
            rc = 2;
            goto out;
        }
    }
    if (faults_file) {
        /* --faults wins over the scenario's "faults" section */
        vw_faults *f = vw_faults_load_file(faults_file, seed, VW_FAULT_PROTO_QMP, err, sizeof(err));
        if (!f) {
            fprintf(stderr, "fake-qemu: %s\n", err);
            rc = 2;
            goto out;
        }
        qmp_server_set_faults(srv, f);
    }
    if (admin_spec) {
        admin = vw_admin_new(loop, admin_spec, fq_stubs_admin, stubs, err, sizeof(err));
        if (!admin) {
            fprintf(stderr, "fake-qemu: %s\n", err);
            goto out;
        }
    }

    printf("ready\n");
    fflush(stdout);
    if (data) {
        schema = qapi_schema_load(data->schema, data->schema_len, err, sizeof(err));
        json_error_t jerr;
        commands = schema ? json_loadb(data->commands, data->commands_len, 0, &jerr) : NULL;
        if (!schema || !commands) {
            fprintf(stderr, "fake-qemu: built-in schema for %d.%d is damaged: %s\n", cfg.major,
                    cfg.minor, schema ? jerr.text : err);
            goto out;
        }
    }
    qapi_schema_set_version(schema, cfg.model_major ? cfg.model_major : cfg.major,
                            cfg.model_major ? cfg.model_minor : cfg.minor);
    qmp_server_set_schema(srv, schema, commands);
    qmp_server_set_self_check(srv, self_check);
    rc = vw_evloop_run(loop) == 0 ? 0 : 1;
    if (rc == 0 && qmp_server_self_check_failures(srv) > 0) {
        fprintf(stderr, "fake-qemu: self-check: %u replies or events did not match the schema\n",
                qmp_server_self_check_failures(srv));
        rc = 3;
    }

out:
    vw_admin_free(admin);
    fq_record_stopping(rec);
    fq_stubs_free(stubs);
    qmp_server_free(srv);
    if (fq_record_free(rec) < 0 && rc == 0)
        rc = 1;
    if (fq_replay_finish(replay) < 0 && rc == 0)
        rc = 1;
    fq_replay_free(replay);
    fq_vm_free(vm);
    if (loop)
        vw_evloop_free(loop);
    if (sfd >= 0)
        close(sfd);
    json_decref(commands);
    qapi_schema_free(schema);
    return rc;
}
