/* test_fl_model.c: unit tests of fake-libvirtd's XML reader/writer, domain XML, hypervisor model
 * and state file. fake-libvirtd's internals come from its internal archive (see the Makefile). */
#include "../../fake-libvirtd/xml_tree.h"
#include "../../fake-libvirtd/device_defaults.h"
#include "../../fake-libvirtd/domain_metadata.h"
#include "../../fake-libvirtd/cputune.h"
#include "../../fake-libvirtd/domain_xml.h"
#include "../../fake-libvirtd/index.h"
#include "../../fake-libvirtd/model.h"
#include "../../fake-libvirtd/model_storage.h"
#include "../../fake-libvirtd/model_snap.h"
#include "../../fake-libvirtd/default_state.h"
#include "../../fake-libvirtd/state_file.h"
#include "../../fake-libvirtd/typed_params.h"
#include "../../fake-libvirtd/model_iface.h"
#include "../../fake-libvirtd/model_nodedev.h"

#include "vwtest.h"

/* ---- xml_tree ---- */

static void test_xml_roundtrip(void)
{
    const char *in = "<?xml version='1.0'?>\n<!-- c -->\n<a x=\"1\" y='&lt;&amp;&apos;'>"
                     "<b/><c k='v'>text &amp; more</c><d><![CDATA[<raw>]]></d>&#65;&#x42;</a>";
    xml_node *root = xml_tree_parse(in, strlen(in), NULL);
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK_EQ_STR(root->name, "a");
    CHECK_EQ_STR(xml_tree_attr(root, "y"), "<&'");
    CHECK_EQ_STR(root->text, "AB");
    CHECK_EQ_STR(xml_tree_child(root, "c")->text, "text & more");
    CHECK_EQ_STR(xml_tree_child(root, "d")->text, "<raw>");
    xml_buf b = {0};
    xml_tree_write(&b, root, 0);
    char *out = xml_buf_finish(&b);
    CHECK_EQ_STR(out, "<a x='1' y='&lt;&amp;&apos;'>\n  AB\n  <b/>\n  <c k='v'>text &amp; more</c>\n"
                      "  <d>&lt;raw&gt;</d>\n</a>\n");
    free(out);
    xml_tree_free(root);
}

static void test_xml_errors_have_positions(void)
{
    struct { const char *in; const char *want; } cases[] = {
        {"<domain", "line 1 column 8: document ends inside a start tag"},
        {"<a>\n<b></c></a>", "line 2 column 7: end tag does not match the open element"},
        {"<a x='1' x='2'/>", "attribute given twice"},
        {"<a>&bogus;</a>", "unknown or malformed entity reference"},
        {"", "document is empty"},
        {"<a/><b/>", "extra content after the root element"},
        {"<a x=1/>", "expected a quoted attribute value"},
        {"<a><!-- never closed </a>", "comment is not closed"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        vw_error e;
        char err[256];
        xml_node *n = xml_tree_parse(cases[i].in, strlen(cases[i].in), &e);
        CHECK(n == NULL);
        xml_tree_free(n);
        xml_tree_error_text(&e, err, sizeof(err));
        CHECK(e.line > 0 && e.column > 0);   /* every syntax error has its position */
        if (!strstr(err, cases[i].want)) {
            fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err, cases[i].want);
            CHECK(0);
        }
    }
}

static void test_xml_attribute_limit(void)
{
    char *in = malloc(20 * (XML_TREE_MAX_ATTRS + 2) + 16);
    size_t n = (size_t)sprintf(in, "<a");
    for (int i = 0; i <= XML_TREE_MAX_ATTRS; i++)
        n += (size_t)sprintf(in + n, " x%d='1'", i);
    n += (size_t)sprintf(in + n, "/>");
    vw_error err;
    xml_node *root = xml_tree_parse(in, n, &err);
    CHECK(root == NULL);
    CHECK(strstr(err.text, "too many attributes") != NULL);
    free(in);
}

static void test_xml_depth_limit(void)
{
    size_t depth = XML_TREE_MAX_DEPTH + 10;
    char *in = malloc(depth * 7 + 1);
    size_t n = 0;
    for (size_t i = 0; i < depth; i++) {
        memcpy(in + n, "<a>", 3);
        n += 3;
    }
    for (size_t i = 0; i < depth; i++) {
        memcpy(in + n, "</a>", 4);
        n += 4;
    }
    vw_error err;
    xml_node *root = xml_tree_parse(in, n, &err);
    CHECK(root == NULL);
    CHECK(strstr(err.text, "nested too deeply") != NULL);
    free(in);
}

/* ---- domain XML ---- */

