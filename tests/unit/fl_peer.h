/* fl_peer.h: a libvirt RPC client of a fake-libvirtd server running in this process, for the
 * in-process unit tests (test_fl_dispatch.c, test_fl_replay.c). No socket file and no process:
 * the server is driven as fuzz/targets/fuzz_fake_libvirtd.c drives it, through one end of a
 * socketpair it adopts (fl_server_adopt_fd), its loop stepped (fl_server_run_until_idle) while
 * the peer waits for an answer. Every wait is bounded (FL_PEER_ROUNDS rounds of at most 10 ms). */
#ifndef VW_FL_PEER_H
#define VW_FL_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "xdr_codec.h"
#include "../../fake-libvirtd/daemon.h"

#define FL_PEER_ROUNDS 500

typedef struct {
    fl_server *srv;
    int fd;                   /* our end; -1 once closed */
    uint8_t *buf;             /* bytes read and not yet taken */
    size_t len, cap;
    bool eof;
    /* Run once per waiting round besides the server's loop (e.g. an upstream server's loop),
     * when set. */
    void (*also)(void *arg);
    void *also_arg;
} fl_peer;

/* One packet read from the server (payload malloc'd). */
typedef struct {
    vw_packet_header hdr;
    uint8_t *payload;
    size_t payload_len;
} fl_peer_packet;

/* Adopts one end of a new socketpair into srv (read-only when readonly). 0, or -1. */
int fl_peer_connect(fl_peer *p, fl_server *srv, bool readonly);
void fl_peer_close(fl_peer *p);
/* One waiting round: the server's loop (at most timeout_ms) and also(). */
void fl_peer_step(fl_peer *p, int timeout_ms);

/* Sends a packet (payload encoded with codec from args; VW_XDR_VOID: none). 0, or -1. */
int fl_peer_send(fl_peer *p, uint32_t prog, int32_t proc, int32_t type, uint32_t serial,
                 xdrproc_t codec, const void *args);
/* The next packet; 1 with *out filled, 0 on EOF or after FL_PEER_ROUNDS rounds. */
int fl_peer_recv(fl_peer *p, fl_peer_packet *out);
/* A remote-program CALL; returns the REPLY with that serial (other packets dropped): 1, or 0. */
int fl_peer_call(fl_peer *p, int32_t proc, uint32_t serial, xdrproc_t codec, const void *args,
                 fl_peer_packet *reply);
/* Decodes a reply's payload with codec into obj (obj_size bytes). 0, or -1. */
int fl_peer_decode(const fl_peer_packet *reply, xdrproc_t codec, void *obj, size_t obj_size);
/* The message of an ERROR reply (static buffer; "" when none), its code and domain. */
const char *fl_peer_error(const fl_peer_packet *reply, int *code, int *domain);
void fl_peer_packet_free(fl_peer_packet *pkt);

/* AUTH_LIST and CONNECT_OPEN of uri: 0 when both succeed. */
int fl_peer_open(fl_peer *p, const char *uri);

#endif
