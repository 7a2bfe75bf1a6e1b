/* test_client_typed.c: the generated typed procedure functions (build/gen/vw_client_procs.h).
 *
 *   test_client_typed              offline: the left-out list names only event and stream rows
 *                                  of the procedure table, and every other CALL row is not in it
 *   test_client_typed --dump URI   calls a sample of typed functions from every family on URI and
 *                                  prints their parsed replies as one JSON object, which
 *                                  tests/integration/test_typed_client.py compares with what
 *                                  python3-libvirt reads from the same daemon */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procs.h"
#include "vw_client_procs.h"
#include "vwtest.h"

/* ---- offline: the table and the left-out list agree ------------------------------------------ */

static const char *left_out_reason(const vw_proc_info *p)
{
    char want[128];
    for (size_t i = 0; vw_client_procs_left_out[i]; i++) {
        const char *row = vw_client_procs_left_out[i];
        snprintf(want, sizeof(want), "%s %s ", vw_program_name(p->prog), p->name);
        if (strncmp(row, want, strlen(want)) == 0)
            return row + strlen(want);
    }
    return NULL;
}

static void test_left_out_rows(void)
{
    size_t listed = 0, calls = 0;
    while (vw_client_procs_left_out[listed])
        listed++;
    size_t matched = 0;
    for (size_t i = 0; i < vw_proc_table_len; i++) {
        const vw_proc_info *p = &vw_proc_table[i];
        const char *why = left_out_reason(p);
        if (p->kind == VW_PROC_KIND_EVENT) {
            CHECK(why && strcmp(why, "event") == 0);
        } else if (why) {
            CHECK_EQ_STR(why, "stream");     /* a CALL is left out only for its stream */
        } else {
            calls++;
        }
        matched += why != NULL;
    }
    CHECK_EQ_INT(matched, listed);
    CHECK(calls > 0 && calls + listed == vw_proc_table_len);
}

/* The compiler checks the signatures: a described row takes its .x structs (every row of the
 * table is described now; an undescribed one would take bytes, as vw_call_raw). These pointers
 * fail to build if the generator's rule changes under the docs. */
static void test_signatures(void)
{
    int (*typed)(vw_conn *, const vw_domain_get_info_args *, vw_domain_get_info_ret *,
                 vw_virerror *) = vw_remote_domain_get_info;
    int (*no_args)(vw_conn *, vw_node_get_info_ret *, vw_virerror *) = vw_remote_node_get_info;
    int (*no_ret)(vw_conn *, const vw_domain_suspend_args *, vw_virerror *) =
        vw_remote_domain_suspend;
    int (*lxc)(vw_conn *, const vw_lxc_domain_open_namespace_args *, vw_virerror *) =
        vw_lxc_domain_open_namespace;
    int (*polkit)(vw_conn *, vw_auth_polkit_ret *, vw_virerror *) = vw_remote_auth_polkit;
    CHECK(typed && no_args && no_ret && lxc && polkit);
}

/* ---- --dump URI --------------------------------------------------------------------------------- */

static json_t *typed_params(const vw_typed_param *p, unsigned int n)
{
    json_t *o = json_object();
    for (unsigned int i = 0; i < n; i++) {
        const vw_typed_param_value *v = &p[i].value;
        json_t *j = NULL;
        switch (v->type) {
        case VW_TYPED_PARAM_INT: j = json_integer(v->vw_typed_param_value_u.i); break;
        case VW_TYPED_PARAM_UINT: j = json_integer(v->vw_typed_param_value_u.ui); break;
        case VW_TYPED_PARAM_LLONG: j = json_integer(v->vw_typed_param_value_u.l); break;
        case VW_TYPED_PARAM_ULLONG:
            j = json_integer((json_int_t)v->vw_typed_param_value_u.ul);
            break;
        case VW_TYPED_PARAM_DOUBLE: j = json_real(v->vw_typed_param_value_u.d); break;
        case VW_TYPED_PARAM_BOOLEAN: j = json_boolean(v->vw_typed_param_value_u.b); break;
        case VW_TYPED_PARAM_STRING: j = json_string(v->vw_typed_param_value_u.s); break;
        }
        if (j)
            json_object_set_new(o, p[i].field, j);
    }
    return o;
}

