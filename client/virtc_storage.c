/* virtc_storage.c: virtc's storage pool and volume commands beyond pool-list (virtc.c):
 * pool-define, pool-build, pool-start, pool-destroy, pool-undefine, vol-create, vol-list,
 * vol-info, vol-delete, with virsh's output and messages, built on the generated typed
 * functions (vw_client_procs.h). */
#include "virtc_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The pool KEY (a UUID or a name, virsh's order); virsh's message when it is not there. */
static int lookup_pool(ctx *c, const char *key, vw_storage_pool_lookup_by_name_ret *pool)
{
    vw_virerror err = {0};
    vw_storage_pool_lookup_by_uuid_args ua;
    if (virtc_key_is_uuid(key, (unsigned char *)ua.uuid)) {
        if (vw_remote_storage_pool_lookup_by_uuid(c->conn, &ua, pool, &err) == 0)
            return EXIT_OK;
        vw_virerror_clear(&err);
    }
    vw_storage_pool_lookup_by_name_args na = {.name = (char *)key};
    if (vw_remote_storage_pool_lookup_by_name(c->conn, &na, pool, &err) == 0)
        return EXIT_OK;
    virtc_error("failed to get pool '%s'", key);
    return virtc_report(&err);
}

/* The volume KEY as virsh finds it: by name in --pool when given, then by key, then by path;
 * the last lookup's error is the one reported. */
static int lookup_vol(ctx *c, const char *key, const char *pool_key,
                      vw_storage_vol_lookup_by_name_ret *vol)
{
    vw_virerror err = {0};
    if (pool_key) {
        vw_storage_pool_lookup_by_name_ret pool;
        int rc = lookup_pool(c, pool_key, &pool);
        if (rc)
            return rc;
        vw_storage_vol_lookup_by_name_args na = {.pool = pool.pool, .name = (char *)key};
        rc = vw_remote_storage_vol_lookup_by_name(c->conn, &na, vol, &err);
        vw_remote_storage_pool_lookup_by_name_free(&pool);
        if (rc == 0)
            return EXIT_OK;
        vw_virerror_clear(&err);
    }
    vw_storage_vol_lookup_by_key_args ka = {.key = (char *)key};
    if (vw_remote_storage_vol_lookup_by_key(c->conn, &ka, vol, &err) == 0)
        return EXIT_OK;
    vw_virerror_clear(&err);
    vw_storage_vol_lookup_by_path_args pa = {.path = (char *)key};
    if (vw_remote_storage_vol_lookup_by_path(c->conn, &pa, vol, &err) == 0)
        return EXIT_OK;
    virtc_error("failed to get vol '%s'", key);
    return virtc_report(&err);
}

static int cmd_pool_define(ctx *c, const parsed_args *a)
{
    const char *file = virtc_arg_value(c->cmd, a, "file");
    char *xml = virtc_read_xml_file(file);
    if (!xml)
        return EXIT_LIBVIRT;
    vw_virerror err = {0};
    vw_storage_pool_define_xml_args da = {.xml = xml};
    vw_storage_pool_define_xml_ret dr;
    int rc = vw_remote_storage_pool_define_xml(c->conn, &da, &dr, &err);
    free(xml);
    if (rc < 0) {
        virtc_error("Failed to define pool from %s", file);
        return virtc_report(&err);
    }
    printf("Pool %s defined from %s\n", dr.pool.name, file);
    vw_remote_storage_pool_define_xml_free(&dr);
    return EXIT_OK;
}

enum pool_op { POOL_BUILD, POOL_START, POOL_DESTROY, POOL_UNDEFINE };

