/* evloop.h: the single-threaded event loop shared by fake-qemu and fake-libvirtd.
 *
 * Modelled on Redis ae.c: one small struct, file events (readable / writable callbacks per fd)
 * and timers (one-shot or periodic, millisecond resolution, monotonic clock), epoll underneath.
 * Every callback gets the clientData pointer it was registered with. No threads, no signals:
 * a server that wants SIGTERM registers a signalfd (or a self-pipe) as an ordinary file event.
 *
 * Callbacks may add or delete any file event or timer, including their own, and may call
 * vw_evloop_stop(). A timer deleted while its callback runs is freed after the callback returns.
 */
#ifndef VW_EVLOOP_H
#define VW_EVLOOP_H

#include <stddef.h>

#define VW_EV_NONE     0
#define VW_EV_READABLE 1
#define VW_EV_WRITABLE 2

/* A timer callback returns VW_EV_NOMORE to end, or the number of milliseconds until it runs again. */
#define VW_EV_NOMORE   (-1)

typedef struct vw_evloop vw_evloop;

typedef void vw_file_proc(vw_evloop *loop, int fd, void *client_data, int mask);
typedef long long vw_timer_proc(vw_evloop *loop, long long id, void *client_data);
typedef void vw_timer_finalizer(vw_evloop *loop, void *client_data);

/* Creates a loop. setsize is a hint for the highest fd + 1 (the table grows on demand).
 * On failure returns NULL and writes the reason into err. */
vw_evloop *vw_evloop_create(int setsize, char *err, size_t errlen);

/* Frees the loop and every pending timer (calling their finalizers). Does not close any fd. */
void vw_evloop_free(vw_evloop *loop);

/* Registers proc for the events in mask (VW_EV_READABLE and/or VW_EV_WRITABLE) on fd.
 * Registering the same event again replaces the callback and clientData.
 * Returns 0, or -1 with errno set (EINVAL for a bad fd or mask, or the epoll_ctl error). */
int vw_evloop_add_file(vw_evloop *loop, int fd, int mask, vw_file_proc *proc, void *client_data);

/* Unregisters the events in mask for fd; fds that are not registered are ignored. Call this with
 * VW_EV_READABLE | VW_EV_WRITABLE before closing an fd. */
void vw_evloop_del_file(vw_evloop *loop, int fd, int mask);

/* The events registered for fd (VW_EV_NONE when none). */
int vw_evloop_get_file_mask(const vw_evloop *loop, int fd);

/* Adds a timer that fires after ms milliseconds (0 = at the next iteration). Returns its id
 * (>= 0), or -1 on allocation failure. finalizer (may be NULL) runs when the timer is removed. */
long long vw_evloop_add_timer(vw_evloop *loop, long long ms, vw_timer_proc *proc,
                              void *client_data, vw_timer_finalizer *finalizer);

/* Removes a timer. Returns 0, or -1 if no live timer has that id. */
int vw_evloop_del_timer(vw_evloop *loop, long long id);

/* Runs one iteration: waits at most timeout_ms (-1 = until the next timer or forever when there
 * is none; 0 = do not wait) for file events, dispatches them, then runs due timers.
 * Returns the number of callbacks run, or -1 if epoll_wait failed (other than EINTR). */
int vw_evloop_process(vw_evloop *loop, int timeout_ms);

/* Runs iterations until vw_evloop_stop() is called. Returns 0, or -1 on an epoll failure. */
int vw_evloop_run(vw_evloop *loop);

/* Makes vw_evloop_run() return after the current iteration. */
void vw_evloop_stop(vw_evloop *loop);

/* Monotonic clock in milliseconds, the clock timers use. */
long long vw_evloop_now_ms(void);

#endif
