/* handlers.h: what a procedure handler is and what it may use. dispatch.c makes the RPC-level
 * checks (program, status, unknown procedure, argument decoding, connection not open, read-only
 * refusal) and then calls the one handler registered for the procedure, with the decoded
 * arguments; everything else about a procedure is its row in proto/procedures.list.
 *
 * Handlers come in families, one file each (connect_family.c: connection and authentication;
 * domain_family.c: domains' life cycle; migrate_family.c, events_family.c, objects_family.c:
 * the first network and pool calls, qemu_family.c; dispatch.c only checks and routes). A new
 * family is a file
 *     static const fl_handler rows[] = { {VW_REMOTE_PROGRAM, VW_REMOTE_PROC_X, h_x, false}, };
 *     const fl_handler_family fl_handlers_NAME = FL_HANDLER_FAMILY(rows);
 * plus one extern line below and one line in dispatch.c's families[]. fake-libvirtd refuses to
 * start when a handler's procedure is not a call marked xdr, or has two handlers.
 */
#ifndef FL_HANDLERS_H
#define FL_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "replies.h"
#include "server.h"

typedef void fl_handler_fn(fl_conn *c, const vw_packet_header *hdr, void *args);

typedef struct {
    uint32_t prog;         /* VW_REMOTE_PROGRAM, VW_QEMU_PROGRAM, VW_LXC_PROGRAM */
    int32_t proc;          /* VW_REMOTE_PROC_... / VW_QEMU_PROC_... */
    fl_handler_fn *fn;     /* queues exactly one reply or error on c */
    bool before_open;      /* allowed before CONNECT_OPEN */
} fl_handler;

typedef struct {
    const fl_handler *rows;
    size_t count;
} fl_handler_family;

#define FL_HANDLER_FAMILY(rows) { (rows), sizeof(rows) / sizeof((rows)[0]) }

extern const fl_handler_family fl_handlers_core;      /* connect_family.c */
extern const fl_handler_family fl_handlers_domain;    /* domain_family.c */
extern const fl_handler_family fl_handlers_migrate;   /* migrate_family.c */
extern const fl_handler_family fl_handlers_events;    /* events_family.c */
extern const fl_handler_family fl_handlers_objects;   /* objects_family.c */
extern const fl_handler_family fl_handlers_qemu;      /* qemu_family.c */
extern const fl_handler_family fl_handlers_storage;
extern const fl_handler_family fl_handlers_moments;
extern const fl_handler_family fl_handlers_net;
extern const fl_handler_family fl_handlers_iface;
extern const fl_handler_family fl_handlers_nodedev;
extern const fl_handler_family fl_handlers_host;
extern const fl_handler_family fl_handlers_guest;
extern const fl_handler_family fl_handlers_vcpu;        /* vcpu_family.c */
extern const fl_handler_family fl_handlers_domstats;    /* domstats_family.c */
extern const fl_handler_family fl_handlers_tuning_get;  /* tuning_get_family.c */
extern const fl_handler_family fl_handlers_tuning;
extern const fl_handler_family fl_handlers_iothread;
extern const fl_handler_family fl_handlers_peek_cpu;   /* peek_cpu_family.c */
extern const fl_handler_family fl_handlers_net_update; /* net_update.c */

/* ---- reply helpers (dispatch.c) ---- */

/* VIR_ERR_NO_SUPPORT naming the procedure's public API, as libvirt's virReportUnsupportedError:
 * for a procedure the modelled release's test driver does not implement. */
void fl_reply_no_support(fl_conn *c, const vw_packet_header *hdr);
void fl_reply_int(fl_conn *c, const vw_packet_header *hdr, int value);
void fl_reply_string(fl_conn *c, const vw_packet_header *hdr, const char *s);
void fl_reply_dom(fl_conn *c, const vw_packet_header *hdr, const fl_domain *d);
void fl_reply_void(fl_conn *c, const vw_packet_header *hdr);

/* fl_check_flags (fl_flags.h) for a call: false after replying its "unsupported flags" error. */
bool fl_flags_ok(fl_conn *c, const vw_packet_header *hdr, unsigned flags, unsigned supported,
                 const char *func);

/* The QEMU processes of --qemu-dir for a QEMU-driver connection, else NULL (qemu_link.h). */
struct fl_qemu *fl_conn_qemu(const fl_conn *c);

/* ---- domain helpers of the tuning families (domain_checks.c) ---- */

/* virCheckNonNullArgGoto in the public API function api (libvirtd hands it NULL for an empty
 * list or a zero length): true after replying "arg in api must not be NULL". */
bool fl_null_arg(fl_conn *c, const vw_packet_header *hdr, bool null, const char *arg,
                 const char *api);
/* virDomainObjGetOneDef for a change: the definition flags name (the persistent one split off
 * a running domain first), with libvirt's errors for a live change of an inactive domain or a
 * config change of a transient one; NULL with err filled. */
domain_def *fl_one_def_for_change(fl_domain *d, unsigned flags, vw_virerror *err);
/* The same, refusing LIVE and CONFIG together first, as virDomainObjGetOneDef does
 * ("Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"). */
domain_def *fl_exclusive_def_for_change(fl_domain *d, unsigned flags, vw_virerror *err);

/* Fills a remote_nonnull_domain from a model domain (pointers into the model). */
void fl_make_dom(vw_nonnull_domain *out, const fl_domain *d);

/* The model domain a call names, or NULL after replying libvirt's "Domain not found" error. */
fl_domain *fl_get_dom(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom);

#endif
