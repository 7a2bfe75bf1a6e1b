/* fuzz_stream.h: helpers for the byte-stream targets (fuzz_fake_libvirtd, fuzz_fake_qemu): pumps
 * one input through a socketpair into a server running in this process, reading and dropping
 * everything the server sends back, until the server closed its end.
 *
 * No process, no socket file, no timer waits: the server's loop is stepped with a zero timeout
 * between the writes and reads, so one execution costs a socketpair and the work the server does. */
#ifndef FUZZ_STREAM_H
#define FUZZ_STREAM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* Rounds in a row without any byte moving (nor the server doing anything) before giving up on a
 * server that neither reads nor closes (e.g. it waits on a timer). */
#define FUZZ_STREAM_IDLE_ROUNDS 64

/* A libvirt RPC stream is cut before the first length word that claims more than this beyond
 * the end of the input: packet readers allocate a packet's whole declared length (up to 32 MiB)
 * as soon as its length word arrives, as libvirt does, which costs milliseconds under ASan and
 * leads nowhere (the rest never comes). fuzz_packet covers that path. */
#define FUZZ_STREAM_OVERCLAIM 65536u

static inline size_t fuzz_stream_rpc_cut(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (size - off >= 4) {
        uint32_t len = (uint32_t)data[off] << 24 | (uint32_t)data[off + 1] << 16 |
                       (uint32_t)data[off + 2] << 8 | data[off + 3];
        if (len < 28 || len > 33554436u)
            return size;   /* refused before any allocation: the reader's error path */
        if (len > size - off && len - (size - off) > FUZZ_STREAM_OVERCLAIM)
            return off;
        if (len >= size - off)
            return size;
        off += len;
    }
    return size;
}

/* step runs the server's loop without waiting and returns how many callbacks ran (0: idle) or
 * -1 once the server has no connection left. */
typedef int (*fuzz_stream_step)(void *arg);

/* Writes data to fd (our end), then shuts down our writing side (the server sees EOF), while
 * reading and dropping the server's output. Returns the bytes the server sent back. */
static inline size_t fuzz_stream_pump(int fd, const uint8_t *data, size_t size, fuzz_stream_step step,
                                      void *arg)
{
    static uint8_t sink[65536];
    size_t off = 0, received = 0;
    bool shut = false;
    int idle = 0;
    for (;;) {
        bool progress = false;
        if (off < size) {
            ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                off += (size_t)n;
                progress = true;
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                off = size;   /* the server closed the connection: the rest cannot go */
            }
        }
        if (off == size && !shut) {
            shutdown(fd, SHUT_WR);
            shut = true;
            progress = true;
        }
        for (;;) {
            ssize_t n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
            if (n > 0) {
                received += (size_t)n;
                progress = true;
                continue;
            }
            if (n == 0)
                return received;   /* the server closed its end */
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return received;       /* ECONNRESET and the like */
        }
        int ran = step(arg);
        if (ran < 0)
            return received;
        if (ran > 0)
            progress = true;
        idle = progress ? 0 : idle + 1;
        if (idle > FUZZ_STREAM_IDLE_ROUNDS)
            return received;
    }
}

#endif
