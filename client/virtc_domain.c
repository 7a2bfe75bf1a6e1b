/* virtc_domain.c: virtc's domain commands: information (dominfo, domstate, dumpxml), lifecycle
 * (define, create, start, destroy, shutdown, reboot, suspend, resume, undefine), the QEMU
 * monitor passthrough and the domains overview, with virsh's output. */
#include "libvirt_client.h"
#include "virtc_cmd.h"
#include "virtc_table.h"
#include "vw_remote_protocol.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_util.h"

/* virConnectListAllDomainsFlags: VIR_CONNECT_LIST_DOMAINS_ACTIVE */
#define LIST_ACTIVE_DOMAINS 1u

/* ---- domain information ---------------------------------------------------------------------- */

/* A char<> array from the wire as a C string: stops at the first NUL, never reads past len. */
static void wire_chars(char *out, size_t outsz, const char *val, unsigned int len)
{
    size_t n = 0;
    while (val && n < len && n + 1 < outsz && val[n])
        n++;
    if (n)
        memcpy(out, val, n);
    out[n] = '\0';
}

/* "Security model", "Security DOI" and "Security label" lines, as virsh prints them.
 * Returns 0, or -1 with *err filled when the daemon failed (other than "not supported"). */
static int print_security(ctx *c, const vw_client_domain *dom, vw_virerror *err)
{
    vw_node_get_security_model_ret model;
    memset(&model, 0, sizeof(model));
    if (vw_call(c->conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_NODE_GET_SECURITY_MODEL, NULL, NULL,
                (xdrproc_t)xdr_vw_node_get_security_model_ret, &model, err) < 0) {
        if (err->code == VW_ERR_NO_SUPPORT) {
            vw_virerror_clear(err);
            return 0;
        }
        return -1;
    }
    char name[VW_REMOTE_SECURITY_MODEL_MAX + 1], doi[VW_REMOTE_SECURITY_DOI_MAX + 1];
    wire_chars(name, sizeof(name), model.model.model_val, model.model.model_len);
    wire_chars(doi, sizeof(doi), model.doi.doi_val, model.doi.doi_len);
    xdr_free((xdrproc_t)xdr_vw_node_get_security_model_ret, (char *)&model);
    if (name[0] == '\0')
        return 0;   /* no security driver active: virsh prints nothing */
    printf("%-15s %s\n", "Security model:", name);
    printf("%-15s %s\n", "Security DOI:", doi);

    vw_domain_args args;
    virtc_fill_nonnull_domain(&args.dom, dom);
    vw_domain_get_security_label_ret label;
    memset(&label, 0, sizeof(label));
    if (vw_call(c->conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL,
                (xdrproc_t)xdr_vw_domain_args, &args,
                (xdrproc_t)xdr_vw_domain_get_security_label_ret, &label, err) < 0)
        return -1;
    char text[VW_REMOTE_SECURITY_LABEL_MAX + 1];
    wire_chars(text, sizeof(text), label.label.label_val, label.label.label_len);
    int enforcing = label.enforcing;
    xdr_free((xdrproc_t)xdr_vw_domain_get_security_label_ret, (char *)&label);
    if (text[0])
        printf("%-15s %s (%s)\n", "Security label:", text, enforcing ? "enforcing" : "permissive");
    return 0;
}

