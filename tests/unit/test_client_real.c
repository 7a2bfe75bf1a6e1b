/* test_client_real.c: the client library against a real libvirtd (test driver). Runs only when
 * env VW_LIBVIRTD_SOCK names the daemon's socket; otherwise it reports a skip and passes (the
 * integration tests cover the real daemon in CI). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libvirt_client.h"
#include "vwtest.h"

static char uri[512];

static void test_real_version_lookup_info(void)
{
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open(uri, NULL, &err);
    CHECK(conn != NULL);
    if (!conn) {
        fprintf(stderr, "open %s: %s\n", uri, vw_virerror_message(&err));
        vw_virerror_clear(&err);
        return;
    }
    CHECK_EQ_STR(vw_conn_open_name(conn), "test:///default");
    CHECK(vw_conn_keepalive_enabled(conn));

    uint64_t version = 0;
    CHECK_EQ_INT(vw_connect_get_lib_version(conn, &version, &err), 0);
    CHECK(version >= 1000000);    /* libvirt 1.0.0 or newer, as major*1000000+minor*1000+micro */

    vw_client_domain dom = { 0 };
    CHECK_EQ_INT(vw_domain_lookup_by_name(conn, "test", &dom, &err), 0);
    CHECK_EQ_STR(dom.name, "test");
    char uuid[VW_UUID_STRING_BUFLEN];
    vw_uuid_format(dom.uuid, uuid);
    CHECK_EQ_STR(uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");

    vw_client_domain_info info = { 0 };
    CHECK_EQ_INT(vw_domain_get_info(conn, &dom, &info, &err), 0);
    CHECK_EQ_INT(info.nr_virt_cpu, 2);
    CHECK_EQ_INT(info.max_mem, 8388608);
    vw_client_domain_clear(&dom);

    /* a server error is decoded in full */
    CHECK_EQ_INT(vw_domain_lookup_by_name(conn, "vw-client-no-such-domain", &dom, &err), -1);
    CHECK_EQ_INT(err.code, VW_ERR_NO_DOMAIN);
    CHECK(err.remote);
    CHECK_EQ_INT(err.domain, VW_FROM_TEST);
    CHECK_EQ_INT(err.level, VW_ERR_LEVEL_ERROR);
    CHECK(err.message && strstr(err.message, "Domain not found"));
    vw_virerror_clear(&err);

    CHECK_EQ_INT(vw_conn_close(conn, &err), 0);
    vw_virerror_clear(&err);
}

struct seen {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    const char *name;
    int defined, undefined;
};

static void on_lifecycle(vw_conn *conn, const vw_client_domain *dom, int event, int detail,
                         void *opaque)
{
    (void)conn;
    (void)detail;
    struct seen *seen = opaque;
    pthread_mutex_lock(&seen->lock);
    if (strcmp(dom->name, seen->name) == 0) {
        seen->defined += event == 0;      /* VIR_DOMAIN_EVENT_DEFINED */
        seen->undefined += event == 1;    /* VIR_DOMAIN_EVENT_UNDEFINED */
    }
    pthread_cond_broadcast(&seen->cond);
    pthread_mutex_unlock(&seen->lock);
}

/* Lifecycle events of a domain we define and undefine (unique name: the daemon is shared). */
static void test_real_lifecycle_events(void)
{
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open(uri, NULL, &err);
    CHECK(conn != NULL);
    if (!conn) {
        vw_virerror_clear(&err);
        return;
    }
    char name[64], xml[256];
    snprintf(name, sizeof(name), "vw-client-unit-%d", (int)getpid());
    snprintf(xml, sizeof(xml), "<domain type='test'><name>%s</name><memory>1024</memory>"
             "<os><type>hvm</type></os></domain>", name);
    struct seen seen = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, name, 0, 0 };
    int id = -1;
    CHECK_EQ_INT(vw_domain_event_lifecycle_register(conn, NULL, on_lifecycle, &seen, &id, &err),
                 0);
    vw_client_domain dom = { 0 };
    CHECK_EQ_INT(vw_domain_define_xml(conn, xml, 0, &dom, &err), 0);
    CHECK_EQ_STR(dom.name, name);
    int persistent = 0, active = 1;
    CHECK_EQ_INT(vw_domain_is_persistent(conn, &dom, &persistent, &err), 0);
    CHECK_EQ_INT(vw_domain_is_active(conn, &dom, &active, &err), 0);
    CHECK_EQ_INT(persistent, 1);
    CHECK_EQ_INT(active, 0);
    CHECK_EQ_INT(vw_domain_undefine(conn, &dom, 0, &err), 0);
    vw_client_domain_clear(&dom);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&seen.lock);
    while (seen.undefined == 0)
        if (pthread_cond_timedwait(&seen.cond, &seen.lock, &ts) != 0)
            break;
    pthread_mutex_unlock(&seen.lock);
    CHECK_EQ_INT(seen.defined, 1);
    CHECK_EQ_INT(seen.undefined, 1);
    CHECK_EQ_INT(vw_domain_event_lifecycle_deregister(conn, id, &err), 0);
    if (err.message)
        fprintf(stderr, "last error: %s\n", err.message);
    vw_virerror_clear(&err);
    vw_conn_close(conn, NULL);
}

int main(void)
{
    const char *sock = getenv("VW_LIBVIRTD_SOCK");
    if (!sock || !sock[0]) {
        printf("client_real: skipped (set VW_LIBVIRTD_SOCK to a libvirtd socket to run)\n");
        return vwtest_summary("client_real");
    }
    snprintf(uri, sizeof(uri), "test+unix:///default?socket=%s", sock);
    RUN(test_real_version_lookup_info);
    RUN(test_real_lifecycle_events);
    return vwtest_summary("client_real");
}
