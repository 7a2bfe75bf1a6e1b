/* virtc.c: the virtc command-line tool: main(), global options, the libvirt commands and their
 * virsh-like output. It speaks to libvirtd only through the client library (libvirt_client.h);
 * `virtc qmp ...` is handed to virtc_qmp_main() (virtc_qmp.c).
 *
 * Exit status: 0 success; 1 the daemon or the connection reported an error (message on stderr
 * as "error: ..." lines, like virsh); 2 usage error (bad option, unknown command, missing or
 * extra argument), found before any connection is made. */
#include "libvirt_client.h"
#include "virtc.h"
#include "virtc_cmd.h"
#include "virtc_table.h"
#include "vw_remote_protocol.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vw_version.h"   /* VW_VERSION, generated from the Makefile's VERSION */
#include "vw_util.h"


/* Largest XML file define/create reads (virsh uses the same 10 MiB). */
#define XML_FILE_MAX (10 * 1024 * 1024)
/* Longest --timeout / -t, in seconds (one day). */
#define TIMEOUT_MAX_S 86400

/* The QMP command group lives in virtc_qmp.c; when that file is not part of the build, the
 * symbol is absent and `virtc qmp` says so instead of failing to link. */
#pragma weak virtc_qmp_main

/* ---- messages -------------------------------------------------------------------------------- */

void virtc_error(const char *fmt, ...)
{
    va_list ap;
    fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int virtc_report(vw_client_error *err)
{
    virtc_error("%s", vw_client_error_message(err));
    vw_client_error_clear(err);
    return EXIT_LIBVIRT;
}

/* ---- per-command argument parsing (virsh style: positionals or --name value, --flag) --------- */

static int spec_count(const arg_spec *specs)
{
    int n = 0;
    while (specs && specs[n].name)
        n++;
    return n;
}

static int spec_index(const command *cmd, const char *name)
{
    for (int i = 0; i < spec_count(cmd->args); i++)
        if (strcmp(cmd->args[i].name, name) == 0)
            return i;
    return -1;
}

bool virtc_arg_set(const command *cmd, const parsed_args *a, const char *name)
{
    int i = spec_index(cmd, name);
    return i >= 0 && a->set[i];
}

const char *virtc_arg_value(const command *cmd, const parsed_args *a, const char *name)
{
    int i = spec_index(cmd, name);
    return i >= 0 && a->set[i] ? a->value[i] : NULL;
}

/* Appends word to the ARG_REST buffer (space separated, like virsh joins its argv options). */
static int rest_append(parsed_args *a, int idx, const char *word)
{
    size_t old = a->rest ? strlen(a->rest) : 0;
    size_t add = strlen(word);
    char *grown = realloc(a->rest, old + add + 2);
    if (!grown)
        return -1;
    if (old)
        grown[old++] = ' ';
    memcpy(grown + old, word, add + 1);
    a->rest = grown;
    a->value[idx] = grown;
    a->set[idx] = true;
    return 0;
}

/* Parses argv (after the command name). Returns 0, or EXIT_USAGE after printing the error. */
static int parse_args(const command *cmd, int argc, char **argv, parsed_args *a)
{
    memset(a, 0, sizeof(*a));
    int n = spec_count(cmd->args);
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        const char *tok = argv[i];
        if (!only_positional && strcmp(tok, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (!only_positional && strncmp(tok, "--", 2) == 0) {
            char name[64];
            const char *eq = strchr(tok + 2, '=');
            size_t len = eq ? (size_t)(eq - tok - 2) : strlen(tok + 2);
            int idx = -1;
            if (len < sizeof(name)) {
                memcpy(name, tok + 2, len);
                name[len] = '\0';
                idx = spec_index(cmd, name);
            }
            if (idx < 0) {
                virtc_error("command '%s' doesn't support option %s", cmd->name, tok);
                return EXIT_USAGE;
            }
            const arg_spec *s = &cmd->args[idx];
            if (s->kind == ARG_BOOL) {
                if (eq) {
                    virtc_error("option --%s takes no value", s->name);
                    return EXIT_USAGE;
                }
                a->set[idx] = true;
                continue;
            }
            const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val) {
                virtc_error("expected syntax: --%s <%s>", s->name, s->name);
                return EXIT_USAGE;
            }
            if (s->kind == ARG_REST) {
                if (rest_append(a, idx, val) < 0) {
                    virtc_error("out of memory");
                    return EXIT_LIBVIRT;
                }
            } else {
                a->value[idx] = val;
                a->set[idx] = true;
            }
            continue;
        }
        /* a positional: the first positional slot not yet filled */
        int idx = -1;
        for (int j = 0; j < n; j++) {
            const arg_spec *s = &cmd->args[j];
            if ((s->kind == ARG_POSITIONAL && !a->set[j]) || s->kind == ARG_REST) {
                idx = j;
                break;
            }
        }
        if (idx < 0) {
            virtc_error("unexpected data '%s'", tok);
            return EXIT_USAGE;
        }
        if (cmd->args[idx].kind == ARG_REST) {
            if (rest_append(a, idx, tok) < 0) {
                virtc_error("out of memory");
                return EXIT_LIBVIRT;
            }
        } else {
            a->value[idx] = tok;
            a->set[idx] = true;
        }
    }
    for (int j = 0; j < n; j++)
        if (cmd->args[j].required && !a->set[j]) {
            virtc_error("command '%s' requires <%s> option", cmd->name, cmd->args[j].name);
            return EXIT_USAGE;
        }
    return 0;
}

/* Parses a whole number of seconds in 1..TIMEOUT_MAX_S. */
static int parse_seconds(const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > TIMEOUT_MAX_S)
        return -1;
    *out = (int)v;
    return 0;
}

