/* test_procs.c: the procedure table (generated from proto/procedures.list): consistency,
 * every number libvirt defines, public API names and error domains, lookups both ways,
 * and (when tshark is installed) agreement with the names libvirt's Wireshark dissector
 * prints. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procs.h"
#include "vwtest.h"

static void test_table_consistency(void)
{
    size_t n = vw_procs_count();
    CHECK(n >= 70);
    CHECK(vw_procs_at(n) == NULL);
    for (size_t i = 0; i < n; i++) {
        const vw_proc_info *a = vw_procs_at(i);
        CHECK(a != NULL);
        if (!a)
            continue;
        CHECK(a->name && a->name[0]);
        CHECK(vw_program_name(a->prog) != NULL);
        CHECK(a->proc > 0);
        if (!a->described) {
            /* known number, payloads not in our .x: no codec at all */
            CHECK(a->args_proc == NULL && a->ret_proc == NULL && a->msg_proc == NULL);
        } else if (a->kind == VW_PROC_KIND_CALL) {
            CHECK(a->args_proc != NULL);
            CHECK(a->ret_proc != NULL);
            CHECK(a->msg_proc == NULL);
            CHECK((a->args_proc == VW_XDR_VOID) == (a->args_size == 0));
            CHECK((a->ret_proc == VW_XDR_VOID) == (a->ret_size == 0));
        } else {
            CHECK(a->args_proc == NULL && a->ret_proc == NULL);
            CHECK(a->msg_proc != NULL);
        }
        if (a->kind == VW_PROC_KIND_EVENT || a->auth_step) {
            CHECK(a->api == NULL);
            CHECK(!a->refused_read_only);
        } else {
            CHECK(a->api && strncmp(a->api, "vir", 3) == 0 && a->api[3] >= 'A' && a->api[3] <= 'Z');
        }
        /* bsearch in vw_procs_lookup needs (prog, proc) strictly increasing */
        if (i > 0) {
            const vw_proc_info *prev = vw_procs_at(i - 1);
            CHECK(prev->prog < a->prog || (prev->prog == a->prog && prev->proc < a->proc));
        }
        for (size_t j = i + 1; j < n; j++) {
            const vw_proc_info *b = vw_procs_at(j);
            if (a->prog != b->prog)
                continue;
            if (a->proc == b->proc)
                fprintf(stderr, "duplicate number %d: %s / %s\n", a->proc, a->name, b->name);
            CHECK(a->proc != b->proc);
            CHECK(strcmp(a->name, b->name) != 0);
        }
        /* lookup both ways lands on the same entry */
        CHECK(vw_procs_lookup(a->prog, a->proc) == a);
        CHECK(vw_procs_lookup_name(a->prog, a->name) == a);
        char buf[24];
        CHECK_EQ_STR(vw_procs_name(a->prog, a->proc, buf, sizeof(buf)), a->name);
    }
}

#define REMOTE(x) { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_##x, #x }
#define QEMU(x) { VW_QEMU_PROGRAM, VW_QEMU_PROC_##x, #x }

