/* fuzz_scenario.c: the scenario reader (common/scenario: parsing, stub compilation through
 * fake-libvirtd's answer compiler, matching, states, counters, journal, admin operations) and
 * fake-libvirtd carrying out what matched.
 *
 * Input: a scenario file (docs/scenario-format.md), optionally followed by a NUL byte and the
 * bytes of a client conversation. The file is loaded the way `fake-libvirtd --scenario FILE`
 * loads it (fl_stubs_new on a memfd path: no file on disk). When it loads, the conversation (or,
 * without one, a built-in one: AUTH_LIST, CONNECT_OPEN test:///default, GET_TYPE,
 * LIST_ALL_DOMAINS, LOOKUP_BY_NAME "test", GET_XML_DESC, an unknown procedure) goes through a
 * detached fake-libvirtd with those stubs (as fuzz_fake_libvirtd), so stubs match real calls and
 * their answers (replies, errors, events, raw bytes, close, fallthrough) run. Then the
 * protocol-neutral admin operations (list_stubs, journal with a filter, states) run on the
 * result. Everything is freed per input; LSan checks nothing leaks.
 *
 * Checks: no crash, no leak, no undefined behaviour; a file that fails to load has a message. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_stream.h"
#include "packet.h"
#include "scenario.h"
#include "daemon.h"
#include "stubs.h"

static vw_buf builtin;   /* the built-in conversation */

static void add_call(int32_t proc, uint32_t serial, xdrproc_t codec, const void *args)
{
    vw_packet_header hdr = { .prog = VW_REMOTE_PROGRAM, .vers = 1, .proc = proc,
                             .type = VW_NET_CALL, .serial = serial, .status = VW_NET_OK };
    vw_error perr;
    if (vw_packet_encode(&builtin, &hdr, 0, codec, args, &perr) < 0) {
        fprintf(stderr, "fuzz_scenario: cannot encode the built-in conversation: %s\n", perr.text);
        abort();
    }
}

static void setup(void)
{
    vw_buf_init(&builtin);
    add_call(VW_REMOTE_PROC_AUTH_LIST, 0, VW_XDR_VOID, NULL);
    char *uri = (char *)"test:///default";
    vw_connect_open_args open = { .name = &uri, .flags = 0 };
    add_call(VW_REMOTE_PROC_CONNECT_OPEN, 1, (xdrproc_t)xdr_vw_connect_open_args, &open);
    add_call(VW_REMOTE_PROC_CONNECT_GET_TYPE, 2, VW_XDR_VOID, NULL);
    vw_connect_list_all_domains_args list = { .need_results = 1, .flags = 0 };
    add_call(VW_REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, 3,
             (xdrproc_t)xdr_vw_connect_list_all_domains_args, &list);
    vw_domain_lookup_by_name_args lookup = { .name = (char *)"test" };
    add_call(VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 4, (xdrproc_t)xdr_vw_domain_lookup_by_name_args,
             &lookup);
    vw_domain_get_xml_desc_args xml;
    memset(&xml, 0, sizeof(xml));
    xml.dom.name = (char *)"test";
    add_call(VW_REMOTE_PROC_DOMAIN_GET_XML_DESC, 5, (xdrproc_t)xdr_vw_domain_get_xml_desc_args, &xml);
    add_call(999999, 6, VW_XDR_VOID, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    return 0;
}

static int step(void *arg)
{
    return fl_server_run_until_idle(arg, 0) > 0 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!builtin.data)
        setup();
    const uint8_t *nul = memchr(data, '\0', size);
    size_t file_len = nul ? (size_t)(nul - data) : size;
    const uint8_t *conv = nul ? nul + 1 : builtin.data;
    size_t conv_len = nul ? size - file_len - 1 : builtin.len;

    int mfd = memfd_create("scenario", MFD_CLOEXEC);
    if (mfd < 0 || (file_len > 0 && write(mfd, data, file_len) != (ssize_t)file_len)) {
        perror("fuzz_scenario: memfd");
        abort();
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);

    char err[1024] = "";
    fl_server *srv = fl_server_new_detached(NULL, 0, err, sizeof(err));
    if (!srv) {
        fprintf(stderr, "fuzz_scenario: %s\n", err);
        abort();
    }
    vw_error e;
    fl_stubs *st = fl_stubs_new(srv, path, 1, &e);
    close(mfd);
    if (!st) {
        if (!e.text[0]) {
            fprintf(stderr, "fuzz_scenario: a scenario failed to load without a message\n");
            abort();
        }
        fl_server_free(srv);
        return 0;
    }
    fl_server_set_stubs(srv, st);

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
        fl_server_adopt_fd(srv, sv[1], false) < 0) {
        fprintf(stderr, "fuzz_scenario: cannot set up the connection\n");
        abort();
    }
    fuzz_stream_pump(sv[0], conv, fuzz_stream_rpc_cut(conv, conv_len), step, srv);
    close(sv[0]);

    /* the admin side over what happened */
    static const char *const ops[] = { "list_stubs", "journal", "get_state", "reset_states",
                                       "reset_journal", "ping" };
    json_t *req = json_pack("{s:{s:s,s:i},s:s}", "filter", "procedure", "DOMAIN_LOOKUP_BY_NAME",
                            "limit", 5, "scenario", "s");
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        json_decref(fl_stubs_admin(st, ops[i], req));
    json_decref(req);

    fl_server_free(srv);
    fl_stubs_free(st);
    return 0;
}