void virtc_print_xml(const char *xml)
{
    fputs(xml, stdout);
}

/* ---- domains: lookup and names --------------------------------------------------------------- */

/* Finds DOM the way virsh does: an id (a number >= 0), then a UUID (36 characters), then a name.
 * On failure prints "failed to get domain 'X'" (plus the reason when it is not simply "no such
 * domain") and returns EXIT_LIBVIRT. */
int virtc_lookup_domain(ctx *c, const char *key, unsigned int by, vw_client_domain *dom)
{
    vw_client_error err = {0};
    bool found = false;
    memset(dom, 0, sizeof(*dom));
    if (by & BY_ID) {
        char *end;
        errno = 0;
        long id = strtol(key, &end, 10);
        if (!errno && end != key && *end == '\0' && id >= 0 && id <= INT_MAX) {
            vw_client_error_clear(&err);
            found = vw_domain_lookup_by_id(c->conn, (int)id, dom, &err) == 0;
        }
    }
    unsigned char uuid[VW_UUID_BUFLEN];
    if (!found && (by & BY_UUID) && virtc_key_is_uuid(key, uuid)) {
        vw_client_error_clear(&err);
        found = vw_domain_lookup_by_uuid(c->conn, uuid, dom, &err) == 0;
    }
    if (!found && (by & BY_NAME)) {
        vw_client_error_clear(&err);
        found = vw_domain_lookup_by_name(c->conn, key, dom, &err) == 0;
    }
    if (found) {
        vw_client_error_clear(&err);
        return 0;
    }
    virtc_error("failed to get domain '%s'", key);
    /* virsh drops the lookup error; a dead connection or a timeout is worth saying, though */
    if (err.code != 0 && err.code != VW_ERR_NO_DOMAIN)
        virtc_error("%s", vw_client_error_message(&err));
    vw_client_error_clear(&err);
    return EXIT_LIBVIRT;
}

bool virtc_key_is_uuid(const char *key, unsigned char uuid[VW_UUID_BUFLEN])
{
    return strlen(key) == VW_UUID_STRING_BUFLEN - 1 && vw_uuid_parse(key, uuid) == 0;
}

int virtc_lookup_wire_domain(ctx *c, const char *key, vw_nonnull_domain *dom)
{
    vw_client_domain found;
    int rc = virtc_lookup_domain(c, key, BY_ID | BY_UUID | BY_NAME, &found);
    if (rc)
        return rc;
    virtc_fill_nonnull_domain(dom, &found);   /* takes over the malloc'd name */
    return EXIT_OK;
}

static const char *state_text(int state)
{
    static const char *const names[] = {"no state", "running", "idle", "paused", "in shutdown",
                                        "shut off", "crashed", "pmsuspended"};
    if (state < 0 || state >= (int)(sizeof(names) / sizeof(names[0])))
        return "no state";
    return names[state];
}

static const char *reason_text(int state, int reason)
{
    static const char *const running[] = {"unknown", "booted", "migrated", "restored",
                                          "from snapshot", "unpaused", "migration canceled",
                                          "save canceled", "event wakeup", "crashed", "post-copy",
                                          "post-copy failed"};
    static const char *const paused[] = {"unknown", "user", "migrating", "saving", "dumping",
                                         "I/O error", "watchdog", "from snapshot", "shutting down",
                                         "creating snapshot", "crashed", "starting up", "post-copy",
                                         "post-copy failed", "api error"};
    static const char *const shutdown[] = {"unknown", "user"};
    static const char *const shutoff[] = {"unknown", "shutdown", "destroyed", "crashed", "migrated",
                                          "saved", "failed", "from snapshot", "daemon"};
    static const char *const crashed[] = {"unknown", "panicked"};
    static const char *const unknown_only[] = {"unknown"};
    const char *const *table = unknown_only;
    int n = 1;
#define USE(t) do { table = (t); n = (int)(sizeof(t) / sizeof((t)[0])); } while (0)
    switch (state) {
    case 1: USE(running); break;
    case 3: USE(paused); break;
    case 4: USE(shutdown); break;
    case 5: USE(shutoff); break;
    case 6: USE(crashed); break;
    default: break;   /* no state, idle, pmsuspended: only "unknown" */
    }
#undef USE
    return reason >= 0 && reason < n ? table[reason] : "unknown";
}