/* Every procedure the brief and the recorded virsh traffic need, by .x enum constant. */
static const struct { uint32_t prog; int proc; const char *name; } required[] = {
    REMOTE(AUTH_LIST), REMOTE(CONNECT_OPEN), REMOTE(CONNECT_CLOSE),
    REMOTE(CONNECT_SUPPORTS_FEATURE), REMOTE(CONNECT_GET_TYPE), REMOTE(CONNECT_GET_VERSION),
    REMOTE(CONNECT_GET_LIB_VERSION), REMOTE(CONNECT_GET_HOSTNAME), REMOTE(CONNECT_GET_URI),
    REMOTE(CONNECT_GET_CAPABILITIES), REMOTE(CONNECT_IS_SECURE), REMOTE(NODE_GET_INFO),
    REMOTE(CONNECT_LIST_ALL_DOMAINS), REMOTE(DOMAIN_LOOKUP_BY_NAME), REMOTE(DOMAIN_LOOKUP_BY_UUID),
    REMOTE(DOMAIN_LOOKUP_BY_ID), REMOTE(DOMAIN_GET_INFO), REMOTE(DOMAIN_GET_STATE),
    REMOTE(DOMAIN_GET_XML_DESC), REMOTE(DOMAIN_DEFINE_XML), REMOTE(DOMAIN_DEFINE_XML_FLAGS),
    REMOTE(DOMAIN_UNDEFINE), REMOTE(DOMAIN_UNDEFINE_FLAGS), REMOTE(DOMAIN_CREATE),
    REMOTE(DOMAIN_CREATE_WITH_FLAGS), REMOTE(DOMAIN_CREATE_XML), REMOTE(DOMAIN_DESTROY),
    REMOTE(DOMAIN_DESTROY_FLAGS), REMOTE(DOMAIN_SHUTDOWN), REMOTE(DOMAIN_SHUTDOWN_FLAGS),
    REMOTE(DOMAIN_REBOOT), REMOTE(DOMAIN_SUSPEND), REMOTE(DOMAIN_RESUME),
    REMOTE(DOMAIN_MIGRATE_PERFORM3_PARAMS), REMOTE(DOMAIN_MIGRATE_SET_MAX_SPEED),
    REMOTE(DOMAIN_MIGRATE_GET_MAX_SPEED), REMOTE(CONNECT_LIST_ALL_NETWORKS),
    REMOTE(CONNECT_LIST_ALL_STORAGE_POOLS), REMOTE(NETWORK_LOOKUP_BY_NAME),
    REMOTE(NETWORK_LOOKUP_BY_UUID), REMOTE(NETWORK_GET_XML_DESC),
    REMOTE(STORAGE_POOL_LOOKUP_BY_NAME), REMOTE(STORAGE_POOL_LOOKUP_BY_UUID),
    REMOTE(STORAGE_POOL_GET_XML_DESC), REMOTE(STORAGE_POOL_GET_INFO),
    REMOTE(CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY),
    REMOTE(CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY),
    REMOTE(DOMAIN_EVENT_CALLBACK_LIFECYCLE), REMOTE(DOMAIN_EVENT_LIFECYCLE),
    REMOTE(CONNECT_DOMAIN_EVENT_REGISTER_ANY), REMOTE(CONNECT_DOMAIN_EVENT_DEREGISTER_ANY),
    REMOTE(CONNECT_REGISTER_CLOSE_CALLBACK), REMOTE(CONNECT_UNREGISTER_CLOSE_CALLBACK),
    /* recorded from virsh (docs/protocol.md) */
    REMOTE(DOMAIN_GET_OS_TYPE), REMOTE(DOMAIN_IS_PERSISTENT), REMOTE(DOMAIN_IS_ACTIVE),
    REMOTE(DOMAIN_GET_AUTOSTART), REMOTE(DOMAIN_HAS_MANAGED_SAVE_IMAGE),
    REMOTE(NODE_GET_SECURITY_MODEL), REMOTE(DOMAIN_GET_SECURITY_LABEL),
    REMOTE(DOMAIN_GET_MESSAGES), REMOTE(DOMAIN_SNAPSHOT_NUM), REMOTE(NETWORK_GET_AUTOSTART),
    REMOTE(NETWORK_IS_PERSISTENT), REMOTE(NETWORK_IS_ACTIVE), REMOTE(STORAGE_POOL_GET_AUTOSTART),
    REMOTE(STORAGE_POOL_IS_ACTIVE), REMOTE(STORAGE_POOL_IS_PERSISTENT),
    /* the older listing calls and the rest of what virsh and python3-libvirt send */
    REMOTE(CONNECT_LIST_DEFINED_DOMAINS), REMOTE(CONNECT_NUM_OF_DEFINED_DOMAINS),
    REMOTE(CONNECT_LIST_DOMAINS), REMOTE(CONNECT_NUM_OF_DOMAINS), REMOTE(DOMAIN_SET_AUTOSTART),
    REMOTE(DOMAIN_SET_MAX_MEMORY), REMOTE(DOMAIN_SET_MEMORY), REMOTE(DOMAIN_SET_MEMORY_FLAGS),
    REMOTE(DOMAIN_GET_SCHEDULER_TYPE), REMOTE(NETWORK_GET_BRIDGE_NAME),
    REMOTE(STORAGE_POOL_NUM_OF_VOLUMES), REMOTE(NODE_GET_FREE_MEMORY),
    REMOTE(DOMAIN_HAS_CURRENT_SNAPSHOT), REMOTE(DOMAIN_GET_VCPUS_FLAGS), REMOTE(DOMAIN_IS_UPDATED),
    REMOTE(CONNECT_GET_SYSINFO), REMOTE(DOMAIN_GET_CONTROL_INFO), REMOTE(DOMAIN_GET_HOSTNAME),
    REMOTE(STORAGE_POOL_LIST_ALL_VOLUMES),
    QEMU(DOMAIN_MONITOR_COMMAND), QEMU(CONNECT_DOMAIN_MONITOR_EVENT_REGISTER),
    QEMU(CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER), QEMU(DOMAIN_MONITOR_EVENT),
    { VW_KEEPALIVE_PROGRAM, VW_KEEPALIVE_PROC_PING, "PING" },
    { VW_KEEPALIVE_PROGRAM, VW_KEEPALIVE_PROC_PONG, "PONG" },
};

