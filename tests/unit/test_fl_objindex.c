/* test_fl_objindex.c: fake-libvirtd's indexes of networks, pools and volumes (model.c,
 * model_net.c, model_storage.c) stay right through undefine, redefine, destroy, delete and
 * pool removal: what is gone is never found again (a stale entry would point at freed memory,
 * which the ASan build reports), what stays is found by every key, and lists keep their
 * definition order. */
#include "../../fake-libvirtd/xml_tree.h"
#include "../../fake-libvirtd/index.h"
#include "../../fake-libvirtd/model.h"
#include "../../fake-libvirtd/model_net.h"
#include "../../fake-libvirtd/model_storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vwtest.h"

#define U1 "11111111-2222-3333-4444-000000000001"
#define U2 "11111111-2222-3333-4444-000000000002"

static char *net_xml(char *buf, size_t n, const char *name, const char *uuid)
{
    snprintf(buf, n, "<network><name>%s</name><uuid>%s</uuid></network>", name, uuid);
    return buf;
}

static bool found(fl_model *m, fl_object_kind kind, const char *name, const char *uuid)
{
    unsigned char u[16];
    vw_virerror e = {0};
    vw_uuid_parse(uuid, u);
    fl_object *a = fl_object_lookup_name(m, kind, name, &e);
    fl_object *b = fl_object_lookup_uuid(m, kind, u, &e);
    vw_virerror_clear(&e);
    return a && a == b;
}

static bool uuid_found(fl_model *m, fl_object_kind kind, const char *uuid)
{
    unsigned char u[16];
    vw_uuid_parse(uuid, u);
    return fl_object_lookup_uuid(m, kind, u, NULL) != NULL;
}

static void test_network_undefine_and_redefine(void)
{
    fl_model *m = fl_model_new_empty();
    vw_virerror e = {0};
    char x[256];
    fl_object *n = fl_net_define(m, net_xml(x, sizeof(x), "n1", U1), &e);
    CHECK(n && found(m, FL_OBJ_NETWORK, "n1", U1));
    CHECK_EQ_INT(fl_net_undefine(m, n, &e), 0);
    CHECK(!fl_object_lookup_name(m, FL_OBJ_NETWORK, "n1", &e));
    CHECK_EQ_STR(e.message, "Network not found: no network with matching name 'n1'");
    CHECK(!uuid_found(m, FL_OBJ_NETWORK, U1));
    /* the same name with another uuid: the old uuid must not lead to it */
    CHECK(fl_net_define(m, net_xml(x, sizeof(x), "n1", U2), &e) != NULL);
    CHECK(found(m, FL_OBJ_NETWORK, "n1", U2) && !uuid_found(m, FL_OBJ_NETWORK, U1));
    /* its uuid under another name, then its name under another uuid: libvirt's errors */
    CHECK(!fl_net_define(m, net_xml(x, sizeof(x), "n2", U2), &e));
    CHECK_EQ_STR(e.message, "operation failed: network 'n1' is already defined with uuid " U2);
    CHECK(!fl_net_define(m, net_xml(x, sizeof(x), "n1", U1), &e));
    CHECK_EQ_STR(e.message, "operation failed: network 'n1' already exists with uuid " U2);
    /* a transient network leaves with its destroy */
    fl_object *t = fl_net_create_xml(m, net_xml(x, sizeof(x), "t", U1), &e);
    CHECK(t && found(m, FL_OBJ_NETWORK, "t", U1));
    CHECK(!fl_net_create_xml(m, net_xml(x, sizeof(x), "t", U1), &e));
    CHECK_EQ_STR(e.message, "Requested operation is not valid: network is already active as 't'");
    fl_net_destroy(m, t);
    CHECK(!fl_object_lookup_name(m, FL_OBJ_NETWORK, "t", &e) && !uuid_found(m, FL_OBJ_NETWORK, U1));
    fl_model_free(m);
    vw_virerror_clear(&e);
}

/* Many networks, every other one undefined (the first and the last among them): the rest are
 * found, the list keeps their order, and names come back. */
static void test_network_many(void)
{
    enum { N = 3000 };
    fl_model *m = fl_model_new_empty();
    vw_virerror e = {0};
    char x[256], name[32], uuid[40];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        snprintf(uuid, sizeof(uuid), "5e1ec7ed-0000-4000-8000-%012d", i);
        CHECK(fl_net_define(m, net_xml(x, sizeof(x), name, uuid), &e) != NULL);
    }
    for (int i = 0; i <= N; i += 2) {
        snprintf(name, sizeof(name), "n%d", i == N ? N - 1 : i);
        fl_object *n = fl_object_lookup_name(m, FL_OBJ_NETWORK, name, &e);
        CHECK(n && fl_net_undefine(m, n, &e) == 0);
    }
    int seen = 0, ok = 1;
    for (const fl_object *o = m->networks; o; o = o->next, seen++) {
        int i = atoi(o->name + 1);
        ok &= i % 2 == 1 && i != N - 1 && (seen == 0 || atoi(o->prev->name + 1) < i);
    }
    CHECK(ok && seen == N / 2 - 1);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        snprintf(uuid, sizeof(uuid), "5e1ec7ed-0000-4000-8000-%012d", i);
        ok &= found(m, FL_OBJ_NETWORK, name, uuid) == (i % 2 == 1 && i != N - 1);
    }
    CHECK(ok);
    CHECK(fl_net_define(m, net_xml(x, sizeof(x), "n0", U1), &e) != NULL);
    CHECK(m->objects_tail[FL_OBJ_NETWORK] && strcmp(m->objects_tail[FL_OBJ_NETWORK]->name, "n0") == 0);
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static fl_volume *by_key(fl_model *m, const char *key, bool by_path, fl_object **pool)
{
    *pool = NULL;
    return fl_vol_find_key(m, key, by_path, pool, NULL);
}

