/* procs.h: the procedure table: program + number <-> name <-> public API name <-> payload
 * codecs <-> whether libvirt refuses the call on a read-only connection.
 *
 * One row per procedure libvirt defines (REMOTE, QEMU, LXC, KEEPALIVE), generated at build
 * time by proto/gen_procs.py from proto/procedures.list and our .x files; the C names of the
 * numbers (VW_REMOTE_PROC_DOMAIN_GET_INFO, ...) come from the same list (vw_procedures.h).
 * Names are the ones libvirt's Wireshark dissector and tshark print, e.g. "CONNECT_OPEN",
 * "PING", "DOMAIN_MONITOR_COMMAND". Numbers libvirt never defined are still carried: their
 * payloads stay raw bytes (vw_procs_lookup returns NULL, vw_procs_name gives "PROC_<n>").
 * A known procedure whose structs our .x files do not describe has no codecs (NULL) either.
 *
 * Codec convention per direction:
 *   xdrproc NULL           : this direction does not exist (no ret for an event message,
 *                            no msg for a call)
 *   xdrproc VW_XDR_VOID, size 0: the payload is empty
 *   otherwise              : xdr routine + sizeof the C struct to decode into
 */
#ifndef VW_PROCS_H
#define VW_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "vw_procedures.h"

typedef enum vw_proc_kind {
    VW_PROC_KIND_CALL = 0,      /* CALL -> REPLY */
    VW_PROC_KIND_EVENT = 1      /* MESSAGE (server -> client events, keepalive) */
} vw_proc_kind;

typedef struct vw_proc_info {
    uint32_t prog;              /* VW_REMOTE_PROGRAM, VW_QEMU_PROGRAM, VW_KEEPALIVE_PROGRAM */
    int32_t proc;               /* procedure number within prog */
    const char *name;           /* "CONNECT_OPEN" */
    vw_proc_kind kind;
    const char *api;            /* libvirt's public API, "virDomainGetInfo"; NULL for events
                                 * and AUTH_* steps */
    int api_error_domain;       /* the virErrorDomain that API's file reports errors in */
    bool refused_read_only;     /* libvirt's public API refuses it on a read-only connection
                                 * (virCheckReadOnlyGoto): the state-changing calls, plus
                                 * MIGRATE_GET_MAX_SPEED and the QEMU monitor calls */
    bool high_priority;         /* libvirtd runs it in its high-priority worker pool */
    bool described;             /* our .x files describe its payloads: the codecs below are set */
    bool auth_step;             /* AUTH_SASL_* / AUTH_POLKIT */
    xdrproc_t args_proc;        /* CALL payload */
    size_t args_size;
    xdrproc_t ret_proc;         /* REPLY payload (status OK) */
    size_t ret_size;
    xdrproc_t msg_proc;         /* MESSAGE payload */
    size_t msg_size;
    /* Field descriptions from the .x structs, for one generic XDR <-> JSON walker (the
     * scenario stubs): "Ddom uflags" = type letter + field name, space-separated:
     *   s string  S optional string  U uuid  i int  u unsigned int  h hyper  H unsigned hyper
     *   D domain {name, uuid, id}  d optional domain  N network {name, uuid}
     *   P storage pool {name, uuid}  V storage volume {pool, name, key}
     * NULL when there is nothing to describe. */
    const char *args_spec;      /* the leading argument fields the letters can describe */
    bool args_spec_partial;     /* ... and more fields follow that they cannot (arrays, ...) */
    const char *ret_spec;       /* the whole return struct; NULL unless every field fits */
    /* Releases as libvirt encodes them (11.3.0 = 11003000), 0 = every release fake-libvirtd
     * models (proto/procedures.list's since= and test=, fake-libvirtd/release.c): */
    uint32_t since;             /* the first whose libvirtd defines the number */
    uint32_t test_since;        /* the first whose test driver implements it */
    uint32_t test_until;        /* the first that answers it VIR_ERR_NO_SUPPORT again, 0: none */
} vw_proc_info;

/* The generated rows, sorted by program number then procedure number. */
extern const vw_proc_info vw_proc_table[];
extern const size_t vw_proc_table_len;

/* NULL when (prog, proc) is not in the table. */
const vw_proc_info *vw_procs_lookup(uint32_t prog, int32_t proc);

/* By name; prog 0 searches REMOTE, then QEMU, then LXC, then KEEPALIVE. Case-sensitive. NULL
 * if absent. */
const vw_proc_info *vw_procs_lookup_name(uint32_t prog, const char *name);

/* The whole table, for iteration. */
size_t vw_procs_count(void);
const vw_proc_info *vw_procs_at(size_t index);

/* "REMOTE", "QEMU", "LXC", "KEEPALIVE", "ADMIN"; NULL for an unknown program. */
const char *vw_program_name(uint32_t prog);
/* Inverse of vw_program_name (also accepts "0x20008086"-style hex); 0 if unknown. */
uint32_t vw_program_from_name(const char *name);

/* Name for a trace or a message: the table name, else "PROC_<n>". buf is used only for
 * the fallback and needs 24 bytes. */
const char *vw_procs_name(uint32_t prog, int32_t proc, char *buf, size_t buflen);

/* The codec for pkt's payload, chosen from its header and the table:
 *   CALL / CALL_WITH_FDS          -> args
 *   REPLY / REPLY_WITH_FDS, OK    -> ret;   status ERROR -> xdr_vw_remote_error
 *   MESSAGE                       -> msg
 *   STREAM ERROR with a payload   -> xdr_vw_remote_error; STREAM OK or empty ERROR -> VW_XDR_VOID
 *   STREAM_HOLE                   -> xdr_vw_net_stream_hole
 * NULL means "no decoder, carry the payload as raw bytes": STREAM CONTINUE data, unknown
 * procedures, or a type/direction the procedure does not have. *size gets the struct size
 * (0 for VW_XDR_VOID / NULL). size may be NULL. */
xdrproc_t vw_procs_payload_codec(const vw_packet *pkt, size_t *size);

/* One line for logs and traces, e.g.
 * "REMOTE DOMAIN_LOOKUP_BY_NAME CALL serial=7 status=OK len=48" (unknown names print as
 * numbers: "0x12345678 PROC_5 type=9 ..."). Returns the length snprintf would write. */
int vw_procs_describe(const vw_packet_header *hdr, uint32_t len, char *buf, size_t buflen);

#endif
