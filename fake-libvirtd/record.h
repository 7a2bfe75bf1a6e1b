/* record.h: fake-libvirtd --record TRACE --upstream ADDR: a transparent recording proxy in front
 * of a real libvirtd, run on fake-libvirtd's own server (server.c): the server's mode hooks
 * adapted to the one recording proxy engine (common/record_proxy.h). Every accepted client gets
 * its own upstream connection; every packet is carried unchanged both ways (all programs and
 * procedures, events, keepalive, streams, procedures our tables do not know) and written to the
 * trace (docs/trace-format.md) as one line per whole packet, tagged with the connection id.
 *
 * Client bytes come in through server.c's packet reader and client-bound bytes go out through
 * fl_conn_queue_bytes, so whatever acts on a connection's read/write path applies here too:
 * a call a scenario stub answers or a c2s fault takes never gets here (not forwarded, not
 * recorded). Nothing else is answered locally: keepalive PINGs go to the real daemon like
 * everything else. A message's record is in the file before the message is forwarded
 * (common/trace_file.h); with sync (--record-sync) it is also fdatasynced first.
 */
#ifndef FL_RECORD_H
#define FL_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

typedef struct fl_record fl_record;

/* Opens the trace for writing (header written at once, so a run killed before its first client
 * is still a valid trace) and checks that the upstream accepts a connection now. sync:
 * fdatasync every batch of records before forwarding it (--record-sync).
 * Returns NULL with a message in err. */
fl_record *fl_record_new(const char *trace_path, const char *upstream, int verbose, bool sync,
                         char *err, size_t errlen);
/* Points cfg's mode hooks at rec. */
void fl_record_attach(fl_record *rec, fl_server_config *cfg);
/* The server is stopping: connections closed from now on are recorded as closed by "end". */
void fl_record_shutdown(fl_record *rec);
/* Closes the trace and frees rec (after fl_server_free). Returns 0, or -1 if the trace could
 * not be written completely (the reason was printed). NULL is a no-op returning 0. */
int fl_record_free(fl_record *rec);

#endif
