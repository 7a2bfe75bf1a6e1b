/* lv_transport.h: the client's sockets: connecting to a unix socket or TCP host:port within a
 * timeout. Sockets are returned non-blocking and close-on-exec; nothing here knows about packets
 * (reading and writing them is the connection's I/O code in libvirt_client.c). */
#ifndef VW_LV_TRANSPORT_H
#define VW_LV_TRANSPORT_H

#include <stddef.h>

#include "libvirt_client.h"

/* Returns a connected fd, or -1 with a NO_CONNECT / SYSTEM_ERROR error naming path and reason. */
int vw_transport_connect_unix(const char *path, int timeout_ms, vw_client_error *err);
/* Tries every address of host; returns a connected fd (TCP_NODELAY set) or -1. */
int vw_transport_connect_tcp(const char *host, int port, int timeout_ms, vw_client_error *err);
/* Monotonic clock in milliseconds. */
long long vw_transport_now_ms(void);

#endif
