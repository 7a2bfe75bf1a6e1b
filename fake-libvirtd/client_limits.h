/* client_limits.h: fake-libvirtd's client limits and memory budget as numbers: libvirtd's
 * max_clients, max_anonymous_clients and max_client_requests, and the one budget for the queued
 * input and output of all clients (docs/fake-libvirtd.md, "Limits"). The server tells it what
 * connections hold and come and go; it answers whether to hold the listeners and how large a
 * packet a connection may start.
 */
#ifndef FL_CLIENT_LIMITS_H
#define FL_CLIENT_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Client limits, with libvirtd's names and defaults (libvirtd.conf), and one memory budget of
 * our own (docs/fake-libvirtd.md, "Limits"). */
#define FL_MAX_CLIENTS 5000               /* max_clients: connections at once */
#define FL_MAX_ANONYMOUS_CLIENTS 20       /* max_anonymous_clients: not past AUTH_LIST / OPEN */
#define FL_MAX_CLIENT_REQUESTS 5          /* max_client_requests: calls of one client unanswered */
#define FL_MEMORY_BUDGET (64u << 20)      /* queued input and output of all clients */
#define FL_SMALL_PACKET (64u << 10)       /* packets up to this size are always admitted */

typedef struct {
    long max_clients;             /* 0 = FL_MAX_CLIENTS */
    long max_anonymous_clients;   /* -1 = FL_MAX_ANONYMOUS_CLIENTS; 0 = no limit (as libvirtd) */
    long max_client_requests;     /* 0 = FL_MAX_CLIENT_REQUESTS */
    size_t memory_budget;         /* 0 = FL_MEMORY_BUDGET */
} fl_limits;

typedef struct {
    fl_limits lim;                /* with the defaults filled in */
    int nconns;
    int nanon;                    /* connections not yet past AUTH_LIST / CONNECT_OPEN */
    bool accept_held;             /* the listeners are held at max_clients / max_anonymous */
    size_t held_bytes;            /* queued input and output of all connections */
    bool budget_logged;           /* one stderr line per episode over the memory budget */
} fl_budget;

/* given: zero fields (and max_anonymous_clients -1) take libvirtd's defaults. */
void fl_budget_init(fl_budget *b, const fl_limits *given);
/* One connection's share of held_bytes goes from *accounted to now. */
void fl_budget_account(fl_budget *b, size_t *accounted, size_t now);
/* The largest packet a connection with share accounted (own of it held by its output and
 * unread input) may start now: what the budget leaves after every other connection and its
 * own output, but never less than FL_SMALL_PACKET, so that a well-behaved client is served
 * even while others hold the whole budget with half-sent packets. */
uint32_t fl_budget_admit(const fl_budget *b, size_t accounted, size_t own);
bool fl_budget_over(const fl_budget *b);
/* libvirtd suspends its listening services while max_clients are connected or
 * max_anonymous_clients wait for authentication, and resumes them when one goes
 * (virnetserver.c). Returns 1: hold the listeners now (one stderr line says why), 0: release
 * them, -1: no change. */
int fl_budget_check_clients(fl_budget *b);

#endif
