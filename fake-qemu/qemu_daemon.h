/* qemu_daemon.h: QEMU's -daemonize and -pidfile as qemu-system-x86_64 does them: the parent
 * returns once the child is ready (its monitor accepts, its pidfile is written) with status 0,
 * or 1 when the child failed; the child runs in its own session with stdio on /dev/null; the
 * pidfile holds the running process's pid, locked, and is removed at exit. */
#ifndef FQ_QEMU_DAEMON_H
#define FQ_QEMU_DAEMON_H

/* Forks: the parent waits for fq_daemon_ready or the child's end and exits; the child returns
 * 0 in a new session. -1 after a message when fork fails. */
int fq_daemon_begin(const char *prog);

/* Writes the pidfile (created, locked, truncated, "PID\n"), keeping it open. 0, or -1 after
 * QEMU's message. */
int fq_daemon_pidfile(const char *prog, const char *path);

/* Tells the waiting parent the child is ready and puts stdio on /dev/null (daemonized only). */
void fq_daemon_ready(void);

/* At exit: removes the pidfile written above. */
void fq_daemon_finish(void);

#endif
