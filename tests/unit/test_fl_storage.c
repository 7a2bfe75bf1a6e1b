/* test_fl_storage.c: unit tests of fake-libvirtd's storage model (model_storage.c): pool
 * definitions, volume sizes and units, the pool's allocation bookkeeping, and volumes from a
 * state file. fake-libvirtd's internals come from its internal archive (see the Makefile). */
#include "../../fake-libvirtd/xml_tree.h"
#include "../../fake-libvirtd/device_defaults.h"
#include "../../fake-libvirtd/domain_metadata.h"
#include "../../fake-libvirtd/domain_xml.h"
#include "../../fake-libvirtd/index.h"
#include "../../fake-libvirtd/model.h"
#include "../../fake-libvirtd/model_storage.h"
#include "../../fake-libvirtd/default_state.h"
#include "../../fake-libvirtd/state_file.h"

#include "vwtest.h"

static void test_volume_units_and_bookkeeping(void)
{
    fl_model *m = fl_model_new_default();
    vw_virerror e = {0};
    fl_object *p = fl_pool_find(m, "default-pool", 1, &e);
    CHECK(p != NULL);
    fl_volume *v = fl_vol_create(p, "<volume><name>a</name><capacity unit='KiB'>2</capacity>"
                                    "<allocation unit='KB'>1</allocation></volume>", NULL, &e);
    CHECK(v && v->capacity == 2048 && v->allocation == 1000);
    CHECK_EQ_STR(v->path, "/default-pool/a");
    CHECK(p->allocation == 1000 && p->available == p->capacity - 1000);
    CHECK(strstr(p->xml, "<allocation unit='bytes'>1000</allocation>") != NULL);
    CHECK(fl_vol_create(p, "<volume><name>b</name><capacity unit='E'>1</capacity></volume>",
                        NULL, &e) == NULL);
    CHECK_EQ_STR(e.message, "internal error: Not enough free space in pool for volume 'b'");
    CHECK(fl_vol_create(p, "<volume><name>b</name><capacity unit='Z'>1</capacity></volume>",
                        NULL, &e) == NULL);
    CHECK_EQ_STR(e.message, "invalid argument: unknown suffix 'Z'");
    CHECK(fl_vol_create(p, "<volume><name>a</name><capacity>1</capacity></volume>", NULL,
                        &e) == NULL);
    CHECK_EQ_STR(e.message, "operation failed: storage vol already exists");
    CHECK_EQ_INT(fl_vol_delete(p, "a", &e), 0);
    CHECK(p->allocation == 0 && fl_vol_count(p) == 0);
    CHECK(strstr(p->xml, "<available unit='bytes'>107374182400</available>") != NULL);
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static void test_pool_define_errors_and_removal(void)
{
    fl_model *m = fl_model_new_default();
    vw_virerror e = {0};
    CHECK(fl_pool_define(m, "  junk", false, &e) == NULL);
    CHECK_EQ_STR(e.message,
                 "(storage_pool_definition):1: Start tag expected, '<' not found\n  junk\n--^");
    CHECK(fl_pool_define(m, "<pool type='dir'><name>z</name></pool>", false, &e) == NULL);
    CHECK_EQ_STR(e.message, "XML error: missing storage pool target path");
    fl_object *p = fl_pool_define(m, "<pool type='rbd'><name>r</name><source><host name='h'/>"
                                  "<name>r</name></source></pool>", true, &e);
    CHECK(p && p->active && !p->persistent && p->capacity == 107374182400ULL);
    CHECK(strstr(p->xml, "<target>") == NULL);
    CHECK(fl_pool_find(m, "r", -1, &e) == NULL);
    CHECK_EQ_STR(e.message, "Requested operation is not valid: storage pool 'r' is active");
    fl_pool_remove(m, p);
    CHECK(fl_pool_find(m, "r", 0, &e) == NULL);
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static void test_state_file_volumes(void)
{
    vw_error err;
    fl_model *m = fl_state_parse(
        "{\"pools\": [{\"name\": \"images\", \"capacity\": 1000, \"allocation\": 100,"
        " \"volumes\": [{\"name\": \"v\", \"capacity\": 300, \"allocation\": 200,"
        " \"format\": \"qcow2\"}]}]}", "t", &err);
    CHECK(m != NULL);
    vw_virerror e = {0};
    fl_object *p = m ? fl_pool_find(m, "images", 1, &e) : NULL;
    CHECK(p && p->allocation == 300 && p->available == 800 && fl_vol_count(p) == 1);
    fl_volume *v = p ? fl_vol_find(p, "v", &e) : NULL;
    CHECK(v && strcmp(v->format, "qcow2") == 0 && strcmp(v->key, "/images/v") == 0);
    fl_model_free(m);
    m = fl_state_parse("{\"pools\": [{\"name\": \"i\", \"volumes\": [{\"capacity\": 1}]}]}",
                       "t", &err);
    CHECK(m == NULL && strstr(err.text, "pools[0].volumes[0]") != NULL);
    m = fl_state_parse("{\"pools\": [{\"name\": \"i\", \"volumes\": [{\"name\": \"a\","
                       " \"size\": 1}]}]}", "t", &err);
    CHECK(m == NULL && strstr(err.text, "size") != NULL);
    vw_virerror_clear(&e);
}

int main(void)
{
    RUN(test_volume_units_and_bookkeeping);
    RUN(test_pool_define_errors_and_removal);
    RUN(test_state_file_volumes);
    return vwtest_summary("fl_storage");
}