static int cmd_dominfo(ctx *c, const parsed_args *a)
{
    vw_client_domain dom;
    vw_virerror err = {0};
    int rc = virtc_lookup_domain(c, virtc_arg_value(c->cmd, a, "domain"), BY_ID | BY_UUID | BY_NAME, &dom);
    if (rc)
        return rc;
    char uuid[VW_UUID_STRING_BUFLEN];
    vw_uuid_format(dom.uuid, uuid);
    if (dom.id >= 0)
        printf("%-15s %d\n", "Id:", dom.id);
    else
        printf("%-15s %s\n", "Id:", "-");
    printf("%-15s %s\n", "Name:", dom.name);
    printf("%-15s %s\n", "UUID:", uuid);
    char *os = NULL;
    if (vw_domain_get_os_type(c->conn, &dom, &os, &err) == 0) {
        printf("%-15s %s\n", "OS Type:", os);
        free(os);
    } else {
        vw_virerror_clear(&err);
    }
    vw_client_domain_info info;
    if (vw_domain_get_info(c->conn, &dom, &info, &err) == 0) {
        printf("%-15s %s\n", "State:", virtc_state_text(info.state));
        printf("%-15s %u\n", "CPU(s):", info.nr_virt_cpu);
        if (info.cpu_time != 0)
            printf("%-15s %.1fs\n", "CPU time:", (double)info.cpu_time / 1000000000.0);
        if (info.max_mem != UINT_MAX)
            printf("%-15s %llu KiB\n", "Max memory:", (unsigned long long)info.max_mem);
        else
            printf("%-15s %s\n", "Max memory:", "no limit");
        printf("%-15s %llu KiB\n", "Used memory:", (unsigned long long)info.memory);
    } else {
        rc = virtc_report(&err);
    }
    int persistent = 0, autostart = 0;
    if (vw_domain_is_persistent(c->conn, &dom, &persistent, &err) < 0) {
        vw_virerror_clear(&err);
        printf("%-15s %s\n", "Persistent:", "unknown");
    } else {
        printf("%-15s %s\n", "Persistent:", persistent ? "yes" : "no");
    }
    if (vw_domain_get_autostart(c->conn, &dom, &autostart, &err) == 0)
        printf("%-15s %s\n", "Autostart:", autostart ? "enable" : "disable");
    else
        vw_virerror_clear(&err);

    vw_domain_flags_args margs;
    virtc_fill_nonnull_domain(&margs.dom, &dom);
    margs.flags = 0;
    vw_int_ret managed;
    memset(&managed, 0, sizeof(managed));
    if (vw_call(c->conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE,
                (xdrproc_t)xdr_vw_domain_flags_args, &margs, (xdrproc_t)xdr_vw_int_ret, &managed,
                &err) < 0) {
        vw_virerror_clear(&err);
        printf("%-15s %s\n", "Managed save:", "unknown");
    } else {
        printf("%-15s %s\n", "Managed save:", managed.value ? "yes" : "no");
    }
    if (print_security(c, &dom, &err) < 0)
        rc = virtc_report(&err);
    /* virsh prints the messages last, the label only on the first line; daemons that do not know
     * the call (libvirt < 7.1) just get no such lines. */
    char **messages = NULL;
    size_t nmessages = 0;
    if (vw_domain_get_messages(c->conn, &dom, 0, &messages, &nmessages, &err) == 0) {
        for (size_t i = 0; i < nmessages; i++)
            printf("%-15s %s\n", i == 0 ? "Messages:" : "", messages[i]);
        vw_string_list_free(messages, nmessages);
    } else {
        vw_virerror_clear(&err);
    }
    vw_client_domain_clear(&dom);
    return rc;
}

static int cmd_domstate(ctx *c, const parsed_args *a)
{
    vw_client_domain dom;
    vw_virerror err = {0};
    int rc = virtc_lookup_domain(c, virtc_arg_value(c->cmd, a, "domain"), BY_ID | BY_UUID | BY_NAME, &dom);
    if (rc)
        return rc;
    int state = 0, reason = 0;
    if (vw_domain_get_state(c->conn, &dom, 0, &state, &reason, &err) < 0) {
        rc = virtc_report(&err);
    } else if (virtc_arg_set(c->cmd, a, "reason")) {
        printf("%s (%s)\n", virtc_state_text(state), virtc_reason_text(state, reason));
    } else {
        printf("%s\n", virtc_state_text(state));
    }
    vw_client_domain_clear(&dom);
    return rc;
}

/* virDomainXMLFlags */
#define XML_SECURE 1u
#define XML_INACTIVE 2u
#define XML_MIGRATABLE 8u

