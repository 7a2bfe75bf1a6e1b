/* virerror.h: libvirt's error numbers, domains and levels (virErrorNumber, virErrorDomain,
 * virErrorLevel in libvirt's virterror.h), written once for the whole project: the client
 * library, virtc and fake-libvirtd (whose FL_ERR_* / FL_FROM_* names in fl_error.h are aliases
 * of these) send and compare these exact numbers on the wire.
 *
 * Owns: the numbers, and the one conversion between a libvirt error's fields (vw_virerror, strings
 * borrowed) and the wire's remote_error, both ways. The client's vw_client_error (owned strings)
 * and the fake's fl_error (fixed buffers) pass through vw_virerror; parse and load errors are a
 * different thing (vw_error.h).
 * Add a value here, with libvirt's number, when a new code or domain is needed.
 */
#ifndef VW_VIRERROR_H
#define VW_VIRERROR_H

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

/* One libvirt error as its fields; strings are borrowed, NULL or "" = absent (message: NULL =
 * absent, "" = sent empty). level 0 is sent as VW_ERR_LEVEL_ERROR, as libvirtd does. */
typedef struct vw_virerror {
    int code;                      /* VW_ERR_* */
    int domain;                    /* VW_FROM_* */
    int level;                     /* VW_ERR_LEVEL_* */
    const char *message;
    const char *str1, *str2, *str3;
    int int1, int2;
} vw_virerror;

/* Fills *out from in, borrowing in's strings (valid while they and slots live: XDR's optional
 * strings are char **, slots holds the four char * they point to); encode *out with
 * xdr_vw_remote_error. */
void vw_virerror_to_wire(const vw_virerror *in, struct vw_remote_error *out, char *slots[4]);

/* The fields of a decoded remote_error, borrowing its strings (absent and empty -> NULL). */
vw_virerror vw_virerror_from_wire(const struct vw_remote_error *in);

#endif