static void test_domain_defaults_and_units(void)
{
    vw_virerror e = {0};
    domain_def *def = domain_def_parse(
        "<domain type='test'><name>m1</name><uuid>12345678123456781234567812345678</uuid>"
        "<memory unit='GiB'>1</memory><currentMemory unit='MiB'>512</currentMemory>"
        "<vcpu current='1'>4</vcpu><os><type arch='x86_64' machine='pc'>hvm</type>"
        "<boot dev='network'/></os><devices><disk device='disk' type='file'>"
        "<target bus='virtio' dev='vdb'/><source file='/a b.img'/></disk>"
        "<interface type='user'><mac address='52:54:00:11:22:33'/><model type='virtio'/>"
        "</interface><emulator>/usr/bin/qemu</emulator></devices></domain>", &e);
    CHECK(def != NULL);
    if (!def)
        return;
    CHECK_EQ_INT(def->memory_kib, 1048576);
    CHECK_EQ_INT(def->current_kib, 524288);
    CHECK_EQ_INT(def->vcpus, 4);
    CHECK_EQ_INT(def->vcpus_current, 1);
    CHECK_EQ_STR(domain_def_emulator(def), "/usr/bin/qemu");
    domain_def_assign_ifnames(def);
    char *xml = domain_def_format(def, 3, false, false);
    /* what libvirt 9.0's test driver prints for the same input */
    CHECK_EQ_STR(xml,
                 "<domain type='test' id='3'>\n"
                 "  <name>m1</name>\n"
                 "  <uuid>12345678-1234-5678-1234-567812345678</uuid>\n"
                 "  <memory unit='KiB'>1048576</memory>\n"
                 "  <currentMemory unit='KiB'>524288</currentMemory>\n"
                 "  <vcpu placement='static' current='1'>4</vcpu>\n"
                 "  <os>\n"
                 "    <type arch='x86_64' machine='pc'>hvm</type>\n"
                 "    <boot dev='network'/>\n"
                 "  </os>\n"
                 "  <clock offset='utc'/>\n"
                 "  <on_poweroff>destroy</on_poweroff>\n"
                 "  <on_reboot>restart</on_reboot>\n"
                 "  <on_crash>destroy</on_crash>\n"
                 "  <devices>\n"
                 "    <emulator>/usr/bin/qemu</emulator>\n"
                 "    <disk type='file' device='disk'>\n"
                 "      <source file='/a b.img'/>\n"
                 "      <target dev='vdb' bus='virtio'/>\n"
                 "    </disk>\n"
                 "    <interface type='user'>\n"
                 "      <mac address='52:54:00:11:22:33'/>\n"
                 "      <target dev='testnet0'/>\n"
                 "      <model type='virtio'/>\n"
                 "    </interface>\n"
                 "  </devices>\n"
                 "</domain>\n");
    free(xml);
    domain_def_free(def);

    def = domain_def_parse("<domain type='test'><name>m</name><memory>1024</memory>"
                           "<os><type>hvm</type></os></domain>", &e);
    CHECK(def != NULL);
    if (def) {
        CHECK_EQ_STR(def->arch, "i686");
        CHECK_EQ_INT(def->nboot, 1);
        CHECK_EQ_STR(def->boot[0], "hd");
        CHECK(!def->has_uuid);
        domain_def_free(def);
    }
    vw_virerror_clear(&e);
}

