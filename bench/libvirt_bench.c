/* libvirt_bench.c: round trips per second of libvirt.so's own client (Debian's libvirt0), the
 * reference our client is measured against in make bench.
 *
 *   libvirt_bench URI SECONDS [CLIENTS]
 *       virConnectGetLibVersion (CONNECT_GET_LIB_VERSION on the wire, the call rpc_bench makes)
 *       in a loop, one call at a time per connection, from CLIENTS processes (default 1).
 *
 * Prints one line: "libvirt.so <clients> clients: <calls> in <seconds> s = <rate> rt/s". */
#include <stdio.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "bench_clients.h"

static void quiet(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

static void *lv_open(const char *uri)
{
    virSetErrorFunc(NULL, quiet);
    virConnectPtr c = virConnectOpen(uri);
    if (!c)
        fprintf(stderr, "libvirt_bench: cannot open %s: %s\n", uri, virGetLastErrorMessage());
    return c;
}

static int lv_call(void *h)
{
    unsigned long version;
    if (virConnectGetLibVersion(h, &version) < 0) {
        fprintf(stderr, "libvirt_bench: call failed: %s\n", virGetLastErrorMessage());
        return -1;
    }
    return 0;
}

static void lv_close(void *h)
{
    virConnectClose(h);
}

static const bench_peer libvirt_client = { "libvirt.so", lv_open, lv_call, lv_close };

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: libvirt_bench URI SECONDS [CLIENTS]\n"
               "virConnectGetLibVersion through libvirt.so, CLIENTS processes (default 1)\n");
        return 0;
    }
    double seconds;
    int clients;
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: libvirt_bench URI SECONDS [CLIENTS]\n");
        return 2;
    }
    if (bench_parse_args("libvirt_bench", argv[2], argc == 4 ? argv[3] : NULL, &seconds, &clients) < 0)
        return 2;
    return bench_clients_run(&libvirt_client, argv[1], seconds, clients);
}
