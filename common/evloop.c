/* evloop.c: the single-threaded epoll event loop (file events + timers), see evloop.h. */
#include "evloop.h"
#include "vw_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define EVLOOP_MAX_FDS (1 << 20)  /* hard cap on the fd table */
#define EVLOOP_BATCH   128        /* epoll events fetched per wait */

typedef struct {
    int mask;
    vw_file_proc *rproc;
    vw_file_proc *wproc;
    void *client_data;
} file_event;

typedef struct timer_event {
    long long id;                 /* -1 once deleted, freed at the next timer pass */
    long long when_ms;
    vw_timer_proc *proc;
    vw_timer_finalizer *finalizer;
    void *client_data;
    int running;                  /* its callback is on the stack */
    unsigned long long ran_in_pass; /* the timer pass that last ran it */
    struct timer_event *next;
} timer_event;

struct vw_evloop {
    int epfd;
    int setsize;
    file_event *files;
    struct epoll_event ready[EVLOOP_BATCH];
    timer_event *timers;
    long long next_timer_id;
    unsigned long long timer_pass;
    int stop;
};

long long vw_evloop_now_ms(void)
{
    return vw_now_ms();
}

vw_evloop *vw_evloop_create(int setsize, char *err, size_t errlen)
{
    if (setsize < 16)
        setsize = 16;
    if (setsize > EVLOOP_MAX_FDS)
        setsize = EVLOOP_MAX_FDS;
    vw_evloop *loop = calloc(1, sizeof(*loop));
    if (!loop) {
        snprintf(err, errlen, "event loop: out of memory");
        return NULL;
    }
    loop->files = calloc((size_t)setsize, sizeof(*loop->files));
    if (!loop->files) {
        snprintf(err, errlen, "event loop: out of memory for %d fds", setsize);
        free(loop);
        return NULL;
    }
    loop->setsize = setsize;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        snprintf(err, errlen, "event loop: epoll_create1: %s", strerror(errno));
        free(loop->files);
        free(loop);
        return NULL;
    }
    return loop;
}

void vw_evloop_free(vw_evloop *loop)
{
    if (!loop)
        return;
    timer_event *t = loop->timers;
    while (t) {
        timer_event *next = t->next;
        if (t->id != -1 && t->finalizer)
            t->finalizer(loop, t->client_data);
        free(t);
        t = next;
    }
    close(loop->epfd);
    free(loop->files);
    free(loop);
}

static int grow_files(vw_evloop *loop, int fd)
{
    if (fd < loop->setsize)
        return 0;
    if (fd >= EVLOOP_MAX_FDS) {
        errno = ERANGE;
        return -1;
    }
    int size = loop->setsize;
    while (size <= fd)
        size *= 2;
    if (size > EVLOOP_MAX_FDS)
        size = EVLOOP_MAX_FDS;
    file_event *files = realloc(loop->files, (size_t)size * sizeof(*files));
    if (!files) {
        errno = ENOMEM;
        return -1;
    }
    memset(files + loop->setsize, 0, (size_t)(size - loop->setsize) * sizeof(*files));
    loop->files = files;
    loop->setsize = size;
    return 0;
}

static int epoll_update(vw_evloop *loop, int fd, int old_mask, int new_mask)
{
    /* Servers re-state their interest after every reply (e.g. "not writable" once the output
     * is flushed); when nothing changes there is nothing to tell the kernel, and the syscall
     * would cost one more per round trip. */
    if (old_mask == new_mask)
        return 0;
    struct epoll_event ee;
    memset(&ee, 0, sizeof(ee));
    if (new_mask & VW_EV_READABLE)
        ee.events |= EPOLLIN;
    if (new_mask & VW_EV_WRITABLE)
        ee.events |= EPOLLOUT;
    ee.data.fd = fd;
    if (new_mask == VW_EV_NONE)
        return epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, &ee);
    return epoll_ctl(loop->epfd, old_mask == VW_EV_NONE ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ee);
}

int vw_evloop_add_file(vw_evloop *loop, int fd, int mask, vw_file_proc *proc, void *client_data)
{
    if (fd < 0 || !proc || (mask & (VW_EV_READABLE | VW_EV_WRITABLE)) == 0 ||
        (mask & ~(VW_EV_READABLE | VW_EV_WRITABLE)) != 0) {
        errno = EINVAL;
        return -1;
    }
    if (grow_files(loop, fd) < 0)
        return -1;
    file_event *fe = &loop->files[fd];
    int new_mask = fe->mask | mask;
    if (epoll_update(loop, fd, fe->mask, new_mask) < 0)
        return -1;
    fe->mask = new_mask;
    if (mask & VW_EV_READABLE)
        fe->rproc = proc;
    if (mask & VW_EV_WRITABLE)
        fe->wproc = proc;
    fe->client_data = client_data;
    return 0;
}

