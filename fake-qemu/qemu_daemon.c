/* qemu_daemon.c: -daemonize and -pidfile (qemu_daemon.h). */
#include "qemu_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int ready_fd = -1;          /* the child's end of the pipe to the waiting parent */
static int pid_fd = -1;
static char *pid_path;

static const char *base(const char *prog)
{
    const char *slash = strrchr(prog, '/');
    return slash ? slash + 1 : prog;
}

int fq_daemon_begin(const char *prog)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        fprintf(stderr, "%s: -daemonize: %s\n", base(prog), strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: -daemonize: fork: %s\n", base(prog), strerror(errno));
        return -1;
    }
    if (pid > 0) {
        char status = 1;
        close(p[1]);
        ssize_t n;
        while ((n = read(p[0], &status, 1)) < 0 && errno == EINTR)
            ;
        if (n != 1) {              /* the child ended before it was ready: its message is out */
            int ws;
            waitpid(pid, &ws, WNOHANG);
            _exit(1);
        }
        _exit(status == 0 ? 0 : 1);
    }
    close(p[0]);
    ready_fd = p[1];
    setsid();
    return 0;
}

int fq_daemon_pidfile(const char *prog, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || lockf(fd, F_TLOCK, 0) < 0 || ftruncate(fd, 0) < 0) {
        fprintf(stderr, "%s: cannot create PID file: Cannot %s pid file: %s\n", base(prog),
                fd < 0 ? "open" : "lock", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char line[32];
    int len = snprintf(line, sizeof(line), "%d\n", (int)getpid());
    if (write(fd, line, (size_t)len) != len) {
        fprintf(stderr, "%s: cannot create PID file: Failed to write pid file: %s\n",
                base(prog), strerror(errno));
        close(fd);
        return -1;
    }
    pid_fd = fd;
    pid_path = strdup(path);
    return 0;
}

void fq_daemon_ready(void)
{
    if (ready_fd < 0)
        return;
    char ok = 0;
    ssize_t n;
    while ((n = write(ready_fd, &ok, 1)) < 0 && errno == EINTR)
        ;
    close(ready_fd);
    ready_fd = -1;
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2)
            close(null);
    }
}

void fq_daemon_finish(void)
{
    if (pid_path)
        unlink(pid_path);
    free(pid_path);
    pid_path = NULL;
    if (pid_fd >= 0)
        close(pid_fd);
    pid_fd = -1;
}
