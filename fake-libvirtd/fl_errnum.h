/* fl_errnum.h: the libvirt error numbers and error domains the fake answers with
 * (libvirt/virterror.h's virErrorNumber and virErrorDomain), for the model and the domain XML
 * parser alike (so domain_xml needs nothing from model.h). */
#ifndef FL_ERRNUM_H
#define FL_ERRNUM_H

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

#endif
