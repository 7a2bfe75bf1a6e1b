/* extra_codecs.c: XDR routines for procedures proto/ does not carry (see extra_codecs.h). */
#include "extra_codecs.h"

bool_t fl_xdr_list_args(XDR *xdrs, fl_list_args *a)
{
    return xdr_int(xdrs, &a->max);
}

static bool_t xdr_nonnull_string(XDR *xdrs, char **s)
{
    return xdr_string(xdrs, s, VW_REMOTE_STRING_MAX);
}

bool_t fl_xdr_list_names_ret(XDR *xdrs, fl_list_names_ret *r)
{
    return xdr_array(xdrs, (char **)&r->names_val, &r->names_len, FL_DOMAIN_LIST_MAX,
                     sizeof(char *), (xdrproc_t)xdr_nonnull_string);
}

bool_t fl_xdr_list_ids_ret(XDR *xdrs, fl_list_ids_ret *r)
{
    return xdr_array(xdrs, (char **)&r->ids_val, &r->ids_len, FL_DOMAIN_LIST_MAX, sizeof(int),
                     (xdrproc_t)xdr_int);
}

bool_t fl_xdr_domain_set_autostart_args(XDR *xdrs, fl_domain_set_autostart_args *a)
{
    return xdr_vw_nonnull_domain(xdrs, &a->dom) && xdr_int(xdrs, &a->autostart);
}

bool_t fl_xdr_domain_control_info_ret(XDR *xdrs, fl_domain_control_info_ret *r)
{
    return xdr_u_int(xdrs, &r->state) && xdr_u_int(xdrs, &r->details) &&
           xdr_u_hyper(xdrs, &r->state_time);
}

bool_t fl_xdr_pool_list_all_volumes_args(XDR *xdrs, fl_pool_list_all_volumes_args *a)
{
    return xdr_vw_nonnull_storage_pool(xdrs, &a->pool) && xdr_int(xdrs, &a->need_results) &&
           xdr_u_int(xdrs, &a->flags);
}

bool_t fl_xdr_pool_list_all_volumes_ret(XDR *xdrs, fl_pool_list_all_volumes_ret *r)
{
    /* an empty array is its length word 0 */
    if (xdrs->x_op == XDR_ENCODE && r->count != 0)
        return FALSE;
    return xdr_u_int(xdrs, &r->count) && xdr_u_int(xdrs, &r->ret);
}