static void test_required_present(void)
{
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const vw_proc_info *p = vw_procs_lookup(required[i].prog, required[i].proc);
        if (!p || strcmp(p->name, required[i].name) != 0)
            fprintf(stderr, "missing or misnamed: %s (%d)\n", required[i].name, required[i].proc);
        CHECK(p != NULL);
        if (p)
            CHECK_EQ_STR(p->name, required[i].name);
    }
}

static void test_known_numbers(void)
{
    /* numbers as printed in libvirt-rpc.md section 2.2 (go-libvirt constants) */
    static const struct { const char *name; int proc; } known[] = {
        { "CONNECT_OPEN", 1 }, { "CONNECT_CLOSE", 2 }, { "CONNECT_GET_TYPE", 3 },
        { "CONNECT_GET_VERSION", 4 }, { "CONNECT_GET_CAPABILITIES", 7 },
        { "DOMAIN_CREATE_XML", 10 }, { "DOMAIN_DESTROY", 12 }, { "DOMAIN_GET_XML_DESC", 14 },
        { "DOMAIN_GET_INFO", 16 }, { "DOMAIN_LOOKUP_BY_ID", 22 }, { "DOMAIN_LOOKUP_BY_NAME", 23 },
        { "DOMAIN_LOOKUP_BY_UUID", 24 }, { "DOMAIN_RESUME", 28 }, { "CONNECT_GET_HOSTNAME", 59 },
        { "CONNECT_SUPPORTS_FEATURE", 60 }, { "AUTH_LIST", 66 }, { "DOMAIN_EVENT_LIFECYCLE", 107 },
        { "CONNECT_GET_URI", 110 }, { "CONNECT_IS_SECURE", 149 },
        { "CONNECT_GET_LIB_VERSION", 157 }, { "CONNECT_DOMAIN_EVENT_REGISTER_ANY", 167 },
        { "DOMAIN_GET_STATE", 212 }, { "CONNECT_LIST_ALL_DOMAINS", 273 },
        { "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY", 316 },
        { "CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY", 317 },
        { "DOMAIN_EVENT_CALLBACK_LIFECYCLE", 318 }, { "CONNECT_REGISTER_CLOSE_CALLBACK", 360 },
        { "CONNECT_UNREGISTER_CLOSE_CALLBACK", 361 },
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        const vw_proc_info *p = vw_procs_lookup_name(VW_REMOTE_PROGRAM, known[i].name);
        CHECK(p != NULL);
        if (p)
            CHECK_EQ_INT(p->proc, known[i].proc);
    }
    CHECK_EQ_INT(VW_REMOTE_PROGRAM, 0x20008086);
    CHECK_EQ_INT(VW_QEMU_PROGRAM, 0x20008087);
    CHECK_EQ_INT(VW_KEEPALIVE_PROGRAM, 0x6b656570);
}