static int cmd_dumpxml(ctx *c, const parsed_args *a)
{
    vw_client_domain dom;
    vw_virerror err = {0};
    int rc = virtc_lookup_domain(c, virtc_arg_value(c->cmd, a, "domain"), BY_ID | BY_UUID | BY_NAME, &dom);
    if (rc)
        return rc;
    unsigned int flags = 0;
    if (virtc_arg_set(c->cmd, a, "inactive"))
        flags |= XML_INACTIVE;
    if (virtc_arg_set(c->cmd, a, "security-info"))
        flags |= XML_SECURE;
    if (virtc_arg_set(c->cmd, a, "migratable"))
        flags |= XML_MIGRATABLE;
    char *xml = NULL;
    if (vw_domain_get_xml_desc(c->conn, &dom, flags, &xml, &err) < 0) {
        rc = virtc_report(&err);
    } else {
        fputs(xml, stdout);
        free(xml);
    }
    vw_client_domain_clear(&dom);
    return rc;
}

/* ---- domain lifecycle -------------------------------------------------------------------------- */

static int cmd_define_or_create(ctx *c, const parsed_args *a, bool create)
{
    const char *file = virtc_arg_value(c->cmd, a, "file");
    char *xml = virtc_read_xml_file(file);
    if (!xml)
        return EXIT_LIBVIRT;
    vw_virerror err = {0};
    vw_client_domain dom;
    memset(&dom, 0, sizeof(dom));
    int rc = create ? vw_domain_create_xml(c->conn, xml, 0, &dom, &err)
                    : vw_domain_define_xml(c->conn, xml, 0, &dom, &err);
    free(xml);
    if (rc < 0) {
        virtc_error("Failed to %s domain from %s", create ? "create" : "define", file);
        return virtc_report(&err);
    }
    printf("Domain '%s' %s from %s\n", dom.name, create ? "created" : "defined", file);
    vw_client_domain_clear(&dom);
    return EXIT_OK;
}

static int cmd_define(ctx *c, const parsed_args *a) { return cmd_define_or_create(c, a, false); }
static int cmd_create(ctx *c, const parsed_args *a) { return cmd_define_or_create(c, a, true); }

static int cmd_start(ctx *c, const parsed_args *a)
{
    vw_client_domain dom;
    vw_virerror err = {0};
    /* like virsh: an inactive domain has no id, so start looks up by UUID or name only */
    int rc = virtc_lookup_domain(c, virtc_arg_value(c->cmd, a, "domain"), BY_UUID | BY_NAME, &dom);
    if (rc)
        return rc;
    if (dom.id >= 0) {
        virtc_error("Domain is already active");
        vw_client_domain_clear(&dom);
        return EXIT_LIBVIRT;
    }
    if (vw_domain_create(c->conn, &dom, 0, &err) < 0) {
        virtc_error("Failed to start domain '%s'", dom.name);
        rc = virtc_report(&err);
    } else {
        printf("Domain '%s' started\n", dom.name);
    }
    vw_client_domain_clear(&dom);
    return rc;
}

enum simple_op { OP_DESTROY, OP_SHUTDOWN, OP_REBOOT, OP_SUSPEND, OP_RESUME, OP_UNDEFINE };

/* The commands that take one domain, do one call and print one line. The messages name the
 * domain the way the user wrote it, as virsh's do. */
