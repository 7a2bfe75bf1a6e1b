/* virerror.h: libvirt's errors, written once for the whole project: the numbers, domains and
 * levels (virErrorNumber, virErrorDomain, virErrorLevel in libvirt's virterror.h) and the one
 * error type, vw_virerror, that the client library, virtc and fake-libvirtd fill, send and
 * compare.
 *
 * Owns: the numbers; vw_virerror (libvirt's virError fields as remote_error carries them, owned
 * strings); filling it the ways libvirt does (a local message, virReportError's "prefix: detail"
 * shape, virReportInvalidArg's shape), copying, moving and releasing it; the one conversion to and
 * from the wire's remote_error. Parse and load errors are a different thing (vw_error.h).
 * Add a value here, with libvirt's number, when a new code or domain is needed.
 */
#ifndef VW_VIRERROR_H
#define VW_VIRERROR_H

#include <stdbool.h>

struct vw_remote_error;   /* vw_net_protocol.h (generated); this header stays includable alone */

/* virErrorNumber */
enum {
    VW_ERR_OK = 0,
    VW_ERR_INTERNAL_ERROR = 1,
    VW_ERR_NO_MEMORY = 2,
    VW_ERR_NO_SUPPORT = 3,         /* auth type or procedure not supported */
    VW_ERR_NO_CONNECT = 5,         /* cannot connect, or the connection is already dead */
    VW_ERR_INVALID_ARG = 8,        /* bad URI, bad argument */
    VW_ERR_OPERATION_FAILED = 9,
    VW_ERR_NO_NAME = 21,
    VW_ERR_XML_ERROR = 27,
    VW_ERR_OPERATION_DENIED = 29,
    VW_ERR_XML_DETAIL = 35,
    VW_ERR_SYSTEM_ERROR = 38,      /* a system call failed (message names it and errno text) */
    VW_ERR_RPC = 39,               /* protocol violation, peer closed, keepalive timeout */
    VW_ERR_NO_DOMAIN = 42,
    VW_ERR_NO_NETWORK = 43,
    VW_ERR_AUTH_FAILED = 45,
    VW_ERR_NO_STORAGE_POOL = 49,
    VW_ERR_NO_STORAGE_VOL = 50,
    VW_ERR_OPERATION_INVALID = 55,
    VW_ERR_CONFIG_UNSUPPORTED = 67,
    VW_ERR_OPERATION_TIMEOUT = 68, /* a call got no reply within the call timeout */
    VW_ERR_NO_DOMAIN_SNAPSHOT = 72,
    VW_ERR_SNAPSHOT_REVERT_RISKY = 81,
    VW_ERR_OPERATION_UNSUPPORTED = 84,
    VW_ERR_AUTH_UNAVAILABLE = 94,  /* server demands SASL or polkit and it could not be done */
    VW_ERR_NO_DOMAIN_CHECKPOINT = 103
};

/* virErrorDomain */
enum {
    VW_FROM_NONE = 0,
    VW_FROM_XML = 5,               /* "XML Util error" */
    VW_FROM_DOM = 6,
    VW_FROM_RPC = 7,               /* the RPC layer; local errors of the client library */
    VW_FROM_QEMU = 10,
    VW_FROM_TEST = 12,
    VW_FROM_REMOTE = 13,
    VW_FROM_STORAGE = 18,
    VW_FROM_NETWORK = 19,
    VW_FROM_DOMAIN = 20,
    VW_FROM_DOMAIN_SNAPSHOT = 35,
    VW_FROM_DOMAIN_CHECKPOINT = 69
};

/* virErrorLevel */
enum { VW_ERR_LEVEL_NONE = 0, VW_ERR_LEVEL_WARNING = 1, VW_ERR_LEVEL_ERROR = 2 };

/* One libvirt error: made locally, built by a daemon for its reply, or decoded in full from a
 * peer's remote_error (remote == true). Strings are malloc'd or NULL; the struct starts zeroed
 * (`vw_virerror e = {0};`), each setter releases what it held, vw_virerror_clear releases it.
 * On the wire a NULL string is absent, any other is sent (the setters leave empty str1..3 out,
 * as libvirt does). The client library's public name for it is vw_client_error
 * (libvirt_client.h). */
typedef struct vw_virerror {
    int code;                      /* VW_ERR_* / virErrorNumber */
    int domain;                    /* VW_FROM_* / virErrorDomain */
    int level;                     /* VW_ERR_LEVEL_* */
    char *message;                 /* the full message, as virsh prints it */
    char *str1, *str2, *str3;      /* libvirt's extra strings (str1: the format, str2: detail) */
    int int1, int2;                /* -1 for most libvirt errors, 0 for virReportInvalidArg's */
    bool remote;                   /* decoded from a peer's remote_error */
} vw_virerror;

/* Releases the strings and zeroes *err; safe on a zeroed or cleared struct and on NULL. */
void vw_virerror_clear(vw_virerror *err);

/* A local error (no peer involved): code, domain, level ERROR, the printf message alone (no
 * str1..3, int1/int2 0). err may be NULL. */
void vw_virerror_set(vw_virerror *err, int code, int domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* virReportError's shape, as a daemon sends it (int1 = int2 = -1): prefix is the code's standard
 * text ("internal error", "operation failed", ...): message "prefix: detail", str1 "prefix: %s",
 * str2 the detail. prefix NULL: the message is the detail alone (str1 = detail, no str2); prefix
 * "": the RPC layer's shape (message = detail, str1 = "%s", str2 = detail). The detail is cut
 * to 1023 bytes, as libvirt's VIR_ERROR_MAX_LENGTH cuts it. err may be NULL (a caller that
 * expects the failure, e.g. a lookup checking that a name is free, passes NULL). */
void vw_virerror_report(vw_virerror *err, int code, int domain, const char *prefix,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* virReportInvalidArg's shape (virCheckFlags and friends): code VW_ERR_INVALID_ARG, the message
 * alone (no "invalid argument: " prefix), str1 the C function, str2 the argument, int1 = int2 =
 * 0. err may be NULL. */
void vw_virerror_report_invalid_arg(vw_virerror *err, int domain, const char *func,
                                    const char *arg, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The message, or a text built from code/domain when there is none. Never NULL. */
const char *vw_virerror_message(const vw_virerror *err);

/* Deep copy of src into *dst (dst released first); -1 when out of memory (dst then holds a
 * NO_MEMORY error). */
int vw_virerror_copy(vw_virerror *dst, const vw_virerror *src);
/* Moves src into *dst (dst released first) and zeroes src. */
void vw_virerror_move(vw_virerror *dst, vw_virerror *src);

/* Fills *out from in as it is (level included), borrowing in's strings (valid while *in lives
 * and is unchanged); encode *out with xdr_vw_remote_error. */
void vw_virerror_to_wire(const vw_virerror *in, struct vw_remote_error *out);

/* Decodes a remote_error into *out (released first; strings copied, absent and empty -> NULL,
 * remote = true). -1 when out of memory (out then holds a NO_MEMORY error). */
int vw_virerror_from_wire(vw_virerror *out, const struct vw_remote_error *in);

#endif