static void test_lookup_misc(void)
{
    /* prog 0 searches REMOTE, QEMU, KEEPALIVE in order */
    const vw_proc_info *p = vw_procs_lookup_name(0, "DOMAIN_MONITOR_COMMAND");
    CHECK(p && p->prog == VW_QEMU_PROGRAM && p->proc == 1);
    p = vw_procs_lookup_name(0, "PING");
    CHECK(p && p->prog == VW_KEEPALIVE_PROGRAM && p->kind == VW_PROC_KIND_EVENT);
    p = vw_procs_lookup_name(0, "CONNECT_OPEN");
    CHECK(p && p->prog == VW_REMOTE_PROGRAM);
    CHECK(vw_procs_lookup_name(VW_QEMU_PROGRAM, "CONNECT_OPEN") == NULL);
    CHECK(vw_procs_lookup_name(0, "connect_open") == NULL);
    CHECK(vw_procs_lookup_name(0, NULL) == NULL);

    /* same number, different programs */
    CHECK_EQ_STR(vw_procs_lookup(VW_REMOTE_PROGRAM, 1)->name, "CONNECT_OPEN");
    CHECK_EQ_STR(vw_procs_lookup(VW_QEMU_PROGRAM, 1)->name, "DOMAIN_MONITOR_COMMAND");
    CHECK_EQ_STR(vw_procs_lookup(VW_KEEPALIVE_PROGRAM, 1)->name, "PING");

    /* unknown procedures stay representable by number */
    CHECK(vw_procs_lookup(VW_REMOTE_PROGRAM, 9999) == NULL);
    CHECK(vw_procs_lookup(0x12345678u, 1) == NULL);
    char buf[24];
    CHECK_EQ_STR(vw_procs_name(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_MAX + 1, buf, sizeof(buf)),
                 "PROC_457");
    CHECK_EQ_STR(vw_procs_name(VW_REMOTE_PROGRAM, -3, buf, sizeof(buf)), "PROC_-3");

    CHECK_EQ_STR(vw_program_name(VW_REMOTE_PROGRAM), "REMOTE");
    CHECK_EQ_STR(vw_program_name(0x00068000u), "LXC");
    CHECK(vw_program_name(1) == NULL);
    CHECK_EQ_INT(vw_program_from_name("QEMU"), VW_QEMU_PROGRAM);
    CHECK_EQ_INT(vw_program_from_name("0x6b656570"), VW_KEEPALIVE_PROGRAM);
    CHECK_EQ_INT(vw_program_from_name("0x"), 0);
    CHECK_EQ_INT(vw_program_from_name("0x1g"), 0);
    CHECK_EQ_INT(vw_program_from_name("remote"), 0);
}

