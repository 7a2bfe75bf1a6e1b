/* guest.c: the guest-operations family of handlers (handlers.h): metadata, rename, save and
 * restore, managed save, core dumps and messages, as libvirt 9.0's test driver answers them.
 * The state changes are model_guest.c's; here are the flag checks (the test driver's
 * virCheckFlags, before the domain lookup) and the replies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "keycodes.h"
#include "model_guest.h"
#include "streams.h"

#define R VW_REMOTE_PROGRAM
#define EVENT_ID_METADATA_CHANGE 23 /* VIR_DOMAIN_EVENT_ID_METADATA_CHANGE */

/* Replies void for rc 0, else the error. */
static void reply_rc(fl_conn *c, const vw_packet_header *hdr, int rc, vw_virerror *e)
{
    if (rc < 0)
        fl_conn_reply_error(c, hdr, e);
    else
        fl_reply_void(c, hdr);
}

/* ---- metadata ------------------------------------------------------------------------------ */

/* The METADATA_CHANGE event to every connection of the model registered for it. */
static void send_metadata_change(fl_conn *from, const fl_domain *d, int type, const char *uri)
{
    vw_domain_event_callback_metadata_change_msg msg;
    memset(&msg, 0, sizeof(msg));
    fl_make_dom(&msg.dom, d);
    msg.type = type;
    msg.nsuri = type == FL_METADATA_ELEMENT && uri ? (char **)&uri : NULL;
    for (fl_conn *c = fl_server_conns(from->srv); c; c = c->next) {
        if (c->model != from->model || c->closing)
            continue;
        for (int i = 0; i < c->ncallbacks; i++) {
            const fl_callback *cb = &c->callbacks[i];
            if (cb->qemu_monitor || cb->legacy || cb->event_id != EVENT_ID_METADATA_CHANGE ||
                (cb->has_dom && memcmp(cb->dom_uuid, d->def->uuid, 16) != 0))
                continue;
            msg.callbackID = cb->callback_id;
            fl_conn_send_message(c, VW_REMOTE_PROGRAM,
                                 VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE,
                                 (xdrproc_t)xdr_vw_domain_event_callback_metadata_change_msg,
                                 &msg);
        }
    }
}

static void h_set_metadata(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_metadata_args *a = args;
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, a->flags, 1 | 2, "testDomainSetMetadata"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    const char *uri = a->uri ? *a->uri : NULL;
    if (fl_guest_set_metadata(d, a->type, a->metadata ? *a->metadata : NULL,
                              a->key ? *a->key : NULL, uri, a->flags, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_void(c, hdr);
    send_metadata_change(c, d, a->type, uri);
}

static void h_get_metadata(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_metadata_args *a = args;
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, a->flags, 1 | 2, "testDomainGetMetadata"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    char *md = fl_guest_get_metadata(d, a->type, a->uri ? *a->uri : NULL, a->flags, &e);
    if (!md) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_get_metadata_ret r = {.metadata = md};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_metadata_ret, &r);
    free(md);
}

/* ---- rename -------------------------------------------------------------------------------- */

static void h_rename(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_rename_args *a = args;
    vw_virerror e = {0};
    if (!a->new_name || !**a->new_name) {
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, "virDomainRename", "new_name",
                                       a->new_name ? "string new_name in virDomainRename must not be "
                                       "empty" : "new_name in virDomainRename must not be NULL");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainRename"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (fl_guest_rename(c->model, d, *a->new_name, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_rename_ret r = {.retcode = 0};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_rename_ret, &r);
}

/* ---- save, restore, managed save, core dump ------------------------------------------------ */

/* The test driver edits no XML on save or restore. */
static bool no_dxml(fl_conn *c, const vw_packet_header *hdr, const vw_string dxml)
{
    vw_virerror e = {0};
    if (!dxml)
        return true;
    vw_virerror_report(&e, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, VW_FROM_TEST,
                       "argument unsupported",
                       "xml modification unsupported");
    fl_conn_reply_error(c, hdr, &e);
    return false;
}

static void save(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                 const char *to)
{
    vw_virerror e = {0};
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (d)
        reply_rc(c, hdr, fl_guest_save(c->model, d, to, &e), &e);
}

static void h_save(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_save_args *a = args;
    save(c, hdr, &a->dom, a->to);
}

static void h_save_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_save_flags_args *a = args;
    if (fl_flags_ok(c, hdr, a->flags, 0, "testDomainSaveFlags") && no_dxml(c, hdr, a->dxml))
        save(c, hdr, &a->dom, a->to);
}

