/* client_peer.h: a fake libvirtd for the client unit tests: a unix socket in a fresh temporary directory,
 * served by one thread that accepts one connection and runs a test's script against it. The
 * script reads the client's packets and answers with whatever bytes the test wants (good replies,
 * errors, events, keepalives, garbage). Every wait has a timeout, so a broken client or test fails
 * instead of hanging. Problems seen on the peer side are counted in peer->failures. */
#ifndef VW_CLIENT_PEER_H
#define VW_CLIENT_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvirt_client.h"
#include "packet.h"

typedef struct client_peer client_peer;
typedef void (*client_peer_script)(client_peer *peer, void *opaque);

struct client_peer {
    char dir[64];
    char path[80];
    char uri[256];
    int listen_fd;
    int fd;                        /* the accepted client, -1 before / after */
    client_peer_script script;
    void *opaque;
    int failures;                  /* peer-side problems; tests CHECK it is 0 */
    uint8_t *received;             /* every byte read from the client, in order */
    size_t received_len;
    uint32_t last_serial;          /* serial of the last CALL read */
};

/* Starts the peer on a unix socket (uri "test+unix:///default?socket=...") or on TCP 127.0.0.1 with
 * a free port (uri "test+tcp://127.0.0.1:PORT/default"); NULL (and prints why) on failure. */
client_peer *client_peer_start(client_peer_script script, void *opaque);
client_peer *client_peer_start_tcp(client_peer_script script, void *opaque);
/* Waits for the script to end (at most 30 s), closes everything, frees. Returns peer->failures. */
int client_peer_finish(client_peer *peer);

/* Reads one packet (timeout_ms). Returns 1 with *pkt filled (payload malloc'd in *payload), 0 on EOF,
 * -1 on timeout or error. */
int client_peer_read(client_peer *peer, vw_packet_header *hdr, uint8_t **payload, size_t *len,
              int timeout_ms);
/* Reads one packet and requires it to be a CALL of (prog, proc); frees the payload unless
 * payload != NULL. Returns 0 or -1 (counted as a failure). */
int client_peer_expect_call(client_peer *peer, uint32_t prog, int proc, vw_packet_header *hdr,
                     uint8_t **payload, size_t *len);
/* Sends a REPLY (status OK with obj encoded by proc, or ERROR with a vw_remote_error). */
int client_peer_reply(client_peer *peer, const vw_packet_header *call, xdrproc_t proc,
                      const void *obj);
int client_peer_reply_error(client_peer *peer, const vw_packet_header *call,
                            const vw_remote_error *rerr);
/* Sends any packet. */
int client_peer_send(client_peer *peer, uint32_t prog, int proc, int type, uint32_t serial,
                     int status, xdrproc_t proc_fn, const void *obj);
int client_peer_send_raw(client_peer *peer, const void *bytes, size_t len);
/* The client side: vw_conn_open(peer->uri) with these options (keepalive interval 0: no PINGs);
 * prints why and returns NULL on failure. */
vw_conn *client_peer_connect(client_peer *peer, int call_timeout_ms, int ka_interval, int ka_count,
                             unsigned int flags);
/* Answers AUTH_LIST (auth none), SUPPORTS_FEATURE (keepalive supported or not), CONNECT_OPEN. */
int client_peer_handshake(client_peer *peer, bool keepalive);
/* Answers CONNECT_CLOSE (if the client sends it) and waits for EOF. */
void client_peer_serve_close(client_peer *peer);
/* Reads and discards until EOF (or 10 s). */
void client_peer_drain_until_eof(client_peer *peer);
/* Closes the client connection now. */
void client_peer_close_client(client_peer *peer);
/* Sleeps ms milliseconds (a script that lets the client reach a state first). */
void client_peer_sleep_ms(int ms);

#endif