static int run_simple(ctx *c, const parsed_args *a, enum simple_op op)
{
    static const struct {
        const char *verb, *done;
    } text[] = {
        [OP_DESTROY] = {"destroy", "destroyed"},
        [OP_SHUTDOWN] = {"shutdown", "is being shutdown"},
        [OP_REBOOT] = {"reboot", "is being rebooted"},
        [OP_SUSPEND] = {"suspend", "suspended"},
        [OP_RESUME] = {"resume", "resumed"},
        [OP_UNDEFINE] = {"undefine", "has been undefined"},
    };
    const char *key = virtc_arg_value(c->cmd, a, "domain");
    vw_client_domain dom;
    vw_virerror err = {0};
    int rc = virtc_lookup_domain(c, key, BY_ID | BY_UUID | BY_NAME, &dom);
    if (rc)
        return rc;
    int r = -1;
    switch (op) {
    case OP_DESTROY: r = vw_domain_destroy(c->conn, &dom, &err); break;
    case OP_SHUTDOWN: r = vw_domain_shutdown(c->conn, &dom, &err); break;
    case OP_REBOOT: r = vw_domain_reboot(c->conn, &dom, 0, &err); break;
    case OP_SUSPEND: r = vw_domain_suspend(c->conn, &dom, &err); break;
    case OP_RESUME: r = vw_domain_resume(c->conn, &dom, &err); break;
    case OP_UNDEFINE: r = vw_domain_undefine(c->conn, &dom, 0, &err); break;
    }
    if (r < 0) {
        virtc_error("Failed to %s domain '%s'", text[op].verb, key);
        rc = virtc_report(&err);
    } else {
        printf("Domain '%s' %s\n", key, text[op].done);
    }
    vw_client_domain_clear(&dom);
    return rc;
}

static int cmd_destroy(ctx *c, const parsed_args *a) { return run_simple(c, a, OP_DESTROY); }
static int cmd_shutdown(ctx *c, const parsed_args *a) { return run_simple(c, a, OP_SHUTDOWN); }
static int cmd_reboot(ctx *c, const parsed_args *a) { return run_simple(c, a, OP_REBOOT); }
static int cmd_suspend(ctx *c, const parsed_args *a) { return run_simple(c, a, OP_SUSPEND); }
static int cmd_resume(ctx *c, const parsed_args *a) { return run_simple(c, a, OP_RESUME); }
static int cmd_undefine(ctx *c, const parsed_args *a) { return run_simple(c, a, OP_UNDEFINE); }

/* ---- QEMU monitor passthrough ------------------------------------------------------------------ */

#define QEMU_MONITOR_COMMAND_HMP 1u

