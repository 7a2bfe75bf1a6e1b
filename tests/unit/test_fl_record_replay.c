/* test_fl_record_replay.c: fake-libvirtd's record and replay modes in-process.
 *
 * Record: a fake-libvirtd server with --record's mode hooks (fl_record_new + fl_record_attach)
 * in front of an upstream that is a model-mode fake-libvirtd in this same process (a detached
 * server; the recorder's upstream connections are accepted on a private unix socket and adopted
 * into it). The client (tests/unit/fl_peer.h) is adopted into the recorder as the fuzz targets
 * adopt theirs, so only the upstream needs a socket file. The client must get the upstream's
 * answers unchanged, and the trace must hold every packet in order.
 * Replay: the trace just written, served by a server with --replay's hooks (fl_replay_new +
 * fl_replay_attach): the same calls under other serials get the recorded answers byte for byte
 * with the live serial, and a call that was never recorded gets libvirt's RPC error.
 *
 * fl_server_new wants at least one listener: each server listens on a socket in the private
 * directory that nobody connects to. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "fl_peer.h"
#include "../../fake-libvirtd/record.h"
#include "../../fake-libvirtd/replay.h"
#include "vwtest.h"

typedef struct {
    fl_server *srv;           /* the upstream: model mode */
    int listen_fd;
} upstream;

