/* acceptor.c: a listening socket that rests when out of descriptors (see acceptor.h). */
#include "acceptor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"

/* Watches the socket exactly when accepting makes sense: not held, not resting. */
static void update_watch(vw_acceptor *a)
{
    bool want = !a->held && a->retry_timer < 0;
    if (want && !a->watched) {
        if (vw_evloop_add_file(a->loop, a->fd, VW_EV_READABLE, a->on_ready, a->data) == 0)
            a->watched = true;
        else
            fprintf(stderr, "%s: cannot watch the listening socket: %s\n", a->name,
                    strerror(errno));
    } else if (!want && a->watched) {
        vw_evloop_del_file(a->loop, a->fd, VW_EV_READABLE);
        a->watched = false;
    }
}

static long long retry_tick(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    vw_acceptor *a = data;
    a->retry_timer = -1;
    update_watch(a);   /* the next wake-up tries accept() again */
    return VW_EV_NOMORE;
}

/* Out of descriptors: rest for VW_ACCEPT_RETRY_MS; say so once per episode. */
static void rest(vw_acceptor *a, const char *why)
{
    if (!a->starved) {
        a->starved = true;
        a->episodes++;
        fprintf(stderr, "%s: %s; not accepting connections for now, retrying every %d ms\n",
                a->name, why, VW_ACCEPT_RETRY_MS);
    }
    if (a->retry_timer < 0)
        a->retry_timer = vw_evloop_add_timer(a->loop, VW_ACCEPT_RETRY_MS, retry_tick, a, NULL);
    update_watch(a);
}

int vw_acceptor_init(vw_acceptor *a, vw_evloop *loop, int fd, vw_file_proc *on_ready, void *data,
                     const char *name)
{
    memset(a, 0, sizeof(*a));
    a->loop = loop;
    a->fd = fd;
    a->on_ready = on_ready;
    a->data = data;
    a->retry_timer = -1;
    snprintf(a->name, sizeof(a->name), "%s", name);
    if (vw_evloop_add_file(loop, fd, VW_EV_READABLE, on_ready, data) < 0)
        return -1;
    a->watched = true;
    return 0;
}

int vw_acceptor_accept(vw_acceptor *a, char *err, size_t errlen)
{
    if (a->held || a->retry_timer >= 0)
        return -2;
    int fd = vw_netaddr_accept(a->fd, err, errlen);
    if (fd == VW_NETADDR_NO_FDS) {
        rest(a, err);
        return -2;
    }
    if (fd >= 0)
        a->starved = false;
    return fd;
}

void vw_acceptor_hold(vw_acceptor *a, bool on)
{
    a->held = on;
    update_watch(a);
}

void vw_acceptor_fini(vw_acceptor *a)
{
    if (!a->loop)
        return;
    if (a->retry_timer >= 0)
        vw_evloop_del_timer(a->loop, a->retry_timer);
    a->retry_timer = -1;
    if (a->watched)
        vw_evloop_del_file(a->loop, a->fd, VW_EV_READABLE);
    a->watched = false;
    a->loop = NULL;
}
