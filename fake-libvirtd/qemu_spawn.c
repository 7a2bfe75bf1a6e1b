/* qemu_spawn.c: starting and stopping the emulator processes of --qemu-dir (qemu_spawn.h). */
#include "qemu_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"
#include "qemu_argv.h"

/* The descriptor number the monitor socket has in the emulator (libvirtd's is whatever its
 * next free one is, 22 or so; any works). */
#define MONITOR_FD 3

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int listen_at(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "monitor socket path %s is too long", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(path);   /* a leftover of an emulator that was killed */
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
        snprintf(err, errlen, "cannot create the monitor socket %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* The child: the monitor as MONITOR_FD, no other descriptor of the daemon, stdin and stdout on
 * /dev/null (stderr stays the daemon's), default signals; never returns. */
static void exec_child(pid_t parent, int lfd, const fl_qemu_argv *argv, const char *version)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
    }
    if (lfd == MONITOR_FD)
        fcntl(lfd, F_SETFD, 0);
    else if (dup2(lfd, MONITOR_FD) < 0)
        _exit(126);
    close_range(MONITOR_FD + 1, ~0U, 0);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (version)
        setenv(FL_QEMU_VERSION_ENV, version, 1);
    /* the guest of fake-libvirtd's reference (a real QEMU with nothing to boot) ignores the
     * power button */
    setenv(FL_QEMU_GUEST_ENV, "none", 1);
    /* even a daemon killed with SIGKILL leaves no emulator behind */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
        _exit(126);
    execv(argv->argv[0], argv->argv);
    fprintf(stderr, "fake-libvirtd: cannot run %s: %s\n", argv->argv[0], strerror(errno));
    _exit(127);
}

pid_t fl_qemu_spawn(const fl_qemu_spawn_args *a, char *err, size_t errlen)
{
    fl_qemu_argv argv;
    if (fl_qemu_argv_build(&argv, a->binary, a->def, a->id, a->dir, MONITOR_FD) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int lfd = listen_at(a->monitor_path, err, errlen);
    if (lfd < 0) {
        fl_qemu_argv_free(&argv);
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        exec_child(parent, lfd, &argv, a->version);
    int fork_errno = errno;
    close(lfd);   /* the emulator holds the only copy: when it ends, connections are refused */
    fl_qemu_argv_free(&argv);
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork %s: %s", a->binary, strerror(fork_errno));
        unlink(a->monitor_path);
        return -1;
    }
    return pid;
}

bool fl_qemu_spawn_exited(pid_t pid, char *why, size_t whylen)
{
    int status = 0;
    long long deadline = vw_evloop_now_ms() + 1000;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return false;
        if (vw_evloop_now_ms() >= deadline)
            return false;
        sleep_ms(5);
    }
    if (WIFEXITED(status))
        snprintf(why, whylen, "exited before it was ready (status %d; its messages are on "
                 "fake-libvirtd's stderr)", WEXITSTATUS(status));
    else
        snprintf(why, whylen, "exited before it was ready (signal %d)",
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return true;
}

void fl_qemu_stop_process(pid_t pid, bool term)
{
    if (pid <= 0)
        return;
    if (term)
        kill(pid, SIGTERM);
    long long deadline = vw_evloop_now_ms() + FL_QEMU_STOP_TIMEOUT_MS;
    for (;;) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        if (vw_evloop_now_ms() >= deadline)
            break;
        sleep_ms(5);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

bool fl_qemu_socket_listens(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
        return false;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}
