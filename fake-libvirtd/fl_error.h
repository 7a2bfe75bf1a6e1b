/* fl_error.h: the libvirt error fake-libvirtd sends: virErrorNumber and virErrorDomain values,
 * the fields of a remote_error, and the shapes libvirt gives its messages (a code's standard
 * prefix, virReportInvalidArg, virCheckFlags). Below every module that reports errors.
 */
#ifndef FL_ERROR_H
#define FL_ERROR_H

/* virErrorNumber values we use (libvirt/virterror.h). */
enum {
    FL_ERR_INTERNAL_ERROR = 1,
    FL_ERR_NO_SUPPORT = 3,
    FL_ERR_NO_CONNECT = 5,
    FL_ERR_INVALID_ARG = 8,
    FL_ERR_OPERATION_FAILED = 9,
    FL_ERR_NO_NAME = 21,
    FL_ERR_XML_ERROR = 27,
    FL_ERR_OPERATION_DENIED = 29,
    FL_ERR_XML_DETAIL = 35,
    FL_ERR_SYSTEM_ERROR = 38,
    FL_ERR_RPC = 39,
    FL_ERR_NO_DOMAIN = 42,
    FL_ERR_NO_NETWORK = 43,
    FL_ERR_AUTH_FAILED = 45,
    FL_ERR_NO_STORAGE_POOL = 49,
    FL_ERR_OPERATION_INVALID = 55,
    FL_ERR_CONFIG_UNSUPPORTED = 67,
};

/* virErrorDomain values we use. */
enum {
    FL_FROM_NONE = 0,
    FL_FROM_RPC = 7,
    FL_FROM_QEMU = 10,
    FL_FROM_TEST = 12,
    FL_FROM_REMOTE = 13,
    FL_FROM_STORAGE = 18,
    FL_FROM_NETWORK = 19,
    FL_FROM_DOMAIN = 20,
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
