/* lv_proc_domain.c: the client's typed domain procedures (lookup, information, XML, lifecycle,
 * the QEMU monitor passthrough) and migration procedures, declared in libvirt_client.h. Every
 * wrapper is one vw_call; the shared conversions and shorthands are lv_proc_common.c. */
#include "lv_procs.h"
#include "lv_proc_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- domains -------------------------------------------------------------------------------------- */

int vw_domain_lookup_by_name(vw_conn *conn, const char *name, vw_client_domain *dom,
                             vw_virerror *err)
{
    CHECK_ARGS(name && dom, "no domain name or result pointer given");
    vw_domain_lookup_by_name_args args = { .name = (char *)name };
    return lv_call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                              (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &args, dom, err);
}

int vw_domain_lookup_by_uuid(vw_conn *conn, const unsigned char uuid[VW_UUID_BUFLEN],
                             vw_client_domain *dom, vw_virerror *err)
{
    CHECK_ARGS(uuid && dom, "no UUID or result pointer given");
    vw_domain_lookup_by_uuid_args args;
    memcpy(args.uuid, uuid, VW_UUID_BUFLEN);
    return lv_call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID,
                              (xdrproc_t)xdr_vw_domain_lookup_by_uuid_args, &args, dom, err);
}

int vw_domain_lookup_by_id(vw_conn *conn, int id, vw_client_domain *dom, vw_virerror *err)
{
    CHECK_ARGS(dom, "no result pointer given");
    vw_domain_lookup_by_id_args args = { .id = id };
    return lv_call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_ID,
                              (xdrproc_t)xdr_vw_domain_lookup_by_id_args, &args, dom, err);
}

int vw_domain_get_info(vw_conn *conn, const vw_client_domain *dom, vw_client_domain_info *info,
                       vw_virerror *err)
{
    CHECK_ARGS(dom && info, "no domain or result pointer given");
    vw_domain_args args;
    lv_dom_to_wire(&args.dom, dom);
    vw_domain_get_info_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_DOMAIN_GET_INFO, (xdrproc_t)xdr_vw_domain_args, &args,
                       (xdrproc_t)xdr_vw_domain_get_info_ret, &ret, err) < 0)
        return -1;
    info->state = ret.state;
    info->max_mem = ret.maxMem;
    info->memory = ret.memory;
    info->nr_virt_cpu = ret.nrVirtCpu;
    info->cpu_time = ret.cpuTime;
    return 0;
}

int vw_domain_get_state(vw_conn *conn, const vw_client_domain *dom, unsigned int flags, int *state,
                        int *reason, vw_virerror *err)
{
    CHECK_ARGS(dom && state, "no domain or result pointer given");
    vw_domain_flags_args args;
    lv_dom_to_wire(&args.dom, dom);
    args.flags = flags;
    vw_domain_get_state_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_DOMAIN_GET_STATE, (xdrproc_t)xdr_vw_domain_flags_args,
                       &args, (xdrproc_t)xdr_vw_domain_get_state_ret, &ret, err) < 0)
        return -1;
    *state = ret.state;
    if (reason)
        *reason = ret.reason;
    return 0;
}

int vw_domain_get_xml_desc(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                           char **xml, vw_virerror *err)
{
    CHECK_ARGS(dom && xml, "no domain or result pointer given");
    vw_domain_get_xml_desc_args args;
    lv_dom_to_wire(&args.dom, dom);
    args.flags = flags;
    return lv_call_string(conn, VW_REMOTE_PROC_DOMAIN_GET_XML_DESC,
                          (xdrproc_t)xdr_vw_domain_get_xml_desc_args, &args, xml, err);
}

int vw_domain_get_os_type(vw_conn *conn, const vw_client_domain *dom, char **os_type,
                          vw_virerror *err)
{
    CHECK_ARGS(dom && os_type, "no domain or result pointer given");
    vw_domain_args args;
    lv_dom_to_wire(&args.dom, dom);
    return lv_call_string(conn, VW_REMOTE_PROC_DOMAIN_GET_OS_TYPE, (xdrproc_t)xdr_vw_domain_args,
                          &args, os_type, err);
}

int vw_domain_get_autostart(vw_conn *conn, const vw_client_domain *dom, int *autostart,
                            vw_virerror *err)
{
    return lv_call_domain_int(conn, VW_REMOTE_PROC_DOMAIN_GET_AUTOSTART, dom, autostart, err);
}