static void test_read_only(void)
{
    static const struct { const char *name; bool refused; } cases[] = {
        { "CONNECT_OPEN", false }, { "AUTH_LIST", false }, { "CONNECT_LIST_ALL_DOMAINS", false },
        { "DOMAIN_GET_INFO", false }, { "DOMAIN_GET_XML_DESC", false },
        { "DOMAIN_LOOKUP_BY_NAME", false }, { "NETWORK_GET_XML_DESC", false },
        { "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY", false },
        { "DOMAIN_DEFINE_XML", true }, { "DOMAIN_UNDEFINE_FLAGS", true }, { "DOMAIN_CREATE", true },
        { "DOMAIN_CREATE_XML", true }, { "DOMAIN_DESTROY", true }, { "DOMAIN_SHUTDOWN", true },
        { "DOMAIN_REBOOT", true }, { "DOMAIN_SUSPEND", true }, { "DOMAIN_RESUME", true },
        { "DOMAIN_MIGRATE_PERFORM3_PARAMS", true }, { "DOMAIN_MIGRATE_SET_MAX_SPEED", true },
        { "DOMAIN_MIGRATE_GET_MAX_SPEED", true }, { "DOMAIN_SET_AUTOSTART", true },
        { "DOMAIN_SET_MEMORY", true }, { "DOMAIN_SET_MAX_MEMORY", true },
        { "DOMAIN_SET_MEMORY_FLAGS", true }, { "CONNECT_LIST_DOMAINS", false },
        { "CONNECT_NUM_OF_DEFINED_DOMAINS", false }, { "DOMAIN_GET_CONTROL_INFO", false },
        { "DOMAIN_GET_HOSTNAME", false }, { "DOMAIN_GET_SCHEDULER_TYPE", false },
        { "STORAGE_POOL_LIST_ALL_VOLUMES", false }, { "CONNECT_GET_SYSINFO", false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const vw_proc_info *p = vw_procs_lookup_name(VW_REMOTE_PROGRAM, cases[i].name);
        CHECK(p != NULL);
        if (p && p->refused_read_only != cases[i].refused)
            fprintf(stderr, "%s: refused_read_only should be %d\n", cases[i].name,
                    cases[i].refused);
        if (p)
            CHECK(p->refused_read_only == cases[i].refused);
    }
    CHECK(vw_procs_lookup(VW_QEMU_PROGRAM, VW_QEMU_PROC_DOMAIN_MONITOR_COMMAND)->refused_read_only);
}

static void test_codec_sizes(void)
{
    const vw_proc_info *p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME);
    CHECK(p && p->args_size == sizeof(vw_domain_lookup_by_name_args));
    CHECK(p && p->ret_size == sizeof(vw_domain_lookup_by_name_ret));
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE);
    CHECK(p && p->msg_size == sizeof(vw_domain_event_callback_lifecycle_msg));
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_CLOSE);
    CHECK(p && p->args_proc == VW_XDR_VOID && p->ret_proc == VW_XDR_VOID);

    /* the table's codec decodes a real reply: AUTH_LIST -> [NONE] */
    static const uint8_t auth_ret[] = { 0, 0, 0, 1, 0, 0, 0, 0 };
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_LIST);
    CHECK(p != NULL);
    if (!p)
        return;
    void *obj = calloc(1, p->ret_size);
    vw_error e;
    CHECK_EQ_INT(vw_xdr_decode(auth_ret, sizeof(auth_ret), p->ret_proc, obj, p->ret_size,
                               VW_DECODE_STRICT, &e), 0);
    vw_auth_list_ret *r = obj;
    CHECK_EQ_INT(r->types.types_len, 1);
    if (r->types.types_len == 1)
        CHECK_EQ_INT(r->types.types_val[0], VW_REMOTE_AUTH_NONE);
    vw_xdr_free(p->ret_proc, obj);
    free(obj);

    /* DOMAIN_GET_CONTROL_INFO ret: u_int state, u_int details, u_hyper stateTime */
    static const uint8_t ctl_ret[] = { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3 };
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_GET_CONTROL_INFO);
    CHECK(p && p->ret_size == sizeof(vw_domain_get_control_info_ret));
    if (p) {
        vw_domain_get_control_info_ret ci;
        memset(&ci, 0, sizeof(ci));
        CHECK_EQ_INT(vw_xdr_decode(ctl_ret, sizeof(ctl_ret), p->ret_proc, &ci, sizeof(ci),
                                   VW_DECODE_STRICT, &e), 0);
        CHECK_EQ_INT(ci.state, 1);
        CHECK_EQ_INT(ci.details, 2);
        CHECK(ci.stateTime == ((uint64_t)1 << 32 | 3));
    }

    /* STORAGE_POOL_LIST_ALL_VOLUMES ret: a volume count above REMOTE_STORAGE_VOL_LIST_MAX is
     * refused before anything is allocated; a list of one {pool, name, key} decodes */
    static const uint8_t vols_big[] = { 0, 0, 0x40, 0x01, 0, 0, 0, 0 };
    static const uint8_t vols_one[] = { 0, 0, 0, 1, 0, 0, 0, 1, 'p', 0, 0, 0, 0, 0, 0, 1,
                                        'v', 0, 0, 0, 0, 0, 0, 1, 'k', 0, 0, 0, 0, 0, 0, 1 };
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES);
    CHECK(p != NULL);
    if (p) {
        vw_storage_pool_list_all_volumes_ret lv;
        memset(&lv, 0, sizeof(lv));
        CHECK(vw_xdr_decode(vols_big, sizeof(vols_big), p->ret_proc, &lv, sizeof(lv),
                            VW_DECODE_STRICT, &e) < 0);
        vw_xdr_free(p->ret_proc, &lv);
        memset(&lv, 0, sizeof(lv));
        CHECK_EQ_INT(vw_xdr_decode(vols_one, sizeof(vols_one), p->ret_proc, &lv, sizeof(lv),
                                   VW_DECODE_STRICT, &e), 0);
        CHECK_EQ_INT(lv.vols.vols_len, 1);
        if (lv.vols.vols_len == 1) {
            CHECK_EQ_STR(lv.vols.vols_val[0].pool, "p");
            CHECK_EQ_STR(lv.vols.vols_val[0].key, "k");
        }
        CHECK_EQ_INT(lv.ret, 1);
        vw_xdr_free(p->ret_proc, &lv);
    }
}

static vw_packet pkt_of(uint32_t prog, int32_t proc, int32_t type, int32_t status,
                        size_t payload_len)
{
    vw_packet p;
    memset(&p, 0, sizeof(p));
    p.hdr.prog = prog;
    p.hdr.vers = 1;
    p.hdr.proc = proc;
    p.hdr.type = type;
    p.hdr.status = status;
    p.payload_len = payload_len;
    return p;
}

