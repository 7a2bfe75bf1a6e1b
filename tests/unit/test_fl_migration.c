/* test_fl_migration.c: peer-to-peer migration between two real fake-libvirtd processes, driven by
 * our client library's vw_domain_migrate_perform3_params (go-libvirt's Migrate call): the domain
 * stops on the source (reason migrated) and runs on the destination (reason migrated), errors
 * of the destination reach the client, test:// connections refuse migration as libvirt's test
 * driver does. The daemons are BUILD/bin/fake-libvirtd next to this program (BUILD/tests/). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libvirt_client.h"
#include "vwtest.h"

static char fake_bin[PATH_MAX];
static char tmpdir[64];

typedef struct {
    pid_t pid;
    char sock[128];
    char uri[256];
} daemon_proc;

/* Starts fake-libvirtd on tmpdir/name and waits (10 s at most) for its "ready" line. */
static int daemon_start(daemon_proc *d, const char *name)
{
    snprintf(d->sock, sizeof(d->sock), "%s/%s", tmpdir, name);
    snprintf(d->uri, sizeof(d->uri), "qemu+unix:///system?socket=%s", d->sock);
    int p[2];
    if (pipe(p) < 0)
        return -1;
    d->pid = fork();
    if (d->pid < 0)
        return -1;
    if (d->pid == 0) {
        char listen[160];
        snprintf(listen, sizeof(listen), "unix:%s", d->sock);
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(fake_bin, fake_bin, "--listen", listen, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[64] = "";
    size_t len = 0;
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    while (!strstr(buf, "ready") && len + 1 < sizeof(buf) && poll(&pfd, 1, 10000) == 1) {
        ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    close(p[0]);
    if (!strstr(buf, "ready")) {
        fprintf(stderr, "%s did not become ready\n", fake_bin);
        return -1;
    }
    return 0;
}

static void daemon_stop(daemon_proc *d)
{
    if (d->pid <= 0)
        return;
    kill(d->pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        int status;
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            d->pid = 0;
            return;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(d->pid, SIGKILL);
    waitpid(d->pid, NULL, 0);
    CHECK(!"fake-libvirtd did not exit after SIGTERM");
    d->pid = 0;
}

static const char *dom_xml =
    "<domain type='test'><name>vwt-mig</name><uuid>5a0e9b6c-1f2e-4d3c-8b4a-0c1d2e3f4a5b</uuid>"
    "<memory>8192</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";

static void test_p2p_migration(void)
{
    daemon_proc src = {0}, dst = {0};
    vw_conn *sc = NULL, *dc = NULL;
    vw_virerror err;
    memset(&err, 0, sizeof(err));
    if (daemon_start(&src, "src") < 0 || daemon_start(&dst, "dst") < 0) {
        CHECK(!"could not start two fake-libvirtd");
        goto out;
    }
    sc = vw_conn_open(src.uri, NULL, &err);
    dc = vw_conn_open(dst.uri, NULL, &err);
    CHECK(sc && dc);
    if (!sc || !dc)
        goto out;

    vw_client_domain d;
    memset(&d, 0, sizeof(d));
    CHECK_EQ_INT(vw_domain_define_xml(sc, dom_xml, 0, &d, &err), 0);
    CHECK_EQ_INT(vw_domain_create(sc, &d, 0, &err), 0);
    free(d.name);               /* again, now with its id */
    memset(&d, 0, sizeof(d));
    CHECK_EQ_INT(vw_domain_lookup_by_name(sc, "vwt-mig", &d, &err), 0);
    /* migrate-set/get-max-speed are kept per domain */
    uint64_t speed = 0;
    CHECK_EQ_INT(vw_domain_migrate_set_max_speed(sc, &d, 64, 0, &err), 0);
    CHECK_EQ_INT(vw_domain_migrate_get_max_speed(sc, &d, 0, &speed, &err), 0);
    CHECK(speed == 64);

    /* without PEER2PEER the fake refuses, saying what to do */
    CHECK_EQ_INT(vw_domain_migrate_perform3_params(sc, &d, dst.uri, NULL, 0, VW_MIGRATE_LIVE, &err),
                 -1);
    CHECK_EQ_INT(err.code, 74);
    CHECK(err.message && strstr(err.message, "VIR_MIGRATE_PEER2PEER"));
    vw_virerror_clear(&err);

    /* a destination that does not exist: the error names it */
    char nowhere[300];
    snprintf(nowhere, sizeof(nowhere), "qemu+unix:///system?socket=%s/none", tmpdir);
    CHECK_EQ_INT(vw_domain_migrate_perform3_params(sc, &d, nowhere, NULL, 0,
                                                   VW_MIGRATE_PEER2PEER, &err), -1);
    CHECK_EQ_INT(err.code, 9);
    CHECK(err.message && strstr(err.message, "cannot connect to the destination"));
    vw_virerror_clear(&err);

    /* the real thing, with go-libvirt's parameters */
    vw_client_typed_param params[1];
    params[0].field = "bandwidth";
    params[0].type = VW_TYPED_PARAM_ULLONG;
    params[0].value.ul = 100;
    CHECK_EQ_INT(vw_domain_migrate_perform3_params(sc, &d, dst.uri, params, 1,
                                                   VW_MIGRATE_LIVE | VW_MIGRATE_PEER2PEER, &err),
                 0);
    if (err.message)
        fprintf(stderr, "migration: %s\n", err.message);
    vw_virerror_clear(&err);
    int state = -1, reason = -1;
    CHECK_EQ_INT(vw_domain_get_state(sc, &d, 0, &state, &reason, &err), 0);
    CHECK_EQ_INT(state, 5);   /* shut off */
    CHECK_EQ_INT(reason, 4);  /* VIR_DOMAIN_SHUTOFF_MIGRATED */
    vw_client_domain dd;
    memset(&dd, 0, sizeof(dd));
    CHECK_EQ_INT(vw_domain_lookup_by_name(dc, "vwt-mig", &dd, &err), 0);
    CHECK(memcmp(dd.uuid, d.uuid, sizeof(d.uuid)) == 0);
    CHECK(dd.id > 0);
    CHECK_EQ_INT(vw_domain_get_state(dc, &dd, 0, &state, &reason, &err), 0);
    CHECK_EQ_INT(state, 1);   /* running */
    CHECK_EQ_INT(reason, 2);  /* VIR_DOMAIN_RUNNING_MIGRATED */
    int persistent = -1;
    CHECK_EQ_INT(vw_domain_is_persistent(dc, &dd, &persistent, &err), 0);
    CHECK_EQ_INT(persistent, 0); /* no VIR_MIGRATE_PERSIST_DEST: transient there */

    /* back again: the source still has it defined (inactive), the destination's copy goes */
    CHECK_EQ_INT(vw_domain_migrate_perform3_params(dc, &dd, src.uri, NULL, 0,
                                                   VW_MIGRATE_PEER2PEER, &err), 0);
    vw_virerror_clear(&err);
    CHECK_EQ_INT(vw_domain_get_state(sc, &d, 0, &state, &reason, &err), 0);
    CHECK_EQ_INT(state, 1);
    CHECK_EQ_INT(vw_domain_lookup_by_name(dc, "vwt-mig", &dd, &err), -1);
    CHECK_EQ_INT(err.code, 42); /* the transient copy is gone */
    vw_virerror_clear(&err);

    /* the destination refuses a domain that already runs there: its error reaches the client */
    vw_client_domain t;
    memset(&t, 0, sizeof(t));
    CHECK_EQ_INT(vw_domain_lookup_by_name(sc, "test", &t, &err), 0);
    CHECK_EQ_INT(vw_domain_migrate_perform3_params(sc, &t, dst.uri, NULL, 0,
                                                   VW_MIGRATE_PEER2PEER, &err), -1);
    CHECK_EQ_INT(err.code, 55);
    CHECK(err.message && strstr(err.message, "domain 'test' is already active"));
    vw_virerror_clear(&err);
    CHECK_EQ_INT(vw_domain_get_state(sc, &t, 0, &state, &reason, &err), 0);
    CHECK_EQ_INT(state, 1); /* still running on the source */
    free(t.name);
    free(d.name);
    free(dd.name);
out:
    vw_virerror_clear(&err);
    if (sc)
        vw_conn_close(sc, &err);
    vw_virerror_clear(&err);
    if (dc)
        vw_conn_close(dc, &err);
    vw_virerror_clear(&err);
    daemon_stop(&src);
    daemon_stop(&dst);
}

static void test_test_driver_refuses_migration(void)
{
    daemon_proc src = {0};
    vw_virerror err;
    memset(&err, 0, sizeof(err));
    if (daemon_start(&src, "tsrc") < 0) {
        CHECK(!"could not start fake-libvirtd");
        return;
    }
    char uri[300];
    snprintf(uri, sizeof(uri), "test+unix:///default?socket=%s", src.sock);
    vw_conn *c = vw_conn_open(uri, NULL, &err);
    CHECK(c != NULL);
    if (c) {
        vw_client_domain t;
        memset(&t, 0, sizeof(t));
        CHECK_EQ_INT(vw_domain_lookup_by_name(c, "test", &t, &err), 0);
        CHECK_EQ_INT(vw_domain_migrate_perform3_params(c, &t, src.uri, NULL, 0,
                                                       VW_MIGRATE_PEER2PEER, &err), -1);
        CHECK_EQ_INT(err.code, 3); /* VIR_ERR_NO_SUPPORT, as libvirt's test driver */
        CHECK(err.message && strstr(err.message, "virDomainMigratePerform3Params"));
        vw_virerror_clear(&err);
        free(t.name);
        vw_conn_close(c, &err);
        vw_virerror_clear(&err);
    }
    daemon_stop(&src);
}

int main(int argc, char **argv)
{
    (void)argc;
    /* argv[0] is BUILD/tests/test_fl_migration */
    char self[PATH_MAX - 32];
    snprintf(self, sizeof(self), "%s", argv[0]);
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(self, sizeof(self), ".");
    snprintf(fake_bin, sizeof(fake_bin), "%s/../bin/fake-libvirtd", self);
    if (access(fake_bin, X_OK) < 0) {
        printf("fl_migration: %s not built, skipped\n", fake_bin);
        return 0;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vw-flmig-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    RUN(test_p2p_migration);
    RUN(test_test_driver_refuses_migration);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return vwtest_summary("fl_migration");
}