static void restore(fl_conn *c, const vw_packet_header *hdr, const char *from)
{
    vw_virerror e = {0};
    reply_rc(c, hdr, fl_guest_restore(c->model, from, &e) ? 0 : -1, &e);
}

static void h_restore(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    restore(c, hdr, ((vw_domain_restore_args *)args)->from);
}

static void h_restore_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_restore_flags_args *a = args;
    if (fl_flags_ok(c, hdr, a->flags, 0, "testDomainRestoreFlags") && no_dxml(c, hdr, a->dxml))
        restore(c, hdr, a->from);
}

static void h_save_image_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_save_image_get_xml_desc_args *a = args;
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, a->flags, 1 /* SECURE */, "testDomainSaveImageGetXMLDesc"))
        return;
    char *xml = fl_guest_save_image_xml(a->file, &e);
    if (!xml) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_string(c, hdr, xml);
    free(xml);
}

static void h_save_image_define_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_save_image_define_xml_args *a = args;
    vw_virerror e = {0};
    /* VIR_DOMAIN_SAVE_RUNNING 2, VIR_DOMAIN_SAVE_PAUSED 4 */
    if (fl_flags_ok(c, hdr, a->flags, 2 | 4, "testDomainSaveImageDefineXML"))
        reply_rc(c, hdr, fl_guest_save_image_define(a->file, a->dxml, &e), &e);
}

static void h_managed_save(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    vw_virerror e = {0};
    /* BYPASS_CACHE 1, RUNNING 2, PAUSED 4 */
    if (!fl_flags_ok(c, hdr, a->flags, 1 | 2 | 4, "testDomainManagedSave"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        reply_rc(c, hdr, fl_guest_managed_save(c->model, d, &e), &e);
}

static void h_has_managed_save(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainHasManagedSaveImage"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, d->managed_save);
}

static void h_managed_save_remove(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainManagedSaveRemove"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    d->managed_save = false;
    fl_reply_void(c, hdr);
}

static void core_dump(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                      const char *to, unsigned format, unsigned flags)
{
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, flags, 1 /* VIR_DUMP_CRASH */, "testDomainCoreDumpWithFormat"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (d)
        reply_rc(c, hdr, fl_guest_core_dump(c->model, d, to, format, flags, &e), &e);
}

static void h_core_dump(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_core_dump_args *a = args;
    core_dump(c, hdr, &a->dom, a->to, 0, a->flags);
}

static void h_core_dump_with_format(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_core_dump_with_format_args *a = args;
    vw_virerror e = {0};
    if (a->dumpformat >= 5 /* VIR_DOMAIN_CORE_DUMP_FORMAT_LAST */) {
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, "virDomainCoreDumpWithFormat",
                                       "dumpformat", "dumpformat '%u' is not supported",
                                       a->dumpformat);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    core_dump(c, hdr, &a->dom, a->to, a->dumpformat, a->flags);
}

/* ---- messages ------------------------------------------------------------------------------ */

static void h_get_messages(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    /* VIR_DOMAIN_MESSAGE_DEPRECATION 1, TAINTING 2: the test driver has neither */
    if (!fl_flags_ok(c, hdr, a->flags, 1 | 2, "testDomainGetMessages"))
        return;
    if (!fl_get_dom(c, hdr, &a->dom))
        return;
    vw_domain_get_messages_ret r;
    memset(&r, 0, sizeof(r));
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_messages_ret, &r);
}

/* ---- guest agent: file systems, time, NMI, signals --------------------------------------- */

static void fs_freeze(fl_conn *c, const vw_packet_header *hdr, void *args, bool freeze)
{
    vw_domain_fsfreeze_args *a = args;
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, a->flags, 0, freeze ? "testDomainFSFreeze" : "testDomainFSThaw"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    int n = fl_guest_fs_freeze(d, a->mountpoints.mountpoints_val, a->mountpoints.mountpoints_len,
                               freeze, &e);
    if (n < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_fsfreeze_ret r = {.filesystems = n};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_fsfreeze_ret, &r);
}

static void h_fs_freeze(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fs_freeze(c, hdr, args, true);
}

static void h_fs_thaw(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fs_freeze(c, hdr, args, false);
}

static void h_fs_trim(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_fstrim_args *a = args;
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainFSTrim"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        reply_rc(c, hdr, fl_guest_fs_trim(d, a->mountPoint ? *a->mountPoint : NULL, &e), &e);
}

static void h_get_fsinfo(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainGetFSInfo"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    const char *dev = NULL;
    int n = fl_guest_fs_info(d, &dev, &e);
    if (n < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    /* "/" on DEV1 and "/boot" on DEV2, both ext4 on the disk DEV */
    char names[2][80];
    char *alias = (char *)dev;
    vw_domain_fsinfo info[2];
    for (int i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "%s%d", dev, i + 1);
        info[i].mountpoint = (char *)(i == 0 ? "/" : "/boot");
        info[i].name = names[i];
        info[i].fstype = (char *)"ext4";
        info[i].dev_aliases.dev_aliases_len = 1;
        info[i].dev_aliases.dev_aliases_val = &alias;
    }
    vw_domain_get_fsinfo_ret r = {.info = {(u_int)n, info}, .ret = (u_int)n};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_fsinfo_ret, &r);
}