static int run_pool_op(ctx *c, const parsed_args *a, enum pool_op op)
{
    static const char *const failed[] = {"Failed to build pool %s", "Failed to start pool %s",
                                         "Failed to destroy pool %s",
                                         "Failed to undefine pool %s"};
    static const char *const done[] = {"Pool %s built\n", "Pool %s started\n",
                                       "Pool %s destroyed\n", "Pool %s has been undefined\n"};
    vw_storage_pool_lookup_by_name_ret pool;
    int rc = lookup_pool(c, virtc_arg_value(c->cmd, a, "pool"), &pool);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_storage_pool_flags_args fa = {.pool = pool.pool};
    vw_storage_pool_undefine_args ua = {.pool = pool.pool};
    int r;
    switch (op) {
    case POOL_BUILD: r = vw_remote_storage_pool_build(c->conn, &fa, &err); break;
    case POOL_START: r = vw_remote_storage_pool_create(c->conn, &fa, &err); break;
    case POOL_DESTROY: r = vw_remote_storage_pool_destroy(c->conn, &ua, &err); break;
    default: r = vw_remote_storage_pool_undefine(c->conn, &ua, &err); break;
    }
    if (r < 0) {
        virtc_error(failed[op], pool.pool.name);
        rc = virtc_report(&err);
    } else {
        printf(done[op], pool.pool.name);
    }
    vw_remote_storage_pool_lookup_by_name_free(&pool);
    return rc;
}

static int cmd_pool_build(ctx *c, const parsed_args *a) { return run_pool_op(c, a, POOL_BUILD); }
static int cmd_pool_start(ctx *c, const parsed_args *a) { return run_pool_op(c, a, POOL_START); }
static int cmd_pool_destroy(ctx *c, const parsed_args *a) { return run_pool_op(c, a, POOL_DESTROY); }
static int cmd_pool_undefine(ctx *c, const parsed_args *a)
{
    return run_pool_op(c, a, POOL_UNDEFINE);
}

static int cmd_vol_create(ctx *c, const parsed_args *a)
{
    vw_storage_pool_lookup_by_name_ret pool;
    int rc = lookup_pool(c, virtc_arg_value(c->cmd, a, "pool"), &pool);
    if (rc)
        return rc;
    const char *file = virtc_arg_value(c->cmd, a, "file");
    char *xml = virtc_read_xml_file(file);
    if (!xml) {
        vw_remote_storage_pool_lookup_by_name_free(&pool);
        return EXIT_LIBVIRT;
    }
    vw_virerror err = {0};
    vw_storage_vol_create_xml_args ca = {.pool = pool.pool, .xml = xml};
    vw_storage_vol_create_xml_ret cr;
    if (vw_remote_storage_vol_create_xml(c->conn, &ca, &cr, &err) < 0) {
        virtc_error("Failed to create vol from %s", file);
        rc = virtc_report(&err);
    } else {
        printf("Vol %s created from %s\n", cr.vol.name, file);
    }
    vw_remote_storage_vol_create_xml_free(&cr);
    free(xml);
    vw_remote_storage_pool_lookup_by_name_free(&pool);
    return rc;
}

static int vol_order(const void *pa, const void *pb)
{
    return strcasecmp(((const vw_nonnull_storage_vol *)pa)->name,
                      ((const vw_nonnull_storage_vol *)pb)->name);
}

static int cmd_vol_list(ctx *c, const parsed_args *a)
{
    vw_storage_pool_lookup_by_name_ret pool;
    int rc = lookup_pool(c, virtc_arg_value(c->cmd, a, "pool"), &pool);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_storage_pool_list_all_volumes_args la = {.pool = pool.pool, .need_results = 1};
    vw_storage_pool_list_all_volumes_ret lr;
    if (vw_remote_storage_pool_list_all_volumes(c->conn, &la, &lr, &err) < 0) {
        virtc_error("Failed to list volumes");
        rc = virtc_report(&err);
    } else {
        if (lr.vols.vols_len)   /* qsort wants a non-NULL array even when empty */
            qsort(lr.vols.vols_val, lr.vols.vols_len, sizeof(*lr.vols.vols_val), vol_order);
        virtc_table *t = virtc_table_new("Name", "Path", NULL);
        rc = t ? EXIT_OK : EXIT_LIBVIRT;
        for (unsigned int i = 0; t && i < lr.vols.vols_len; i++) {
            vw_storage_vol_get_path_args pa = {.vol = lr.vols.vols_val[i]};
            vw_storage_vol_get_path_ret pr;
            /* virsh leaves the path empty when it cannot be read */
            if (vw_remote_storage_vol_get_path(c->conn, &pa, &pr, &err) < 0)
                vw_virerror_clear(&err);
            if (virtc_table_add_row(t, lr.vols.vols_val[i].name, pr.str ? pr.str : "",
                                    NULL) < 0)
                rc = EXIT_LIBVIRT;
            vw_remote_storage_vol_get_path_free(&pr);
        }
        rc = virtc_table_finish(t, rc);
    }
    vw_remote_storage_pool_list_all_volumes_free(&lr);
    vw_remote_storage_pool_lookup_by_name_free(&pool);
    return rc;
}

