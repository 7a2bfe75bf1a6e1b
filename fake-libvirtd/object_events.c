/* object_events.c: event registrations for non-domain objects (see object_events.h). */
#include "object_events.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    fl_server *srv;
    uint64_t conn_id;
    fl_objev_kind kind;
    int callback_id, event_id;
    bool has_uuid;
    unsigned char uuid[16];
} objev_reg;

static objev_reg *regs;
static size_t nregs, capregs;

static void drop(size_t i)
{
    memmove(&regs[i], &regs[i + 1], (nregs - i - 1) * sizeof(regs[0]));
    nregs--;
}

/* Drops the registrations of connections gone; counts c's. */
static int prune(const fl_conn *c)
{
    int mine = 0;
    for (size_t i = 0; i < nregs;) {
        if (!fl_server_find_conn(regs[i].srv, regs[i].conn_id)) {
            drop(i);
            continue;
        }
        if (regs[i].srv == c->srv && regs[i].conn_id == c->id)
            mine++;
        i++;
    }
    return mine;
}

int fl_objev_register(fl_conn *c, fl_objev_kind kind, int event_id, const unsigned char *uuid,
                      bool *limit)
{
    *limit = prune(c) >= FL_MAX_CALLBACKS;
    if (*limit)
        return -1;
    if (nregs == capregs) {
        size_t cap = capregs ? capregs * 2 : 16;
        objev_reg *grown = realloc(regs, cap * sizeof(*grown));
        if (!grown)
            return -1;
        regs = grown;
        capregs = cap;
    }
    objev_reg *r = &regs[nregs++];
    memset(r, 0, sizeof(*r));
    r->srv = c->srv;
    r->conn_id = c->id;
    r->kind = kind;
    r->callback_id = fl_server_next_callback_id(c->srv);
    r->event_id = event_id;
    if (uuid) {
        r->has_uuid = true;
        memcpy(r->uuid, uuid, 16);
    }
    return r->callback_id;
}

int fl_objev_deregister(fl_conn *c, fl_objev_kind kind, int callback_id)
{
    for (size_t i = 0; i < nregs; i++) {
        if (regs[i].srv == c->srv && regs[i].conn_id == c->id && regs[i].kind == kind &&
            regs[i].callback_id == callback_id) {
            drop(i);
            return 0;
        }
    }
    return -1;
}

void fl_objev_emit(fl_conn *c, fl_objev_kind kind, int event_id, const unsigned char uuid[16],
                   fl_objev_send_fn *send, void *opaque)
{
    prune(c);
    for (size_t i = 0; i < nregs; i++) {
        const objev_reg *r = &regs[i];
        if (r->srv != c->srv || r->kind != kind || r->event_id != event_id ||
            (r->has_uuid && memcmp(r->uuid, uuid, 16) != 0))
            continue;
        fl_conn *to = fl_server_find_conn(r->srv, r->conn_id);
        if (to && to->model == c->model)
            send(to, r->callback_id, opaque);
    }
}
