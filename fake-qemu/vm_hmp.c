/* vm_hmp.c: HMP through the VM model's QMP commands (vm_hmp.h). */
#include "vm_hmp.h"

#include <stdio.h>
#include <string.h>

#define WORD_IS(w, l, s) ((l) == strlen(s) && strncmp((w), (s), (l)) == 0)

/* A QMP query's value (new reference), or NULL. */
static json_t *query(fq_vm *vm, const char *command)
{
    json_t *ret = NULL;
    const char *cls;
    char desc[256];
    if (fq_vm_execute(vm, command, NULL, &ret, &cls, desc, sizeof(desc)) != FQ_VM_OK)
        return NULL;
    return ret;
}

/* stop, cont, system_reset, system_powerdown: "" or the error's text as HMP prints it. */
static json_t *run(fq_vm *vm, const char *command)
{
    json_t *ret = NULL;
    const char *cls;
    char desc[512], out[530];
    if (fq_vm_execute(vm, command, NULL, &ret, &cls, desc, sizeof(desc)) != FQ_VM_OK) {
        snprintf(out, sizeof(out), "%s\r\n", desc);
        return json_string(out);
    }
    json_decref(ret);
    return json_string("");
}

static json_t *info(fq_vm *vm, const char *w2, size_t l2, const char *w1, const char *e2)
{
    char out[512];
    const char *rest = e2;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    int known = WORD_IS(w2, l2, "status") || WORD_IS(w2, l2, "version") ||
                WORD_IS(w2, l2, "name") || WORD_IS(w2, l2, "uuid") || WORD_IS(w2, l2, "kvm");
    if (known && *rest) {   /* these info commands take no argument */
        snprintf(out, sizeof(out),
                 "%.*s: extraneous characters at the end of line\r\n"
                 "Try \"help info %.*s\" for more information\r\n", (int)l2, w2, (int)l2, w2);
        return json_string(out);
    }
    json_t *v = NULL;
    out[0] = '\0';
    if (WORD_IS(w2, l2, "kvm")) {
        snprintf(out, sizeof(out), "kvm support: disabled\r\n");
    } else if (WORD_IS(w2, l2, "status") && (v = query(vm, "query-status"))) {
        const char *st = json_string_value(json_object_get(v, "status"));
        if (json_is_true(json_object_get(v, "running")))
            snprintf(out, sizeof(out), "VM status: running\r\n");
        else if (st && strcmp(st, "paused") == 0)
            snprintf(out, sizeof(out), "VM status: paused\r\n");
        else
            snprintf(out, sizeof(out), "VM status: paused (%s)\r\n", st ? st : "");
    } else if (WORD_IS(w2, l2, "version") && (v = fq_vm_version_json(vm))) {
        const json_t *q = json_object_get(v, "qemu");
        snprintf(out, sizeof(out), "%lld.%lld.%lld%s\r\n",
                 (long long)json_integer_value(json_object_get(q, "major")),
                 (long long)json_integer_value(json_object_get(q, "minor")),
                 (long long)json_integer_value(json_object_get(q, "micro")),
                 json_string_value(json_object_get(v, "package")));
    } else if (WORD_IS(w2, l2, "name") && (v = query(vm, "query-name"))) {
        const char *name = json_string_value(json_object_get(v, "name"));
        if (name)
            snprintf(out, sizeof(out), "%s\r\n", name);
    } else if (WORD_IS(w2, l2, "uuid") && (v = query(vm, "query-uuid"))) {
        snprintf(out, sizeof(out), "%s\r\n", json_string_value(json_object_get(v, "UUID")));
    } else if (!known) {
        snprintf(out, sizeof(out), "unknown command: '%.*s'\r\n", (int)(e2 - w1), w1);
    }
    json_decref(v);
    return json_string(out);
}

int fq_vm_hmp(fq_vm *vm, const char *line, const json_t *cpu_index, json_t **ret,
              const char **err_class, char *desc, size_t desclen)
{
    if (cpu_index) {
        json_t *cpus = query(vm, "query-cpus-fast");
        json_int_t n = json_integer_value(cpu_index);
        int ok = n == 0 && json_array_size(cpus) > 0;
        json_decref(cpus);
        if (!ok) {
            *err_class = "GenericError";
            snprintf(desc, desclen, "Parameter 'cpu-index' expects a CPU number");
            return FQ_VM_ERROR;
        }
    }
    const char *w1 = line;
    while (*w1 == ' ' || *w1 == '\t')
        w1++;
    const char *e1 = w1;
    while (*e1 && *e1 != ' ' && *e1 != '\t')
        e1++;
    const char *w2 = e1;
    while (*w2 == ' ' || *w2 == '\t')
        w2++;
    const char *e2 = w2;
    while (*e2 && *e2 != ' ' && *e2 != '\t')
        e2++;
    size_t l1 = (size_t)(e1 - w1), l2 = (size_t)(e2 - w2);
    char out[512];
    if (l1 == 0)
        *ret = json_string("");
    else if (WORD_IS(w1, l1, "info"))
        *ret = info(vm, w2, l2, w1, e2);
    else if (WORD_IS(w1, l1, "stop"))
        *ret = run(vm, "stop");
    else if (WORD_IS(w1, l1, "cont") || WORD_IS(w1, l1, "c"))
        *ret = run(vm, "cont");
    else if (WORD_IS(w1, l1, "system_reset"))
        *ret = run(vm, "system_reset");
    else if (WORD_IS(w1, l1, "system_powerdown"))
        *ret = run(vm, "system_powerdown");
    else {
        snprintf(out, sizeof(out), "unknown command: '%.*s'\r\n", (int)l1, w1);
        *ret = json_string(out);
    }
    return FQ_VM_OK;
}
