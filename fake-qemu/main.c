/* main.c: fake-qemu's start-up and shutdown: its own options (fq_options.c), the shared ones and
 * their wiring (common/daemon_start.c), its server (fq_start.c), the schema (schema_load.c), the
 * `ready` line. SIGTERM/SIGINT send the client the SHUTDOWN event (reason host-signal, as QEMU
 * does), close the connection and exit 0; `quit` over QMP exits 0 after its reply, as QEMU
 * does. With QEMU's command line (qemu_cmdline.c) it forks for -daemonize before anything
 * else, writes the -pidfile once the monitor accepts, and prints no `ready` line, as QEMU. */
#include <stdio.h>
#include <unistd.h>

#include "daemon_start.h"
#include "fq_start.h"
#include "qemu_daemon.h"
#include "schema_load.h"

int main(int argc, char **argv)
{
    static fq_start s = { .signal_fd = -1 };
    const vw_daemon_ops ops = fq_start_ops(&s);
    vw_daemon_wiring wiring = { 0 };
    fq_schema_choice schema = { 0 };
    char err[512];
    int rc = fq_options_parse(&s.opts, argc, argv);
    if (rc != VW_START_GO)
        return rc;
    if (s.opts.cmdline.daemonize && fq_daemon_begin(argv[0]) < 0)
        return 1;
    if (!(s.loop = vw_evloop_create(64, err, sizeof(err)))) {
        fprintf(stderr, "fake-qemu: %s\n", err);
        return 1;
    }
    if (fq_schema_choose(&schema, s.opts.schema_file, &s.opts.vm) < 0)
        rc = 2;
    else
        rc = vw_daemon_start_mode(&s.opts.cli, &s.opts.shared, &ops);
    if (rc != VW_START_GO)
        goto out;
    rc = 1;
    if (fq_start_server(&s) < 0 ||
        (rc = vw_daemon_wire(&wiring, &s.opts.cli, &s.opts.shared, &ops, s.loop)) != VW_START_GO)
        goto out;
    rc = 1;
    if (s.opts.cmdline.pidfile && fq_daemon_pidfile(argv[0], s.opts.cmdline.pidfile) < 0)
        goto out;
    if (!s.opts.qemu_cli) {
        printf("ready\n");
        fflush(stdout);
    }
    fq_daemon_ready();
    if (fq_schema_finish(&schema, &s.opts.vm) < 0)
        goto out;
    qmp_server_set_schema(s.srv, schema.schema, schema.commands, schema.commands_len);
    qmp_server_set_self_check(s.srv, s.opts.self_check);
    rc = vw_evloop_run(s.loop) == 0 ? 0 : 1;
    if (rc == 0 && qmp_server_self_check_failures(s.srv) > 0) {
        fprintf(stderr, "fake-qemu: self-check: %u replies or events did not match the schema\n",
                qmp_server_self_check_failures(s.srv));
        rc = 3;
    }
out:
    vw_daemon_stop_admin(&wiring);
    fq_record_stopping(s.rec);
    vw_daemon_unwire(&wiring);
    qmp_server_free(s.srv);
    if ((fq_record_free(s.rec) < 0 || fq_replay_finish(s.replay) < 0) && rc == 0)
        rc = 1;
    fq_replay_free(s.replay);
    fq_vm_free(s.vm);
    vw_evloop_free(s.loop);
    if (s.signal_fd >= 0)
        close(s.signal_fd);
    fq_schema_choice_clear(&schema);
    fq_daemon_finish();
    fq_cmdline_clear(&s.opts.cmdline);
    return rc;
}