/* Reads a file of at most XML_FILE_MAX bytes; prints virsh's message on failure. */
char *virtc_read_xml_file(const char *path)
{
    char why[256];
    char *text = vw_read_file(path, XML_FILE_MAX, NULL, why, sizeof(why));
    if (!text && strncmp(why, "cannot open", 11) == 0)
        virtc_error("Failed to open file '%s': %s", path, strerror(errno));
    else if (!text)
        virtc_error("Failed to read file '%s': %s", path,
                   errno == EFBIG ? why : strerror(errno));
    return text;
}

/* ---- connection-level commands --------------------------------------------------------------- */

static void print_version_triple(uint64_t v)
{
    printf("%u.%u.%u", (unsigned)(v / 1000000), (unsigned)(v / 1000 % 1000), (unsigned)(v % 1000));
}

static int cmd_version(ctx *c, const parsed_args *a)
{
    vw_client_error err = {0};
    char *type = NULL;
    uint64_t lib = 0, hv = 0;
    if (vw_connect_get_type(c->conn, &type, &err) < 0)
        return virtc_report(&err);
    if (vw_connect_get_lib_version(c->conn, &lib, &err) < 0) {
        free(type);
        return virtc_report(&err);
    }
    printf("Compiled against library: virt-wire %s\n", VW_VERSION);
    printf("Using library: virt-wire %s\n", VW_VERSION);
    /* virsh shows its local libvirt here; virtc has none, so it shows the daemon's */
    printf("Using API: %s ", type);
    print_version_triple(lib);
    putchar('\n');
    if (vw_connect_get_version(c->conn, &hv, &err) < 0) {
        free(type);
        virtc_error("failed to get the hypervisor version");
        return virtc_report(&err);
    }
    if (hv == 0) {
        printf("Cannot extract running %s hypervisor version\n", type);
    } else {
        printf("Running hypervisor: %s ", type);
        print_version_triple(hv);
        putchar('\n');
    }
    free(type);
    if (virtc_arg_set(c->cmd, a, "daemon")) {
        printf("Running against daemon: ");
        print_version_triple(lib);
        putchar('\n');
    }
    return EXIT_OK;
}

static int cmd_hostname(ctx *c, const parsed_args *a)
{
    (void)a;
    vw_client_error err = {0};
    char *host = NULL;
    if (vw_connect_get_hostname(c->conn, &host, &err) < 0) {
        virtc_error("failed to get hostname");
        return virtc_report(&err);
    }
    printf("%s\n", host);
    free(host);
    return EXIT_OK;
}

static int cmd_nodeinfo(ctx *c, const parsed_args *a)
{
    (void)a;
    vw_client_error err = {0};
    vw_client_node_info info;
    memset(&info, 0, sizeof(info));
    if (vw_node_get_info(c->conn, &info, &err) < 0) {
        virtc_error("failed to get node information");
        return virtc_report(&err);
    }
    char model[sizeof(info.model) + 1];
    memcpy(model, info.model, sizeof(info.model));
    model[sizeof(info.model)] = '\0';
    printf("%-20s %s\n", "CPU model:", model);
    printf("%-20s %u\n", "CPU(s):", info.cpus);
    if (info.mhz)
        printf("%-20s %u MHz\n", "CPU frequency:", info.mhz);
    printf("%-20s %u\n", "CPU socket(s):", info.sockets);
    printf("%-20s %u\n", "Core(s) per socket:", info.cores);
    printf("%-20s %u\n", "Thread(s) per core:", info.threads);
    printf("%-20s %u\n", "NUMA cell(s):", info.nodes);
    printf("%-20s %llu KiB\n", "Memory size:", (unsigned long long)info.memory);
    return EXIT_OK;
}

/* Prints and frees a table built by a listing command; rc is EXIT_OK unless building it failed. */
int virtc_table_finish(virtc_table *t, int rc)
{
    if (t && rc == EXIT_OK)
        virtc_table_print(t, stdout);
    else
        virtc_error("out of memory");
    virtc_table_free(t);
    return t ? rc : EXIT_LIBVIRT;
}

/* virsh's order: running domains by id, then inactive ones by name (case-insensitive). */
static int domain_order(const void *pa, const void *pb)
{
    const vw_client_domain *a = pa, *b = pb;
    if (a->id >= 0 && b->id >= 0)
        return (a->id > b->id) - (a->id < b->id);
    if (a->id < 0 && b->id < 0)
        return strcasecmp(a->name, b->name);
    return a->id >= 0 ? -1 : 1;
}

