/* mode_hooks.h: the one hook API through which a server hands its clients to a mode that is not
 * its own model: record (common/record_proxy.h's adapters) and replay, in fake-libvirtd
 * (server.c) and fake-qemu (qmp_server.c) alike.
 *
 * Owns: only the contract. The server keeps the connection's read and write path (framing,
 * faults, scenario stubs, output queue) and calls the mode at the same points in both fakes: a
 * client accepted, raw bytes read (only for a mode that frames them itself), one framed message,
 * the output queue written out, the connection gone. conn is the server's connection (fl_conn *
 * in fake-libvirtd, qmp_conn * in fake-qemu); opaque is the mode's.
 */
#ifndef VW_MODE_HOOKS_H
#define VW_MODE_HOOKS_H

#include <stddef.h>
#include <stdint.h>

/* One message the server's reader framed. */
typedef struct vw_mode_msg {
    const uint8_t *raw;         /* the bytes as received (libvirt), or NULL (QMP) */
    size_t len;
    const void *decoded;        /* libvirt: the vw_packet (NULL: a malformed header);
                                 * QMP: the json_t (NULL: input QEMU could not parse) */
    const char *error;          /* QMP: QEMU's parse error, else NULL */
} vw_mode_msg;

typedef struct vw_mode_hooks {
    /* a client was accepted; -1 closes it at once */
    int (*open)(void *opaque, void *conn);
    /* optional: the client's raw bytes as read, instead of message(); returns how many it took
     * (fewer holds the rest until the server is told to resume) */
    size_t (*input)(void *opaque, void *conn, const uint8_t *buf, size_t len);
    /* one whole message from the client */
    void (*message)(void *opaque, void *conn, const vw_mode_msg *msg);
    /* optional: the connection's output queue has been written out */
    void (*drained)(void *opaque, void *conn);
    /* the connection is gone (client EOF or error, closed by the mode, server freed): conn is
     * invalid after it */
    void (*closed)(void *opaque, void *conn);
    void *opaque;
} vw_mode_hooks;

#endif