static json_t *error_json(vw_virerror *err)
{
    json_t *o = json_pack("{s:i, s:i, s:s}", "code", err->code, "domain", err->domain,
                          "message", vw_virerror_message(err));
    vw_virerror_clear(err);
    return o;
}

/* The family's result, or {"error": ...} when the call failed. */
static void put(json_t *out, const char *key, int rc, json_t *value, vw_virerror *err)
{
    if (rc == 0) {
        json_object_set_new(out, key, value);
        return;
    }
    json_decref(value);
    json_object_set_new(out, key, json_pack("{s:o}", "error", error_json(err)));
}

static void dump_host(vw_conn *conn, json_t *out)
{
    vw_virerror err = { 0 };
    vw_connect_get_type_ret t;
    int rc = vw_remote_connect_get_type(conn, &t, &err);
    put(out, "type", rc, rc ? NULL : json_string(t.type), &err);
    vw_remote_connect_get_type_free(&t);

    vw_node_get_info_ret ni;
    rc = vw_remote_node_get_info(conn, &ni, &err);
    put(out, "node_info", rc, rc ? NULL : json_pack("{s:s%, s:I, s:i, s:i, s:i, s:i, s:i, s:i}",
        "model", ni.model, strnlen(ni.model, sizeof(ni.model)), "memory", (json_int_t)ni.memory,
        "cpus", ni.cpus, "mhz", ni.mhz, "nodes", ni.nodes, "sockets", ni.sockets,
        "cores", ni.cores, "threads", ni.threads), &err);

    vw_connect_num_of_domains_ret nd;
    rc = vw_remote_connect_num_of_domains(conn, &nd, &err);
    put(out, "num_of_domains", rc, rc ? NULL : json_integer(nd.value), &err);
}

static void dump_domain(vw_conn *conn, json_t *out)
{
    vw_virerror err = { 0 };
    vw_domain_lookup_by_name_args la = { .name = (char *)"test" };
    vw_domain_lookup_by_name_ret lr;
    if (vw_remote_domain_lookup_by_name(conn, &la, &lr, &err) != 0) {
        put(out, "domain", -1, NULL, &err);
        return;
    }
    vw_domain_get_info_args ia = { .dom = lr.dom };
    vw_domain_get_info_ret ir;
    int rc = vw_remote_domain_get_info(conn, &ia, &ir, &err);
    put(out, "domain_info", rc, rc ? NULL : json_pack("{s:i, s:I, s:I, s:i}", "state", ir.state,
        "maxMem", (json_int_t)ir.maxMem, "memory", (json_int_t)ir.memory,
        "nrVirtCpu", ir.nrVirtCpu), &err);

    vw_domain_get_scheduler_parameters_args sa = { .dom = lr.dom, .nparams = 16 };
    vw_domain_get_scheduler_parameters_ret sr;
    rc = vw_remote_domain_get_scheduler_parameters(conn, &sa, &sr, &err);
    put(out, "scheduler_parameters", rc,
        rc ? NULL : typed_params(sr.params.params_val, sr.params.params_len), &err);
    vw_remote_domain_get_scheduler_parameters_free(&sr);

    /* all-domain stats, the "state" group (VIR_DOMAIN_STATS_STATE = 1) of domain test */
    vw_connect_get_all_domain_stats_args ga = { .doms = { 1, &lr.dom }, .stats = 1 };
    vw_connect_get_all_domain_stats_ret gr;
    rc = vw_remote_connect_get_all_domain_stats(conn, &ga, &gr, &err);
    json_t *stats = NULL;
    if (rc == 0) {
        stats = json_object();
        for (unsigned int i = 0; i < gr.retStats.retStats_len; i++) {
            vw_domain_stats_record *r = &gr.retStats.retStats_val[i];
            json_object_set_new(stats, r->dom.name,
                                typed_params(r->params.params_val, r->params.params_len));
        }
    }
    put(out, "domain_stats", rc, stats, &err);
    vw_remote_connect_get_all_domain_stats_free(&gr);

    vw_domain_list_all_snapshots_args na = { .dom = lr.dom, .need_results = 1 };
    vw_domain_list_all_snapshots_ret nr;
    rc = vw_remote_domain_list_all_snapshots(conn, &na, &nr, &err);
    json_t *snaps = rc ? NULL : json_array();
    for (unsigned int i = 0; rc == 0 && i < nr.snapshots.snapshots_len; i++)
        json_array_append_new(snaps, json_string(nr.snapshots.snapshots_val[i].name));
    put(out, "snapshots", rc, snaps, &err);
    vw_remote_domain_list_all_snapshots_free(&nr);

    /* a QEMU-program call the test driver refuses: the error comes back in full */
    vw_qemu_domain_monitor_command_args qa = { .dom = lr.dom, .cmd = (char *)"{\"execute\":\"stop\"}" };
    vw_qemu_domain_monitor_command_ret qr;
    rc = vw_qemu_domain_monitor_command(conn, &qa, &qr, &err);
    put(out, "qemu_monitor_command", rc, rc ? NULL : json_string(qr.result), &err);
    vw_qemu_domain_monitor_command_free(&qr);
    vw_remote_domain_lookup_by_name_free(&lr);

    la.name = (char *)"vw-typed-no-such-domain";
    rc = vw_remote_domain_lookup_by_name(conn, &la, &lr, &err);
    put(out, "missing_domain", rc, rc ? NULL : json_string(lr.dom.name), &err);
    vw_remote_domain_lookup_by_name_free(&lr);
}