static const char pool_a[] = "<pool type='dir'><name>a</name><uuid>" U1 "</uuid>"
                             "<target><path>/a</path></target></pool>";

static void test_pool_and_volumes(void)
{
    fl_model *m = fl_model_new_empty();
    vw_virerror e = {0};
    fl_object *p = fl_pool_define(m, pool_a, true, &e), *q;
    CHECK(p && found(m, FL_OBJ_POOL, "a", U1));
    fl_volume *v = p ? fl_vol_create(p, "<volume><name>v</name><capacity>1</capacity></volume>",
                                     NULL, &e) : NULL;
    CHECK(v && fl_vol_create(p, "<volume><name>w</name><capacity>1</capacity></volume>", NULL,
                             &e));
    CHECK(by_key(m, "/a/v", false, &q) == v && q == p && by_key(m, "/a/v", true, &q) == v);
    /* a deleted volume is gone by name, key and path; its neighbour stays */
    CHECK_EQ_INT(fl_vol_delete(p, "v", &e), 0);
    CHECK(!fl_vol_find(p, "v", &e) && !by_key(m, "/a/v", false, &q) && !by_key(m, "/a/v", true, &q));
    CHECK(fl_vol_find(p, "w", &e) && by_key(m, "/a/w", false, &q) && q == p);
    CHECK(p->pool_ext->vols == p->pool_ext->vols_tail && fl_vol_count(p) == 1);
    /* a new "v" is found, not the deleted one */
    v = fl_vol_create(p, "<volume><name>v</name><capacity>2</capacity></volume>", NULL, &e);
    CHECK(v && by_key(m, "/a/v", false, &q) == v && fl_vol_find(p, "v", &e) == v);
    /* only active pools' volumes are found by key */
    p->active = false;
    CHECK(!by_key(m, "/a/w", false, &q));
    /* redefining the inactive pool (same name and uuid, a new target) keeps its volumes */
    CHECK(fl_pool_define(m, "<pool type='dir'><name>a</name><uuid>" U1 "</uuid><target><path>"
                         "/b</path></target></pool>", false, &e) == p);
    CHECK(fl_vol_find(p, "v", &e) == v && fl_vol_find(p, "w", &e) && fl_vol_count(p) == 2);
    p->active = true;
    CHECK(by_key(m, "/a/v", true, &q) == v);
    /* its uuid under another name, its name under another uuid */
    CHECK(!fl_pool_define(m, "<pool type='dir'><name>b</name><uuid>" U1 "</uuid><target><path>"
                          "/c</path></target></pool>", false, &e));
    CHECK_EQ_STR(e.message, "operation failed: pool 'a' is already defined with uuid " U1);
    CHECK(!fl_pool_define(m, "<pool type='dir'><name>a</name><uuid>" U2 "</uuid><target><path>"
                          "/c</path></target></pool>", false, &e));
    CHECK_EQ_STR(e.message, "operation failed: pool 'a' already exists with uuid " U1);
    /* removal takes the pool and its volumes out of every index */
    fl_pool_remove(m, p);
    CHECK(!fl_pool_find(m, "a", 0, &e) && !uuid_found(m, FL_OBJ_POOL, U1));
    CHECK(!by_key(m, "/a/v", false, &q) && !by_key(m, "/a/w", true, &q));
    CHECK(m->pools == NULL && m->objects_tail[FL_OBJ_POOL] == NULL);
    /* and the name and uuid can be used again */
    p = fl_pool_define(m, pool_a, false, &e);
    CHECK(p && found(m, FL_OBJ_POOL, "a", U1) && fl_vol_count(p) == 0);
    fl_model_free(m);
    vw_virerror_clear(&e);
}

/* Two pools whose volumes share a path (a state file does not check): the key lookup finds the
 * one in the active pool, and after that pool goes, the other once it is active. */
static void test_volume_key_in_two_pools(void)
{
    fl_model *m = fl_model_new_empty();
    vw_virerror e = {0};
    const char *xml = "<pool type='dir'><name>%s</name><target><path>/s</path></target></pool>";
    char x1[200], x2[200];
    snprintf(x1, sizeof(x1), xml, "p1");
    snprintf(x2, sizeof(x2), xml, "p2");
    CHECK_EQ_INT(fl_model_add_pool(m, "p1", U1, false, true, false, 100, 0, 100, x1, &e), 0);
    CHECK_EQ_INT(fl_model_add_pool(m, "p2", U2, true, true, false, 100, 0, 100, x2, &e), 0);
    fl_object *p1 = fl_pool_find(m, "p1", 0, &e), *p2 = fl_pool_find(m, "p2", 0, &e), *q;
    CHECK(p1 && p2);
    CHECK_EQ_INT(fl_pool_add_volume(p1, "v", 1, 1, NULL, &e), 0);
    CHECK_EQ_INT(fl_pool_add_volume(p2, "v", 1, 1, NULL, &e), 0);
    fl_volume *v2 = fl_vol_find(p2, "v", &e);
    CHECK(v2 && by_key(m, "/s/v", false, &q) == v2 && q == p2);
    fl_pool_remove(m, p2);
    CHECK(!by_key(m, "/s/v", false, &q));
    p1->active = true;
    CHECK(by_key(m, "/s/v", true, &q) == fl_vol_find(p1, "v", &e) && q == p1);
    fl_model_free(m);
    vw_virerror_clear(&e);
}

int main(void)
{
    RUN(test_network_undefine_and_redefine);
    RUN(test_network_many);
    RUN(test_pool_and_volumes);
    RUN(test_volume_key_in_two_pools);
    return vwtest_summary("fl_objindex");
}
