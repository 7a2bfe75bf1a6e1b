/* qmp_dispatch.c: one QMP request as QEMU's monitor handles it, see qmp_dispatch.h. */
#include "qmp_dispatch.h"
#include "qemu_order.h"
#include "qmp_json.h"
#include "vm_hmp.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REQUEST_KEYS 64

/* --self-check: a reply or event that does not match the schema is a bug of the fake. */
static void self_check_result(qmp_dispatcher *d, int rc, const char *what, const char *name,
                              const char *err)
{
    if (rc == 0)
        return;
    d->self_check_failures++;
    fprintf(stderr, "fake-qemu: self-check: %s %s does not match the schema: %s\n", what, name,
            err);
}

void qmp_dispatch_check_event(qmp_dispatcher *d, const char *name, const json_t *data)
{
    if (!d->self_check || !d->schema)
        return;
    char err[512];
    self_check_result(d, qapi_schema_check_event(d->schema, name, data, err,
                                                 sizeof(err)),
                      "event", name, err);
}

/* ---- messages --------------------------------------------------------------------------------- */

void qmp_send_json(const qmp_out *out, json_t *msg)
{
    if (!msg)
        return;
    char *text = vw_qmp_dumps(msg, VW_QMP_DUMP_QDICT_ORDER);
    json_decref(msg);
    if (!text) {
        fprintf(stderr, "fake-qemu: out of memory serializing a reply\n");
        return;
    }
    if (out->append(out->opaque, text, strlen(text)) < 0 ||
        out->append(out->opaque, "\r\n", 2) < 0)
        fprintf(stderr, "fake-qemu: out of memory queueing a reply\n");
    free(text);
}

void qmp_send_error(const qmp_out *out, const json_t *id, const char *cls, const char *desc)
{
    json_t *err = json_object();
    json_object_set_new(err, "class", json_string(cls));
    /* Parse errors quote raw input bytes, which need not be UTF-8. */
    json_object_set_new(err, "desc", json_string_nocheck(desc));
    json_t *rsp = json_object();
    json_object_set_new(rsp, "error", err);
    if (id)
        json_object_set(rsp, "id", (json_t *)id);
    qmp_send_json(out, rsp);
}

static void send_return(const qmp_out *out, const json_t *id, json_t *ret)
{
    json_t *rsp = json_object();
    json_object_set_new(rsp, "return", ret);
    if (id)
        json_object_set(rsp, "id", (json_t *)id);
    qmp_send_json(out, rsp);
}

/* A return value kept as JSON text written as QEMU writes it (the recorded schema, the command
 * list): sent as it is, never parsed; the member order is QEMU's ("return", then "id"). */
static void send_return_text(const qmp_out *out, const json_t *id, const char *text, size_t len)
{
    while (len > 0 && strchr(" \t\r\n", text[len - 1]))
        len--;
    char *idtext = id ? vw_qmp_dumps(id, VW_QMP_DUMP_QDICT_ORDER) : NULL, *msg = NULL;
    int n = (id && !idtext) || len > INT_MAX ? -1
            : asprintf(&msg, "{\"return\": %.*s%s%s}\r\n", (int)len, text,
                       idtext ? ", \"id\": " : "", idtext ? idtext : "");
    if (n < 0)
        msg = NULL;   /* asprintf leaves it undefined */
    if (!msg || out->append(out->opaque, msg, (size_t)n) < 0)
        fprintf(stderr, "fake-qemu: out of memory queueing a reply\n");
    free(msg);
    free(idtext);
}

void qmp_send_greeting(const qmp_dispatcher *d, const qmp_out *out)
{
    json_t *version = d->vm ? fq_vm_version_json(d->vm) : json_object();
    json_t *greeting = json_pack("{s:{s:o,s:[s]}}", "QMP", "version", version, "capabilities", "oob");
    qmp_send_json(out, greeting);
}

/* ---- request checks --------------------------------------------------------------------------- */

static int is_real_object(const json_t *v)
{
    return json_is_object(v) && !vw_qmp_raw_number_text(v);
}