void vw_evloop_del_file(vw_evloop *loop, int fd, int mask)
{
    if (fd < 0 || fd >= loop->setsize)
        return;
    file_event *fe = &loop->files[fd];
    if (fe->mask == VW_EV_NONE)
        return;
    int new_mask = fe->mask & ~mask;
    /* A failure here means the fd was already closed; the kernel dropped it from the set. */
    (void)epoll_update(loop, fd, fe->mask, new_mask);
    fe->mask = new_mask;
    if (!(new_mask & VW_EV_READABLE))
        fe->rproc = NULL;
    if (!(new_mask & VW_EV_WRITABLE))
        fe->wproc = NULL;
    if (new_mask == VW_EV_NONE)
        fe->client_data = NULL;
}

int vw_evloop_get_file_mask(const vw_evloop *loop, int fd)
{
    if (fd < 0 || fd >= loop->setsize)
        return VW_EV_NONE;
    return loop->files[fd].mask;
}

long long vw_evloop_add_timer(vw_evloop *loop, long long ms, vw_timer_proc *proc,
                              void *client_data, vw_timer_finalizer *finalizer)
{
    if (!proc)
        return -1;
    timer_event *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    if (ms < 0)
        ms = 0;
    t->id = loop->next_timer_id++;
    t->when_ms = vw_evloop_now_ms() + ms;
    t->proc = proc;
    t->finalizer = finalizer;
    t->client_data = client_data;
    t->next = loop->timers;
    loop->timers = t;
    return t->id;
}

int vw_evloop_del_timer(vw_evloop *loop, long long id)
{
    if (id < 0)
        return -1;
    for (timer_event *t = loop->timers; t; t = t->next) {
        if (t->id == id) {
            t->id = -1;   /* freed (and finalized) by the next timer pass */
            return 0;
        }
    }
    return -1;
}

/* Milliseconds until the nearest live timer, or -1 when there is none. */
static long long ms_until_next_timer(vw_evloop *loop)
{
    long long nearest = -1;
    for (timer_event *t = loop->timers; t; t = t->next) {
        if (t->id == -1)
            continue;
        if (nearest == -1 || t->when_ms < nearest)
            nearest = t->when_ms;
    }
    if (nearest == -1)
        return -1;
    long long delta = nearest - vw_evloop_now_ms();
    return delta < 0 ? 0 : delta;
}

static int process_timers(vw_evloop *loop)
{
    int processed = 0;
    /* Timers created by callbacks in this pass wait for the next one. */
    long long max_id = loop->next_timer_id - 1;
    unsigned long long pass = ++loop->timer_pass;
    timer_event **link = &loop->timers;
    while (*link) {
        timer_event *t = *link;
        if (t->id == -1) {
            if (t->running) {   /* deleted from inside its own callback: free it later */
                link = &t->next;
                continue;
            }
            *link = t->next;
            if (t->finalizer)
                t->finalizer(loop, t->client_data);
            free(t);
            continue;
        }
        if (t->id > max_id || t->ran_in_pass == pass || t->when_ms > vw_evloop_now_ms()) {
            link = &t->next;
            continue;
        }
        long long id = t->id;
        t->running = 1;
        t->ran_in_pass = pass;
        long long again = t->proc(loop, id, t->client_data);
        t->running = 0;
        processed++;
        if (t->id != -1) {
            if (again == VW_EV_NOMORE)
                t->id = -1;
            else
                t->when_ms = vw_evloop_now_ms() + (again < 0 ? 0 : again);
        }
        /* Callbacks may have added timers at the head; restart from there (done ones are skipped
         * by id/when checks, deleted ones get freed). */
        link = &loop->timers;
    }
    return processed;
}

int vw_evloop_process(vw_evloop *loop, int timeout_ms)
{
    int processed = 0;
    long long wait = ms_until_next_timer(loop);
    if (timeout_ms >= 0 && (wait < 0 || wait > timeout_ms))
        wait = timeout_ms;
    if (wait > 0x7fffffff)
        wait = 0x7fffffff;
    int n = epoll_wait(loop->epfd, loop->ready, EVLOOP_BATCH, (int)wait);
    if (n < 0) {
        if (errno != EINTR)
            return -1;
        n = 0;
    }
    for (int i = 0; i < n; i++) {
        int fd = loop->ready[i].data.fd;
        uint32_t ev = loop->ready[i].events;
        if (fd < 0 || fd >= loop->setsize)
            continue;
        file_event *fe = &loop->files[fd];
        /* Errors and hang-ups are reported to both callbacks, so a reader sees EOF. */
        if ((fe->mask & VW_EV_READABLE) && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
            fe->rproc(loop, fd, fe->client_data, VW_EV_READABLE);
            processed++;
        }
        fe = &loop->files[fd];   /* the callback may have grown (moved) the table */
        if ((fe->mask & VW_EV_WRITABLE) && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
            fe->wproc(loop, fd, fe->client_data, VW_EV_WRITABLE);
            processed++;
        }
    }
    processed += process_timers(loop);
    return processed;
}

int vw_evloop_run(vw_evloop *loop)
{
    loop->stop = 0;
    while (!loop->stop) {
        if (vw_evloop_process(loop, -1) < 0)
            return -1;
    }
    return 0;
}

void vw_evloop_stop(vw_evloop *loop)
{
    loop->stop = 1;
}