static void h_get_time(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainGetTime"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    long long seconds;
    unsigned nseconds;
    if (fl_guest_get_time(d, &seconds, &nseconds, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_get_time_ret r = {.seconds = seconds, .nseconds = nseconds};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_time_ret, &r);
}

static void h_set_time(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_time_args *a = args;
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, a->flags, 1 /* VIR_DOMAIN_TIME_SYNC */, "testDomainSetTime"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        reply_rc(c, hdr, fl_guest_set_time(d, a->seconds, a->nseconds, &e), &e);
}

/* A call that only wants a running domain (and flags within supported): nothing happens. */
static void active_op(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                      unsigned flags, unsigned supported, const char *func)
{
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, flags, supported, func))
        return;
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (d)
        reply_rc(c, hdr, fl_guest_check_active(d, &e), &e);
}

static void h_inject_nmi(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    active_op(c, hdr, &a->dom, a->flags, 0, "testDomainInjectNMI");
}

static void h_reset(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_reset_args *a = args;
    active_op(c, hdr, &a->dom, a->flags, 0, "testDomainReset");
}

/* virDomainSetUserPassword's arguments, then testDomainSetUserPassword (flags: ENCRYPTED). */
static void h_set_user_password(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_user_password_args *a = args;
    const char *api = "virDomainSetUserPassword";
    if (fl_null_arg(c, hdr, !a->user, "user", api) ||
        fl_null_arg(c, hdr, !a->password, "password", api))
        return;
    active_op(c, hdr, &a->dom, a->flags, 1, "testDomainSetUserPassword");
}

/* testDomainGetLaunchSecurityInfo accepts no flag, and the public API always adds
 * VIR_TYPED_PARAM_STRING_OKAY: libvirt 9.0 refuses every call. */
static void h_get_launch_security_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_launch_security_info_args *a = args;
    if (fl_flags_ok(c, hdr, a->flags | 4, 0, "testDomainGetLaunchSecurityInfo") &&
        fl_get_dom(c, hdr, &a->dom)) {
        vw_domain_get_launch_security_info_ret r = {{0, NULL}};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_launch_security_info_ret, &r);
    }
}

