/* migration.h: the source side of a peer-to-peer migration. The source fake-libvirtd connects to
 * the destination daemon itself with our client library (client/libvirt_client.h) and runs
 * libvirt's params protocol there: DOMAIN_MIGRATE_PREPARE3_PARAMS (with the domain XML in the
 * "destination_xml" parameter), then DOMAIN_MIGRATE_FINISH3_PARAMS.
 *
 * The exchange is synchronous and bounded in time: it runs on the server's event loop, which
 * it holds for at most FL_MIGRATE_CONNECT_MS to connect and hand-shake plus FL_MIGRATE_CALL_MS
 * per call (two calls and CONNECT_CLOSE), about 11 s in the worst case and a few milliseconds
 * against a live fake. Migrating to the daemon's own socket therefore fails with a timeout.
 */
#ifndef FL_MIGRATION_H
#define FL_MIGRATION_H

#include "model.h"
#include "packet.h"

#define FL_MIGRATE_CONNECT_MS 2000
#define FL_MIGRATE_CALL_MS 3000

/* Runs PREPARE3_PARAMS and FINISH3_PARAMS on the daemon at dconnuri for the domain described by
 * xml. params (the client's typed parameters) are passed on, with "destination_xml" set to xml.
 * flags are the client's virDomainMigrateFlags. Returns 0, or -1 with err filled: the
 * destination's own error when it refused, else one naming the destination and the cause. */
int fl_migrate_p2p(const char *dconnuri, const char *xml, const vw_typed_param *params,
                   unsigned nparams, unsigned flags, vw_virerror *err);

/* The string value of typed parameter field in params, or NULL (also when it is not a string). */
const char *fl_migrate_param_string(const vw_typed_param *params, unsigned nparams,
                                    const char *field);

#endif