/* list flags (virConnectListAllDomainsFlags / ...Networks / ...StoragePools share these two) */
#define LIST_ACTIVE_DOMAINS 1u
#define LIST_INACTIVE_DOMAINS 2u
#define LIST_INACTIVE_OBJECTS 1u   /* networks and pools number them the other way round */
#define LIST_ACTIVE_OBJECTS 2u

static int cmd_list(ctx *c, const parsed_args *a)
{
    vw_client_error err = {0};
    unsigned int flags = LIST_ACTIVE_DOMAINS;
    if (virtc_arg_set(c->cmd, a, "inactive"))
        flags = LIST_INACTIVE_DOMAINS;
    if (virtc_arg_set(c->cmd, a, "all"))
        flags = LIST_ACTIVE_DOMAINS | LIST_INACTIVE_DOMAINS;
    vw_client_domain *doms = NULL;
    size_t n = 0;
    if (vw_connect_list_all_domains(c->conn, flags, &doms, &n, &err) < 0) {
        virtc_error("Failed to list domains");
        return virtc_report(&err);
    }
    qsort(doms, n, sizeof(*doms), domain_order);
    virtc_table *t = virtc_table_new("Id", "Name", "State", NULL);
    int rc = t ? EXIT_OK : EXIT_LIBVIRT;
    for (size_t i = 0; t && i < n; i++) {
        char id[16];
        int state = -1, reason = 0;
        if (doms[i].id >= 0)
            snprintf(id, sizeof(id), "%d", doms[i].id);
        else
            snprintf(id, sizeof(id), "-");
        if (vw_domain_get_state(c->conn, &doms[i], 0, &state, &reason, &err) < 0) {
            /* gone since the listing, or the driver cannot tell: virsh shows "no state" */
            vw_client_error_clear(&err);
            state = 0;
        }
        if (virtc_table_add_row(t, id, doms[i].name, state_text(state), NULL) < 0)
            rc = EXIT_LIBVIRT;
    }
    rc = virtc_table_finish(t, rc);
    vw_client_domain_list_free(doms, n);
    return rc;
}

static int name_order_net(const void *pa, const void *pb)
{
    return strcasecmp(((const vw_client_network *)pa)->name, ((const vw_client_network *)pb)->name);
}

static int name_order_pool(const void *pa, const void *pb)
{
    return strcasecmp(((const vw_client_storage_pool *)pa)->name,
                      ((const vw_client_storage_pool *)pb)->name);
}

static unsigned int object_list_flags(ctx *c, const parsed_args *a)
{
    if (virtc_arg_set(c->cmd, a, "all"))
        return LIST_ACTIVE_OBJECTS | LIST_INACTIVE_OBJECTS;
    if (virtc_arg_set(c->cmd, a, "inactive"))
        return LIST_INACTIVE_OBJECTS;
    return LIST_ACTIVE_OBJECTS;
}

static int cmd_net_list(ctx *c, const parsed_args *a)
{
    vw_client_error err = {0};
    vw_client_network *nets = NULL;
    size_t n = 0;
    if (vw_connect_list_all_networks(c->conn, object_list_flags(c, a), &nets, &n, &err) < 0) {
        virtc_error("Failed to list networks");
        return virtc_report(&err);
    }
    qsort(nets, n, sizeof(*nets), name_order_net);
    virtc_table *t = virtc_table_new("Name", "State", "Autostart", "Persistent", NULL);
    int rc = t ? EXIT_OK : EXIT_LIBVIRT;
    for (size_t i = 0; t && i < n; i++) {
        int active = 0, autostart = 0, persistent = 0;
        const char *auto_text;
        /* virsh's rules: an error reading autostart shows "no autostart"; the two flags show the
         * API's int as a truth value, so an error (-1) reads as "yes"/"active" as in virsh */
        if (vw_network_is_active(c->conn, &nets[i], &active, &err) < 0) {
            vw_client_error_clear(&err);
            active = -1;
        }
        if (vw_network_get_autostart(c->conn, &nets[i], &autostart, &err) < 0) {
            vw_client_error_clear(&err);
            auto_text = "no autostart";
        } else {
            auto_text = autostart ? "yes" : "no";
        }
        if (vw_network_is_persistent(c->conn, &nets[i], &persistent, &err) < 0) {
            vw_client_error_clear(&err);
            persistent = -1;
        }
        if (virtc_table_add_row(t, nets[i].name, active ? "active" : "inactive", auto_text,
                                persistent ? "yes" : "no", NULL) < 0)
            rc = EXIT_LIBVIRT;
    }
    rc = virtc_table_finish(t, rc);
    vw_client_network_list_free(nets, n);
    return rc;
}

