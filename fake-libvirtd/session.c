/* session.c: the RPC session of a connection (see session.h). */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "models.h"

struct fl_session {
    bool opened;                  /* CONNECT_OPEN succeeded */
    bool test_driver;             /* opened a test:// URI: uses the shared test model */
    char *uri;                    /* the name given to CONNECT_OPEN (canonical) */
    char hv_type[16];             /* "TEST", "QEMU", ... */
    char *migrate_xml;            /* destination side: the domain a MIGRATE_PREPARE3_PARAMS
                                   * announced, started by MIGRATE_FINISH3_PARAMS */
};

static fl_session *session_of(fl_conn *c)
{
    if (!c->session)
        c->session = calloc(1, sizeof(*c->session));
    return c->session;
}

int fl_session_open(fl_conn *c, const char *uri, bool readonly, vw_virerror *err)
{
    char why[512];
    fl_session *s = session_of(c);
    char *copy = strdup(uri);
    if (!s || !copy) {
        free(copy);
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "out of memory");
        return -1;
    }
    bool test = strncmp(uri, "test:", 5) == 0;
    vw_error e;
    fl_model *m = fl_models_open(fl_server_models(c->srv), test, &e);
    if (!m) {
        free(copy);
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error", "%s",
                           vw_error_format(&e, why, sizeof(why)));
        return -1;
    }
    c->model = m;
    s->test_driver = test;
    /* the hypervisor type is the URI scheme in capitals (test -> TEST, qemu -> QEMU) */
    size_t i = 0;
    for (; uri[i] && uri[i] != ':' && uri[i] != '+' && i + 1 < sizeof(s->hv_type); i++)
        s->hv_type[i] = (char)((uri[i] >= 'a' && uri[i] <= 'z') ? uri[i] - 32 : uri[i]);
    s->hv_type[i] = '\0';
    free(s->uri);
    s->uri = copy;
    s->opened = true;
    if (readonly)
        c->readonly = true;
    return 0;
}

void fl_session_close(fl_conn *c)
{
    fl_session *s = c->session;
    if (c->model) {
        fl_model *m = c->model;
        if (fl_models_release(fl_server_models(c->srv), s && s->test_driver))
            fl_events_drop_model(fl_server_events(c->srv), m);   /* it went with its last user */
        c->model = NULL;
    }
    if (s)
        s->opened = false;
    c->ncallbacks = 0;
}

void fl_session_end(fl_conn *c)
{
    fl_session_close(c);
    fl_conn_clear_callbacks(c);
    fl_session *s = c->session;
    if (!s)
        return;
    free(s->uri);
    free(s->migrate_xml);
    free(s);
    c->session = NULL;
}

bool fl_session_is_open(const fl_conn *c)
{
    return c->session && c->session->opened;
}

bool fl_session_is_test(const fl_conn *c)
{
    return c->session && c->session->test_driver;
}

const char *fl_session_uri(const fl_conn *c)
{
    return c->session ? c->session->uri : NULL;
}

const char *fl_session_hv_type(const fl_conn *c)
{
    return c->session ? c->session->hv_type : "";
}

void fl_session_set_migration(fl_conn *c, char *xml)
{
    fl_session *s = session_of(c);
    if (!s) {
        free(xml);
        return;
    }
    free(s->migrate_xml);
    s->migrate_xml = xml;
}

char *fl_session_take_migration(fl_conn *c)
{
    fl_session *s = c->session;
    if (!s)
        return NULL;
    char *xml = s->migrate_xml;
    s->migrate_xml = NULL;
    return xml;
}

/* fl_models_replace_fn: every session and queued event of old moves to fresh. */
static void replace_model(void *opaque, fl_model *old, fl_model *fresh)
{
    fl_server *srv = opaque;
    for (fl_conn *c = fl_server_conns(srv); c; c = c->next)
        if (c->model == old)
            c->model = fresh;
    fl_events_replace_model(fl_server_events(srv), old, fresh);
}

int fl_session_reset_models(fl_server *srv, char *err, size_t errlen)
{
    /* --qemu-dir links QEMU processes to the domains of the qemu:// model: that one stays */
    vw_error e;
    int rc = fl_models_reset(fl_server_models(srv), fl_server_qemu(srv) != NULL, replace_model,
                             srv, &e);
    if (rc < 0)
        vw_error_format(&e, err, errlen);
    return rc;
}
