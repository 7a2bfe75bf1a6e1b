/* vm_migrate.c: the VM model's migration (migrate to exec:, unix:, tcp: and, for libvirtd's
 * save, fd:; query-migrate; MIGRATION events once libvirtd enabled them) and the incoming side
 * (-incoming, migrate-incoming) of a guest of QEMU's command line; see vm_model_priv.h. */
#include "vm_model.h"
#include "vm_model_priv.h"
#include "qemu_cmdline.h"
#include "netaddr.h"
#include "vw_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Reaps the exec: migration commands that have exited (all of them, killed first, with force). */
static void reap_children(fq_vm *vm, int force)
{
    size_t kept = 0;
    for (size_t i = 0; i < vm->nmig_children; i++) {
        pid_t pid = vm->mig_children[i];
        if (force)
            kill(pid, SIGKILL);
        if (waitpid(pid, NULL, force ? 0 : WNOHANG) == 0)
            vm->mig_children[kept++] = pid;
    }
    vm->nmig_children = kept;
}

/* ---- migration ---------------------------------------------------------------------------- */

static json_t *ram_json(const fq_vm *vm, int done)
{
    long long transferred = done ? 767166 : 1024;
    json_t *ram = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:I}",
                            "total", (json_int_t)134750208, "postcopy-requests", (json_int_t)0,
                            "dirty-sync-count", (json_int_t)(done ? 3 : 1),
                            "multifd-bytes", (json_int_t)0, "pages-per-second", (json_int_t)0,
                            "page-size", (json_int_t)4096,
                            "remaining", (json_int_t)(done ? 0 : 134217728), "mbps", 32.0,
                            "transferred", (json_int_t)transferred, "duplicate", (json_int_t)0,
                            "dirty-pages-rate", (json_int_t)0, "normal-bytes", (json_int_t)0,
                            "normal", (json_int_t)0);
    if (!ram)
        return NULL;
    /* MigrationStats by release: 7.2 added the byte counters below, 10.0 dropped 'skipped' */
    if (fq_vm_at_least(vm, 7, 0)) {
        json_object_set_new(ram, "downtime-bytes", json_integer(0));
        json_object_set_new(ram, "postcopy-bytes", json_integer(0));
        json_object_set_new(ram, "dirty-sync-missed-zero-copy", json_integer(0));
        json_object_set_new(ram, "precopy-bytes", json_integer(transferred));
    }
    if (!fq_vm_at_least(vm, 10, 0))
        json_object_set_new(ram, "skipped", json_integer(0));
    return ram;
}

json_t *fq_vm_query_migrate(fq_vm *vm)
{
    long long elapsed = vw_evloop_now_ms() - vm->mig_start_ms;
    switch (vm->mig) {
    case MIG_NONE:
        return json_object();
    case MIG_SETUP:
        return json_pack("{s:s}", "status", "setup");
    case MIG_ACTIVE:
        return json_pack("{s:s,s:I,s:I,s:I,s:o}", "status", "active", "expected-downtime",
                         (json_int_t)300, "setup-time", (json_int_t)1, "total-time",
                         (json_int_t)elapsed, "ram", ram_json(vm, 0));
    case MIG_COMPLETED:
        return json_pack("{s:s,s:I,s:I,s:I,s:o}", "status", "completed", "setup-time",
                         (json_int_t)1, "downtime", (json_int_t)1, "total-time",
                         (json_int_t)(elapsed > 0 ? elapsed : 1), "ram", ram_json(vm, 1));
    case MIG_FAILED:
        return json_pack("{s:s,s:s}", "status", "failed", "error-desc", vm->mig_error);
    }
    return json_object();
}

static long long reap_timer_cb(vw_evloop *loop, long long id, void *cd)
{
    (void)loop;
    (void)id;
    fq_vm *vm = cd;
    reap_children(vm, 0);
    if (vm->nmig_children > 0)
        return 50;
    vm->reap_timer = -1;
    return VW_EV_NOMORE;
}

/* MIGRATION, once migrate-set-capabilities turned "events" on. */
static void mig_event(fq_vm *vm, const char *status)
{
    if (vm->guest && fq_guest_migration_events(vm->guest))
        fq_vm_emit(vm, "MIGRATION", json_pack("{s:s}", "status", status));
}

