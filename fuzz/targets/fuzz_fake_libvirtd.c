/* fuzz_fake_libvirtd.c: fake-libvirtd's connection handler fed a whole client conversation.
 *
 * Input: the bytes a client sends on one connection (several packets: AUTH_LIST, CONNECT_OPEN,
 * calls, keepalive, streams, garbage), as `make fuzz-corpus` writes them from recorded virsh
 * sessions. They go through a socketpair into a fake-libvirtd server running in this process
 * (fl_server_new_detached + fl_server_adopt_fd): the real framing, dispatch and hypervisor model.
 * Replies and events are read and dropped. The first byte chooses a read-only connection when it
 * is 'R' (then it is skipped), so both permission paths are reachable. The stream is cut before
 * a length word that claims far more than the input holds (fuzz_stream_rpc_cut).
 *
 * The server is created for each input (an event loop and an empty connection list; the model is
 * built on CONNECT_OPEN), so no state carries from one input to the next, and freed afterwards:
 * LSan sees anything the conversation leaked. Peer-to-peer migration's outgoing connection is
 * refused by fuzz/drivers/sandbox.c (no network, no processes from a fuzz target).
 *
 * Checks: no crash, no leak, no undefined behaviour, no hang (the server must read everything
 * and close on EOF). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_stream.h"
#include "daemon.h"

static int step(void *arg)
{
    return fl_server_run_until_idle(arg, 0) > 0 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool readonly = size > 0 && data[0] == 'R';
    if (readonly) {
        data++;
        size--;
    }
    char err[512];
    fl_server *srv = fl_server_new_detached(NULL, 0, err, sizeof(err));
    if (!srv) {
        fprintf(stderr, "fuzz_fake_libvirtd: %s\n", err);
        abort();
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        perror("fuzz_fake_libvirtd: socketpair");
        abort();
    }
    if (fl_server_adopt_fd(srv, sv[1], readonly) < 0) {
        fprintf(stderr, "fuzz_fake_libvirtd: cannot adopt the connection\n");
        abort();
    }
    fuzz_stream_pump(sv[0], data, fuzz_stream_rpc_cut(data, size), step, srv);
    close(sv[0]);
    fl_server_free(srv);
    return 0;
}