static void test_device_defaults(void)
{
    vw_virerror e = {0};
    domain_def *def = domain_def_parse(
        "<domain type='test'><name>d</name><memory>1</memory><os><type>hvm</type></os><devices>"
        "<disk type='file' device='disk'><source file='/a'/><target dev='hdd'/></disk>"
        "<disk type='file' device='disk'><source file='/b'/><target dev='sdj'/></disk>"
        "<disk type='file' device='floppy'><source file='/f'/><target dev='fdb'/></disk>"
        "<interface type='user'/><console type='pty'/><graphics type='vnc'/>"
        "</devices></domain>", &e);
    CHECK(def != NULL);
    if (!def)
        return;
    domain_def_assign_ifnames(def);
    char *xml = domain_def_format(def, -1, false, false);
    /* recorded from libvirtd 9.0.0 for the same devices (the MAC is random there too) */
    const char *want =
        "  <devices>\n"
        "    <disk type='file' device='floppy'>\n"
        "      <source file='/f'/>\n"
        "      <target dev='fdb' bus='fdc'/>\n"
        "      <address type='drive' controller='0' bus='0' target='0' unit='1'/>\n"
        "    </disk>\n"
        "    <disk type='file' device='disk'>\n"
        "      <source file='/a'/>\n"
        "      <target dev='hdd' bus='ide'/>\n"
        "      <address type='drive' controller='0' bus='1' target='0' unit='1'/>\n"
        "    </disk>\n"
        "    <disk type='file' device='disk'>\n"
        "      <source file='/b'/>\n"
        "      <target dev='sdj' bus='scsi'/>\n"
        "      <address type='drive' controller='1' bus='0' target='0' unit='2'/>\n"
        "    </disk>\n"
        "    <controller type='scsi' index='0'/>\n"
        "    <controller type='scsi' index='1'/>\n"
        "    <controller type='fdc' index='0'/>\n"
        "    <controller type='ide' index='0'/>\n"
        "    <interface type='user'>\n"
        "      <mac address='52:54:00:";
    CHECK(xml && strstr(xml, want) != NULL);
    const char *tail =
        "      <target dev='testnet0'/>\n"
        "    </interface>\n"
        "    <serial type='pty'>\n"
        "      <target port='0'/>\n"
        "    </serial>\n"
        "    <console type='pty'>\n"
        "      <target type='serial' port='0'/>\n"
        "    </console>\n"
        "    <graphics type='vnc' port='-1' autoport='yes'>\n"
        "      <listen type='address'/>\n"
        "    </graphics>\n"
        "    <video>\n"
        "      <model type='cirrus' vram='16384' heads='1' primary='yes'/>\n"
        "    </video>\n"
        "  </devices>\n";
    CHECK(xml && strstr(xml, tail) != NULL);
    if (xml && (!strstr(xml, want) || !strstr(xml, tail)))
        fprintf(stderr, "%s", xml);
    free(xml);
    domain_def_free(def);
    CHECK_EQ_INT(device_disk_name_index("hda"), 0);
    CHECK_EQ_INT(device_disk_name_index("sdj"), 9);
    CHECK_EQ_INT(device_disk_name_index("vdaa"), 26);
    CHECK_EQ_INT(device_disk_name_index("xvdb1"), 1);
    CHECK_EQ_INT(device_disk_name_index("eth0"), -1);
    CHECK_EQ_INT(device_disk_name_index("hd"), -1);
    vw_virerror_clear(&e);
}