static long long mig_timer_cb(vw_evloop *loop, long long id, void *cd)
{
    (void)loop;
    (void)id;
    fq_vm *vm = cd;
    if (vm->mig == MIG_SETUP) {
        vm->mig = MIG_ACTIVE;
        mig_event(vm, "active");
        return 20;
    }
    /* Completion: stop the VM for the final stage (STOP only when it was running), then done. */
    if (fq_vm_running(vm)) {
        vm->state = RS_FINISH_MIGRATE;
        fq_vm_emit(vm, "STOP", NULL);
    }
    vm->state = RS_POSTMIGRATE;
    vm->mig = MIG_COMPLETED;
    vm->mig_timer = -1;
    mig_event(vm, "completed");
    return VW_EV_NOMORE;
}

/* A small, recognisable stream: the QEMU_VM_FILE_MAGIC header, version 3, then QEMU_VM_EOF.
 * It is not a loadable migration stream. */
static const unsigned char mig_stream[] = { 'Q', 'E', 'V', 'M', 0, 0, 0, 3, 0 };

static void mig_fail(fq_vm *vm, const char *fmt, const char *a, const char *b)
{
    vm->mig = MIG_FAILED;
    snprintf(vm->mig_error, sizeof(vm->mig_error), fmt, a, b);
    mig_event(vm, "failed");
}

static void migrate_unix_or_tcp(fq_vm *vm, const char *uri)
{
    char err[512];
    vw_netaddr addr;
    const char *target = strchr(uri, ':') + 1;
    if (vw_netaddr_parse(uri, &addr, err, sizeof(err)) < 0) {
        mig_fail(vm, "Failed to connect to '%s': %s", target, "Invalid argument");
        return;
    }
    int fd = vw_netaddr_connect(&addr, 2000, err, sizeof(err));
    if (fd < 0) {
        mig_fail(vm, "Failed to connect to '%s': %s", target, strerror(errno ? errno : ECONNREFUSED));
        return;
    }
    if (vw_write_all(fd, mig_stream, sizeof(mig_stream)) < 0)
        mig_fail(vm, "Unable to write to socket: %s%s", strerror(errno), "");
    close(fd);
}

/* The whole stream goes into the pipe before the command starts: it is far smaller than a pipe's
 * guaranteed atomic write, so the write never blocks, and it cannot meet EPIPE because the read
 * end is still open here. A command that exits without reading (exec:true) therefore always sees
 * the same outcome, a completed migration, whatever the scheduler does. */
_Static_assert(sizeof(mig_stream) <= PIPE_BUF, "the migration stream must fit the pipe at once");

static void migrate_exec(fq_vm *vm, const char *command)
{
    reap_children(vm, 0);
    if (vm->nmig_children == MAX_MIG_CHILDREN) {
        mig_fail(vm, "Unable to start '%s': %s", command,
                 "too many earlier migration commands still running");
        return;
    }
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        mig_fail(vm, "Unable to create pipe: %s%s", strerror(errno), "");
        return;
    }
    if (vw_write_all(pipefd[1], mig_stream, sizeof(mig_stream)) < 0) {
        mig_fail(vm, "Unable to write to command: %s%s", strerror(errno), "");
        close(pipefd[0]);
        close(pipefd[1]);
        return;
    }
    close(pipefd[1]);   /* the command reads the stream, then end of file */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[0], 0);
    /* The child gets default signal handling and an empty mask (the fake blocks SIGTERM). */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGTERM);
    sigaddset(&dflt, SIGINT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[0]);
    if (rc != 0) {
        mig_fail(vm, "Unable to start '%s': %s", command, strerror(rc));
        return;
    }
    vm->mig_children[vm->nmig_children++] = pid;
    if (vm->reap_timer < 0)
        vm->reap_timer = vw_evloop_add_timer(vm->loop, 10, reap_timer_cb, vm, NULL);
}