/* qmp_dispatch_check_obj(): returns the command name, or NULL after sending the error. */
static const char *check_request(const qmp_session *s, const qmp_out *out, const json_t *req,
                                 const json_t *id, int *oob)
{
    const char *keys[MAX_REQUEST_KEYS];
    size_t n = qemu_order_qdict_keys(req, keys, MAX_REQUEST_KEYS);
    const char *exec_key = NULL;
    char desc[4200];
    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i];
        const json_t *v = json_object_get(req, k);
        if (strcmp(k, "execute") == 0 || (strcmp(k, "exec-oob") == 0 && s->oob)) {
            if (!json_is_string(v)) {
                snprintf(desc, sizeof(desc), "QMP input member '%s' must be a string", k);
                qmp_send_error(out, id, "GenericError", desc);
                return NULL;
            }
            if (exec_key) {
                snprintf(desc, sizeof(desc), "QMP input member '%s' clashes with '%s'", k,
                         strcmp(k, "execute") == 0 ? "exec-oob" : "execute");
                qmp_send_error(out, id, "GenericError", desc);
                return NULL;
            }
            exec_key = k;
        } else if (strcmp(k, "arguments") == 0) {
            if (!is_real_object(v)) {
                qmp_send_error(out, id, "GenericError",
                               "QMP input member 'arguments' must be an object");
                return NULL;
            }
        } else if (strcmp(k, "id") == 0) {
            continue;
        } else {
            /* Member names are shown as QEMU shows them: it has no length limit, we cap. */
            snprintf(desc, sizeof(desc), "QMP input member '%.4000s' is unexpected", k);
            qmp_send_error(out, id, "GenericError", desc);
            return NULL;
        }
    }
    if (n > MAX_REQUEST_KEYS || json_object_size(req) > MAX_REQUEST_KEYS) {
        /* Over 64 members: at least one is unexpected; name the first one QEMU would. */
        for (size_t i = 0; i < n; i++) {
            if (strcmp(keys[i], "execute") && strcmp(keys[i], "exec-oob") &&
                strcmp(keys[i], "arguments") && strcmp(keys[i], "id")) {
                snprintf(desc, sizeof(desc), "QMP input member '%.4000s' is unexpected", keys[i]);
                qmp_send_error(out, id, "GenericError", desc);
                return NULL;
            }
        }
    }
    if (!exec_key) {
        qmp_send_error(out, id, "GenericError", "QMP input lacks member 'execute'");
        return NULL;
    }
    const char *execute = json_string_value(json_object_get(req, "execute"));
    *oob = execute == NULL;
    return execute ? execute : json_string_value(json_object_get(req, "exec-oob"));
}

/* While negotiating, QEMU rewrites the desc of every CommandNotFound. */
static void send_command_error(const qmp_session *s, const qmp_out *out, const json_t *id,
                               const char *cls, const char *desc)
{
    if (!s->negotiated && strcmp(cls, "CommandNotFound") == 0)
        desc = "Expecting capabilities negotiation with 'qmp_capabilities'";
    qmp_send_error(out, id, cls, desc);
}

/* ---- commands --------------------------------------------------------------------------------- */

static void cmd_qmp_capabilities(qmp_session *s, const qmp_out *out, const json_t *id,
                                 const json_t *args)
{
    if (s->negotiated) {
        send_command_error(s, out, id, "CommandNotFound",
                           "Capabilities negotiation is already complete, command ignored");
        return;
    }
    int want_oob = 0;
    size_t i;
    const json_t *cap;
    json_array_foreach(json_object_get(args, "enable"), i, cap) {
        const char *name = json_string_value(cap);
        if (name && strcmp(name, "oob") == 0) {
            want_oob = 1;
        } else {
            char desc[300];
            snprintf(desc, sizeof(desc), "Capability %.200s not available", name ? name : "");
            send_command_error(s, out, id, "GenericError", desc);
            return;
        }
    }
    s->negotiated = 1;
    s->oob = want_oob;
    send_return(out, id, json_object());
}

