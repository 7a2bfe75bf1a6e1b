/* fq_start.c: fake-qemu's part of the start-up (fq_start.h). */
#include "fq_start.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stubs.h"
#include "vw_version.h"


/* SIGTERM/SIGINT: in model mode the client gets QEMU's SHUTDOWN event (written out before the
 * loop stops); then the process exits 0. */
static void on_signal(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)mask;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        ;
    fq_start *s = cd;
    if (!s->rec && !s->replay && s->vm)
        fq_vm_host_signal(s->vm);
    vw_evloop_stop(loop);
}

static int record_new(void *ctx, const vw_daemon_opts *o, char *err, size_t errlen)
{
    fq_start *s = ctx;
    s->rec = fq_record_new(s->loop, o->record, o->upstream, "fake-qemu --record " VW_VERSION,
                           o->record_sync, err, errlen);
    return s->rec ? 0 : -1;
}

static int replay_new(void *ctx, const vw_daemon_opts *o, vw_error *err)
{
    fq_replay_options ropt = {
        .trace_path = o->replay, .allow_truncated = o->allow_truncated,
        .match = o->replay_unordered ? VW_REPLAY_UNORDERED : VW_REPLAY_STRICT,
        .unmatched = o->replay_unmatched_close ? VW_REPLAY_UNMATCHED_CLOSE
                                               : VW_REPLAY_UNMATCHED_ERROR,
        .report_path = o->replay_report, .delay_max_ms = o->replay_delay_max_ms,
    };
    ((fq_start *)ctx)->replay = fq_replay_load(&ropt, err);
    return ((fq_start *)ctx)->replay ? 0 : -1;
}

/* admin "reset": the VM back to its start state */
static int reset_vm(void *opaque, const json_t *arg, char *err, size_t errlen)
{
    fq_start *s = opaque;
    (void)arg;
    fq_vm *fresh = fq_vm_new(&s->opts.vm, s->loop, &s->hooks, s->srv);
    if (!fresh) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    qmp_server_set_vm(s->srv, fresh);
    fq_vm_free(s->vm);
    s->vm = fresh;
    return 0;
}

static void *stubs_new(void *ctx, const char *file, uint64_t seed, vw_daemon_faults_fn *fn,
                       void *fn_opaque, const json_t **faults, vw_error *err)
{
    fq_start *s = ctx;
    fq_stubs *stubs = fq_stubs_new(s->loop, s->srv, file, seed, err);
    if (stubs) {
        fq_stubs_set_reset_hook(stubs, reset_vm, s);
        fq_stubs_set_faults_hook(stubs, fn, fn_opaque);
        *faults = fq_stubs_faults(stubs);
    }
    return stubs;
}

static void stubs_free(void *stubs)
{
    fq_stubs_free(stubs);
}

static void set_faults(void *ctx, vw_faults *f)
{
    qmp_server_set_faults(((fq_start *)ctx)->srv, f);
}

/* The monitor libvirt passes as an inherited listening socket (-chardev socket,fd=N): -1 after
 * a message when N is not one. */
static int inherited_monitor(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "fake-qemu: -chardev socket,fd=%d: %s\n", fd,
                errno == EBADF ? "no such open file descriptor" : "not a socket");
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        fprintf(stderr, "fake-qemu: -chardev socket,fd=%d: %s\n", fd, strerror(errno));
        return -1;
    }
    return fd;
}

int fq_start_server(fq_start *s)
{
    char err[512];
    vw_netaddr *addr = &s->opts.qmp;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->signal_fd < 0 ||
        vw_evloop_add_file(s->loop, s->signal_fd, VW_EV_READABLE, on_signal, s) < 0) {
        fprintf(stderr, "fake-qemu: cannot watch signals: %s\n", strerror(errno));
        return -1;
    }
    int inherited = s->opts.cmdline.monitor_fd;
    int lfd = inherited >= 0 ? inherited_monitor(inherited)
                             : vw_netaddr_listen(addr, 16, err, sizeof(err));
    if (lfd < 0) {
        if (inherited < 0)
            fprintf(stderr, "fake-qemu: %s\n", err);
        return -1;
    }
    const char *path = inherited < 0 && addr->kind == VW_NETADDR_UNIX ? addr->path : NULL;
    s->srv = qmp_server_new(s->loop, lfd, path);
    if (!s->srv) {
        close(lfd);
        if (path)
            unlink(path);
        fprintf(stderr, "fake-qemu: cannot start the QMP server\n");
        return -1;
    }
    s->hooks.event = qmp_server_event;
    if (!(s->vm = fq_vm_new(&s->opts.vm, s->loop, &s->hooks, s->srv))) {
        fprintf(stderr, "fake-qemu: out of memory\n");
        return -1;
    }
    qmp_server_set_vm(s->srv, s->vm);
    qmp_server_set_memory_budget(s->srv, s->opts.shared.memory_budget);
    if (s->rec || s->replay)
        qmp_server_set_backend(s->srv, s->rec ? fq_record_backend(s->rec)
                                              : fq_replay_backend(s->replay, s->loop));
    return 0;
}

vw_daemon_ops fq_start_ops(fq_start *s)
{
    return (vw_daemon_ops){ VW_FAULT_PROTO_QMP, record_new, replay_new, stubs_new, stubs_free,
                            fq_stubs_admin, set_faults, s };
}