int fq_vm_migrate(fq_vm *vm, const json_t *args, const char **err_class, char *desc,
                       size_t desclen)
{
    const char *uri = json_string_value(json_object_get(args, "uri"));
    const json_t *channels = json_object_get(args, "channels");
    /* 10.0 on: 'uri' is optional beside 'channels' (the schema checked the types) */
    if (!uri == !channels)
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "need either 'uri' or 'channels' argument%s%s", NULL, NULL);
    if (!uri)
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "fake-qemu: migrate with 'channels' is not modelled; use 'uri'%s%s",
                         NULL, NULL);
    if (vm->mig == MIG_SETUP || vm->mig == MIG_ACTIVE)
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "There's a migration process in progress%s%s", NULL, NULL);
    /* 5.2 starts a second migration from postmigrate; the check came after it */
    if (vm->state == RS_POSTMIGRATE && fq_vm_at_least(vm, 7, 0))
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "Can't migrate the vm that was paused due to previous migration%s%s",
                         NULL, NULL);
    int is_exec = strncmp(uri, "exec:", 5) == 0;
    int is_sock = strncmp(uri, "unix:", 5) == 0 || strncmp(uri, "tcp:", 4) == 0;
    int is_fd = vm->guest && strncmp(uri, "fd:", 3) == 0;   /* libvirtd's save */
    if (!is_exec && !is_sock && !is_fd)
        return fq_vm_at_least(vm, 10, 0)   /* 10.0 parses the URI itself */
            ? fq_vm_error(err_class, desc, desclen, GENERIC, "unknown migration protocol: %s%s",
                          uri, NULL)
            : fq_vm_error(err_class, desc, desclen, GENERIC,
                          "Parameter 'uri' expects a valid migration protocol%s%s", NULL, NULL);
    vm->mig = MIG_SETUP;
    vm->mig_error[0] = '\0';
    vm->mig_start_ms = vw_evloop_now_ms();
    errno = 0;
    mig_event(vm, "setup");
    char err[256];
    if (is_fd) {
        if (fq_guest_save(vm->guest, uri + 3, err, sizeof(err)) < 0)
            mig_fail(vm, "%s%s", err, "");
    } else if (is_exec) {
        migrate_exec(vm, uri + 5);
    } else {
        migrate_unix_or_tcp(vm, uri);
    }
    if (vm->mig == MIG_SETUP && vm->mig_timer < 0)
        vm->mig_timer = vw_evloop_add_timer(vm->loop, 20, mig_timer_cb, vm, NULL);
    return FQ_VM_OK;
}

/* The saved state is loaded: the guest waits paused (-S) for libvirtd's cont. */
void fq_vm_incoming_done(fq_vm *vm, const char *error)
{
    if (error) {
        mig_event(vm, "failed");
        fprintf(stderr, "fake-qemu: load of migration failed: %s\n", error);
        vw_evloop_stop(vm->loop);       /* QEMU exits when the incoming migration fails */
        return;
    }
    mig_event(vm, "active");
    mig_event(vm, "completed");
    vm->state = vm->cfg.prelaunch ? RS_PAUSED : RS_RUNNING;
    if (fq_vm_running(vm))
        fq_vm_emit(vm, "RESUME", NULL);
}

int fq_vm_migrate_incoming(fq_vm *vm, const json_t *args, const char **err_class,
                                char *desc, size_t desclen)
{
    const char *uri = json_string_value(json_object_get(args, "uri"));
    if (vm->state != RS_INMIGRATE || !vm->cfg.cmdline->incoming)
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "'-incoming' was not specified on the command line%s%s", NULL, NULL);
    if (!uri)
        return fq_vm_error(err_class, desc, desclen, GENERIC,
                         "fake-qemu: migrate-incoming with 'channels' is not modelled%s%s",
                         NULL, NULL);
    if (fq_guest_incoming(vm->guest, vm->loop, uri, fq_vm_incoming_done, desc, desclen) < 0) {
        *err_class = GENERIC;
        return FQ_VM_ERROR;
    }
    mig_event(vm, "setup");
    return FQ_VM_OK;
}

void fq_vm_migration_free(fq_vm *vm)
{
    if (vm->mig_timer >= 0)
        vw_evloop_del_timer(vm->loop, vm->mig_timer);
    if (vm->reap_timer >= 0)
        vw_evloop_del_timer(vm->loop, vm->reap_timer);
    reap_children(vm, 0);
    reap_children(vm, 1);
}
