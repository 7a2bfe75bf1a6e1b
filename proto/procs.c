/* procs.c: the procedure table (REMOTE, QEMU, KEEPALIVE) and lookups. See procs.h.
 *
 * refused_read_only follows libvirt's public API: the functions that call
 * virCheckReadOnlyGoto (src/libvirt-domain.c, src/libvirt-qemu.c, ...). */
#include "procs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R VW_REMOTE_PROGRAM
#define Q VW_QEMU_PROGRAM
#define K VW_KEEPALIVE_PROGRAM

#define CODEC(t) (xdrproc_t)xdr_##t, sizeof(t)
#define EMPTY VW_XDR_VOID, 0
#define NONE NULL, 0

#define CALL(prog, num, name, ro, args, ret) \
    { prog, num, name, VW_PROC_KIND_CALL, ro, args, ret, NONE }
#define EVENT(prog, num, name, msg) \
    { prog, num, name, VW_PROC_KIND_EVENT, false, NONE, NONE, msg }

static const vw_proc_info proc_table[] = {
    /* REMOTE: connection */
    CALL(R, 1, "CONNECT_OPEN", false, CODEC(vw_connect_open_args), EMPTY),
    CALL(R, 2, "CONNECT_CLOSE", false, EMPTY, EMPTY),
    CALL(R, 3, "CONNECT_GET_TYPE", false, EMPTY, CODEC(vw_connect_get_type_ret)),
    CALL(R, 4, "CONNECT_GET_VERSION", false, EMPTY, CODEC(vw_connect_get_version_ret)),
    CALL(R, 5, "CONNECT_GET_MAX_VCPUS", false, CODEC(vw_connect_get_max_vcpus_args),
         CODEC(vw_connect_get_max_vcpus_ret)),
    CALL(R, 6, "NODE_GET_INFO", false, EMPTY, CODEC(vw_node_get_info_ret)),
    CALL(R, 7, "CONNECT_GET_CAPABILITIES", false, EMPTY, CODEC(vw_connect_get_capabilities_ret)),
    CALL(R, 59, "CONNECT_GET_HOSTNAME", false, EMPTY, CODEC(vw_connect_get_hostname_ret)),
    CALL(R, 60, "CONNECT_SUPPORTS_FEATURE", false, CODEC(vw_connect_supports_feature_args),
         CODEC(vw_connect_supports_feature_ret)),
    CALL(R, 66, "AUTH_LIST", false, EMPTY, CODEC(vw_auth_list_ret)),
    CALL(R, 67, "AUTH_SASL_INIT", false, EMPTY, CODEC(vw_auth_sasl_init_ret)),
    CALL(R, 68, "AUTH_SASL_START", false, CODEC(vw_auth_sasl_start_args),
         CODEC(vw_auth_sasl_start_ret)),
    CALL(R, 69, "AUTH_SASL_STEP", false, CODEC(vw_auth_sasl_step_args),
         CODEC(vw_auth_sasl_step_ret)),
    CALL(R, 110, "CONNECT_GET_URI", false, EMPTY, CODEC(vw_connect_get_uri_ret)),
    CALL(R, 122, "NODE_GET_SECURITY_MODEL", false, EMPTY, CODEC(vw_node_get_security_model_ret)),
    CALL(R, 149, "CONNECT_IS_SECURE", false, EMPTY, CODEC(vw_connect_is_secure_ret)),
    CALL(R, 157, "CONNECT_GET_LIB_VERSION", false, EMPTY, CODEC(vw_connect_get_lib_version_ret)),
    CALL(R, 102, "NODE_GET_FREE_MEMORY", false, EMPTY, CODEC(vw_node_get_free_memory_ret)),
    CALL(R, 203, "CONNECT_GET_SYSINFO", false, CODEC(vw_connect_get_sysinfo_args),
         CODEC(vw_connect_get_sysinfo_ret)),
    CALL(R, 360, "CONNECT_REGISTER_CLOSE_CALLBACK", false, EMPTY, EMPTY),
    CALL(R, 361, "CONNECT_UNREGISTER_CLOSE_CALLBACK", false, EMPTY, EMPTY),

    /* REMOTE: domains */
    CALL(R, 21, "CONNECT_LIST_DEFINED_DOMAINS", false, CODEC(vw_connect_list_defined_domains_args),
         CODEC(vw_connect_list_defined_domains_ret)),
    CALL(R, 25, "CONNECT_NUM_OF_DEFINED_DOMAINS", false, EMPTY,
         CODEC(vw_connect_num_of_defined_domains_ret)),
    CALL(R, 37, "CONNECT_LIST_DOMAINS", false, CODEC(vw_connect_list_domains_args),
         CODEC(vw_connect_list_domains_ret)),
    CALL(R, 51, "CONNECT_NUM_OF_DOMAINS", false, EMPTY, CODEC(vw_connect_num_of_domains_ret)),
    CALL(R, 9, "DOMAIN_CREATE", true, CODEC(vw_domain_create_args), EMPTY),
    CALL(R, 10, "DOMAIN_CREATE_XML", true, CODEC(vw_domain_create_xml_args),
         CODEC(vw_domain_create_xml_ret)),
    CALL(R, 11, "DOMAIN_DEFINE_XML", true, CODEC(vw_domain_define_xml_args),
         CODEC(vw_domain_define_xml_ret)),
    CALL(R, 12, "DOMAIN_DESTROY", true, CODEC(vw_domain_destroy_args), EMPTY),
    CALL(R, 14, "DOMAIN_GET_XML_DESC", false, CODEC(vw_domain_get_xml_desc_args),
         CODEC(vw_domain_get_xml_desc_ret)),
    CALL(R, 15, "DOMAIN_GET_AUTOSTART", false, CODEC(vw_domain_get_autostart_args),
         CODEC(vw_domain_get_autostart_ret)),
    CALL(R, 16, "DOMAIN_GET_INFO", false, CODEC(vw_domain_get_info_args),
         CODEC(vw_domain_get_info_ret)),
    CALL(R, 17, "DOMAIN_GET_MAX_MEMORY", false, CODEC(vw_domain_get_max_memory_args),
         CODEC(vw_domain_get_max_memory_ret)),
    CALL(R, 18, "DOMAIN_GET_MAX_VCPUS", false, CODEC(vw_domain_get_max_vcpus_args),
         CODEC(vw_domain_get_max_vcpus_ret)),
    CALL(R, 19, "DOMAIN_GET_OS_TYPE", false, CODEC(vw_domain_get_os_type_args),
         CODEC(vw_domain_get_os_type_ret)),
    CALL(R, 22, "DOMAIN_LOOKUP_BY_ID", false, CODEC(vw_domain_lookup_by_id_args),
         CODEC(vw_domain_lookup_by_id_ret)),
    CALL(R, 23, "DOMAIN_LOOKUP_BY_NAME", false, CODEC(vw_domain_lookup_by_name_args),
         CODEC(vw_domain_lookup_by_name_ret)),
    CALL(R, 24, "DOMAIN_LOOKUP_BY_UUID", false, CODEC(vw_domain_lookup_by_uuid_args),
         CODEC(vw_domain_lookup_by_uuid_ret)),
    CALL(R, 27, "DOMAIN_REBOOT", true, CODEC(vw_domain_reboot_args), EMPTY),
    CALL(R, 28, "DOMAIN_RESUME", true, CODEC(vw_domain_resume_args), EMPTY),
    CALL(R, 29, "DOMAIN_SET_AUTOSTART", true, CODEC(vw_domain_set_autostart_args), EMPTY),
    CALL(R, 30, "DOMAIN_SET_MAX_MEMORY", true, CODEC(vw_domain_set_max_memory_args), EMPTY),
    CALL(R, 31, "DOMAIN_SET_MEMORY", true, CODEC(vw_domain_set_memory_args), EMPTY),
    CALL(R, 33, "DOMAIN_SHUTDOWN", true, CODEC(vw_domain_shutdown_args), EMPTY),
    CALL(R, 34, "DOMAIN_SUSPEND", true, CODEC(vw_domain_suspend_args), EMPTY),
    CALL(R, 35, "DOMAIN_UNDEFINE", true, CODEC(vw_domain_undefine_args), EMPTY),
    CALL(R, 56, "DOMAIN_GET_SCHEDULER_TYPE", false, CODEC(vw_domain_get_scheduler_type_args),
         CODEC(vw_domain_get_scheduler_type_ret)),
    CALL(R, 121, "DOMAIN_GET_SECURITY_LABEL", false, CODEC(vw_domain_get_security_label_args),
         CODEC(vw_domain_get_security_label_ret)),
    CALL(R, 150, "DOMAIN_IS_ACTIVE", false, CODEC(vw_domain_is_active_args),
         CODEC(vw_domain_is_active_ret)),
    CALL(R, 151, "DOMAIN_IS_PERSISTENT", false, CODEC(vw_domain_is_persistent_args),
         CODEC(vw_domain_is_persistent_ret)),
    CALL(R, 183, "DOMAIN_HAS_MANAGED_SAVE_IMAGE", false,
         CODEC(vw_domain_has_managed_save_image_args),
         CODEC(vw_domain_has_managed_save_image_ret)),
    CALL(R, 187, "DOMAIN_SNAPSHOT_NUM", false, CODEC(vw_domain_snapshot_num_args),
         CODEC(vw_domain_snapshot_num_ret)),
    CALL(R, 190, "DOMAIN_HAS_CURRENT_SNAPSHOT", false,
         CODEC(vw_domain_has_current_snapshot_args), CODEC(vw_domain_has_current_snapshot_ret)),
    CALL(R, 196, "DOMAIN_CREATE_WITH_FLAGS", true, CODEC(vw_domain_create_with_flags_args),
         CODEC(vw_domain_create_with_flags_ret)),
    CALL(R, 200, "DOMAIN_GET_VCPUS_FLAGS", false, CODEC(vw_domain_get_vcpus_flags_args),
         CODEC(vw_domain_get_vcpus_flags_ret)),
    CALL(R, 202, "DOMAIN_IS_UPDATED", false, CODEC(vw_domain_is_updated_args),
         CODEC(vw_domain_is_updated_ret)),
    CALL(R, 204, "DOMAIN_SET_MEMORY_FLAGS", true, CODEC(vw_domain_set_memory_flags_args), EMPTY),
    CALL(R, 207, "DOMAIN_MIGRATE_SET_MAX_SPEED", true,
         CODEC(vw_domain_migrate_set_max_speed_args), EMPTY),
    CALL(R, 212, "DOMAIN_GET_STATE", false, CODEC(vw_domain_get_state_args),
         CODEC(vw_domain_get_state_ret)),
    CALL(R, 229, "DOMAIN_GET_CONTROL_INFO", false, CODEC(vw_domain_get_control_info_args),
         CODEC(vw_domain_get_control_info_ret)),
    CALL(R, 231, "DOMAIN_UNDEFINE_FLAGS", true, CODEC(vw_domain_undefine_flags_args), EMPTY),
    CALL(R, 234, "DOMAIN_DESTROY_FLAGS", true, CODEC(vw_domain_destroy_flags_args), EMPTY),
    CALL(R, 242, "DOMAIN_MIGRATE_GET_MAX_SPEED", true,
         CODEC(vw_domain_migrate_get_max_speed_args),
         CODEC(vw_domain_migrate_get_max_speed_ret)),
    CALL(R, 258, "DOMAIN_SHUTDOWN_FLAGS", true, CODEC(vw_domain_shutdown_flags_args), EMPTY),
    CALL(R, 273, "CONNECT_LIST_ALL_DOMAINS", false, CODEC(vw_connect_list_all_domains_args),
         CODEC(vw_connect_list_all_domains_ret)),
    CALL(R, 277, "DOMAIN_GET_HOSTNAME", false, CODEC(vw_domain_get_hostname_args),
         CODEC(vw_domain_get_hostname_ret)),
    CALL(R, 278, "DOMAIN_GET_SECURITY_LABEL_LIST", false,
         CODEC(vw_domain_get_security_label_list_args),
         CODEC(vw_domain_get_security_label_list_ret)),
    CALL(R, 302, "DOMAIN_MIGRATE_BEGIN3_PARAMS", true,
         CODEC(vw_domain_migrate_begin3_params_args),
         CODEC(vw_domain_migrate_begin3_params_ret)),
    CALL(R, 303, "DOMAIN_MIGRATE_PREPARE3_PARAMS", true,
         CODEC(vw_domain_migrate_prepare3_params_args),
         CODEC(vw_domain_migrate_prepare3_params_ret)),
    CALL(R, 305, "DOMAIN_MIGRATE_PERFORM3_PARAMS", true,
         CODEC(vw_domain_migrate_perform3_params_args),
         CODEC(vw_domain_migrate_perform3_params_ret)),
    CALL(R, 306, "DOMAIN_MIGRATE_FINISH3_PARAMS", true,
         CODEC(vw_domain_migrate_finish3_params_args),
         CODEC(vw_domain_migrate_finish3_params_ret)),
    CALL(R, 307, "DOMAIN_MIGRATE_CONFIRM3_PARAMS", true,
         CODEC(vw_domain_migrate_confirm3_params_args), EMPTY),
    CALL(R, 350, "DOMAIN_DEFINE_XML_FLAGS", true, CODEC(vw_domain_define_xml_flags_args),
         CODEC(vw_domain_define_xml_flags_ret)),
    CALL(R, 426, "DOMAIN_GET_MESSAGES", false, CODEC(vw_domain_get_messages_args),
         CODEC(vw_domain_get_messages_ret)),

    /* REMOTE: networks */
    CALL(R, 43, "NETWORK_GET_XML_DESC", false, CODEC(vw_network_get_xml_desc_args),
         CODEC(vw_network_get_xml_desc_ret)),
    CALL(R, 44, "NETWORK_GET_AUTOSTART", false, CODEC(vw_network_get_autostart_args),
         CODEC(vw_network_get_autostart_ret)),
    CALL(R, 45, "NETWORK_GET_BRIDGE_NAME", false, CODEC(vw_network_get_bridge_name_args),
         CODEC(vw_network_get_bridge_name_ret)),
    CALL(R, 46, "NETWORK_LOOKUP_BY_NAME", false, CODEC(vw_network_lookup_by_name_args),
         CODEC(vw_network_lookup_by_name_ret)),
    CALL(R, 47, "NETWORK_LOOKUP_BY_UUID", false, CODEC(vw_network_lookup_by_uuid_args),
         CODEC(vw_network_lookup_by_uuid_ret)),
    CALL(R, 152, "NETWORK_IS_ACTIVE", false, CODEC(vw_network_is_active_args),
         CODEC(vw_network_is_active_ret)),
    CALL(R, 153, "NETWORK_IS_PERSISTENT", false, CODEC(vw_network_is_persistent_args),
         CODEC(vw_network_is_persistent_ret)),
    CALL(R, 283, "CONNECT_LIST_ALL_NETWORKS", false, CODEC(vw_connect_list_all_networks_args),
         CODEC(vw_connect_list_all_networks_ret)),

    /* REMOTE: storage pools */
    CALL(R, 84, "STORAGE_POOL_LOOKUP_BY_NAME", false, CODEC(vw_storage_pool_lookup_by_name_args),
         CODEC(vw_storage_pool_lookup_by_name_ret)),
    CALL(R, 85, "STORAGE_POOL_LOOKUP_BY_UUID", false, CODEC(vw_storage_pool_lookup_by_uuid_args),
         CODEC(vw_storage_pool_lookup_by_uuid_ret)),
    CALL(R, 87, "STORAGE_POOL_GET_INFO", false, CODEC(vw_storage_pool_get_info_args),
         CODEC(vw_storage_pool_get_info_ret)),
    CALL(R, 88, "STORAGE_POOL_GET_XML_DESC", false, CODEC(vw_storage_pool_get_xml_desc_args),
         CODEC(vw_storage_pool_get_xml_desc_ret)),
    CALL(R, 89, "STORAGE_POOL_GET_AUTOSTART", false, CODEC(vw_storage_pool_get_autostart_args),
         CODEC(vw_storage_pool_get_autostart_ret)),
    CALL(R, 91, "STORAGE_POOL_NUM_OF_VOLUMES", false, CODEC(vw_storage_pool_num_of_volumes_args),
         CODEC(vw_storage_pool_num_of_volumes_ret)),
    CALL(R, 154, "STORAGE_POOL_IS_ACTIVE", false, CODEC(vw_storage_pool_is_active_args),
         CODEC(vw_storage_pool_is_active_ret)),
    CALL(R, 155, "STORAGE_POOL_IS_PERSISTENT", false,
         CODEC(vw_storage_pool_is_persistent_args), CODEC(vw_storage_pool_is_persistent_ret)),
    CALL(R, 281, "CONNECT_LIST_ALL_STORAGE_POOLS", false,
         CODEC(vw_connect_list_all_storage_pools_args),
         CODEC(vw_connect_list_all_storage_pools_ret)),
    CALL(R, 282, "STORAGE_POOL_LIST_ALL_VOLUMES", false,
         CODEC(vw_storage_pool_list_all_volumes_args),
         CODEC(vw_storage_pool_list_all_volumes_ret)),

    /* REMOTE: events */
    EVENT(R, 107, "DOMAIN_EVENT_LIFECYCLE", CODEC(vw_domain_event_lifecycle_msg)),
    CALL(R, 167, "CONNECT_DOMAIN_EVENT_REGISTER_ANY", false,
         CODEC(vw_connect_domain_event_register_any_args), EMPTY),
    CALL(R, 168, "CONNECT_DOMAIN_EVENT_DEREGISTER_ANY", false,
         CODEC(vw_connect_domain_event_deregister_any_args), EMPTY),
    CALL(R, 316, "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY", false,
         CODEC(vw_connect_domain_event_callback_register_any_args),
         CODEC(vw_connect_domain_event_callback_register_any_ret)),
    CALL(R, 317, "CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY", false,
         CODEC(vw_connect_domain_event_callback_deregister_any_args), EMPTY),
    EVENT(R, 318, "DOMAIN_EVENT_CALLBACK_LIFECYCLE",
          CODEC(vw_domain_event_callback_lifecycle_msg)),

    /* QEMU */
    CALL(Q, 1, "DOMAIN_MONITOR_COMMAND", true, CODEC(vw_qemu_domain_monitor_command_args),
         CODEC(vw_qemu_domain_monitor_command_ret)),
    CALL(Q, 4, "CONNECT_DOMAIN_MONITOR_EVENT_REGISTER", true,
         CODEC(vw_qemu_connect_domain_monitor_event_register_args),
         CODEC(vw_qemu_connect_domain_monitor_event_register_ret)),
    CALL(Q, 5, "CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER", true,
         CODEC(vw_qemu_connect_domain_monitor_event_deregister_args), EMPTY),
    EVENT(Q, 6, "DOMAIN_MONITOR_EVENT", CODEC(vw_qemu_domain_monitor_event_msg)),

    /* KEEPALIVE: both are MESSAGEs with an empty payload */
    EVENT(K, 1, "PING", EMPTY),
    EVENT(K, 2, "PONG", EMPTY),
};

