/* fl_error.h: the libvirt error fake-libvirtd sends: names for virerror.h's numbers and domains,
 * the fields of a remote_error, and the shapes libvirt gives its messages (a code's standard
 * prefix, virReportInvalidArg, virCheckFlags). Below every module that reports errors.
 */
#ifndef FL_ERROR_H
#define FL_ERROR_H

#include "virerror.h"

/* libvirt's error numbers and domains are defined once, in proto/virerror.h; these are the
 * names fake-libvirtd's handlers use for them (the same values, no second table). */
enum {
    FL_ERR_INTERNAL_ERROR = VW_ERR_INTERNAL_ERROR,
    FL_ERR_NO_SUPPORT = VW_ERR_NO_SUPPORT,
    FL_ERR_NO_CONNECT = VW_ERR_NO_CONNECT,
    FL_ERR_INVALID_ARG = VW_ERR_INVALID_ARG,
    FL_ERR_OPERATION_FAILED = VW_ERR_OPERATION_FAILED,
    FL_ERR_NO_NAME = VW_ERR_NO_NAME,
    FL_ERR_XML_ERROR = VW_ERR_XML_ERROR,
    FL_ERR_OPERATION_DENIED = VW_ERR_OPERATION_DENIED,
    FL_ERR_XML_DETAIL = VW_ERR_XML_DETAIL,
    FL_ERR_SYSTEM_ERROR = VW_ERR_SYSTEM_ERROR,
    FL_ERR_RPC = VW_ERR_RPC,
    FL_ERR_NO_DOMAIN = VW_ERR_NO_DOMAIN,
    FL_ERR_NO_NETWORK = VW_ERR_NO_NETWORK,
    FL_ERR_AUTH_FAILED = VW_ERR_AUTH_FAILED,
    FL_ERR_NO_STORAGE_POOL = VW_ERR_NO_STORAGE_POOL,
    FL_ERR_NO_STORAGE_VOL = VW_ERR_NO_STORAGE_VOL,
    FL_ERR_OPERATION_INVALID = VW_ERR_OPERATION_INVALID,
    FL_ERR_CONFIG_UNSUPPORTED = VW_ERR_CONFIG_UNSUPPORTED,
    FL_ERR_NO_DOMAIN_SNAPSHOT = VW_ERR_NO_DOMAIN_SNAPSHOT,
    FL_ERR_SNAPSHOT_REVERT_RISKY = VW_ERR_SNAPSHOT_REVERT_RISKY,
    FL_ERR_OPERATION_UNSUPPORTED = VW_ERR_OPERATION_UNSUPPORTED,
    FL_ERR_NO_DOMAIN_CHECKPOINT = VW_ERR_NO_DOMAIN_CHECKPOINT,
};
enum {
    FL_FROM_NONE = VW_FROM_NONE,
    FL_FROM_XML = VW_FROM_XML,
    FL_FROM_RPC = VW_FROM_RPC,
    FL_FROM_QEMU = VW_FROM_QEMU,
    FL_FROM_TEST = VW_FROM_TEST,
    FL_FROM_REMOTE = VW_FROM_REMOTE,
    FL_FROM_STORAGE = VW_FROM_STORAGE,
    FL_FROM_NETWORK = VW_FROM_NETWORK,
    FL_FROM_DOMAIN = VW_FROM_DOMAIN,
    FL_FROM_DOMAIN_SNAPSHOT = VW_FROM_DOMAIN_SNAPSHOT,
    FL_FROM_DOMAIN_CHECKPOINT = VW_FROM_DOMAIN_CHECKPOINT,
};

typedef struct {
    int code;          /* virErrorNumber */
    int domain;        /* virErrorDomain */
    char message[1024];/* the full message, as virsh prints it */
    char str1[128];    /* the format's prefix with "%s", as libvirt fills str1 */
    char str2[1024];   /* the detail, as libvirt fills str2 ("" = none) */
    int int1, int2;    /* -1 for most errors; 0 for virReportInvalidArg's */
} fl_error;

/* Fills err. prefix is the code's standard text ("internal error", "operation failed", ...)
 * or NULL when the message is the detail alone (str1 = message, no str2), or "" for the
 * RPC layer's errors (message = detail, str1 = "%s", str2 = detail). */
void fl_error_set(fl_error *err, int code, int domain, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* virReportInvalidArg's shape (virCheckFlags and friends): code VIR_ERR_INVALID_ARG, the
 * message alone (no "invalid argument: " prefix), str1 the C function, str2 the argument. */
void fl_error_set_invalid_arg(fl_error *err, int domain, const char *func, const char *arg,
                              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Refuses flags outside supported as libvirt's virCheckFlags does in the test driver's func
 * ("unsupported flags (0x10) in function testDomainGetXMLDesc"). Returns 0 or -1. */
int fl_check_flags(unsigned flags, unsigned supported, const char *func, fl_error *err);

#endif