static void dump_networks(vw_conn *conn, json_t *out)
{
    vw_virerror err = { 0 };
    vw_connect_list_all_networks_args a = { .need_results = 1 };
    vw_connect_list_all_networks_ret r;
    int rc = vw_remote_connect_list_all_networks(conn, &a, &r, &err);
    json_t *nets = rc ? NULL : json_object();
    for (unsigned int i = 0; rc == 0 && i < r.nets.nets_len; i++) {
        vw_network_get_bridge_name_args ba = { .net = r.nets.nets_val[i] };
        vw_network_get_bridge_name_ret br;
        vw_virerror berr = { 0 };
        if (vw_remote_network_get_bridge_name(conn, &ba, &br, &berr) == 0)
            json_object_set_new(nets, r.nets.nets_val[i].name, json_string(br.str));
        else
            json_object_set_new(nets, r.nets.nets_val[i].name, error_json(&berr));
        vw_remote_network_get_bridge_name_free(&br);
    }
    put(out, "networks", rc, nets, &err);
    vw_remote_connect_list_all_networks_free(&r);
}

static json_t *pool_volumes(vw_conn *conn, const vw_nonnull_storage_pool *pool)
{
    vw_virerror err = { 0 };
    vw_storage_pool_list_all_volumes_args a = { .pool = *pool, .need_results = 1 };
    vw_storage_pool_list_all_volumes_ret r;
    if (vw_remote_storage_pool_list_all_volumes(conn, &a, &r, &err) != 0)
        return error_json(&err);
    json_t *vols = json_object();
    for (unsigned int i = 0; i < r.vols.vols_len; i++) {
        vw_storage_vol_get_info_args ia = { .vol = r.vols.vols_val[i] };
        vw_storage_vol_get_info_ret ir;
        if (vw_remote_storage_vol_get_info(conn, &ia, &ir, &err) == 0)
            json_object_set_new(vols, r.vols.vols_val[i].name, json_pack("{s:i, s:I, s:I}",
                "type", ir.type, "capacity", (json_int_t)ir.capacity,
                "allocation", (json_int_t)ir.allocation));
        else
            json_object_set_new(vols, r.vols.vols_val[i].name, error_json(&err));
    }
    vw_remote_storage_pool_list_all_volumes_free(&r);
    return vols;
}

