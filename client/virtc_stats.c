/* virtc_stats.c: virtc's statistics and tuning getters: domstats, schedinfo, memtune,
 * blkiotune, numatune, domblkinfo, with virsh's output, built on the generated typed functions (vw_client_procs.h). */
#include "virtc_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* VIR_TYPED_PARAM_STRING_OKAY: libvirt's client library adds it to the tuning getters, so that
 * string parameters (blkiotune's device lists) come back */
#define TYPED_PARAM_STRING_OKAY 4u
/* VIR_DOMAIN_MEMORY_PARAM_UNLIMITED: memtune prints it as "unlimited" */
#define MEMORY_PARAM_UNLIMITED 9007199254740991ULL

/* A typed parameter's value as virsh prints it (virTypedParameterToString). */
static void print_param_value(const vw_typed_param_value *v)
{
    switch (v->type) {
    case VW_TYPED_PARAM_INT: printf("%d", v->vw_typed_param_value_u.i); break;
    case VW_TYPED_PARAM_UINT: printf("%u", v->vw_typed_param_value_u.ui); break;
    case VW_TYPED_PARAM_LLONG: printf("%lld", (long long)v->vw_typed_param_value_u.l); break;
    case VW_TYPED_PARAM_ULLONG:
        printf("%llu", (unsigned long long)v->vw_typed_param_value_u.ul);
        break;
    case VW_TYPED_PARAM_DOUBLE: printf("%f", v->vw_typed_param_value_u.d); break;
    case VW_TYPED_PARAM_BOOLEAN: fputs(v->vw_typed_param_value_u.b ? "yes" : "no", stdout); break;
    case VW_TYPED_PARAM_STRING: fputs(v->vw_typed_param_value_u.s, stdout); break;
    default: printf("unimplemented parameter type %d", v->type); break;
    }
}

/* virDomainNumatuneMemMode, as numatune prints numa_mode */
static const char *const numa_modes[] = {"strict", "preferred", "interleave", "restrictive"};

/* "name           : value" lines, as schedinfo, memtune, blkiotune and numatune print them. */
static void print_tuning(const vw_typed_param *params, unsigned int n, bool unlimited)
{
    for (unsigned int i = 0; i < n; i++) {
        printf("%-15s: ", params[i].field);
        const vw_typed_param_value *v = &params[i].value;
        if (unlimited && v->type == VW_TYPED_PARAM_ULLONG &&
            v->vw_typed_param_value_u.ul >= MEMORY_PARAM_UNLIMITED)
            fputs("unlimited", stdout);
        else if (strcmp(params[i].field, "numa_mode") == 0 && v->type == VW_TYPED_PARAM_INT &&
                 v->vw_typed_param_value_u.i >= 0 && v->vw_typed_param_value_u.i < 4)
            fputs(numa_modes[v->vw_typed_param_value_u.i], stdout);   /* as virsh names it */
        else
            print_param_value(&params[i].value);
        putchar('\n');
    }
}

static int cmd_domstats(ctx *c, const parsed_args *a)
{
    /* the domains named (space-separated, as the parser joins them), else all of them */
    const char *names = virtc_arg_value(c->cmd, a, "domain");
    char *list = names ? strdup(names) : NULL;
    vw_nonnull_domain doms[64];
    unsigned int ndoms = 0;
    int rc = EXIT_OK;
    char *save = NULL;
    for (char *w = list ? strtok_r(list, " ", &save) : NULL; w && rc == EXIT_OK;
         w = strtok_r(NULL, " ", &save)) {
        if (ndoms == sizeof(doms) / sizeof(doms[0])) {
            virtc_error("at most %zu domains at once", sizeof(doms) / sizeof(doms[0]));
            rc = EXIT_USAGE;
            break;
        }
        rc = virtc_lookup_wire_domain(c, w, &doms[ndoms]);
        if (rc == EXIT_OK)
            ndoms++;
    }
    free(list);
    if (rc == EXIT_OK) {
        vw_virerror err = {0};
        vw_connect_get_all_domain_stats_args ga = {.doms = {ndoms, doms}};
        vw_connect_get_all_domain_stats_ret gr;
        if (vw_remote_connect_get_all_domain_stats(c->conn, &ga, &gr, &err) < 0) {
            rc = virtc_report(&err);
        } else {
            for (unsigned int i = 0; i < gr.retStats.retStats_len; i++) {
                const vw_domain_stats_record *r = &gr.retStats.retStats_val[i];
                printf("Domain: '%s'\n", r->dom.name);
                for (unsigned int k = 0; k < r->params.params_len; k++) {
                    printf("  %s=", r->params.params_val[k].field);
                    print_param_value(&r->params.params_val[k].value);
                    putchar('\n');
                }
                putchar('\n');
            }
        }
        vw_remote_connect_get_all_domain_stats_free(&gr);
    }
    for (unsigned int i = 0; i < ndoms; i++)
        free(doms[i].name);
    return rc;
}

static int cmd_schedinfo(ctx *c, const parsed_args *a)
{
    vw_nonnull_domain dom;
    int rc = virtc_lookup_wire_domain(c, virtc_arg_value(c->cmd, a, "domain"), &dom);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_domain_get_scheduler_type_args ta = {.dom = dom};
    vw_domain_get_scheduler_type_ret tr;
    if (vw_remote_domain_get_scheduler_type(c->conn, &ta, &tr, &err) < 0) {
        rc = virtc_report(&err);
    } else {
        printf("%-15s: %s\n", "Scheduler", tr.type);
        /* without flags virsh uses the old call, which the test driver answers (its _FLAGS
         * variant refuses the STRING_OKAY flag libvirt's client adds) */
        vw_domain_get_scheduler_parameters_args pa = {.dom = dom, .nparams = tr.nparams};
        vw_domain_get_scheduler_parameters_ret pr;
        if (tr.nparams > 0) {
            if (vw_remote_domain_get_scheduler_parameters(c->conn, &pa, &pr, &err) < 0)
                rc = virtc_report(&err);
            else
                print_tuning(pr.params.params_val, pr.params.params_len, false);
            vw_remote_domain_get_scheduler_parameters_free(&pr);
        }
    }
    vw_remote_domain_get_scheduler_type_free(&tr);
    free(dom.name);
    return rc;
}

enum tuning { TUNE_MEMORY, TUNE_BLKIO, TUNE_NUMA };

/* One memtune, blkiotune or numatune call; the reply's parameters, their count and nparams. */
typedef struct tuning_reply {
    vw_domain_get_memory_parameters_ret memory;
    vw_domain_get_blkio_parameters_ret blkio;
    vw_domain_get_numa_parameters_ret numa;
    vw_typed_param *params;
    unsigned int len;
    int nparams;
} tuning_reply;

static void tuning_free(tuning_reply *r)
{
    vw_remote_domain_get_memory_parameters_free(&r->memory);
    vw_remote_domain_get_blkio_parameters_free(&r->blkio);
    vw_remote_domain_get_numa_parameters_free(&r->numa);
}

static int tuning_call(ctx *c, enum tuning which, const vw_domain_get_tuning_args *ta,
                       tuning_reply *r, vw_virerror *err)
{
    tuning_free(r);
    if (which == TUNE_MEMORY) {
        if (vw_remote_domain_get_memory_parameters(c->conn, ta, &r->memory, err) < 0)
            return -1;
        r->params = r->memory.params.params_val;
        r->len = r->memory.params.params_len;
        r->nparams = r->memory.nparams;
    } else if (which == TUNE_BLKIO) {
        if (vw_remote_domain_get_blkio_parameters(c->conn, ta, &r->blkio, err) < 0)
            return -1;
        r->params = r->blkio.params.params_val;
        r->len = r->blkio.params.params_len;
        r->nparams = r->blkio.nparams;
    } else {
        if (vw_remote_domain_get_numa_parameters(c->conn, ta, &r->numa, err) < 0)
            return -1;
        r->params = r->numa.params.params_val;
        r->len = r->numa.params.params_len;
        r->nparams = r->numa.nparams;
    }
    return 0;
}

/* memtune, blkiotune, numatune: ask for the count (nparams 0), then for the parameters. */
static int run_tuning(ctx *c, const parsed_args *a, enum tuning which)
{
    vw_nonnull_domain dom;
    int rc = virtc_lookup_wire_domain(c, virtc_arg_value(c->cmd, a, "domain"), &dom);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_domain_get_tuning_args ta = {.dom = dom, .flags = TYPED_PARAM_STRING_OKAY};
    tuning_reply r;
    memset(&r, 0, sizeof(r));
    if (tuning_call(c, which, &ta, &r, &err) < 0) {
        rc = virtc_report(&err);
    } else if (r.nparams > 0) {
        ta.nparams = r.nparams;
        if (tuning_call(c, which, &ta, &r, &err) < 0)
            rc = virtc_report(&err);
        else
            print_tuning(r.params, r.len, which == TUNE_MEMORY);
    }
    tuning_free(&r);
    free(dom.name);
    return rc;
}

static int cmd_memtune(ctx *c, const parsed_args *a) { return run_tuning(c, a, TUNE_MEMORY); }
static int cmd_blkiotune(ctx *c, const parsed_args *a) { return run_tuning(c, a, TUNE_BLKIO); }
static int cmd_numatune(ctx *c, const parsed_args *a) { return run_tuning(c, a, TUNE_NUMA); }

static int cmd_domblkinfo(ctx *c, const parsed_args *a)
{
    vw_nonnull_domain dom;
    int rc = virtc_lookup_wire_domain(c, virtc_arg_value(c->cmd, a, "domain"), &dom);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_domain_get_block_info_args ba = {.dom = dom,
                                        .path = (char *)virtc_arg_value(c->cmd, a, "device")};
    vw_domain_get_block_info_ret br;
    if (vw_remote_domain_get_block_info(c->conn, &ba, &br, &err) < 0) {
        rc = virtc_report(&err);
    } else {
        printf("%-15s %llu\n", "Capacity:", (unsigned long long)br.capacity);
        printf("%-15s %llu\n", "Allocation:", (unsigned long long)br.allocation);
        printf("%-15s %llu\n", "Physical:", (unsigned long long)br.physical);
    }
    free(dom.name);
    return rc;
}

static const arg_spec args_domstats[] = {
    {"domain", ARG_REST, false, "domains (default: all)"}, {0}};
static const arg_spec args_stats_domain[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"}, {0}};
static const arg_spec args_domblkinfo[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"},
    {"device", ARG_POSITIONAL, true, "the disk's target or source path"}, {0}};

const command virtc_stats_commands[] = {
    {"domstats", args_domstats, cmd_domstats, "[DOMAIN...]: every statistic of the domains"},
    {"schedinfo", args_stats_domain, cmd_schedinfo, "DOMAIN: scheduler and its parameters"},
    {"memtune", args_stats_domain, cmd_memtune, "DOMAIN: memory tuning parameters"},
    {"blkiotune", args_stats_domain, cmd_blkiotune, "DOMAIN: block I/O tuning parameters"},
    {"numatune", args_stats_domain, cmd_numatune, "DOMAIN: NUMA tuning parameters"},
    {"domblkinfo", args_domblkinfo, cmd_domblkinfo, "DOMAIN DEVICE: a disk's sizes in bytes"},
    {NULL, NULL, NULL, NULL}};