static int cmd_pool_list(ctx *c, const parsed_args *a)
{
    vw_client_error err = {0};
    vw_client_storage_pool *pools = NULL;
    size_t n = 0;
    if (vw_connect_list_all_storage_pools(c->conn, object_list_flags(c, a), &pools, &n, &err) < 0) {
        virtc_error("Failed to list pools");
        return virtc_report(&err);
    }
    qsort(pools, n, sizeof(*pools), name_order_pool);
    virtc_table *t = virtc_table_new("Name", "State", "Autostart", NULL);
    int rc = t ? EXIT_OK : EXIT_LIBVIRT;
    for (size_t i = 0; t && i < n; i++) {
        vw_client_storage_pool_info info;
        int active = 0, autostart = 0;
        const char *state, *auto_text;
        if (vw_storage_pool_get_info(c->conn, &pools[i], &info, &err) < 0) {
            vw_client_error_clear(&err);
            state = "unknown";
        } else {
            if (vw_storage_pool_is_active(c->conn, &pools[i], &active, &err) < 0) {
                vw_client_error_clear(&err);
                active = -1;
            }
            state = active ? "active" : "inactive";
        }
        if (vw_storage_pool_get_autostart(c->conn, &pools[i], &autostart, &err) < 0) {
            vw_client_error_clear(&err);
            auto_text = "no autostart";
        } else {
            auto_text = autostart ? "yes" : "no";
        }
        if (virtc_table_add_row(t, pools[i].name, state, auto_text, NULL) < 0)
            rc = EXIT_LIBVIRT;
    }
    rc = virtc_table_finish(t, rc);
    vw_client_storage_pool_list_free(pools, n);
    return rc;
}

/* ---- domain information ---------------------------------------------------------------------- */