#define PROC_COUNT (sizeof(proc_table) / sizeof(proc_table[0]))

size_t vw_procs_count(void)
{
    return PROC_COUNT;
}

const vw_proc_info *vw_procs_at(size_t index)
{
    return index < PROC_COUNT ? &proc_table[index] : NULL;
}

const vw_proc_info *vw_procs_lookup(uint32_t prog, int32_t proc)
{
    for (size_t i = 0; i < PROC_COUNT; i++) {
        if (proc_table[i].prog == prog && proc_table[i].proc == proc)
            return &proc_table[i];
    }
    return NULL;
}

const vw_proc_info *vw_procs_lookup_name(uint32_t prog, const char *name)
{
    static const uint32_t order[] = { VW_REMOTE_PROGRAM, VW_QEMU_PROGRAM, VW_KEEPALIVE_PROGRAM };
    if (!name)
        return NULL;
    for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
        if (prog != 0 && prog != order[o])
            continue;
        for (size_t i = 0; i < PROC_COUNT; i++) {
            if (proc_table[i].prog == order[o] && strcmp(proc_table[i].name, name) == 0)
                return &proc_table[i];
        }
    }
    return NULL;
}

static const struct {
    uint32_t prog;
    const char *name;
} program_names[] = {
    { VW_REMOTE_PROGRAM, "REMOTE" },
    { VW_QEMU_PROGRAM, "QEMU" },
    { VW_LXC_PROGRAM, "LXC" },
    { VW_KEEPALIVE_PROGRAM, "KEEPALIVE" },
    { VW_ADMIN_PROGRAM, "ADMIN" },
};

