/* client_seed.c: runs fuzz_client's call sequence (fuzz/targets/fuzz_client_calls.h) against a
 * real server, so that `vwtrace record-libvirt` in between records what the server answers:
 * the recorded server->client bytes are fuzz_client's seeds (fuzz/scripts/record_seeds.sh).
 *
 *   client_seed URI          e.g. test+unix:///default?socket=/tmp/rec.sock
 * Exit status 0 when the connection opened, 1 otherwise. */
#include <stdio.h>

#include "fuzz_client_calls.h"
#include "libvirt_client.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: client_seed URI\n");
        return 2;
    }
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open(argv[1], NULL, &err);
    if (!conn) {
        fprintf(stderr, "client_seed: %s: %s\n", argv[1], vw_virerror_message(&err));
        vw_virerror_clear(&err);
        return 1;
    }
    unsigned events = 0;
    int ok = fuzz_client_calls(conn, &events);
    vw_conn_close(conn, &err);
    vw_virerror_clear(&err);
    printf("client_seed: %s: %d calls succeeded\n", argv[1], ok);
    return 0;
}
