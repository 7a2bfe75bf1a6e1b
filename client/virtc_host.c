/* virtc_host.c: virtc's connection-level commands: version, hostname, nodeinfo, and the
 * listings list, net-list and pool-list, with virsh's output. */
#include "libvirt_client.h"
#include "virtc_cmd.h"
#include "virtc_table.h"
#include "vw_remote_protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vw_version.h"   /* VW_VERSION */

/* ---- connection-level commands --------------------------------------------------------------- */

static void print_version_triple(uint64_t v)
{
    printf("%u.%u.%u", (unsigned)(v / 1000000), (unsigned)(v / 1000 % 1000), (unsigned)(v % 1000));
}

static int cmd_version(ctx *c, const parsed_args *a)
{
    vw_virerror err = {0};
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
    vw_virerror err = {0};
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
    vw_virerror err = {0};
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

/* list flags (virConnectListAllDomainsFlags / ...Networks / ...StoragePools share these two) */
#define LIST_ACTIVE_DOMAINS 1u
#define LIST_INACTIVE_DOMAINS 2u
#define LIST_INACTIVE_OBJECTS 1u   /* networks and pools number them the other way round */
#define LIST_ACTIVE_OBJECTS 2u

static int cmd_list(ctx *c, const parsed_args *a)
{
    vw_virerror err = {0};
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
    qsort(doms, n, sizeof(*doms), virtc_domain_order);
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
            vw_virerror_clear(&err);
            state = 0;
        }
        if (virtc_table_add_row(t, id, doms[i].name, virtc_state_text(state), NULL) < 0)
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
    vw_virerror err = {0};
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
            vw_virerror_clear(&err);
            active = -1;
        }
        if (vw_network_get_autostart(c->conn, &nets[i], &autostart, &err) < 0) {
            vw_virerror_clear(&err);
            auto_text = "no autostart";
        } else {
            auto_text = autostart ? "yes" : "no";
        }
        if (vw_network_is_persistent(c->conn, &nets[i], &persistent, &err) < 0) {
            vw_virerror_clear(&err);
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
    vw_virerror err = {0};
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
            vw_virerror_clear(&err);
            state = "unknown";
        } else {
            if (vw_storage_pool_is_active(c->conn, &pools[i], &active, &err) < 0) {
                vw_virerror_clear(&err);
                active = -1;
            }
            state = active ? "active" : "inactive";
        }
        if (vw_storage_pool_get_autostart(c->conn, &pools[i], &autostart, &err) < 0) {
            vw_virerror_clear(&err);
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

static const arg_spec args_none[] = {{0}};
static const arg_spec args_version[] = {
    {"daemon", ARG_BOOL, false, "also the daemon's library version"}, {0}};
static const arg_spec args_list[] = {
    {"all", ARG_BOOL, false, "active and inactive"},
    {"inactive", ARG_BOOL, false, "inactive only"}, {0}};

const command virtc_host_commands[] = {
    {"version", args_version, cmd_version, "daemon, API and hypervisor versions"},
    {"hostname", args_none, cmd_hostname, "the host's name"},
    {"nodeinfo", args_none, cmd_nodeinfo, "the host's CPUs and memory"},
    {"list", args_list, cmd_list, "domains: [--all] [--inactive]"},
    {"net-list", args_list, cmd_net_list, "networks: [--all] [--inactive]"},
    {"pool-list", args_list, cmd_pool_list, "storage pools: [--all] [--inactive]"},
    {NULL, NULL, NULL, NULL}};