void virtc_fill_nonnull_domain(vw_nonnull_domain *out, const vw_client_domain *dom)
{
    out->name = dom->name;
    memcpy(out->uuid, dom->uuid, VW_UUID_BUFLEN);
    out->id = dom->id;
}

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
static int print_security(ctx *c, const vw_client_domain *dom, vw_client_error *err)
{
    vw_node_get_security_model_ret model;
    memset(&model, 0, sizeof(model));
    if (vw_call(c->conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_NODE_GET_SECURITY_MODEL, NULL, NULL,
                (xdrproc_t)xdr_vw_node_get_security_model_ret, &model, err) < 0) {
        if (err->code == VW_ERR_NO_SUPPORT) {
            vw_client_error_clear(err);
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
    vw_client_error err = {0};
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
        vw_client_error_clear(&err);
    }
    vw_client_domain_info info;
    if (vw_domain_get_info(c->conn, &dom, &info, &err) == 0) {
        printf("%-15s %s\n", "State:", state_text(info.state));
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
        vw_client_error_clear(&err);
        printf("%-15s %s\n", "Persistent:", "unknown");
    } else {
        printf("%-15s %s\n", "Persistent:", persistent ? "yes" : "no");
    }
    if (vw_domain_get_autostart(c->conn, &dom, &autostart, &err) == 0)
        printf("%-15s %s\n", "Autostart:", autostart ? "enable" : "disable");
    else
        vw_client_error_clear(&err);

    vw_domain_flags_args margs;
    virtc_fill_nonnull_domain(&margs.dom, &dom);
    margs.flags = 0;
    vw_int_ret managed;
    memset(&managed, 0, sizeof(managed));
    if (vw_call(c->conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE,
                (xdrproc_t)xdr_vw_domain_flags_args, &margs, (xdrproc_t)xdr_vw_int_ret, &managed,
                &err) < 0) {
        vw_client_error_clear(&err);
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
        vw_client_error_clear(&err);
    }
    vw_client_domain_clear(&dom);
    return rc;
}

static int cmd_domstate(ctx *c, const parsed_args *a)
{
    vw_client_domain dom;
    vw_client_error err = {0};
    int rc = virtc_lookup_domain(c, virtc_arg_value(c->cmd, a, "domain"), BY_ID | BY_UUID | BY_NAME, &dom);
    if (rc)
        return rc;
    int state = 0, reason = 0;
    if (vw_domain_get_state(c->conn, &dom, 0, &state, &reason, &err) < 0) {
        rc = virtc_report(&err);
    } else if (virtc_arg_set(c->cmd, a, "reason")) {
        printf("%s (%s)\n", state_text(state), reason_text(state, reason));
    } else {
        printf("%s\n", state_text(state));
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
    vw_client_error err = {0};
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
    vw_client_error err = {0};
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
    vw_client_error err = {0};
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
    vw_client_error err = {0};
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
    vw_client_error err = {0};
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
    vw_client_error err = {0};
    bool with_version = virtc_arg_set(c->cmd, a, "qemu-version");
    vw_client_domain *doms = NULL;
    size_t n = 0;
    if (vw_connect_list_all_domains(c->conn, LIST_ACTIVE_DOMAINS, &doms, &n, &err) < 0) {
        virtc_error("Failed to list domains");
        return virtc_report(&err);
    }
    qsort(doms, n, sizeof(*doms), domain_order);
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
                vw_client_error_clear(&err);
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

/* ---- events ------------------------------------------------------------------------------------ */

static const char *event_text(int event)
{
    static const char *const names[] = {"Defined", "Undefined", "Started", "Suspended", "Resumed",
                                        "Stopped", "Shutdown", "PMSuspended", "Crashed"};
    return event >= 0 && event < (int)(sizeof(names) / sizeof(names[0])) ? names[event] : "unknown";
}

static const char *event_detail_text(int event, int detail)
{
    static const char *const defined[] = {"Added", "Updated", "Renamed", "Snapshot"};
    static const char *const undefined[] = {"Removed", "Renamed"};
    static const char *const started[] = {"Booted", "Migrated", "Restored", "Snapshot",
                                          "Event wakeup", "Recreation"};
    static const char *const suspended[] = {"Paused", "Migrated", "I/O Error", "Watchdog",
                                            "Restored", "Snapshot", "API error", "Post-copy",
                                            "Post-copy Error"};
    static const char *const resumed[] = {"Unpaused", "Migrated", "Snapshot", "Post-copy",
                                          "Post-copy Error"};
    static const char *const stopped[] = {"Shutdown", "Destroyed", "Crashed", "Migrated", "Saved",
                                          "Failed", "Snapshot"};
    static const char *const shutdown[] = {"Finished", "Finished after guest request",
                                           "Finished after host request"};
    static const char *const pmsuspended[] = {"Memory", "Disk"};
    static const char *const crashed[] = {"Panicked", "Crashloaded"};
    const char *const *table = NULL;
    int n = 0;
#define USE(t) do { table = (t); n = (int)(sizeof(t) / sizeof((t)[0])); } while (0)
    switch (event) {
    case 0: USE(defined); break;
    case 1: USE(undefined); break;
    case 2: USE(started); break;
    case 3: USE(suspended); break;
    case 4: USE(resumed); break;
    case 5: USE(stopped); break;
    case 6: USE(shutdown); break;
    case 7: USE(pmsuspended); break;
    case 8: USE(crashed); break;
    default: break;
    }
#undef USE
    return detail >= 0 && detail < n ? table[detail] : "unknown";
}

/* The waiting state shared with the connection's event thread. It is static so that a callback
 * already on its way when the command ends never touches freed memory; `stopped` makes such a
 * late callback print nothing. */
typedef struct event_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int count;
    bool dead;
    bool stopped;
    vw_client_error death;
} event_wait;

static event_wait event_state = {.lock = PTHREAD_MUTEX_INITIALIZER};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void on_lifecycle(vw_conn *conn, const vw_client_domain *dom, int event, int detail,
                         void *opaque)
{
    (void)conn;
    event_wait *w = opaque;
    pthread_mutex_lock(&w->lock);
    if (!w->stopped) {
        printf("event 'lifecycle' for domain '%s': %s %s\n", dom->name, event_text(event),
               event_detail_text(event, detail));
        fflush(stdout);
        w->count++;
        pthread_cond_broadcast(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
}

static void on_close(vw_conn *conn, const vw_client_error *reason, void *opaque)
{
    (void)conn;
    event_wait *w = opaque;
    pthread_mutex_lock(&w->lock);
    if (w->dead || w->stopped) {
        pthread_mutex_unlock(&w->lock);
        return;
    }
    w->dead = true;
    w->death.code = reason ? reason->code : VW_ERR_RPC;
    w->death.message = strdup(reason ? vw_client_error_message(reason) : "connection closed");
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static int cmd_event(ctx *c, const parsed_args *a)
{
    bool loop = virtc_arg_set(c->cmd, a, "loop");
    int timeout_s = 0;
    const char *timeout = virtc_arg_value(c->cmd, a, "timeout");
    const char *which = virtc_arg_value(c->cmd, a, "event");
    if (timeout && parse_seconds(timeout, &timeout_s) < 0) {
        virtc_error("event: invalid timeout '%s': give whole seconds from 1 to %d", timeout,
                   TIMEOUT_MAX_S);
        return EXIT_USAGE;
    }
    if (which && strcmp(which, "lifecycle") != 0) {
        virtc_error("event: unsupported event type '%s' (virtc waits for 'lifecycle' events)", which);
        return EXIT_USAGE;
    }
    if (virtc_arg_set(c->cmd, a, "list")) {
        printf("lifecycle\n");
        return EXIT_OK;
    }
    vw_client_domain dom, *filter = NULL;
    int rc;
    const char *key = virtc_arg_value(c->cmd, a, "domain");
    if (key) {
        if ((rc = virtc_lookup_domain(c, key, BY_ID | BY_UUID | BY_NAME, &dom)) != 0)
            return rc;
        filter = &dom;
    }
    event_wait *w = &event_state;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    vw_client_error err = {0};
    int callback_id = -1;
    vw_conn_set_close_callback(c->conn, on_close, w);
    rc = EXIT_OK;
    if (vw_domain_event_lifecycle_register(c->conn, filter, on_lifecycle, w, &callback_id,
                                           &err) < 0) {
        rc = virtc_report(&err);
        goto out;
    }

    struct timespec now, deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_s;
    enum { WAITING, TIMED_OUT, INTERRUPTED, DONE, DIED } why = WAITING;
    pthread_mutex_lock(&w->lock);
    while (why == WAITING) {
        if (w->dead) {
            why = DIED;
            break;
        }
        if (!loop && w->count > 0) {
            why = DONE;
            break;
        }
        if (interrupted) {
            why = INTERRUPTED;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timeout_s && (now.tv_sec > deadline.tv_sec ||
                          (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))) {
            why = TIMED_OUT;
            break;
        }
        /* wake at least every 100 ms to notice a signal */
        struct timespec step = now;
        step.tv_nsec += 100 * 1000 * 1000;
        if (step.tv_nsec >= 1000000000L) {
            step.tv_sec++;
            step.tv_nsec -= 1000000000L;
        }
        if (timeout_s && (step.tv_sec > deadline.tv_sec ||
                          (step.tv_sec == deadline.tv_sec && step.tv_nsec > deadline.tv_nsec)))
            step = deadline;
        pthread_cond_timedwait(&w->cond, &w->lock, &step);
    }
    w->stopped = true;   /* from here on callbacks print nothing */
    if (why == DIED) {
        virtc_error("%s", w->death.message ? w->death.message : "connection to the daemon lost");
        rc = EXIT_LIBVIRT;
    } else {
        if (why == INTERRUPTED)
            printf("event loop interrupted\n");
        else if (why == TIMED_OUT)
            printf("event loop timed out\n");
        printf("events received: %d\n", w->count);
        fflush(stdout);
    }
    vw_client_error_clear(&w->death);
    pthread_mutex_unlock(&w->lock);
    if (why != DIED && vw_domain_event_lifecycle_deregister(c->conn, callback_id, &err) < 0)
        rc = virtc_report(&err);
out:
    vw_conn_set_close_callback(c->conn, NULL, NULL);
    if (filter)
        vw_client_domain_clear(filter);
    return rc;
}

/* ---- command table --------------------------------------------------------------------------- */

static const arg_spec args_none[] = {{0}};
static const arg_spec args_version[] = {
    {"daemon", ARG_BOOL, false, "also the daemon's library version"}, {0}};
static const arg_spec args_list[] = {
    {"all", ARG_BOOL, false, "active and inactive"},
    {"inactive", ARG_BOOL, false, "inactive only"}, {0}};
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
static const arg_spec args_event[] = {
    {"domain", ARG_VALUE, false, "only this domain"},
    {"event", ARG_VALUE, false, "event type (lifecycle)"},
    {"all", ARG_BOOL, false, "all supported events (lifecycle)"},
    {"loop", ARG_BOOL, false, "until the timeout or a signal, not one event"},
    {"timeout", ARG_VALUE, false, "seconds to wait"},
    {"list", ARG_BOOL, false, "list the event types"}, {0}};
static const arg_spec args_domains[] = {
    {"qemu-version", ARG_BOOL, false, "ask each domain's QEMU for its version"}, {0}};

static const command commands[] = {
    {"version", args_version, cmd_version, "daemon, API and hypervisor versions"},
    {"hostname", args_none, cmd_hostname, "the host's name"},
    {"nodeinfo", args_none, cmd_nodeinfo, "the host's CPUs and memory"},
    {"list", args_list, cmd_list, "domains: [--all] [--inactive]"},
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
    {"event", args_event, cmd_event,
     "[--loop] [--timeout S] [--domain DOMAIN]: print lifecycle events"},
    {"net-list", args_list, cmd_net_list, "networks: [--all] [--inactive]"},
    {"pool-list", args_list, cmd_pool_list, "storage pools: [--all] [--inactive]"},
    {"domains", args_domains, cmd_domains, "--qemu-version: running domains and their QEMU"},
    {NULL, NULL, NULL, NULL}};

/* The domain and host commands above, then each family file's table. */
static const command *const command_groups[] = {
    commands, virtc_stats_commands, virtc_snapshot_commands, virtc_net_commands,
    virtc_storage_commands, virtc_device_commands, NULL};

static const command *find_command(const char *name)
{
    for (size_t g = 0; command_groups[g]; g++)
        for (const command *c = command_groups[g]; c->name; c++)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: virtc [-c URI] [-t SECONDS] [-r] COMMAND [ARGS]\n"
            "       virtc qmp unix:PATH|tcp:HOST:PORT COMMAND [JSON-ARGS]\n"
            "\n"
            "A libvirt client speaking the libvirt RPC protocol itself (virt-wire); output as virsh's.\n"
            "\n"
            "options:\n"
            "  -c, --connect URI   libvirt URI, e.g. test+unix:///default?socket=PATH,\n"
            "                      qemu+unix:///system?socket=PATH, qemu+tcp://HOST:PORT/system,\n"
            "                      qemu+tls://HOST:PORT/system?pkipath=DIR (TLS: DIR holds\n"
            "                      cacert.pem, clientcert.pem, clientkey.pem; no_verify=1);\n"
            "                      SASL credentials: env VIRTC_SASL_USER, VIRTC_SASL_PASS or\n"
            "                      libvirt's auth file (LIBVIRT_AUTH_FILE);\n"
            "                      qemu+ssh://[USER@]HOST/system?socket=PATH&proxy=netcat\n"
            "                      (default: env LIBVIRT_DEFAULT_URI)\n"
            "  -t, --timeout S     limit for connecting and for every call, seconds (default 30)\n"
            "  -r, --readonly      open the connection read-only\n"
            "  -h, --help          this text\n"
            "  -V, --version       virtc's version\n"
            "\n"
            "commands:\n");
    for (size_t g = 0; command_groups[g]; g++)
        for (const command *c = command_groups[g]; c->name; c++)
            fprintf(out, "  %-22s %s\n", c->name, c->help);
    fprintf(out, "  %-22s %s\n", "qmp", "TARGET COMMAND [JSON]: talk QMP to a QEMU directly");
    fprintf(out,
            "\n"
            "DOMAIN is a name, an id or a UUID.\n"
            "\n"
            "exit status: 0 success; 1 error from the daemon or the connection (\"error: ...\" on\n"
            "stderr); 2 usage error (unknown command or option, missing or extra argument).\n");
}

/* ---- main -------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"readonly", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *uri = NULL;
    int timeout_s = 0;
    bool readonly = false;
    int opt;

    signal(SIGPIPE, SIG_IGN);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:c:t:rhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': uri = optarg; break;
        case 't':
            if (parse_seconds(optarg, &timeout_s) < 0) {
                virtc_error("invalid timeout '%s': give whole seconds from 1 to %d", optarg,
                           TIMEOUT_MAX_S);
                return EXIT_USAGE;
            }
            break;
        case 'r': readonly = true; break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("virtc (virt-wire) %s\n", VW_VERSION); return EXIT_OK;
        case ':':
            virtc_error("option %s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            if (optopt)
                virtc_error("unknown option -%c (see virtc --help)", optopt);
            else
                virtc_error("unknown option %s (see virtc --help)", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "qmp") == 0) {
        if (!virtc_qmp_main) {
            virtc_error("this virtc was built without the qmp commands");
            return EXIT_USAGE;
        }
        return virtc_qmp_main(argc - optind, argv + optind);
    }
    const command *cmd = find_command(name);
    if (!cmd) {
        virtc_error("unknown command: '%s'", name);
        return EXIT_USAGE;
    }
    parsed_args args;
    int rc = parse_args(cmd, argc - optind - 1, argv + optind + 1, &args);
    if (rc) {
        free(args.rest);
        return rc;
    }
    if (!uri || !*uri)
        uri = getenv("LIBVIRT_DEFAULT_URI");
    if (!uri || !*uri) {
        virtc_error("no URI: give -c URI (e.g. -c 'test+unix:///default?socket=PATH') or set "
                   "LIBVIRT_DEFAULT_URI");
        free(args.rest);
        return EXIT_USAGE;
    }

    vw_conn_options opts;
    vw_conn_options_init(&opts);
    if (readonly)
        opts.flags |= VW_CONN_READ_ONLY;
    if (timeout_s) {
        opts.connect_timeout_ms = timeout_s * 1000;
        opts.call_timeout_ms = timeout_s * 1000;
    }
    vw_client_error err = {0};
    ctx c = {.conn = NULL, .cmd = cmd};
    c.conn = vw_conn_open(uri, &opts, &err);
    if (!c.conn) {
        virtc_error("failed to connect to the hypervisor");
        virtc_report(&err);
        free(args.rest);
        return EXIT_LIBVIRT;
    }
    rc = cmd->run(&c, &args);
    free(args.rest);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        virtc_error("could not write the output: %s", strerror(errno));
        rc = EXIT_LIBVIRT;
    }
    if (rc == EXIT_OK && !vw_conn_is_alive(c.conn) &&
        vw_conn_get_death_reason(c.conn, &err) == 0) {
        /* the output may lack what a failed call would have added: say so, do not exit 0 */
        virtc_error("the connection broke while the command ran; its output may be incomplete");
        rc = virtc_report(&err);
    }
    if (vw_conn_close(c.conn, &err) < 0) {
        /* the command's own result stands; a failed CONNECT_CLOSE only matters if all else went well */
        if (rc == EXIT_OK)
            rc = virtc_report(&err);
        else
            vw_client_error_clear(&err);
    }
    return rc;
}
