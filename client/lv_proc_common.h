/* lv_proc_common.h: what the client's typed procedure wrappers share (lv_proc_common.c), private
 * to the library: error shorthands, conversions between proto/'s rpcgen types and the public
 * vw_client_* types, and call shorthands for the REMOTE program (each one vw_call). */
#ifndef VW_LV_PROC_COMMON_H
#define VW_LV_PROC_COMMON_H

#include "libvirt_client.h"
#include "lv_procs.h"

/* A wrapper's argument check: returns lv_invalid(err, what) unless cond holds. */
#define CHECK_ARGS(cond, what) do { if (!(cond)) return lv_invalid(err, what); } while (0)

/* Set err (out of memory, or an invalid argument described by what) and return -1. */
int lv_nomem(vw_virerror *err);
int lv_invalid(vw_virerror *err, const char *what);
int lv_dom_from_wire(vw_client_domain *out, const vw_nonnull_domain *in);
/* The wire form borrows dom's name (never freed through it). */
void lv_dom_to_wire(vw_nonnull_domain *out, const vw_client_domain *dom);
void lv_net_to_wire(vw_nonnull_network *out, const vw_client_network *net);
void lv_pool_to_wire(vw_nonnull_storage_pool *out, const vw_client_storage_pool *pool);
int lv_name_uuid_from_wire(char **name, unsigned char uuid[VW_UUID_BUFLEN], const char *wname,
                           const char *wuuid);
int lv_remote_call(vw_conn *conn, int proc, xdrproc_t args_proc, void *args, xdrproc_t ret_proc,
                   void *ret, vw_virerror *err);
/* A call whose reply is one string moved into *out. */
int lv_call_string(vw_conn *conn, int proc, xdrproc_t args_proc, void *args, char **out,
                   vw_virerror *err);
int lv_call_int(vw_conn *conn, int proc, xdrproc_t args_proc, void *args, int *out,
                vw_virerror *err);
int lv_call_domain_ret(vw_conn *conn, int proc, xdrproc_t args_proc, void *args,
                       vw_client_domain *dom, vw_virerror *err);
/* A call that takes only a domain and returns nothing. */
int lv_call_domain_void(vw_conn *conn, int proc, const vw_client_domain *dom,
                        vw_virerror *err);
int lv_call_domain_flags_void(vw_conn *conn, int proc, const vw_client_domain *dom,
                              unsigned int flags, vw_virerror *err);
int lv_call_domain_int(vw_conn *conn, int proc, const vw_client_domain *dom, int *out,
                       vw_virerror *err);

#endif