int vw_domain_get_messages(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                           char ***messages, size_t *count, vw_virerror *err)
{
    CHECK_ARGS(dom && messages && count, "no domain or result pointer given");
    vw_domain_get_messages_args args;
    lv_dom_to_wire(&args.dom, dom);
    args.flags = flags;
    vw_domain_get_messages_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (vw_call(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_GET_MESSAGES,
                (xdrproc_t)xdr_vw_domain_get_messages_args, &args,
                (xdrproc_t)xdr_vw_domain_get_messages_ret, &ret, err) < 0)
        return -1;
    /* Hand the decoded array over as it is: xdr_string allocated each element with malloc. */
    *messages = ret.msgs.msgs_len ? ret.msgs.msgs_val : NULL;
    *count = ret.msgs.msgs_len;
    if (!ret.msgs.msgs_len)
        free(ret.msgs.msgs_val);
    return 0;
}

void vw_string_list_free(char **strings, size_t count)
{
    for (size_t i = 0; strings && i < count; i++)
        free(strings[i]);
    free(strings);
}

int vw_domain_is_active(vw_conn *conn, const vw_client_domain *dom, int *active,
                        vw_virerror *err)
{
    return lv_call_domain_int(conn, VW_REMOTE_PROC_DOMAIN_IS_ACTIVE, dom, active, err);
}

int vw_domain_is_persistent(vw_conn *conn, const vw_client_domain *dom, int *persistent,
                            vw_virerror *err)
{
    return lv_call_domain_int(conn, VW_REMOTE_PROC_DOMAIN_IS_PERSISTENT, dom, persistent, err);
}

int vw_domain_define_xml(vw_conn *conn, const char *xml, unsigned int flags, vw_client_domain *dom,
                         vw_virerror *err)
{
    CHECK_ARGS(xml, "no domain XML given");
    if (flags == 0) {
        vw_domain_define_xml_args args = { .xml = (char *)xml };
        return lv_call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_DEFINE_XML,
                                  (xdrproc_t)xdr_vw_domain_define_xml_args, &args, dom, err);
    }
    vw_domain_define_xml_flags_args args = { .xml = (char *)xml, .flags = flags };
    return lv_call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS,
                              (xdrproc_t)xdr_vw_domain_define_xml_flags_args, &args, dom, err);
}

int vw_domain_undefine(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                       vw_virerror *err)
{
    if (flags == 0)
        return lv_call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_UNDEFINE, dom, err);
    return lv_call_domain_flags_void(conn, VW_REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, dom, flags, err);
}

int vw_domain_create(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                     vw_virerror *err)
{
    if (flags == 0)
        return lv_call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_CREATE, dom, err);
    CHECK_ARGS(dom, "no domain given");
    vw_domain_flags_args args;
    lv_dom_to_wire(&args.dom, dom);
    args.flags = flags;
    return lv_call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS,
                              (xdrproc_t)xdr_vw_domain_flags_args, &args, NULL, err);
}

int vw_domain_create_xml(vw_conn *conn, const char *xml, unsigned int flags, vw_client_domain *dom,
                         vw_virerror *err)
{
    CHECK_ARGS(xml, "no domain XML given");
    vw_domain_create_xml_args args = { .xml_desc = (char *)xml, .flags = flags };
    return lv_call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_CREATE_XML,
                              (xdrproc_t)xdr_vw_domain_create_xml_args, &args, dom, err);
}

int vw_domain_destroy(vw_conn *conn, const vw_client_domain *dom, vw_virerror *err)
{
    return lv_call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_DESTROY, dom, err);
}

int vw_domain_shutdown(vw_conn *conn, const vw_client_domain *dom, vw_virerror *err)
{
    return lv_call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_SHUTDOWN, dom, err);
}

int vw_domain_reboot(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                     vw_virerror *err)
{
    return lv_call_domain_flags_void(conn, VW_REMOTE_PROC_DOMAIN_REBOOT, dom, flags, err);
}

int vw_domain_suspend(vw_conn *conn, const vw_client_domain *dom, vw_virerror *err)
{
    return lv_call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_SUSPEND, dom, err);
}

int vw_domain_resume(vw_conn *conn, const vw_client_domain *dom, vw_virerror *err)
{
    return lv_call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_RESUME, dom, err);
}

int vw_domain_qemu_monitor_command(vw_conn *conn, const vw_client_domain *dom, const char *cmd,
                                   unsigned int flags, char **result, vw_virerror *err)
{
    CHECK_ARGS(conn && dom && cmd && result, "no connection, domain, command or result pointer");
    vw_qemu_domain_monitor_command_args args;
    lv_dom_to_wire(&args.dom, dom);
    args.cmd = (char *)cmd;
    args.flags = flags;
    vw_qemu_domain_monitor_command_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (vw_call(conn, VW_QEMU_PROGRAM, VW_QEMU_PROC_DOMAIN_MONITOR_COMMAND,
                (xdrproc_t)xdr_vw_qemu_domain_monitor_command_args, &args,
                (xdrproc_t)xdr_vw_qemu_domain_monitor_command_ret, &ret, err) < 0)
        return -1;
    *result = ret.result;
    if (!*result && !(*result = strdup("")))
        return lv_nomem(err);
    return 0;
}