static void test_domain_parse_errors(void)
{
    struct { const char *xml; int code, domain; const char *detail; } cases[] = {
        {"<domain type='test'><memory>1</memory><os><type>hvm</type></os></domain>",
         21, 20, "missing name information"},
        {"<domain type='test'><name>x</name><memory>1</memory></domain>",
         27, 20, "an os <type> must be specified"},
        {"<domain type='test'><name>x</name><os><type>hvm</type></os></domain>",
         27, 20, "Memory size must be specified via <memory> or in the <numa> configuration"},
        {"<domain type='foo'><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>",
         67, 20, "invalid domain type foo"},
        {"<domain><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>",
         1, 20, "missing domain type attribute"},
        {"<network/>", 27, 5, "expecting root element of 'domain', not 'network'"},
        {"<domain type='test'><name>x</name><uuid>zz</uuid><memory>1</memory>"
         "<os><type>hvm</type></os></domain>", 1, 20, "malformed uuid element"},
        {"<domain type='test'><name>a/b</name><memory>1</memory><os><type>hvm</type></os>"
         "</domain>", 27, 20, "name a/b cannot contain '/'"},
        {"<domain type='test'><name>x</name><memory unit='parsecs'>1</memory>"
         "<os><type>hvm</type></os></domain>", 27, 20, "could not parse memory element"},
        {"<domain", 35, 20, "(domain_definition): line 1 column 8: document ends inside a start tag"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        vw_virerror e = {0};
        domain_def *def = domain_def_parse(cases[i].xml, &e);
        CHECK(def == NULL);
        domain_def_free(def);
        CHECK_EQ_INT(e.code, cases[i].code);
        CHECK_EQ_INT(e.domain, cases[i].domain);
        CHECK_EQ_STR(e.str2 ? e.str2 : e.message, cases[i].detail);   /* the detail */
        vw_virerror_clear(&e);
    }
}

/* ---- model ---- */

typedef struct {
    int n;
    int events[32][2];
    char names[32][64];
} event_log;

static void record_event(fl_model *m, const fl_domain *d, int event, int detail, void *opaque)
{
    (void)m;
    event_log *log = opaque;
    if (log->n < 32) {
        log->events[log->n][0] = event;
        log->events[log->n][1] = detail;
        snprintf(log->names[log->n], sizeof(log->names[0]), "%s", d->def->name);
        log->n++;
    }
}

static const char *small_xml =
    "<domain type='test'><name>small</name><memory>1024</memory><os><type>hvm</type></os>"
    "</domain>";

static void test_default_model_is_the_test_driver_default(void)
{
    fl_model *m = fl_model_new_default();
    CHECK(m != NULL);
    if (!m)
        return;
    vw_virerror e = {0};
    fl_domain *d = fl_domain_lookup_name(m, "test", &e);
    CHECK(d != NULL);
    if (d) {
        CHECK_EQ_INT(d->id, 1);
        CHECK_EQ_INT(d->state, FL_STATE_RUNNING);
        CHECK(d->persistent);
        char *xml = fl_domain_xml(d, 0);
        CHECK_EQ_STR(xml, fl_default_domain_xml); /* recorded from libvirtd 9.0.0 */
        free(xml);
    }
    CHECK(fl_object_lookup_name(m, FL_OBJ_NETWORK, "default", &e) != NULL);
    CHECK(fl_object_lookup_name(m, FL_OBJ_POOL, "default-pool", &e) != NULL);
    CHECK_EQ_INT(m->node.cpus, 16);
    CHECK_EQ_INT(m->node.memory_kib, 3145728);
    CHECK(fl_domain_lookup_name(m, "nosuch", &e) == NULL);
    CHECK_EQ_INT(e.code, VW_ERR_NO_DOMAIN);
    CHECK_EQ_INT(e.domain, VW_FROM_TEST);
    CHECK_EQ_STR(e.message, "Domain not found");
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static void test_lifecycle_transitions_and_events(void)
{
    fl_model *m = fl_model_new_default();
    event_log log = {0};
    m->event_hook = record_event;
    m->event_opaque = &log;
    vw_virerror e = {0};
    fl_domain *d = fl_domain_define(m, small_xml, &e);
    CHECK(d != NULL);
    if (!d) {
        fl_model_free(m);
        return;
    }
    CHECK_EQ_INT(d->id, -1);
    CHECK_EQ_INT(fl_domain_resume(m, d, &e), -1);
    CHECK_EQ_STR(e.message, "internal error: domain 'small' not paused");
    CHECK_EQ_INT(fl_domain_destroy(m, d, &e), -1);
    CHECK_EQ_INT(e.code, VW_ERR_OPERATION_INVALID);
    CHECK_EQ_STR(e.message, "Requested operation is not valid: domain is not running");
    CHECK_EQ_INT(fl_domain_start(m, d, &e), 0);
    CHECK_EQ_INT(d->id, 2);
    CHECK_EQ_INT(fl_domain_start(m, d, &e), -1);
    CHECK_EQ_STR(e.message, "internal error: Domain 'small' is already running");
    CHECK_EQ_STR(e.str1, "internal error: %s");
    CHECK_EQ_STR(e.str2, "Domain 'small' is already running");
    CHECK_EQ_INT(fl_domain_suspend(m, d, &e), 0);
    CHECK_EQ_INT(fl_domain_suspend(m, d, &e), -1);
    CHECK_EQ_INT(fl_domain_resume(m, d, &e), 0);
    CHECK_EQ_INT(d->reason, 5);
    CHECK_EQ_INT(fl_domain_reboot(m, d, &e), 0);
    CHECK_EQ_INT(fl_domain_shutdown(m, d, &e), 0);
    CHECK_EQ_INT(d->state, FL_STATE_SHUTOFF);
    CHECK_EQ_INT(d->reason, 1);
    CHECK_EQ_INT(fl_domain_shutdown(m, d, &e), -1);
    CHECK_EQ_INT(fl_domain_undefine(m, d, &e), 0);
    CHECK(fl_domain_lookup_name(m, "small", &e) == NULL);
    /* a transient domain disappears when it stops */
    d = fl_domain_create_xml(m, small_xml, 0, &e);
    CHECK(d != NULL && !d->persistent && d->id == 3);
    CHECK_EQ_INT(fl_domain_destroy(m, d, &e), 0);
    CHECK(fl_domain_lookup_name(m, "small", &e) == NULL);
    int want[][2] = {{0, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {1, 0}, {2, 0}, {5, 1}};
    CHECK_EQ_INT(log.n, 8);
    for (int i = 0; i < 8 && i < log.n; i++) {
        CHECK_EQ_INT(log.events[i][0], want[i][0]);
        CHECK_EQ_INT(log.events[i][1], want[i][1]);
        CHECK_EQ_STR(log.names[i], "small");
    }
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static void test_duplicates(void)
{
    fl_model *m = fl_model_new_default();
    vw_virerror e = {0};
    fl_domain *d = fl_domain_define(m, small_xml, &e);
    CHECK(d != NULL);
    /* same name, new uuid */
    CHECK(fl_domain_define(m, small_xml, &e) == NULL);
    CHECK_EQ_INT(e.code, VW_ERR_OPERATION_FAILED);
    CHECK_EQ_INT(e.domain, VW_FROM_DOMAIN);
    CHECK(strstr(e.message, "operation failed: domain 'small' already exists with uuid ") == e.message);
    /* new name, uuid of `test` */
    CHECK(fl_domain_create_xml(m,
        "<domain type='test'><name>other</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>"
        "<memory>1</memory><os><type>hvm</type></os></domain>", 0, &e) == NULL);
    CHECK_EQ_STR(e.message, "operation failed: domain 'test' is already defined with uuid "
                            "6695eb01-f6a4-8304-79aa-97f2502e193f");
    /* redefining with the same name and uuid updates */
    char uuid[37], xml[512];
    vw_uuid_format(d->def->uuid, uuid);
    snprintf(xml, sizeof(xml), "<domain type='test'><name>small</name><uuid>%s</uuid>"
             "<memory>2048</memory><os><type>hvm</type></os></domain>", uuid);
    fl_domain *again = fl_domain_define(m, xml, &e);
    CHECK(again == d);
    CHECK_EQ_INT(d->def->memory_kib, 2048);
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static void test_define_while_running_waits_for_stop(void)
{
    fl_model *m = fl_model_new_default();
    vw_virerror e = {0};
    const char *x1 = "<domain type='test'><name>u</name><uuid>1b5c4b2e-8f0e-4c61-9d3a-000000000001"
                     "</uuid><memory>1024</memory><os><type>hvm</type></os></domain>";
    const char *x2 = "<domain type='test'><name>u</name><uuid>1b5c4b2e-8f0e-4c61-9d3a-000000000001"
                     "</uuid><memory>2048</memory><os><type>hvm</type></os></domain>";
    fl_domain *d = fl_domain_define(m, x1, &e);
    CHECK(d != NULL);
    if (!d) {
        fl_model_free(m);
        return;
    }
    CHECK_EQ_INT(fl_domain_start(m, d, &e), 0);
    CHECK(fl_domain_define(m, x2, &e) == d);
    CHECK_EQ_INT(d->def->memory_kib, 1024);          /* live: unchanged */
    char *inactive = fl_domain_xml(d, 2);
    CHECK(inactive && strstr(inactive, ">2048</memory>"));
    free(inactive);
    CHECK_EQ_INT(fl_domain_destroy(m, d, &e), 0);
    CHECK_EQ_INT(d->def->memory_kib, 2048);          /* applied at stop */
    CHECK(d->next_def == NULL);
    /* create-XML of the defined domain runs the new def, the config returns at stop */
    d = fl_domain_create_xml(m, x1, 0, &e);
    CHECK(d != NULL && d->persistent && d->def->memory_kib == 1024);
    if (d) {
        CHECK_EQ_INT(fl_domain_destroy(m, d, &e), 0);
        CHECK_EQ_INT(d->def->memory_kib, 2048);
    }
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static void test_set_memory(void)
{
    fl_model *m = fl_model_new_default();
    vw_virerror e = {0};
    fl_domain *t = m ? fl_domain_lookup_name(m, "test", &e) : NULL;
    CHECK(t != NULL);
    if (!t) {
        fl_model_free(m);
        return;
    }
    /* virCheckFlags: unsupported bits, as virReportInvalidArg sends them */
    CHECK_EQ_INT(fl_domain_set_memory(m, t, 1000, 8, &e), -1);
    CHECK_EQ_INT(e.code, VW_ERR_INVALID_ARG);
    CHECK_EQ_INT(e.domain, VW_FROM_TEST);
    CHECK_EQ_STR(e.message, "unsupported flags (0x8) in function testDomainSetMemoryFlags");
    CHECK_EQ_STR(e.str1, "testDomainSetMemoryFlags");
    CHECK_EQ_STR(e.str2, "flags");
    CHECK_EQ_INT(e.int1, 0);
    CHECK_EQ_INT(fl_domain_set_memory(m, t, 1000, 3, &e), -1);
    CHECK_EQ_INT(e.domain, VW_FROM_DOMAIN);
    CHECK_EQ_INT(fl_domain_set_memory(m, t, 1000, 4, &e), -1);   /* max on a running domain */
    CHECK_EQ_INT(e.code, VW_ERR_OPERATION_INVALID);
    CHECK_EQ_INT(e.int1, -1);
    CHECK_EQ_INT(fl_domain_set_memory(m, t, t->def->memory_kib + 1, 0, &e), -1);
    CHECK_EQ_STR(e.message, "invalid argument: cannot set memory higher than max memory");
    CHECK_EQ_INT(fl_domain_set_memory(m, t, 1000, 1, &e), 0);
    CHECK_EQ_INT(t->def->current_kib, 1000);
    /* the config of the running domain: a pending definition, applied at stop */
    CHECK_EQ_INT(fl_domain_set_memory(m, t, 4096, 2 | 4, &e), 0);
    CHECK(t->next_def != NULL && t->next_def->memory_kib == 4096);
    CHECK(t->next_def && t->next_def->current_kib == 4096);
    CHECK(t->def->memory_kib != 4096);
    CHECK_EQ_INT(fl_domain_destroy(m, t, &e), 0);
    CHECK_EQ_INT(t->def->memory_kib, 4096);
    CHECK_EQ_INT(fl_domain_set_memory(m, t, 1000, 1, &e), -1);  /* live on an inactive one */
    CHECK_EQ_STR(e.message, "Requested operation is not valid: domain is not running");
    CHECK_EQ_INT(fl_domain_set_memory(m, t, 2048, 4, &e), 0);   /* current = config here */
    CHECK_EQ_INT(t->def->memory_kib, 2048);
    CHECK(fl_check_flags(2, 1 | 2 | 8, "f", &e) == 0);
    CHECK(fl_check_flags(0x14, 1 | 2 | 8, "f", &e) == -1);
    CHECK_EQ_STR(e.message, "unsupported flags (0x14) in function f");
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static void test_list_flags(void)
{
    fl_model *m = fl_model_new_default();
    vw_virerror e = {0};
    fl_domain_define(m, small_xml, &e);
    size_t n;
    fl_domain **l;
    struct { unsigned flags; size_t want; } cases[] = {
        {0, 2}, {FL_LIST_ACTIVE, 1}, {FL_LIST_INACTIVE, 1}, {FL_LIST_ACTIVE | FL_LIST_INACTIVE, 2},
        {FL_LIST_PERSISTENT, 2}, {FL_LIST_TRANSIENT, 0}, {FL_LIST_RUNNING, 1},
        {FL_LIST_PAUSED, 0}, {FL_LIST_SHUTOFF, 1}, {FL_LIST_MANAGEDSAVE, 0},
        {FL_LIST_NO_MANAGEDSAVE, 2}, {FL_LIST_AUTOSTART, 0}, {FL_LIST_NO_SNAPSHOT, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        l = fl_domain_list(m, cases[i].flags, &n);
        if (n != cases[i].want)
            fprintf(stderr, "flags 0x%x: %zu domains, want %zu\n", cases[i].flags, n, cases[i].want);
        CHECK_EQ_INT(n, cases[i].want);
        free(l);
    }
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static void test_uuid_helpers(void)
{
    unsigned char u[16], v[16];
    char s[37];
    CHECK_EQ_INT(vw_uuid_parse("6695eb01-f6a4-8304-79aa-97f2502e193f", u), 0);
    vw_uuid_format(u, s);
    CHECK_EQ_STR(s, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    CHECK_EQ_INT(vw_uuid_parse("6695eb01f6a4830479aa97f2502e193f", v), 0);
    CHECK_EQ_MEM(u, v, 16);
    CHECK_EQ_INT(vw_uuid_parse("6695eb01", v), -1);
    CHECK_EQ_INT(vw_uuid_parse("6695eb01-f6a4-8304-79aa-97f2502e193f00", v), -1);
    CHECK_EQ_INT(vw_uuid_parse("zz95eb01-f6a4-8304-79aa-97f2502e193f", v), -1);
    vw_uuid_generate(u);
    CHECK_EQ_INT(u[6] >> 4, 4);
}

static void test_state_file(void)
{
    vw_error err;
    char text[1024];
    fl_model *m = fl_state_parse(
        "{\"base\": \"default\", \"hostname\": \"h\", \"lib_version\": 10000000,"
        " \"domains\": [{\"xml\": \"<domain type='test'><name>p</name><memory>1</memory>"
        "<os><type>hvm</type></os></domain>\", \"state\": \"paused\", \"autostart\": true}],"
        " \"networks\": [{\"name\": \"n1\", \"active\": false}],"
        " \"pools\": [{\"name\": \"p1\", \"capacity\": 100}]}", "mem.json", &err);
    CHECK(m != NULL);
    if (m) {
        vw_virerror e = {0};
        fl_domain *d = fl_domain_lookup_name(m, "p", &e);
        CHECK(d && d->state == FL_STATE_PAUSED && d->id == 2 && d->autostart);
        CHECK(fl_domain_lookup_name(m, "test", &e) != NULL);
        CHECK_EQ_STR(m->hostname, "h");
        CHECK_EQ_INT(m->lib_version, 10000000);
        fl_object *n = fl_object_lookup_name(m, FL_OBJ_NETWORK, "n1", &e);
        CHECK(n && !n->active && strstr(n->xml, "<name>n1</name>"));
        fl_object *p = fl_object_lookup_name(m, FL_OBJ_POOL, "p1", &e);
        CHECK(p && p->capacity == 100 && p->available == 100);
        vw_virerror_clear(&e);
        fl_model_free(m);
    }
    m = fl_state_parse("{\"node\": {\"cpus\": \"many\"}}", "x.json", &err);
    CHECK(m == NULL);
    CHECK_EQ_STR(err.source, "x.json");
    CHECK_EQ_STR(err.text, "node.cpus must be a non-negative integer");
    m = fl_state_parse("{\"networks\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}", "x.json",
                       &err);
    CHECK(m == NULL);
    CHECK_EQ_STR(vw_error_format(&err, text, sizeof(text)),
                 "x.json: networks[1]: network 'a' is given twice");
    m = fl_state_parse("{\"domains\": [{\"xml\": \"<a/>\", \"xml_file\": \"b\"}]}", "x.json",
                       &err);
    CHECK(m == NULL);
    CHECK_EQ_STR(vw_error_format(&err, text, sizeof(text)),
                 "x.json: domains[0]: give exactly one of \"xml\" and \"xml_file\"");
    m = fl_state_parse("{\n  \"base\": }", "x.json", &err);
    CHECK(m == NULL);
    CHECK_EQ_INT(err.line, 2);           /* a syntax error has its position */
    CHECK(err.column > 0);
}

/* fl_domain_rekey_name: the name index follows a rename, the old name is free again */
static void test_rename_rekeys_the_name_index(void)
{
    fl_model *m = fl_model_new_default();
    CHECK(m != NULL);
    if (!m)
        return;
    vw_virerror e = {0};
    fl_domain *d = fl_domain_lookup_name(m, "test", &e);
    CHECK(d && fl_domain_rekey_name(m, d, "renamed") == 0);
    CHECK(fl_domain_lookup_name(m, "test", &e) == NULL);
    CHECK(fl_domain_lookup_name(m, "renamed", &e) == d);
    CHECK_EQ_INT(m->by_name.count, 1);
    CHECK_EQ_STR(d->def->name, "renamed");
    fl_model_free(m);
    vw_virerror_clear(&e);
}

/* domain_metadata: an element goes into its namespace and comes back without it */
static void test_metadata_elements(void)
{
    xml_node *md = NULL;
    char err[128];
    CHECK(domain_metadata_set(&md, "<a x='&quot;'><b>t</b></a>", "k", "http://k/", err,
                              sizeof(err)) == 0);
    CHECK(domain_metadata_set(&md, "<c/>", "o", "http://o/", err, sizeof(err)) == 0);
    CHECK(domain_metadata_set(&md, "<a", "k", "http://k/", err, sizeof(err)) == -1);
    int oom;
    char *s = domain_metadata_get(md, "http://k/", &oom);
    CHECK_EQ_STR(s, "<a x=\"&quot;\">\n  <b>t</b>\n</a>");
    free(s);
    xml_buf b = {0};
    domain_metadata_write(&b, md);
    s = xml_buf_finish(&b);
    CHECK_EQ_STR(s, "  <metadata>\n    <k:a xmlns:k=\"http://k/\" x=\"&quot;\">\n"
                 "      <k:b>t</k:b>\n    </k:a>\n    <o:c xmlns:o=\"http://o/\"/>\n"
                 "  </metadata>\n");
    free(s);
    CHECK(domain_metadata_set(&md, NULL, NULL, "http://k/", err, sizeof(err)) == 0);
    CHECK(domain_metadata_get(md, "http://k/", &oom) == NULL && !oom);
    xml_tree_free(md);
}

/* The indexes stay in step with the list through define, start, stop, undefine and a transient
 * domain's disappearance, with enough domains that every bucket array grows several times. */
static void test_indexes_follow_every_change(void)
{
    enum { N = 5000 };
    fl_model *m = fl_model_new_empty();
    CHECK(m != NULL);
    if (!m)
        return;
    vw_virerror e = {0};
    char xml[256], name[32];
    for (int i = 0; i < N; i++) {
        snprintf(xml, sizeof(xml), "<domain type='test'><name>d%d</name>"
                 "<uuid>00000000-0000-0000-0000-%012d</uuid><memory>1024</memory>"
                 "<os><type>hvm</type></os></domain>", i, i);
        CHECK(fl_domain_define(m, xml, &e) != NULL);
    }
    CHECK_EQ_INT(m->by_name.count, N);
    CHECK_EQ_INT(m->by_uuid.count, N);
    /* start every other one: ids 1, 2, ... in start order */
    for (int i = 0; i < N; i += 2) {
        snprintf(name, sizeof(name), "d%d", i);
        fl_domain *d = fl_domain_lookup_name(m, name, &e);
        CHECK(d && fl_domain_start(m, d, &e) == 0);
    }
    CHECK_EQ_INT(m->by_id.count, N / 2);
    fl_domain *d = fl_domain_lookup_id(m, 1, &e);
    CHECK(d && strcmp(d->def->name, "d0") == 0);
    d = fl_domain_lookup_id(m, N / 2, &e);
    CHECK(d && strcmp(d->def->name, "d4998") == 0);
    CHECK(fl_domain_lookup_id(m, N / 2 + 1, &e) == NULL);
    CHECK(fl_domain_lookup_id(m, -1, &e) == NULL);
    unsigned char uuid[16];
    CHECK(vw_uuid_parse("00000000-0000-0000-0000-000000004321", uuid) == 0);
    d = fl_domain_lookup_uuid(m, uuid, &e);
    CHECK(d && strcmp(d->def->name, "d4321") == 0);
    /* stop d0 (id 1 goes), undefine the inactive d1 and the running d2 (transient until stop) */
    d = fl_domain_lookup_name(m, "d0", &e);
    CHECK(d && fl_domain_destroy(m, d, &e) == 0);
    CHECK(fl_domain_lookup_id(m, 1, &e) == NULL);
    d = fl_domain_lookup_name(m, "d1", &e);
    CHECK(d && fl_domain_undefine(m, d, &e) == 0);
    CHECK(fl_domain_lookup_name(m, "d1", &e) == NULL);
    d = fl_domain_lookup_name(m, "d2", &e);
    int id2 = d ? d->id : -1;
    CHECK(d && fl_domain_undefine(m, d, &e) == 0 && fl_domain_lookup_id(m, id2, &e) == d);
    CHECK(d && fl_domain_destroy(m, d, &e) == 0);
    CHECK(fl_domain_lookup_name(m, "d2", &e) == NULL && fl_domain_lookup_id(m, id2, &e) == NULL);
    CHECK_EQ_INT(m->by_name.count, N - 2);
    CHECK_EQ_INT(m->by_uuid.count, N - 2);
    CHECK_EQ_INT(m->by_id.count, N / 2 - 2);
    /* the list keeps definition order, both ends linked */
    size_t count = 0;
    fl_domain *last = NULL;
    for (fl_domain *x = m->domains; x; x = x->next) {
        CHECK(x->prev == last);
        last = x;
        count++;
    }
    CHECK_EQ_INT(count, N - 2);
    CHECK(m->domains_tail == last);
    CHECK(m->domains && strcmp(m->domains->def->name, "d0") == 0);
    /* a name can be defined again after it went */
    CHECK(fl_domain_define(m, "<domain type='test'><name>d1</name><memory>1024</memory>"
                              "<os><type>hvm</type></os></domain>", &e) == m->domains_tail);
    fl_model_free(m);
    vw_virerror_clear(&e);
}

static void test_typed_params_build_and_find(void)
{
    fl_tparams p = {0};
    for (int i = 0; i < 40; i++)   /* past the first growth */
        fl_tparams_uint(&p, "vcpu.n", (unsigned)i);
    fl_tparams_string(&p, "name", "web");
    fl_tparams_ullong(&p, "cpu_shares", 1024);
    fl_tparams_boolean(&p, "on", true);
    CHECK(!p.failed);
    CHECK_EQ_INT(p.count, 43);
    const vw_typed_param *t = fl_tparams_find(p.items, p.count, "name");
    CHECK(t && t->value.type == VW_TYPED_PARAM_STRING &&
          strcmp(t->value.vw_typed_param_value_u.s, "web") == 0);
    t = fl_tparams_find(p.items, p.count, "cpu_shares");
    CHECK(t && t->value.vw_typed_param_value_u.ul == 1024);
    CHECK(fl_tparams_find(p.items, p.count, "absent") == NULL);
    fl_tparams_free(&p);
    CHECK(p.items == NULL && p.count == 0);
}

int main(void)
{
    RUN(test_xml_roundtrip);
    RUN(test_xml_errors_have_positions);
    RUN(test_xml_depth_limit);
    RUN(test_xml_attribute_limit);
    RUN(test_domain_defaults_and_units);
    RUN(test_device_defaults);
    RUN(test_domain_parse_errors);
    RUN(test_default_model_is_the_test_driver_default);
    RUN(test_lifecycle_transitions_and_events);
    RUN(test_duplicates);
    RUN(test_define_while_running_waits_for_stop);
    RUN(test_set_memory);
    RUN(test_list_flags);
    RUN(test_uuid_helpers);
    RUN(test_indexes_follow_every_change);
    RUN(test_rename_rekeys_the_name_index);
    RUN(test_metadata_elements);
    RUN(test_typed_params_build_and_find);
    RUN(test_state_file);
    return vwtest_summary("fl_model");
}
