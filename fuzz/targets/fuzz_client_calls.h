/* fuzz_client_calls.h: the calls fuzz_client makes over a connection, shared with the seed
 * recorder (fuzz/corpus/client_seed.c) so that the recorded server byte streams answer exactly
 * this sequence. Read-only calls only (the seeds are recorded against a shared real libvirtd),
 * plus one event registration so that event MESSAGEs in the stream reach the event thread.
 * Every call runs whatever the previous ones returned: a dead connection makes them fail fast. */
#ifndef FUZZ_CLIENT_CALLS_H
#define FUZZ_CLIENT_CALLS_H

#include <stdint.h>
#include <stdlib.h>

#include "libvirt_client.h"

static void fuzz_client_lifecycle_cb(vw_conn *conn, const vw_client_domain *dom, int event,
                                     int detail, void *opaque)
{
    (void)conn;
    (void)event;
    (void)detail;
    unsigned *count = opaque;
    __atomic_add_fetch(count, dom && dom->name ? 1u : 2u, __ATOMIC_RELAXED);
}

static void fuzz_client_monitor_cb(vw_conn *conn, const vw_client_qemu_monitor_event *ev,
                                   void *opaque)
{
    (void)conn;
    unsigned *count = opaque;
    __atomic_add_fetch(count, ev->event && ev->details ? 1u : 2u, __ATOMIC_RELAXED);
}

/* Returns how many calls succeeded. */
static int fuzz_client_calls(vw_conn *conn, unsigned *events)
{
    int ok = 0;
    vw_virerror err = { 0 };
#define FUZZ_CLIENT_CALL(expr) do { ok += (expr) == 0; vw_virerror_clear(&err); } while (0)
    char *type = NULL, *host = NULL, *xml = NULL;
    uint64_t version = 0;
    FUZZ_CLIENT_CALL(vw_connect_get_type(conn, &type, &err));
    FUZZ_CLIENT_CALL(vw_connect_get_version(conn, &version, &err));
    FUZZ_CLIENT_CALL(vw_connect_get_hostname(conn, &host, &err));
    vw_client_node_info node;
    FUZZ_CLIENT_CALL(vw_node_get_info(conn, &node, &err));
    int cb = -1, mcb = -1;
    FUZZ_CLIENT_CALL(vw_domain_event_lifecycle_register(conn, NULL, fuzz_client_lifecycle_cb, events,
                                                        &cb, &err));
    FUZZ_CLIENT_CALL(vw_qemu_monitor_event_register(conn, NULL, NULL, 0, fuzz_client_monitor_cb,
                                                    events, &mcb, &err));
    vw_client_domain *doms = NULL;
    size_t ndoms = 0;
    FUZZ_CLIENT_CALL(vw_connect_list_all_domains(conn, 0, &doms, &ndoms, &err));
    vw_client_domain dom = { 0 };
    FUZZ_CLIENT_CALL(vw_domain_lookup_by_name(conn, ndoms > 0 && doms[0].name ? doms[0].name : "test",
                                              &dom, &err));
    if (dom.name) {
        vw_client_domain_info info;
        int state = 0, reason = 0;
        FUZZ_CLIENT_CALL(vw_domain_get_info(conn, &dom, &info, &err));
        FUZZ_CLIENT_CALL(vw_domain_get_state(conn, &dom, 0, &state, &reason, &err));
        FUZZ_CLIENT_CALL(vw_domain_get_xml_desc(conn, &dom, 0, &xml, &err));
    }
    vw_client_domain missing = { 0 };
    FUZZ_CLIENT_CALL(vw_domain_lookup_by_name(conn, "no-such-domain-fuzz", &missing, &err));
    vw_client_domain_clear(&missing);
    if (cb >= 0)
        FUZZ_CLIENT_CALL(vw_domain_event_lifecycle_deregister(conn, cb, &err));
    if (mcb >= 0)
        FUZZ_CLIENT_CALL(vw_qemu_monitor_event_deregister(conn, mcb, &err));
#undef FUZZ_CLIENT_CALL
    vw_client_domain_clear(&dom);
    vw_client_domain_list_free(doms, ndoms);
    free(type);
    free(host);
    free(xml);
    return ok;
}

#endif