static int cmd_qemu_monitor_command(ctx *c, const parsed_args *a)
{
    vw_client_domain dom;
    vw_virerror err = {0};
    int rc = virtc_lookup_domain(c, virtc_arg_value(c->cmd, a, "domain"), BY_ID | BY_UUID | BY_NAME, &dom);
    if (rc)
        return rc;
    bool hmp = virtc_arg_set(c->cmd, a, "hmp");
    char *result = NULL;
    if (vw_domain_qemu_monitor_command(c->conn, &dom, virtc_arg_value(c->cmd, a, "cmd"),
                                       hmp ? QEMU_MONITOR_COMMAND_HMP : 0, &result, &err) < 0) {
        rc = virtc_report(&err);
    } else if (virtc_arg_set(c->cmd, a, "pretty") && !hmp) {
        json_error_t jerr;
        json_t *reply = json_loads(result, 0, &jerr);
        char *pretty = reply ? json_dumps(reply, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        printf("%s\n", pretty ? pretty : result);
        free(pretty);
        json_decref(reply);
        free(result);
    } else {
        /* HMP replies end with their own newline; QMP replies do not */
        size_t len = strlen(result);
        printf("%s%s", result, len && result[len - 1] == '\n' ? "" : "\n");
        free(result);
    }
    vw_client_domain_clear(&dom);
    return rc;
}

/* `domains --qemu-version`: each running domain with the QEMU version its monitor reports
 * (query-version through the passthrough); "-" when the driver has no QEMU monitor. */
static int cmd_domains(ctx *c, const parsed_args *a)
{
    vw_virerror err = {0};
    bool with_version = virtc_arg_set(c->cmd, a, "qemu-version");
    vw_client_domain *doms = NULL;
    size_t n = 0;
    if (vw_connect_list_all_domains(c->conn, LIST_ACTIVE_DOMAINS, &doms, &n, &err) < 0) {
        virtc_error("Failed to list domains");
        return virtc_report(&err);
    }
    qsort(doms, n, sizeof(*doms), virtc_domain_order);
    virtc_table *t = with_version ? virtc_table_new("Name", "QEMU version", NULL)
                                  : virtc_table_new("Name", NULL);
    int rc = t ? EXIT_OK : EXIT_LIBVIRT;
    for (size_t i = 0; t && i < n; i++) {
        char version[64] = "-";
        if (with_version) {
            char *reply = NULL;
            if (vw_domain_qemu_monitor_command(c->conn, &doms[i], "{\"execute\":\"query-version\"}",
                                               0, &reply, &err) == 0) {
                json_t *root = json_loads(reply, 0, NULL);
                json_t *q = json_object_get(json_object_get(root, "return"), "qemu");
                json_t *ma = json_object_get(q, "major"), *mi = json_object_get(q, "minor"),
                       *mc = json_object_get(q, "micro");
                if (json_is_integer(ma) && json_is_integer(mi) && json_is_integer(mc))
                    snprintf(version, sizeof(version), "%lld.%lld.%lld",
                             (long long)json_integer_value(ma), (long long)json_integer_value(mi),
                             (long long)json_integer_value(mc));
                json_decref(root);
                free(reply);
            } else {
                vw_virerror_clear(&err);
            }
            if (virtc_table_add_row(t, doms[i].name, version, NULL) < 0)
                rc = EXIT_LIBVIRT;
        } else if (virtc_table_add_row(t, doms[i].name, NULL) < 0) {
            rc = EXIT_LIBVIRT;
        }
    }
    rc = virtc_table_finish(t, rc);
    vw_client_domain_list_free(doms, n);
    return rc;
}

static const arg_spec args_domain[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"}, {0}};
static const arg_spec args_domstate[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"},
    {"reason", ARG_BOOL, false, "also the reason"}, {0}};
static const arg_spec args_dumpxml[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"},
    {"inactive", ARG_BOOL, false, "the inactive configuration"},
    {"security-info", ARG_BOOL, false, "include security sensitive data"},
    {"migratable", ARG_BOOL, false, "XML for migration"}, {0}};
static const arg_spec args_file[] = {
    {"file", ARG_POSITIONAL, true, "domain XML file"}, {0}};
static const arg_spec args_monitor[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"},
    {"cmd", ARG_REST, true, "QMP command (JSON)"},
    {"hmp", ARG_BOOL, false, "the command is HMP text"},
    {"pretty", ARG_BOOL, false, "indent the JSON reply"}, {0}};
static const arg_spec args_domains[] = {
    {"qemu-version", ARG_BOOL, false, "ask each domain's QEMU for its version"}, {0}};

const command virtc_domain_commands[] = {
    {"dominfo", args_domain, cmd_dominfo, "DOMAIN: information about a domain"},
    {"domstate", args_domstate, cmd_domstate, "DOMAIN [--reason]: a domain's state"},
    {"dumpxml", args_dumpxml, cmd_dumpxml, "DOMAIN [--inactive]: a domain's XML"},
    {"define", args_file, cmd_define, "FILE: define a persistent domain from XML"},
    {"undefine", args_domain, cmd_undefine, "DOMAIN: remove a domain's definition"},
    {"start", args_domain, cmd_start, "DOMAIN: start a defined domain"},
    {"create", args_file, cmd_create, "FILE: start a transient domain from XML"},
    {"destroy", args_domain, cmd_destroy, "DOMAIN: stop a domain at once"},
    {"shutdown", args_domain, cmd_shutdown, "DOMAIN: ask a domain to shut down"},
    {"reboot", args_domain, cmd_reboot, "DOMAIN: reboot a domain"},
    {"suspend", args_domain, cmd_suspend, "DOMAIN: pause a domain"},
    {"resume", args_domain, cmd_resume, "DOMAIN: resume a paused domain"},
    {"qemu-monitor-command", args_monitor, cmd_qemu_monitor_command,
     "DOMAIN JSON [--pretty] [--hmp]: a QEMU monitor command"},
    {"domains", args_domains, cmd_domains, "--qemu-version: running domains and their QEMU"},
    {NULL, NULL, NULL, NULL}};