static void upstream_step(void *arg)
{
    upstream *u = arg;
    for (;;) {
        int fd = accept4(u->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            break;
        if (fl_server_adopt_fd(u->srv, fd, false) < 0)
            fprintf(stderr, "upstream: cannot adopt a connection\n");
    }
    fl_server_run_until_idle(u->srv, 0);
}

static int listen_unix(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* The calls of the session, replayed under serial + SERIAL_SHIFT. */
#define NCALLS 4
#define SERIAL_SHIFT 100

typedef struct {
    int32_t status;
    uint8_t *payload;
    size_t payload_len;
} answer;

/* AUTH_LIST, CONNECT_OPEN, then GET_TYPE, LOOKUP "test", LOOKUP "no-such" with serials from base. */
static int session(fl_peer *p, uint32_t base, answer out[NCALLS + 1])
{
    fl_peer_packet r;
    char *uri = (char *)"test:///default";
    vw_connect_open_args open = { .name = &uri, .flags = 0 };
    vw_domain_lookup_by_name_args test = { .name = (char *)"test" };
    vw_domain_lookup_by_name_args none = { .name = (char *)"no-such" };
    struct { int32_t proc; xdrproc_t codec; const void *args; } calls[NCALLS + 1] = {
        { VW_REMOTE_PROC_AUTH_LIST, VW_XDR_VOID, NULL },
        { VW_REMOTE_PROC_CONNECT_OPEN, (xdrproc_t)xdr_vw_connect_open_args, &open },
        { VW_REMOTE_PROC_CONNECT_GET_TYPE, VW_XDR_VOID, NULL },
        { VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &test },
        { VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &none },
    };
    for (int i = 0; i <= NCALLS; i++) {
        if (!fl_peer_call(p, calls[i].proc, base + (uint32_t)i, calls[i].codec, calls[i].args, &r))
            return -1;
        CHECK_EQ_INT(r.hdr.serial, base + (uint32_t)i);
        out[i].status = r.hdr.status;
        out[i].payload = r.payload;
        out[i].payload_len = r.payload_len;
    }
    return 0;
}

/* Every answer of got is the one of want: same status, same payload bytes. */
static void same_answers(const answer got[NCALLS + 1], const answer want[NCALLS + 1])
{
    for (int i = 0; i <= NCALLS; i++) {
        CHECK_EQ_INT(got[i].status, want[i].status);
        CHECK_EQ_INT(got[i].payload_len, want[i].payload_len);
        if (got[i].payload_len == want[i].payload_len)
            CHECK_EQ_MEM(got[i].payload, want[i].payload, want[i].payload_len);
    }
}

static void free_answers(answer a[NCALLS + 1])
{
    for (int i = 0; i <= NCALLS; i++)
        free(a[i].payload);
}

static char dir[] = "/tmp/vw-ut-rr-XXXXXX";
static char trace[128], up_path[128], rec_path[128], rp_path[128];

static void test_record_then_replay(void)
{
    char err[1024] = "";
    upstream up = { .srv = fl_server_new_detached(NULL, 0, err, sizeof(err)),
                    .listen_fd = listen_unix(up_path) };
    CHECK(up.srv && up.listen_fd >= 0);
    if (!up.srv || up.listen_fd < 0)
        return;

    /* ---- the same session straight against the upstream: what the recorder must relay ---- */
    answer direct[NCALLS + 1], recorded[NCALLS + 1], replayed[NCALLS + 1];
    fl_peer p;
    CHECK_EQ_INT(fl_peer_connect(&p, up.srv, false), 0);
    CHECK_EQ_INT(session(&p, 0, direct), 0);
    fl_peer_close(&p);

    /* ---- record ---- */
    char upstream_addr[160];
    snprintf(upstream_addr, sizeof(upstream_addr), "unix:%s", up_path);
    fl_record *rec = fl_record_new(trace, upstream_addr, 0, false, err, sizeof(err));
    CHECK(rec != NULL);
    if (!rec) {
        fprintf(stderr, "fl_record_new: %s\n", err);
        fl_server_free(up.srv);
        close(up.listen_fd);
        return;
    }
    char listen_rec[160];
    snprintf(listen_rec, sizeof(listen_rec), "unix:%s", rec_path);
    fl_server_config cfg = { .listen = { listen_rec }, .nlisten = 1 };
    fl_record_attach(rec, &cfg);
    fl_server *rsrv = fl_server_new(&cfg, err, sizeof(err));
    CHECK(rsrv != NULL);
    if (rsrv) {
        CHECK_EQ_INT(fl_peer_connect(&p, rsrv, false), 0);
        p.also = upstream_step;
        p.also_arg = &up;
        CHECK_EQ_INT(session(&p, 0, recorded), 0);
        same_answers(recorded, direct);
        fl_peer_close(&p);
        fl_record_shutdown(rec);
        fl_server_free(rsrv);
        free_answers(recorded);
    }
    CHECK_EQ_INT(fl_record_free(rec), 0);
    fl_server_free(up.srv);
    close(up.listen_fd);

    /* ---- the trace: a header, then every call and reply of the session in order ---- */
    FILE *f = fopen(trace, "r");
    CHECK(f != NULL);
    char line[8192];
    int n = 0, c2s = 0, s2c = 0;
    const char *want[] = { "AUTH_LIST", "CONNECT_OPEN", "CONNECT_GET_TYPE",
                           "DOMAIN_LOOKUP_BY_NAME", "DOMAIN_LOOKUP_BY_NAME" };
    while (f && fgets(line, sizeof(line), f)) {
        json_error_t jerr;
        json_t *v = json_loads(line, 0, &jerr);
        CHECK(v != NULL);
        if (n++ == 0) {
            CHECK_EQ_STR(json_string_value(json_object_get(v, "format")), "virt-wire-trace");
            CHECK_EQ_STR(json_string_value(json_object_get(v, "protocol")), "libvirt");
        } else if (v && strcmp(json_string_value(json_object_get(v, "rec")) ?: "", "msg") == 0) {
            const char *d = json_string_value(json_object_get(v, "dir"));
            const char *proc = json_string_value(json_object_get(json_object_get(v, "hdr"), "proc"));
            if (d && strcmp(d, "c2s") == 0) {
                if (c2s < 5)
                    CHECK_EQ_STR(proc, want[c2s]);
                c2s++;
            } else {
                s2c++;
            }
        }
        json_decref(v);
    }
    if (f)
        fclose(f);
    CHECK_EQ_INT(c2s, NCALLS + 1);
    CHECK_EQ_INT(s2c, NCALLS + 1);

    /* ---- replay the trace: recorded answers under the live serials ---- */
    fl_replay_options opt = { .trace_path = trace, .match = FL_REPLAY_STRICT,
                              .unmatched = FL_REPLAY_UNMATCHED_ERROR,
                              .delay_max_ms = FL_REPLAY_DELAY_MAX_MS };
    vw_error why;
    fl_replay *rp = fl_replay_new(&opt, &why);
    CHECK(rp != NULL);
    if (!rp) {
        fprintf(stderr, "fl_replay_new: %s\n", vw_error_format(&why, err, sizeof(err)));
        free_answers(direct);
        return;
    }
    char listen_rp[160];
    snprintf(listen_rp, sizeof(listen_rp), "unix:%s", rp_path);
    fl_server_config cfg2 = { .listen = { listen_rp }, .nlisten = 1 };
    fl_replay_attach(rp, &cfg2);
    fl_server *psrv = fl_server_new(&cfg2, err, sizeof(err));
    CHECK(psrv != NULL);
    if (psrv) {
        CHECK_EQ_INT(fl_peer_connect(&p, psrv, false), 0);
        CHECK_EQ_INT(session(&p, SERIAL_SHIFT, replayed), 0);
        same_answers(replayed, direct);
        free_answers(replayed);
        /* never recorded: VIR_ERR_RPC (39) from VIR_FROM_RPC (7), the connection goes on */
        fl_peer_packet r;
        int code, domain;
        CHECK(fl_peer_call(&p, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, 200, VW_XDR_VOID, NULL, &r));
        CHECK_EQ_INT(r.hdr.status, VW_NET_ERROR);
        fl_peer_error(&r, &code, &domain);
        CHECK_EQ_INT(code, 39);
        CHECK_EQ_INT(domain, 7);
        fl_peer_packet_free(&r);
        fl_peer_close(&p);
        fl_server_free(psrv);
    }
    CHECK_EQ_INT(fl_replay_free(rp), 0);
    free_answers(direct);
}

static void test_replay_refuses_a_qmp_trace(void)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/qmp.trace", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"qmp\"}\n", f);
    fclose(f);
    fl_replay_options opt = { .trace_path = path };
    vw_error why;
    fl_replay *rp = fl_replay_new(&opt, &why);
    CHECK(rp == NULL);
    CHECK(strncmp(why.source, "--replay ", 9) == 0 && strstr(why.source, path) != NULL);
    CHECK(strstr(why.text, "QMP") != NULL || strstr(why.text, "qmp") != NULL);
    fl_replay_free(rp);
    unlink(path);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(trace, sizeof(trace), "%s/rec.trace", dir);
    snprintf(up_path, sizeof(up_path), "%s/up.sock", dir);
    snprintf(rec_path, sizeof(rec_path), "%s/rec.sock", dir);
    snprintf(rp_path, sizeof(rp_path), "%s/rp.sock", dir);
    RUN(test_record_then_replay);
    RUN(test_replay_refuses_a_qmp_trace);
    unlink(trace);
    unlink(up_path);
    rmdir(dir);
    return vwtest_summary("fl_record_replay");
}
