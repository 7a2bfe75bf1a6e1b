/* client_limits.c: client limits and the memory budget (see client_limits.h). */
#include "client_limits.h"

#include <stdio.h>

void fl_budget_init(fl_budget *b, const fl_limits *given)
{
    *b = (fl_budget){.lim = *given};
    fl_limits *l = &b->lim;
    if (l->max_clients <= 0)
        l->max_clients = FL_MAX_CLIENTS;
    if (l->max_anonymous_clients < 0)
        l->max_anonymous_clients = FL_MAX_ANONYMOUS_CLIENTS;
    if (l->max_client_requests <= 0)
        l->max_client_requests = FL_MAX_CLIENT_REQUESTS;
    if (l->memory_budget == 0)
        l->memory_budget = FL_MEMORY_BUDGET;
}

void fl_budget_account(fl_budget *b, size_t *accounted, size_t now)
{
    b->held_bytes = b->held_bytes - *accounted + now;
    *accounted = now;
}

uint32_t fl_budget_admit(const fl_budget *b, size_t accounted, size_t own)
{
    size_t used = b->held_bytes - accounted + own;
    size_t room = b->lim.memory_budget > used ? b->lim.memory_budget - used : 0;
    if (room < FL_SMALL_PACKET)
        room = FL_SMALL_PACKET;
    return room > UINT32_MAX ? UINT32_MAX : (uint32_t)room;
}

bool fl_budget_over(const fl_budget *b)
{
    return b->held_bytes > b->lim.memory_budget;
}

int fl_budget_check_clients(fl_budget *b)
{
    const fl_limits *lim = &b->lim;
    bool full = b->nconns >= lim->max_clients;
    bool anon_full = lim->max_anonymous_clients > 0 && b->nanon >= lim->max_anonymous_clients;
    bool hold = full || anon_full;
    if (hold == b->accept_held)
        return -1;
    b->accept_held = hold;
    if (!hold)
        return 0;
    if (full)
        fprintf(stderr, "fake-libvirtd: %d clients connected (--max-clients %ld): not accepting "
                "new clients until one goes\n", b->nconns, lim->max_clients);
    else
        fprintf(stderr, "fake-libvirtd: %d clients have not opened a connection yet "
                "(--max-anonymous-clients %ld): not accepting new clients until one opens or "
                "goes\n", b->nanon, lim->max_anonymous_clients);
    return 1;
}