/* virsh's vshPrettyCapacity: the largest binary unit that keeps the value >= 1. */
static void print_capacity(const char *label, unsigned long long bytes)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double val = (double)bytes;
    size_t u = 0;
    while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes >= (1ULL << (10 * (u + 1)))) {
        u++;
        val = (double)bytes / (double)(1ULL << (10 * u));
    }
    printf("%-15s %2.2lf %s\n", label, val, units[u]);
}

static const char *vol_type_text(int type)
{
    static const char *const names[] = {"file", "block", "dir", "network", "netdir", "ploop"};
    return type >= 0 && type < (int)(sizeof(names) / sizeof(names[0])) ? names[type] : "unknown";
}

static int cmd_vol_info(ctx *c, const parsed_args *a)
{
    vw_storage_vol_lookup_by_name_ret vol;
    int rc = lookup_vol(c, virtc_arg_value(c->cmd, a, "vol"), virtc_arg_value(c->cmd, a, "pool"),
                        &vol);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_storage_vol_get_info_args ia = {.vol = vol.vol};
    vw_storage_vol_get_info_ret ir;
    printf("%-15s %s\n", "Name:", vol.vol.name);
    if (vw_remote_storage_vol_get_info(c->conn, &ia, &ir, &err) < 0) {
        rc = virtc_report(&err);
    } else {
        printf("%-15s %s\n", "Type:", vol_type_text(ir.type));
        print_capacity("Capacity:", ir.capacity);
        print_capacity("Allocation:", ir.allocation);
    }
    vw_remote_storage_vol_lookup_by_name_free(&vol);
    return rc;
}

static int cmd_vol_delete(ctx *c, const parsed_args *a)
{
    const char *key = virtc_arg_value(c->cmd, a, "vol");
    vw_storage_vol_lookup_by_name_ret vol;
    int rc = lookup_vol(c, key, virtc_arg_value(c->cmd, a, "pool"), &vol);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_storage_vol_delete_args da = {.vol = vol.vol};
    if (vw_remote_storage_vol_delete(c->conn, &da, &err) < 0) {
        virtc_error("Failed to delete vol %s", key);
        rc = virtc_report(&err);
    } else {
        printf("Vol %s deleted\n", key);
    }
    vw_remote_storage_vol_lookup_by_name_free(&vol);
    return rc;
}

static const arg_spec args_pool[] = {
    {"pool", ARG_POSITIONAL, true, "pool name or uuid"}, {0}};
static const arg_spec args_pool_file[] = {
    {"file", ARG_POSITIONAL, true, "pool XML file"}, {0}};
static const arg_spec args_vol_create[] = {
    {"pool", ARG_POSITIONAL, true, "pool name or uuid"},
    {"file", ARG_POSITIONAL, true, "volume XML file"}, {0}};
static const arg_spec args_vol[] = {
    {"vol", ARG_POSITIONAL, true, "volume name, key or path"},
    {"pool", ARG_VALUE, false, "pool name or uuid"}, {0}};

const command virtc_storage_commands[] = {
    {"pool-define", args_pool_file, cmd_pool_define, "FILE: define a storage pool from XML"},
    {"pool-build", args_pool, cmd_pool_build, "POOL: build a pool's storage"},
    {"pool-start", args_pool, cmd_pool_start, "POOL: start a defined pool"},
    {"pool-destroy", args_pool, cmd_pool_destroy, "POOL: stop a pool"},
    {"pool-undefine", args_pool, cmd_pool_undefine, "POOL: remove a pool's definition"},
    {"vol-create", args_vol_create, cmd_vol_create, "POOL FILE: create a volume from XML"},
    {"vol-list", args_pool, cmd_vol_list, "POOL: the pool's volumes and their paths"},
    {"vol-info", args_vol, cmd_vol_info, "VOL [--pool POOL]: a volume's type and sizes"},
    {"vol-delete", args_vol, cmd_vol_delete, "VOL [--pool POOL]: delete a volume"},
    {NULL, NULL, NULL, NULL}};
