/* lv_transport.h: the client's sockets: connecting to a unix socket or TCP host:port within a
 * timeout. Sockets are returned non-blocking and close-on-exec; nothing here knows about packets
 * (reading and writing them is the connection's I/O code in libvirt_client.c). */
#ifndef VW_LV_TRANSPORT_H
#define VW_LV_TRANSPORT_H

#include <stddef.h>

#include "libvirt_client.h"

/* Returns a connected fd, or -1 with a NO_CONNECT / SYSTEM_ERROR error naming path and reason. */
int vw_transport_connect_unix(const char *path, int timeout_ms, vw_virerror *err);
/* Tries every address of host; returns a connected fd (TCP_NODELAY set) or -1. */
int vw_transport_connect_tcp(const char *host, int port, int timeout_ms, vw_virerror *err);
struct vw_uri;
/* libvirt's SSH transport: runs `ssh [-p PORT] [-l USER] [-i KEYFILE] -T -e none [-o
 * BatchMode=yes] -- HOST CMD` (env VW_SSH names another ssh) with its stdin and stdout on
 * one end of a socket pair, and returns the other end; CMD reaches the daemon's socket there as
 * libvirt's proxy= says: netcat (`nc -U SOCKET`, netcat= names the program), native
 * (`virt-ssh-helper URI`) or auto (virt-ssh-helper when the remote host has it, else netcat).
 * *pid gets ssh's process id (the caller ends and reaps it). -1 with an error when ssh cannot
 * start or proxy= is unknown. */
int vw_transport_connect_ssh(const struct vw_uri *uri, int *pid, vw_virerror *err);
/* Ends a helper process started above (SIGTERM) and reaps it; pid <= 0: nothing. */
void vw_transport_reap(int pid);

#endif