static void test_payload_codec(void)
{
    const uint32_t R = VW_REMOTE_PROGRAM;
    size_t size = 99;
    vw_packet p = pkt_of(R, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, VW_NET_CALL, VW_NET_OK, 8);
    CHECK(vw_procs_payload_codec(&p, &size) == (xdrproc_t)xdr_vw_domain_lookup_by_name_args);
    CHECK_EQ_INT(size, sizeof(vw_domain_lookup_by_name_args));
    p.hdr.type = VW_NET_REPLY;
    CHECK(vw_procs_payload_codec(&p, &size) == (xdrproc_t)xdr_vw_domain_lookup_by_name_ret);
    p.hdr.status = VW_NET_ERROR;
    CHECK(vw_procs_payload_codec(&p, &size) == (xdrproc_t)xdr_vw_remote_error);
    CHECK_EQ_INT(size, sizeof(vw_remote_error));
    p.hdr.status = VW_NET_CONTINUE;
    CHECK(vw_procs_payload_codec(&p, &size) == NULL);
    CHECK_EQ_INT(size, 0);

    /* an error reply to an unknown procedure still decodes as remote_error */
    p = pkt_of(R, 9999, VW_NET_REPLY, VW_NET_ERROR, 40);
    CHECK(vw_procs_payload_codec(&p, NULL) == (xdrproc_t)xdr_vw_remote_error);
    p.hdr.status = VW_NET_OK;
    CHECK(vw_procs_payload_codec(&p, NULL) == NULL);
    p.hdr.type = VW_NET_CALL;
    CHECK(vw_procs_payload_codec(&p, NULL) == NULL);

    p = pkt_of(R, VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE, VW_NET_MESSAGE, VW_NET_OK, 40);
    CHECK(vw_procs_payload_codec(&p, &size) ==
          (xdrproc_t)xdr_vw_domain_event_callback_lifecycle_msg);
    p.hdr.type = VW_NET_CALL;       /* an event number sent as a CALL has no decoder */
    CHECK(vw_procs_payload_codec(&p, NULL) == NULL);

    p = pkt_of(VW_KEEPALIVE_PROGRAM, VW_KEEPALIVE_PROC_PING, VW_NET_MESSAGE, VW_NET_OK, 0);
    CHECK(vw_procs_payload_codec(&p, &size) == VW_XDR_VOID);
    CHECK_EQ_INT(size, 0);

    p = pkt_of(R, 209, VW_NET_STREAM, VW_NET_CONTINUE, 100);
    CHECK(vw_procs_payload_codec(&p, NULL) == NULL);
    p.hdr.status = VW_NET_OK;
    p.payload_len = 0;
    CHECK(vw_procs_payload_codec(&p, NULL) == VW_XDR_VOID);
    p.hdr.status = VW_NET_ERROR;
    CHECK(vw_procs_payload_codec(&p, NULL) == VW_XDR_VOID);
    p.payload_len = 40;
    CHECK(vw_procs_payload_codec(&p, NULL) == (xdrproc_t)xdr_vw_remote_error);
    p.hdr.type = VW_NET_STREAM_HOLE;
    p.hdr.status = VW_NET_CONTINUE;
    CHECK(vw_procs_payload_codec(&p, &size) == (xdrproc_t)xdr_vw_net_stream_hole);
    CHECK_EQ_INT(size, sizeof(vw_net_stream_hole));
    p.hdr.type = 7;
    CHECK(vw_procs_payload_codec(&p, NULL) == NULL);

    p = pkt_of(VW_QEMU_PROGRAM, VW_QEMU_PROC_DOMAIN_MONITOR_COMMAND, VW_NET_CALL_WITH_FDS,
               VW_NET_OK, 8);
    CHECK(vw_procs_payload_codec(&p, NULL) == (xdrproc_t)xdr_vw_qemu_domain_monitor_command_args);
}

static void test_describe(void)
{
    char buf[128];
    vw_packet_header h = { VW_REMOTE_PROGRAM, 1, 23, VW_NET_CALL, 7, VW_NET_OK };
    int n = vw_procs_describe(&h, 48, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "REMOTE DOMAIN_LOOKUP_BY_NAME CALL serial=7 status=OK len=48");
    CHECK_EQ_INT(n, (int)strlen(buf));
    vw_packet_header u = { 0x12345678u, 1, 5, 9, 0, 4 };
    vw_procs_describe(&u, 28, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "0x12345678 PROC_5 type=9 serial=0 status=4 len=28");
    vw_packet_header k = { VW_KEEPALIVE_PROGRAM, 1, 2, VW_NET_MESSAGE, 0, VW_NET_OK };
    vw_procs_describe(&k, 28, buf, 20);     /* truncated, still terminated */
    CHECK_EQ_INT(strlen(buf), 19);
    CHECK(strncmp(buf, "KEEPALIVE PONG MESS", 19) == 0);
    /* the widest numbers a hostile header can carry are printed whole */
    vw_packet_header m = { VW_REMOTE_PROGRAM, 1, INT32_MIN, INT32_MIN, 0, INT32_MIN };
    vw_procs_describe(&m, 28, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "REMOTE PROC_-2147483648 type=-2147483648 serial=0 status=-2147483648 "
                      "len=28");
}

