/* main.c: fake-libvirtd's start-up (the fixed interface in DESIGN.md): its own options
 * (fl_options.c), the shared ones and their wiring (common/daemon_start.c), the `ready` line. */
#include <stdio.h>
#include <string.h>

#include "daemon_start.h"
#include "dispatch.h"
#include "fl_options.h"
#include "record.h"
#include "replay.h"
#include "daemon.h"
#include "stubs.h"

/* What the shared wiring acts on. */
typedef struct {
    fl_options *opts;
    fl_server *srv;
    fl_record *recorder;
    fl_replay *replayer;
} fl_start;

static int record_new(void *ctx, const vw_daemon_opts *o, char *err, size_t errlen)
{
    fl_start *s = ctx;
    s->recorder = fl_record_new(o->record, o->upstream, s->opts->cfg.verbose, o->record_sync,
                                err, errlen);
    if (s->recorder)
        fl_record_attach(s->recorder, &s->opts->cfg);
    return s->recorder ? 0 : -1;
}

static int replay_new(void *ctx, const vw_daemon_opts *o, vw_error *err)
{
    fl_start *s = ctx;
    (void)o;
    fl_replay_options ropt = fl_options_replay(s->opts);
    s->replayer = fl_replay_new(&ropt, err);
    if (s->replayer)
        fl_replay_attach(s->replayer, &s->opts->cfg);
    return s->replayer ? 0 : -1;
}

static void *stubs_new(void *ctx, const char *file, uint64_t seed, vw_daemon_faults_fn *fn,
                       void *fn_opaque, const json_t **faults, vw_error *err)
{
    fl_start *s = ctx;
    fl_stubs *stubs = fl_stubs_new(s->srv, file, seed, err);
    if (stubs) {
        fl_server_set_stubs(s->srv, stubs);
        fl_stubs_set_faults_hook(stubs, fn, fn_opaque);
        *faults = fl_stubs_faults(stubs);
    }
    return stubs;
}

static void stubs_free(void *stubs)
{
    fl_stubs_free(stubs);
}

static void set_faults(void *ctx, vw_faults *f)
{
    fl_server_set_faults(((fl_start *)ctx)->srv, f);
}

int main(int argc, char **argv)
{
    static fl_options opts;   /* large (the TLS paths); cfg.tls points into it */
    fl_start start = { &opts, NULL, NULL, NULL };
    const vw_daemon_ops ops = { VW_FAULT_PROTO_LIBVIRT, record_new, replay_new, stubs_new,
                                stubs_free, fl_stubs_admin, set_faults, &start };
    vw_daemon_wiring wiring = { 0 };
    char err[1024];
    int rc = fl_options_parse(&opts, argc, argv);
    if (rc == VW_START_GO)
        rc = vw_daemon_start_mode(&opts.cli, &opts.shared, &ops);
    if (rc != VW_START_GO)
        goto out;
    rc = 1;
    if (fl_dispatch_check_handlers(err, sizeof(err)) < 0 ||
        !(start.srv = fl_server_new(&opts.cfg, err, sizeof(err)))) {
        fprintf(stderr, "fake-libvirtd: %s\n", err);
        goto out;
    }
    rc = vw_daemon_wire(&wiring, &opts.cli, &opts.shared, &ops, fl_server_loop(start.srv));
    if (rc != VW_START_GO)
        goto out;
    printf("ready\n");
    fflush(stdout);
    rc = fl_server_run(start.srv) == 0 ? 0 : 1;
out:
    vw_daemon_stop_admin(&wiring);
    fl_record_shutdown(start.recorder);
    if (start.srv)
        fl_server_free(start.srv);
    if (wiring.stubs)
        vw_daemon_unwire(&wiring);
    fl_sasl_global_done();
    if ((fl_record_free(start.recorder) < 0 || fl_replay_free(start.replayer) < 0) && rc == 0)
        rc = 1;
    return rc;
}
