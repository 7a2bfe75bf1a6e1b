/* daemon.h: fake-libvirtd put together: the transport (server.h) with the models (models.h),
 * event delivery (events.h), sessions (session.h), call dispatch (dispatch.h), scenario stubs
 * and the QEMU processes of --qemu-dir (qemu_link.h) hooked onto it. The one module that knows
 * them all; main.c and the in-process drivers (fuzz targets) start here.
 */
#ifndef FL_DAEMON_H
#define FL_DAEMON_H

#include "server.h"
#include "stubs.h"

/* Creates the server: reads and checks the --state file, binds every socket, starts the QEMU
 * link. Returns NULL with a message in err. */
fl_server *fl_server_new(const fl_server_config *cfg, char *err, size_t errlen);
/* A server with no listening socket and no signal handling: connections come from
 * fl_server_adopt_fd. state_file NULL = built-in default. Returns NULL with a message in err. */
fl_server *fl_server_new_detached(const char *state_file, int verbose, char *err, size_t errlen);
/* Stops the QEMU processes, closes every connection and socket, frees everything. */
void fl_server_free(fl_server *srv);
/* Scenario stubs are offered every CALL before the mode sees it (NULL = none). */
void fl_server_set_stubs(fl_server *srv, fl_stubs *stubs);

#endif