/* tshark -G values prints "V\tlibvirt.procedure\t<number>\t<name>" for every program. */
static void test_tshark_names(void)
{
    FILE *f = popen("tshark -G values 2>/dev/null", "r");
    if (!f) {
        printf("test_tshark_names: tshark not runnable, skipped\n");
        return;
    }
    size_t cap = 1024, count = 0;
    struct pair { int num; char name[96]; } *pairs = malloc(cap * sizeof(*pairs));
    char line[512];
    while (pairs && fgets(line, sizeof(line), f)) {
        int num;
        char name[96];
        if (sscanf(line, "V\tlibvirt.procedure\t%d\t%95s", &num, name) != 2)
            continue;
        if (count == cap) {
            cap *= 2;
            struct pair *np = realloc(pairs, cap * sizeof(*pairs));
            if (!np)
                break;
            pairs = np;
        }
        pairs[count].num = num;
        strcpy(pairs[count].name, name);
        count++;
    }
    pclose(f);
    if (count == 0) {
        printf("test_tshark_names: no libvirt dissector in tshark, skipped\n");
        free(pairs);
        return;
    }
    CHECK(count > 400);
    int newest = 0;     /* the installed dissector's libvirt knows fewer procedures than we do */
    for (size_t j = 0; j < count; j++)
        newest = pairs[j].num > newest ? pairs[j].num : newest;
    for (size_t i = 0; i < vw_procs_count(); i++) {
        const vw_proc_info *p = vw_procs_at(i);
        if (p->proc > newest)
            continue;
        bool found = false;
        for (size_t j = 0; j < count && !found; j++)
            found = pairs[j].num == p->proc && strcmp(pairs[j].name, p->name) == 0;
        if (!found)
            fprintf(stderr, "tshark has no procedure %d named %s\n", p->proc, p->name);
        CHECK(found);
    }
    free(pairs);
}

/* Every program's numbers run from 1 to its maximum without a gap: libvirt never removes one. */
static void test_every_number_known(void)
{
    static const struct { uint32_t prog; int max; } progs[] = {
        { VW_REMOTE_PROGRAM, 456 }, { VW_QEMU_PROGRAM, 7 }, { VW_LXC_PROGRAM, 1 },
        { VW_KEEPALIVE_PROGRAM, 2 },
    };
    CHECK_EQ_INT(VW_REMOTE_PROC_MAX, 456);
    CHECK_EQ_INT(VW_QEMU_PROC_MAX, 7);
    CHECK_EQ_INT(VW_LXC_PROC_MAX, 1);
    for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
        for (int n = 1; n <= progs[i].max; n++) {
            if (!vw_procs_lookup(progs[i].prog, n))
                fprintf(stderr, "program %s has no procedure %d\n", vw_program_name(progs[i].prog), n);
            CHECK(vw_procs_lookup(progs[i].prog, n) != NULL);
        }
        CHECK(vw_procs_lookup(progs[i].prog, 0) == NULL);
        CHECK(vw_procs_lookup(progs[i].prog, progs[i].max + 1) == NULL);
    }
    CHECK_EQ_INT(vw_procs_count(), 456 + 7 + 1 + 2);
}

/* Public API names and error domains as libvirt reports them (libvirt 9.0's exported symbols
 * and errors recorded from libvirtd), the rule's exceptions included. */