/* A command of the VM model. Returns 1 when the model asked to quit. */
static int cmd_vm(qmp_dispatcher *d, const qmp_session *s, const qmp_out *out, const json_t *id,
                  const char *command, const json_t *args)
{
    char desc[4200];
    json_t *ret = NULL;
    const char *cls = "GenericError";
    desc[0] = '\0';
    int rc = FQ_VM_UNKNOWN;
    if (d->vm && strcmp(command, "human-monitor-command") == 0) {
        /* HMP is answered through the model's QMP commands (vm_hmp.c), above the model */
        const char *line = json_string_value(json_object_get(args, "command-line"));
        rc = fq_vm_hmp(d->vm, line ? line : "", json_object_get(args, "cpu-index"), &ret, &cls,
                       desc, sizeof(desc)) == FQ_VM_OK ? FQ_VM_OK : FQ_VM_ERROR;
    } else if (d->vm) {
        rc = fq_vm_execute(d->vm, command, args, &ret, &cls, desc, sizeof(desc));
    }
    if (rc == FQ_VM_OK) {
        if (d->self_check) {
            char err[512];
            self_check_result(d, qapi_schema_check_return(d->schema, command, ret, err,
                                                           sizeof(err)),
                              "reply of", command, err);
        }
        send_return(out, id, ret);
    } else if (rc == FQ_VM_ERROR) {
        send_command_error(s, out, id, cls, desc);
    } else {
        snprintf(desc, sizeof(desc),
                 "fake-qemu: command '%.4000s' is in the QEMU schema but not implemented by "
                 "the fake's VM model", command);
        send_command_error(s, out, id, "GenericError", desc);
    }
    if (!d->vm)
        return 0;
    fq_vm_after_reply(d->vm);   /* QEMU 5.2: RESET/POWERDOWN/SHUTDOWN after the return */
    return fq_vm_quit_requested(d->vm) ? 1 : 0;
}

int qmp_dispatch_request(qmp_dispatcher *d, qmp_session *s, const json_t *req,
                         const qmp_out *out)
{
    if (!is_real_object(req)) {
        qmp_send_error(out, NULL, "GenericError", "QMP input must be a JSON object");
        return 0;
    }
    const json_t *id = json_object_get(req, "id");
    int oob = 0;
    const char *command = check_request(s, out, req, id, &oob);
    if (!command)
        return 0;
    char desc[4200];
    /* In negotiation mode only qmp_capabilities exists. */
    int exists = s->negotiated ? qapi_schema_command(d->schema, command) != NULL
                               : strcmp(command, "qmp_capabilities") == 0;
    if (!exists) {
        snprintf(desc, sizeof(desc), "The command %.4000s has not been found", command);
        send_command_error(s, out, id, "CommandNotFound", desc);
        return 0;
    }
    if (oob && !qapi_schema_command_allows_oob(d->schema, command)) {
        snprintf(desc, sizeof(desc), "The command %.4000s does not support OOB", command);
        send_command_error(s, out, id, "GenericError", desc);
        return 0;
    }
    json_t *empty = NULL;
    const json_t *args = json_object_get(req, "arguments");
    if (!args)
        args = empty = json_object();
    /* device_add is 'gen': false: QEMU passes its arguments to qdev unchecked. */
    if (strcmp(command, "device_add") != 0 &&
        qapi_schema_check_args(d->schema, command, args, desc, sizeof(desc)) != 0) {
        send_command_error(s, out, id, "GenericError", desc);
        json_decref(empty);
        return 0;
    }
    int quit = 0;
    if (strcmp(command, "qmp_capabilities") == 0) {
        cmd_qmp_capabilities(s, out, id, args);
    } else if (strcmp(command, "query-qmp-schema") == 0) {
        size_t len;
        const char *text = qapi_schema_text(d->schema, &len);
        send_return_text(out, id, text, len);
    } else if (strcmp(command, "query-commands") == 0) {
        send_return_text(out, id, d->commands, d->commands_len);
    } else {
        quit = cmd_vm(d, s, out, id, command, args);
    }
    json_decref(empty);
    return quit;
}
