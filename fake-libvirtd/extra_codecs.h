/* extra_codecs.h: XDR layouts of the few REMOTE procedures fake-libvirtd answers that proto/
 * does not carry (yet). Field order and limits follow libvirt's remote_protocol.x; the
 * routines are written with libtirpc primitives and the proto/ types.
 *   21 CONNECT_LIST_DEFINED_DOMAINS  {int maxnames}        -> {string names<16384>}
 *   29 DOMAIN_SET_AUTOSTART          {domain; int autostart} -> void
 *   37 CONNECT_LIST_DOMAINS          {int maxids}          -> {int ids<16384>}
 *  229 DOMAIN_GET_CONTROL_INFO       {domain; u_int flags}  -> {u_int state, details; u_hyper time}
 *  282 STORAGE_POOL_LIST_ALL_VOLUMES {pool; int need_results; u_int flags}
 *                                    -> {volumes<16384> (always empty here); u_int ret}
 */
#ifndef FL_EXTRA_CODECS_H
#define FL_EXTRA_CODECS_H

#include <rpc/rpc.h>

#include "packet.h"

#define FL_DOMAIN_LIST_MAX 16384

typedef struct {
    int max;
} fl_list_args;

typedef struct {
    u_int names_len;
    char **names_val;
} fl_list_names_ret;

typedef struct {
    u_int ids_len;
    int *ids_val;
} fl_list_ids_ret;

typedef struct {
    vw_nonnull_domain dom;
    int autostart;
} fl_domain_set_autostart_args;

typedef struct {
    u_int state, details;
    u_quad_t state_time;
} fl_domain_control_info_ret;

typedef struct {
    vw_nonnull_storage_pool pool;
    int need_results;
    u_int flags;
} fl_pool_list_all_volumes_args;

/* The reply carries an empty volume list and the count 0. */
typedef struct {
    u_int count;
    u_int ret;
} fl_pool_list_all_volumes_ret;

bool_t fl_xdr_domain_control_info_ret(XDR *xdrs, fl_domain_control_info_ret *r);
bool_t fl_xdr_pool_list_all_volumes_args(XDR *xdrs, fl_pool_list_all_volumes_args *a);
bool_t fl_xdr_pool_list_all_volumes_ret(XDR *xdrs, fl_pool_list_all_volumes_ret *r);
bool_t fl_xdr_list_args(XDR *xdrs, fl_list_args *a);
bool_t fl_xdr_list_names_ret(XDR *xdrs, fl_list_names_ret *r);
bool_t fl_xdr_list_ids_ret(XDR *xdrs, fl_list_ids_ret *r);
bool_t fl_xdr_domain_set_autostart_args(XDR *xdrs, fl_domain_set_autostart_args *a);

#endif