static void test_api_names(void)
{
    static const struct { uint32_t prog; int proc; const char *api; int domain; } apis[] = {
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_GET_XML_DESC, "virDomainGetXMLDesc", 20 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_NUM_OF_SECRETS, "virConnectNumOfSecrets", 30 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_NUM_OF_NWFILTERS, "virConnectNumOfNWFilters", 33 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_NODE_GET_MEMORY_STATS, "virNodeGetMemoryStats", 20 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_FSTRIM, "virDomainFSTrim", 20 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO, "virDomainGetIOThreadInfo", 20 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, "virDomainSetBlockIoTune", 20 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN,
          "virNodeDeviceLookupSCSIHostByWWN", 22 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
          "virConnectDomainEventRegisterAny", 20 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, "virDomainSnapshotNum", 35 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES,
          "virConnectListAllInterfaces", 26 },
        { VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_INTERFACE_STATS, "virDomainInterfaceStats", 20 },
        { VW_QEMU_PROGRAM, VW_QEMU_PROC_DOMAIN_AGENT_COMMAND, "virDomainQemuAgentCommand", 0 },
        { VW_QEMU_PROGRAM, VW_QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER,
          "virConnectDomainQemuMonitorEventRegister", 0 },
        { VW_LXC_PROGRAM, VW_LXC_PROC_DOMAIN_OPEN_NAMESPACE, "virDomainLxcOpenNamespace", 0 },
    };
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
        const vw_proc_info *p = vw_procs_lookup(apis[i].prog, apis[i].proc);
        CHECK(p != NULL);
        if (!p)
            continue;
        CHECK_EQ_STR(p->api ? p->api : "(null)", apis[i].api);
        CHECK_EQ_INT(p->api_error_domain, apis[i].domain);
    }
    const vw_proc_info *ev = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_EVENT_REBOOT);
    CHECK(ev && ev->kind == VW_PROC_KIND_EVENT && ev->api == NULL);
    /* high priority as libvirtd 9.0's dispatch table says */
    CHECK(vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_OPEN)->high_priority);
    CHECK(vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME)->high_priority);
    CHECK(!vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_BLOCK_PEEK)->high_priority);
    CHECK(!vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_FD_ASSOCIATE)->high_priority);
    CHECK(!ev->high_priority);
    const vw_proc_info *sasl = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_SASL_INIT);
    CHECK(sasl && sasl->auth_step && sasl->api == NULL);
}

/* The stubs' field descriptions come from the .x structs (proto/gen_procs.py). */
static void test_field_specs(void)
{
    const vw_proc_info *p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_GET_XML_DESC);
    CHECK(p && p->args_spec && p->ret_spec);
    if (p && p->args_spec && p->ret_spec) {
        CHECK_EQ_STR(p->args_spec, "Ddom uflags");
        CHECK_EQ_STR(p->ret_spec, "sxml");
        CHECK(!p->args_spec_partial);
    }
    /* unsigned char / short fields: no JSON form for the whole return value */
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_GET_INFO);
    CHECK(p && p->ret_spec == NULL && p->args_spec && strcmp(p->args_spec, "Ddom") == 0);
    /* typed parameters after the handle: the description stops there */
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS);
    CHECK(p && p->args_spec_partial && p->args_spec && strcmp(p->args_spec, "Ddom Sdconnuri") == 0);
    /* void payloads have none */
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_TYPE);
    CHECK(p && p->args_spec == NULL && p->ret_spec && strcmp(p->ret_spec, "stype") == 0);
    /* the last rows described: the LXC program, a stream call, a 12.8 event */
    p = vw_procs_lookup(VW_LXC_PROGRAM, VW_LXC_PROC_DOMAIN_OPEN_NAMESPACE);
    CHECK(p && p->described && p->args_spec && strcmp(p->args_spec, "Ddom uflags") == 0);
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_OPEN_CONSOLE);
    CHECK(p && p->described && p->args_spec && strcmp(p->args_spec, "Ddom Sdev_name uflags") == 0);
    p = vw_procs_lookup(VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_EVENT_VCPU_REMOVED);
    CHECK(p && p->described);
    size_t described = 0;
    for (size_t i = 0; i < vw_procs_count(); i++) {
        const vw_proc_info *q = vw_procs_at(i);
        CHECK(q->described);                /* every row has its .x description */
        described += q->args_spec != NULL;
    }
    CHECK(described >= 70);
}

int main(void)
{
    RUN(test_table_consistency);
    RUN(test_every_number_known);
    RUN(test_api_names);
    RUN(test_field_specs);
    RUN(test_required_present);
    RUN(test_known_numbers);
    RUN(test_lookup_misc);
    RUN(test_read_only);
    RUN(test_codec_sizes);
    RUN(test_payload_codec);
    RUN(test_describe);
    RUN(test_tshark_names);
    return vwtest_summary("procs");
}
