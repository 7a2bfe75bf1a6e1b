/* listeners.c: the listening sockets (see listeners.h). */
#include "listeners.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void on_accept(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    fl_listener *l = data;
    fl_listeners *ls = l->set;
    /* a bounded number per wake-up; the callback may hold the listeners (then -2 ends it) */
    for (int i = 0; i < 64; i++) {
        char err[256];
        int client = vw_acceptor_accept(&l->acc, err, sizeof(err));
        if (client == -2)
            return;
        if (client < 0) {
            if (ls->verbose)
                fprintf(stderr, "fake-libvirtd: %s\n", err);
            return;
        }
        ls->accept(ls->opaque, l, client);
    }
}

void fl_listeners_init(fl_listeners *ls, vw_evloop *loop, int verbose,
                       fl_listener_accept_fn *accept, void *opaque)
{
    memset(ls, 0, sizeof(*ls));
    ls->loop = loop;
    ls->verbose = verbose;
    ls->accept = accept;
    ls->opaque = opaque;
}

static void drop_socket(fl_listener *l)
{
    close(l->fd);
    if (l->addr.kind == VW_NETADDR_UNIX)
        unlink(l->addr.path);
}

int fl_listeners_add(fl_listeners *ls, const char *spec, bool readonly, bool tls, int auth,
                     char *err, size_t errlen)
{
    fl_listener *l = &ls->items[ls->count];
    char why[512];
    const char *opt = tls ? "--listen-tls" : readonly ? "--listen-ro" : "--listen";
    if (ls->count >= (int)(sizeof(ls->items) / sizeof(ls->items[0]))) {
        snprintf(err, errlen, "%s %s: too many sockets", opt, spec);
        return -1;
    }
    if (vw_netaddr_parse(spec, &l->addr, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s %s: %s", opt, spec, why);
        return -1;
    }
    if (readonly && l->addr.kind != VW_NETADDR_UNIX) {
        snprintf(err, errlen, "--listen-ro %s: the read-only socket must be unix:PATH", spec);
        return -1;
    }
    if (tls && l->addr.kind != VW_NETADDR_TCP) {
        snprintf(err, errlen, "--listen-tls %s: TLS is served on tcp:HOST:PORT", spec);
        return -1;
    }
    l->tls = tls;
    l->auth = auth;
    l->fd = vw_netaddr_listen(&l->addr, 1024, why, sizeof(why));
    if (l->fd < 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (l->addr.kind == VW_NETADDR_UNIX &&
        chmod(l->addr.path, readonly ? 0666 : 0600) < 0) {
        snprintf(err, errlen, "cannot set the mode of socket %s: %s", l->addr.path,
                 strerror(errno));
        drop_socket(l);
        return -1;
    }
    l->readonly = readonly;
    l->set = ls;
    char name[160];
    snprintf(name, sizeof(name), "fake-libvirtd: %s", spec);
    if (vw_acceptor_init(&l->acc, ls->loop, l->fd, on_accept, l, name) < 0) {
        snprintf(err, errlen, "cannot watch the socket %s: %s", spec, strerror(errno));
        drop_socket(l);
        return -1;
    }
    ls->count++;
    return 0;
}

void fl_listeners_hold(fl_listeners *ls, bool hold)
{
    for (int i = 0; i < ls->count; i++)
        vw_acceptor_hold(&ls->items[i].acc, hold);
}

void fl_listeners_close(fl_listeners *ls)
{
    for (int i = 0; i < ls->count; i++) {
        vw_acceptor_fini(&ls->items[i].acc);
        drop_socket(&ls->items[i]);
    }
    ls->count = 0;
}