static void h_send_process_signal(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_send_process_signal_args *a = args;
    vw_virerror e = {0};
    if (a->pid_value == 0) { /* the public API's check comes first */
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, "virDomainSendProcessSignal",
                                       "pid_value",
                                       "pid_value in virDomainSendProcessSignal must not be zero");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainSendProcessSignal"))
        return;
    if (a->pid_value != 1)
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "only sending a signal to pid 1 is supported");
    else if (a->signum >= 65) /* VIR_DOMAIN_PROCESS_SIGNAL_LAST */
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "signum value %u is out of range", a->signum);
    else {
        if (fl_get_dom(c, hdr, &a->dom))
            fl_reply_void(c, hdr); /* the test driver sends nothing anywhere */
        return;
    }
    fl_conn_reply_error(c, hdr, &e);
}

static void h_set_lifecycle_action(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_lifecycle_action_args *a = args;
    vw_virerror e = {0};
    if (fl_guest_check_lifecycle(a->type, a->action, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_flags_ok(c, hdr, a->flags, 1 | 2, "testDomainSetLifecycleAction"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        reply_rc(c, hdr, fl_guest_set_lifecycle_action(d, a->type, a->action, a->flags, &e), &e);
}

/* Encodes the made-up addresses (one per interface) and replies. */
static void reply_interfaces(fl_conn *c, const vw_packet_header *hdr, const fl_guest_iface *ifs,
                             int n)
{
    vw_domain_interface *out = n ? calloc((size_t)n, sizeof(*out)) : NULL;
    vw_domain_ip_addr *addrs = n ? calloc((size_t)n, sizeof(*addrs)) : NULL;
    char **hw = n ? calloc((size_t)n, sizeof(*hw)) : NULL;
    if (n && (!out || !addrs || !hw)) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
    } else {
        for (int i = 0; i < n; i++) {
            hw[i] = (char *)ifs[i].hwaddr;
            out[i].name = (char *)ifs[i].name;
            out[i].hwaddr = ifs[i].hwaddr ? &hw[i] : NULL;
            addrs[i] = (vw_domain_ip_addr){ifs[i].type, (char *)ifs[i].addr, ifs[i].prefix};
            out[i].addrs.addrs_len = 1;
            out[i].addrs.addrs_val = &addrs[i];
        }
        vw_domain_interface_addresses_ret r = {.ifaces = {(u_int)n, out}};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_interface_addresses_ret, &r);
    }
    free(hw);
    free(addrs);
    free(out);
}

static void h_interface_addresses(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_interface_addresses_args *a = args;
    vw_virerror e = {0};
    if (c->readonly && a->source == 1 /* VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT */) {
        vw_virerror_report(&e, VW_ERR_OPERATION_DENIED, VW_FROM_DOMAIN, "operation forbidden",
                           "read only access prevents virDomainInterfaceAddresses");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainInterfaceAddresses"))
        return;
    if (a->source >= 3) { /* VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LAST */
        vw_virerror_report(&e, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, VW_FROM_TEST,
                           "argument unsupported", "Unknown IP address data source %u", a->source);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    int n;
    fl_guest_iface *ifs = fl_guest_interface_addresses(c->model, d,
                                                       VW_REMOTE_DOMAIN_INTERFACE_MAX, &n, &e);
    if (n < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        reply_interfaces(c, hdr, ifs, n);
    free(ifs);
}

/* The image libvirt's test driver streams (its PKGDATADIR file, read where the host's libvirt
 * installed it; not part of virt-wire). */
#define SCREENSHOT_FILE "/usr/share/libvirt/test-screenshot.png"
#define SCREENSHOT_MAX (16u << 20)

/* testDomainScreenshot: "image/png" and the test driver's image as a download stream, for any
 * screen and any state of the domain. */
static void h_screenshot(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_screenshot_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainScreenshot") || !fl_get_dom(c, hdr, &a->dom))
        return;
    FILE *f = fopen(SCREENSHOT_FILE, "rb");
    char *data = f ? malloc(SCREENSHOT_MAX) : NULL;
    size_t len = data ? fread(data, 1, SCREENSHOT_MAX, f) : 0;
    if (f)
        fclose(f);
    if (!data) {
        vw_virerror e = {0};
        vw_virerror_report(&e, 38 /* VIR_ERR_SYSTEM_ERROR */, VW_FROM_NONE, NULL,
                           "Unable to open stream for '%s': No such file or directory",
                           SCREENSHOT_FILE);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    char *mime = "image/png";
    vw_domain_screenshot_ret r = {&mime};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_screenshot_ret, &r);
    fl_stream_send_download(c, hdr, data, len);
    free(data);
}

static void h_send_key(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_send_key_args *a = args;
    vw_virerror e = {0};
    /* virDomainSendKey's checks come first */
    if (a->codeset >= FL_KEYCODE_SETS)
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, "virDomainSendKey", "codeset",
                                       "Unsupported codeset '%u'", a->codeset);
    else if (a->keycodes.keycodes_len == 0)
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, "virDomainSendKey", "nkeycodes",
                                       "nkeycodes in virDomainSendKey must be greater than zero");
    if (a->codeset >= FL_KEYCODE_SETS || a->keycodes.keycodes_len == 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainSendKey"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d || fl_guest_check_active(d, &e) < 0) {
        if (d)
            fl_conn_reply_error(c, hdr, &e);
        return;
    }
    for (u_int i = 0; i < a->keycodes.keycodes_len; i++) {
        unsigned code = a->keycodes.keycodes_val[i];
        if (!fl_keycode_valid(a->codeset, code)) {
            vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                               "invalid keycode %u of %s codeset", code,
                               fl_keycode_set_name(a->codeset));
            fl_conn_reply_error(c, hdr, &e);
            return;
        }
    }
    fl_reply_void(c, hdr); /* no guest reads them */
}

static const fl_handler guest_rows[] = {
    {R, VW_REMOTE_PROC_DOMAIN_SET_METADATA, h_set_metadata, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_METADATA, h_get_metadata, false},
    {R, VW_REMOTE_PROC_DOMAIN_RENAME, h_rename, false},
    {R, VW_REMOTE_PROC_DOMAIN_SAVE, h_save, false},
    {R, VW_REMOTE_PROC_DOMAIN_SAVE_FLAGS, h_save_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_RESTORE, h_restore, false},
    {R, VW_REMOTE_PROC_DOMAIN_RESTORE_FLAGS, h_restore_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, h_save_image_get_xml_desc, false},
    {R, VW_REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML, h_save_image_define_xml, false},
    {R, VW_REMOTE_PROC_DOMAIN_MANAGED_SAVE, h_managed_save, false},
    {R, VW_REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, h_has_managed_save, false},
    {R, VW_REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE, h_managed_save_remove, false},
    {R, VW_REMOTE_PROC_DOMAIN_CORE_DUMP, h_core_dump, false},
    {R, VW_REMOTE_PROC_DOMAIN_CORE_DUMP_WITH_FORMAT, h_core_dump_with_format, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_MESSAGES, h_get_messages, false},
    {R, VW_REMOTE_PROC_DOMAIN_FSFREEZE, h_fs_freeze, false},
    {R, VW_REMOTE_PROC_DOMAIN_FSTHAW, h_fs_thaw, false},
    {R, VW_REMOTE_PROC_DOMAIN_FSTRIM, h_fs_trim, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_FSINFO, h_get_fsinfo, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_TIME, h_get_time, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_TIME, h_set_time, false},
    {R, VW_REMOTE_PROC_DOMAIN_INJECT_NMI, h_inject_nmi, false},
    {R, VW_REMOTE_PROC_DOMAIN_RESET, h_reset, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_USER_PASSWORD, h_set_user_password, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO, h_get_launch_security_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL, h_send_process_signal, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_LIFECYCLE_ACTION, h_set_lifecycle_action, false},
    {R, VW_REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES, h_interface_addresses, false},
    {R, VW_REMOTE_PROC_DOMAIN_SEND_KEY, h_send_key, false},
    {R, VW_REMOTE_PROC_DOMAIN_SCREENSHOT, h_screenshot, false},
};

const fl_handler_family fl_handlers_guest = FL_HANDLER_FAMILY(guest_rows);