const char *vw_program_name(uint32_t prog)
{
    for (size_t i = 0; i < sizeof(program_names) / sizeof(program_names[0]); i++) {
        if (program_names[i].prog == prog)
            return program_names[i].name;
    }
    return NULL;
}

uint32_t vw_program_from_name(const char *name)
{
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof(program_names) / sizeof(program_names[0]); i++) {
        if (strcmp(program_names[i].name, name) == 0)
            return program_names[i].prog;
    }
    if (name[0] == '0' && (name[1] == 'x' || name[1] == 'X') && name[2]) {
        char *end;
        unsigned long v = strtoul(name + 2, &end, 16);
        if (*end == '\0' && v <= 0xffffffffUL)
            return (uint32_t)v;
    }
    return 0;
}

const char *vw_procs_name(uint32_t prog, int32_t proc, char *buf, size_t buflen)
{
    const vw_proc_info *info = vw_procs_lookup(prog, proc);
    if (info)
        return info->name;
    if (buf && buflen) {
        snprintf(buf, buflen, "PROC_%d", proc);
        return buf;
    }
    return "PROC_?";
}

xdrproc_t vw_procs_payload_codec(const vw_packet *pkt, size_t *size)
{
    const vw_proc_info *info = vw_procs_lookup(pkt->hdr.prog, pkt->hdr.proc);
    xdrproc_t proc = NULL;
    size_t sz = 0;
    switch (pkt->hdr.type) {
    case VW_NET_CALL:
    case VW_NET_CALL_WITH_FDS:
        if (info) {
            proc = info->args_proc;
            sz = info->args_size;
        }
        break;
    case VW_NET_REPLY:
    case VW_NET_REPLY_WITH_FDS:
        if (pkt->hdr.status == VW_NET_ERROR) {
            proc = (xdrproc_t)xdr_vw_remote_error;
            sz = sizeof(vw_remote_error);
        } else if (info && pkt->hdr.status == VW_NET_OK) {
            proc = info->ret_proc;
            sz = info->ret_size;
        }
        break;
    case VW_NET_MESSAGE:
        if (info) {
            proc = info->msg_proc;
            sz = info->msg_size;
        }
        break;
    case VW_NET_STREAM:
        if (pkt->hdr.status == VW_NET_ERROR && pkt->payload_len > 0) {
            proc = (xdrproc_t)xdr_vw_remote_error;
            sz = sizeof(vw_remote_error);
        } else if (pkt->hdr.status == VW_NET_OK || pkt->hdr.status == VW_NET_ERROR) {
            proc = VW_XDR_VOID;
        }
        break;
    case VW_NET_STREAM_HOLE:
        proc = (xdrproc_t)xdr_vw_net_stream_hole;
        sz = sizeof(vw_net_stream_hole);
        break;
    default:
        break;
    }
    if (size)
        *size = proc ? sz : 0;
    return proc;
}

int vw_procs_describe(const vw_packet_header *hdr, uint32_t len, char *buf, size_t buflen)
{
    char progbuf[16], procbuf[24], typebuf[24], statusbuf[24];   /* "type=-2147483648" fits */
    const char *prog = vw_program_name(hdr->prog);
    if (!prog) {
        snprintf(progbuf, sizeof(progbuf), "0x%08x", hdr->prog);
        prog = progbuf;
    }
    const char *proc = vw_procs_name(hdr->prog, hdr->proc, procbuf, sizeof(procbuf));
    const char *type = vw_packet_type_name(hdr->type);
    if (!type) {
        snprintf(typebuf, sizeof(typebuf), "type=%d", hdr->type);
        type = typebuf;
    }
    const char *status = vw_packet_status_name(hdr->status);
    if (!status) {
        snprintf(statusbuf, sizeof(statusbuf), "%d", hdr->status);
        status = statusbuf;
    }
    return snprintf(buf, buflen, "%s %s %s serial=%u status=%s len=%u", prog, proc, type,
                    hdr->serial, status, len);
}