/* ---- migration ------------------------------------------------------------------------------------ */

int vw_domain_migrate_perform3_params(vw_conn *conn, const vw_client_domain *dom,
                                      const char *dconnuri, const vw_client_typed_param *params,
                                      size_t nparams, unsigned int flags, vw_virerror *err)
{
    CHECK_ARGS(dom, "no domain given");
    CHECK_ARGS(nparams == 0 || params, "nparams > 0 but no params");
    if (nparams > VW_REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                        "too many migration parameters: %zu (the protocol allows %d)",
                        nparams, VW_REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX);
        return -1;
    }
    vw_typed_param wire[VW_REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX];
    memset(wire, 0, sizeof(wire));
    for (size_t i = 0; i < nparams; i++) {
        const vw_client_typed_param *p = &params[i];
        if (!p->field || !p->field[0] || strlen(p->field) >= 80) {
            vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                            "migration parameter %zu has no field name or one of 80+ chars",
                            i);
            return -1;
        }
        wire[i].field = (char *)p->field;
        wire[i].value.type = p->type;
        switch (p->type) {
        case VW_TYPED_PARAM_INT: wire[i].value.vw_typed_param_value_u.i = p->value.i; break;
        case VW_TYPED_PARAM_UINT: wire[i].value.vw_typed_param_value_u.ui = p->value.ui; break;
        case VW_TYPED_PARAM_LLONG: wire[i].value.vw_typed_param_value_u.l = p->value.l; break;
        case VW_TYPED_PARAM_ULLONG: wire[i].value.vw_typed_param_value_u.ul = p->value.ul; break;
        case VW_TYPED_PARAM_DOUBLE: wire[i].value.vw_typed_param_value_u.d = p->value.d; break;
        case VW_TYPED_PARAM_BOOLEAN: wire[i].value.vw_typed_param_value_u.b = p->value.b; break;
        case VW_TYPED_PARAM_STRING:
            if (!p->value.s) {
                vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                                "migration parameter '%s' is a string but NULL", p->field);
                return -1;
            }
            wire[i].value.vw_typed_param_value_u.s = (char *)p->value.s;
            break;
        default:
            vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                            "migration parameter '%s' has unknown type %d (1..7)", p->field,
                            p->type);
            return -1;
        }
    }
    char *dconnuri_copy = (char *)dconnuri;
    vw_domain_migrate_perform3_params_args args;
    memset(&args, 0, sizeof(args));
    lv_dom_to_wire(&args.dom, dom);
    args.dconnuri = dconnuri ? &dconnuri_copy : NULL;
    args.params.params_len = (u_int)nparams;
    args.params.params_val = wire;
    args.flags = flags;
    vw_domain_migrate_perform3_params_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS,
                       (xdrproc_t)xdr_vw_domain_migrate_perform3_params_args, &args,
                       (xdrproc_t)xdr_vw_domain_migrate_perform3_params_ret, &ret, err) < 0)
        return -1;
    xdr_free((xdrproc_t)xdr_vw_domain_migrate_perform3_params_ret, (char *)&ret);
    return 0;
}

int vw_domain_migrate_set_max_speed(vw_conn *conn, const vw_client_domain *dom, uint64_t bandwidth,
                                    unsigned int flags, vw_virerror *err)
{
    CHECK_ARGS(dom, "no domain given");
    vw_domain_migrate_set_max_speed_args args;
    lv_dom_to_wire(&args.dom, dom);
    args.bandwidth = bandwidth;
    args.flags = flags;
    return lv_remote_call(conn, VW_REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_SPEED,
                          (xdrproc_t)xdr_vw_domain_migrate_set_max_speed_args, &args, NULL, NULL,
                          err);
}

int vw_domain_migrate_get_max_speed(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                                    uint64_t *bandwidth, vw_virerror *err)
{
    CHECK_ARGS(dom && bandwidth, "no domain or result pointer given");
    vw_domain_flags_args args;
    lv_dom_to_wire(&args.dom, dom);
    args.flags = flags;
    vw_domain_migrate_get_max_speed_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED,
                       (xdrproc_t)xdr_vw_domain_flags_args, &args,
                       (xdrproc_t)xdr_vw_domain_migrate_get_max_speed_ret, &ret, err) < 0)
        return -1;
    *bandwidth = ret.bandwidth;
    return 0;
}
