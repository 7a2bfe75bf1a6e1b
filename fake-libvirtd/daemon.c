/* daemon.c: the transport with everything above it (see daemon.h). */
#include "daemon.h"

#include <stdio.h>

#include "dispatch.h"
#include "events.h"
#include "keepalive.h"
#include "models.h"
#include "qemu_link.h"
#include "session.h"
#include "streams.h"

/* The layers above the transport, without the QEMU link. */
static fl_server_parts base_parts(fl_models *models, fl_events *events)
{
    return (fl_server_parts){.call = fl_dispatch_call, .stream = fl_stream_client_packet,
                             .keepalive = fl_keepalive_packet,
                             .settle = fl_events_flush,
                             .conn_gone = fl_session_end, .models = models, .events = events};
}

/* Takes what it needs from cfg beyond the transport: the models and the QEMU link. */
static fl_server *assemble(fl_server *srv, fl_models *models, const fl_server_config *cfg,
                           char *err, size_t errlen)
{
    fl_server_parts parts = base_parts(models, fl_events_new());
    if (!parts.events) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    fl_models_set_event_hook(models, fl_events_model_hook, parts.events);
    fl_server_set_parts(srv, &parts);
    if (cfg && cfg->qemu_dir) {
        fl_qemu_config qc = {cfg->qemu_dir, cfg->fake_qemu, cfg->qemu_version, cfg->verbose};
        if (!(parts.qemu = fl_qemu_new(&qc, fl_server_loop(srv), srv, err, errlen)))
            goto fail;
        fl_server_set_parts(srv, &parts);
    }
    return srv;
fail:
    fl_server_set_parts(srv, &(fl_server_parts){0});
    fl_server_transport_free(srv);
    fl_events_free(parts.events);
    fl_models_free(models);
    return NULL;
}

/* The models first (a bad --state file is reported before any socket is bound), then the
 * transport: listening per cfg, or detached (cfg NULL) for in-process drivers. */
static fl_server *build(const char *state_file, const fl_server_config *cfg, int verbose,
                        char *err, size_t errlen)
{
    vw_error e;
    fl_models *models = fl_models_new(state_file, &e);
    if (!models) {
        vw_error_format(&e, err, errlen);
        return NULL;
    }
    fl_server *srv = cfg ? fl_server_transport_new(cfg, err, errlen)
                         : fl_server_transport_new_detached(verbose, err, errlen);
    if (!srv) {
        fl_models_free(models);
        return NULL;
    }
    return assemble(srv, models, cfg, err, errlen);
}

fl_server *fl_server_new(const fl_server_config *cfg, char *err, size_t errlen)
{
    return build(cfg->state_file, cfg, cfg->verbose, err, errlen);
}

fl_server *fl_server_new_detached(const char *state_file, int verbose, char *err, size_t errlen)
{
    return build(state_file, NULL, verbose, err, errlen);
}

void fl_server_free(fl_server *srv)
{
    if (!srv)
        return;
    fl_models *models = fl_server_models(srv);
    fl_events *events = fl_server_events(srv);
    fl_qemu_free(fl_server_qemu(srv));   /* SIGTERM to the fake-qemu processes, and reap them */
    fl_server_parts parts = base_parts(models, events);
    fl_server_set_parts(srv, &parts);    /* the QEMU link is gone */
    fl_server_transport_free(srv);       /* sessions end: models are released */
    fl_events_free(events);
    fl_models_free(models);
}

static int stub_filter(void *opaque, fl_conn *c, const vw_packet *pkt, const uint8_t *raw,
                       size_t raw_len)
{
    return fl_stubs_handle(opaque, c, pkt, raw, raw_len);
}

void fl_server_set_stubs(fl_server *srv, fl_stubs *stubs)
{
    fl_server_set_call_filter(srv, stubs ? stub_filter : NULL, stubs);
}