static void dump_storage(vw_conn *conn, json_t *out)
{
    vw_virerror err = { 0 };
    vw_connect_list_all_storage_pools_args a = { .need_results = 1 };
    vw_connect_list_all_storage_pools_ret r;
    int rc = vw_remote_connect_list_all_storage_pools(conn, &a, &r, &err);
    json_t *pools = rc ? NULL : json_object();
    for (unsigned int i = 0; rc == 0 && i < r.pools.pools_len; i++) {
        vw_storage_pool_get_info_args ia = { .pool = r.pools.pools_val[i] };
        vw_storage_pool_get_info_ret ir;
        vw_virerror ierr = { 0 };
        json_t *p;
        if (vw_remote_storage_pool_get_info(conn, &ia, &ir, &ierr) == 0)
            p = json_pack("{s:i, s:I, s:I, s:I}", "state", ir.state,
                          "capacity", (json_int_t)ir.capacity,
                          "allocation", (json_int_t)ir.allocation,
                          "available", (json_int_t)ir.available);
        else
            p = json_pack("{s:o}", "error", error_json(&ierr));
        json_object_set_new(p, "volumes", pool_volumes(conn, &r.pools.pools_val[i]));
        json_object_set_new(pools, r.pools.pools_val[i].name, p);
    }
    put(out, "pools", rc, pools, &err);
    vw_remote_connect_list_all_storage_pools_free(&r);
}

static void dump_interfaces(vw_conn *conn, json_t *out)
{
    vw_virerror err = { 0 };
    vw_connect_list_all_interfaces_args a = { .need_results = 1 };
    vw_connect_list_all_interfaces_ret r;
    int rc = vw_remote_connect_list_all_interfaces(conn, &a, &r, &err);
    json_t *ifaces = rc ? NULL : json_object();
    for (unsigned int i = 0; rc == 0 && i < r.ifaces.ifaces_len; i++)
        json_object_set_new(ifaces, r.ifaces.ifaces_val[i].name,
                            json_string(r.ifaces.ifaces_val[i].mac));
    put(out, "interfaces", rc, ifaces, &err);
    vw_remote_connect_list_all_interfaces_free(&r);
}

static void dump_node_devices(vw_conn *conn, json_t *out)
{
    vw_virerror err = { 0 };
    vw_connect_list_all_node_devices_args a = { .need_results = 1 };
    vw_connect_list_all_node_devices_ret r;
    int rc = vw_remote_connect_list_all_node_devices(conn, &a, &r, &err);
    json_t *devs = rc ? NULL : json_object();
    for (unsigned int i = 0; rc == 0 && i < r.devices.devices_len; i++) {
        char *name = r.devices.devices_val[i].name;
        json_t *d = json_object();
        vw_node_device_get_parent_args pa = { .name = name };
        vw_node_device_get_parent_ret pr;
        if (vw_remote_node_device_get_parent(conn, &pa, &pr, &err) == 0)
            json_object_set_new(d, "parent", pr.parentName ? json_string(*pr.parentName)
                                                           : json_null());
        else
            json_object_set_new(d, "parent", error_json(&err));
        vw_remote_node_device_get_parent_free(&pr);
        vw_node_device_list_caps_args ca = { .name = name, .maxnames = 64 };
        vw_node_device_list_caps_ret cr;
        json_t *caps = json_array();
        if (vw_remote_node_device_list_caps(conn, &ca, &cr, &err) == 0)
            for (unsigned int k = 0; k < cr.names.names_len; k++)
                json_array_append_new(caps, json_string(cr.names.names_val[k]));
        else
            json_array_append_new(caps, error_json(&err));
        vw_remote_node_device_list_caps_free(&cr);
        json_object_set_new(d, "caps", caps);
        json_object_set_new(devs, name, d);
    }
    put(out, "node_devices", rc, devs, &err);
    vw_remote_connect_list_all_node_devices_free(&r);
}

static int dump(const char *uri)
{
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open(uri, NULL, &err);
    if (!conn) {
        fprintf(stderr, "test_client_typed: %s: %s\n", uri, vw_virerror_message(&err));
        vw_virerror_clear(&err);
        return 1;
    }
    json_t *out = json_object();
    dump_host(conn, out);
    dump_domain(conn, out);
    dump_networks(conn, out);
    dump_storage(conn, out);
    dump_interfaces(conn, out);
    dump_node_devices(conn, out);
    int rc = vw_conn_close(conn, &err);
    if (rc != 0)
        vw_virerror_clear(&err);
    char *text = json_dumps(out, JSON_SORT_KEYS);
    puts(text);
    free(text);
    json_decref(out);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--dump") == 0)
        return dump(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: test_client_typed [--dump URI]\n");
        return 2;
    }
    RUN(test_left_out_rows);
    RUN(test_signatures);
    return vwtest_summary("client_typed");
}
