/* admin.h: the admin socket of the fakes (--admin unix:PATH): a small control server on the
 * shared event loop. The protocol is newline-delimited JSON: one request object a line, one
 * reply object a line, in order (docs/admin-protocol.md).
 *
 * This module owns the socket, the connections, framing (a line longer than VW_ADMIN_LINE_MAX
 * is refused and the connection closed), JSON parsing and the error replies for requests that
 * are not an object with a string "op"; the operations themselves are the handler's.
 * Several admin clients may be connected at once; none can block the loop.
 */
#ifndef VW_ADMIN_H
#define VW_ADMIN_H

#include <stddef.h>

#include <jansson.h>

#include "evloop.h"

#define VW_ADMIN_LINE_MAX (4u << 20)
#define VW_ADMIN_MAX_CLIENTS 64

typedef struct vw_admin vw_admin;

/* Handles one request (an object with a string member "op"); returns a new reply object,
 * which should carry "ok": true or "ok": false with "error". NULL = "unknown op". */
typedef json_t *vw_admin_handler(void *opaque, const char *op, const json_t *req);

/* Listens on spec ("unix:PATH"; a stale socket file is replaced, mode 0600). Returns NULL with
 * a reason in err. */
vw_admin *vw_admin_new(vw_evloop *loop, const char *spec, vw_admin_handler *handler,
                       void *opaque, char *err, size_t errlen);
/* Closes every admin connection and the socket, removes the socket file. */
void vw_admin_free(vw_admin *a);

#endif
