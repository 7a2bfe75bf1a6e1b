/* virtc_snapshot.c: virtc's domain snapshot commands: snapshot-create, snapshot-create-as,
 * snapshot-list, snapshot-dumpxml, snapshot-revert, snapshot-delete, with virsh's output and
 * messages, built on the generated typed functions (vw_client_procs.h). */
#include "virtc_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SNAPSHOT_XML_SECURE 1u    /* VIR_DOMAIN_SNAPSHOT_XML_SECURE */

/* The snapshot NAME of domain KEY; the daemon's error when either is not there. */
static int lookup_snapshot(ctx *c, const char *key, const char *name,
                           vw_domain_snapshot_lookup_by_name_ret *snap)
{
    vw_nonnull_domain dom;
    int rc = virtc_lookup_wire_domain(c, key, &dom);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_domain_snapshot_lookup_by_name_args la = {.dom = dom, .name = (char *)name};
    if (vw_remote_domain_snapshot_lookup_by_name(c->conn, &la, snap, &err) < 0)
        rc = virtc_report(&err);
    free(dom.name);
    return rc;
}

static int create_snapshot(ctx *c, const char *key, const char *xml, const char *file)
{
    vw_nonnull_domain dom;
    int rc = virtc_lookup_wire_domain(c, key, &dom);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_domain_snapshot_create_xml_args ca = {.dom = dom, .xml_desc = (char *)xml};
    vw_domain_snapshot_create_xml_ret cr;
    if (vw_remote_domain_snapshot_create_xml(c->conn, &ca, &cr, &err) < 0)
        rc = virtc_report(&err);
    else if (file)
        printf("Domain snapshot %s created from '%s'\n", cr.snap.name, file);
    else
        printf("Domain snapshot %s created\n", cr.snap.name);
    vw_remote_domain_snapshot_create_xml_free(&cr);
    free(dom.name);
    return rc;
}

static int cmd_snapshot_create(ctx *c, const parsed_args *a)
{
    const char *file = virtc_arg_value(c->cmd, a, "xmlfile");
    if (!file)
        return create_snapshot(c, virtc_arg_value(c->cmd, a, "domain"), "<domainsnapshot/>",
                               NULL);
    char *xml = virtc_read_xml_file(file);
    if (!xml)
        return EXIT_LIBVIRT;
    int rc = create_snapshot(c, virtc_arg_value(c->cmd, a, "domain"), xml, file);
    free(xml);
    return rc;
}

/* text with &, <, >, ' and " as XML entities, malloc'd */
static char *xml_escape(const char *text)
{
    char *out = malloc(strlen(text) * 6 + 1), *p = out;
    for (; out && *text; text++) {
        const char *ent = *text == '&' ? "&amp;" : *text == '<' ? "&lt;" : *text == '>' ? "&gt;"
                        : *text == '\'' ? "&apos;" : *text == '"' ? "&quot;" : NULL;
        if (ent)
            p += sprintf(p, "%s", ent);
        else
            *p++ = *text;
    }
    if (out)
        *p = '\0';
    return out;
}

static int cmd_snapshot_create_as(ctx *c, const parsed_args *a)
{
    const char *name = virtc_arg_value(c->cmd, a, "name");
    char *xml = NULL;
    if (name) {
        char *esc = xml_escape(name);
        if (!esc || asprintf(&xml, "<domainsnapshot>\n  <name>%s</name>\n</domainsnapshot>\n",
                             esc) < 0)
            xml = NULL;
        free(esc);
        if (!xml) {
            virtc_error("out of memory");
            return EXIT_LIBVIRT;
        }
    }
    int rc = create_snapshot(c, virtc_arg_value(c->cmd, a, "domain"),
                             xml ? xml : "<domainsnapshot>\n</domainsnapshot>\n", NULL);
    free(xml);
    return rc;
}

/* The text of the first <TAG>...</TAG> in xml, into out (empty when absent). */
static void xml_element(const char *xml, const char *tag, char *out, size_t outsz)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *s = strstr(xml, open), *e = s ? strstr(s, close) : NULL;
    size_t n = 0;
    if (s && e) {
        s += strlen(open);
        n = (size_t)(e - s) < outsz - 1 ? (size_t)(e - s) : outsz - 1;
        memcpy(out, s, n);
    }
    out[n] = '\0';
}

static int snapshot_order(const void *pa, const void *pb)
{
    return strcasecmp(((const vw_nonnull_domain_snapshot *)pa)->name,
                      ((const vw_nonnull_domain_snapshot *)pb)->name);
}

/* One row of snapshot-list: name, creation time as virsh formats it (local time), state. */
static int snapshot_row(ctx *c, virtc_table *t, vw_nonnull_domain_snapshot *snap)
{
    vw_virerror err = {0};
    vw_domain_snapshot_get_xml_desc_args xa = {.snap = *snap};
    vw_domain_snapshot_get_xml_desc_ret xr;
    if (vw_remote_domain_snapshot_get_xml_desc(c->conn, &xa, &xr, &err) < 0)
        return virtc_report(&err);
    char created[32], state[64], when[64] = "";
    xml_element(xr.str, "creationTime", created, sizeof(created));
    xml_element(xr.str, "state", state, sizeof(state));
    vw_remote_domain_snapshot_get_xml_desc_free(&xr);
    time_t secs = (time_t)strtoll(created, NULL, 10);
    struct tm tm;
    if (localtime_r(&secs, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
    return virtc_table_add_row(t, snap->name, when, state, NULL) < 0 ? EXIT_LIBVIRT : EXIT_OK;
}

static int cmd_snapshot_list(ctx *c, const parsed_args *a)
{
    vw_nonnull_domain dom;
    int rc = virtc_lookup_wire_domain(c, virtc_arg_value(c->cmd, a, "domain"), &dom);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_domain_list_all_snapshots_args la = {.dom = dom, .need_results = 1};
    vw_domain_list_all_snapshots_ret lr;
    if (vw_remote_domain_list_all_snapshots(c->conn, &la, &lr, &err) < 0) {
        rc = virtc_report(&err);
    } else {
        vw_nonnull_domain_snapshot *snaps = lr.snapshots.snapshots_val;
        if (lr.snapshots.snapshots_len)   /* qsort wants a non-NULL array even when empty */
            qsort(snaps, lr.snapshots.snapshots_len, sizeof(*snaps), snapshot_order);
        virtc_table *t = virtc_table_new("Name", "Creation Time", "State", NULL);
        rc = t ? EXIT_OK : EXIT_LIBVIRT;
        for (unsigned int i = 0; t && rc == EXIT_OK && i < lr.snapshots.snapshots_len; i++)
            rc = snapshot_row(c, t, &snaps[i]);
        if (rc == EXIT_OK || !t)
            rc = virtc_table_finish(t, rc);
        else
            virtc_table_free(t);
    }
    vw_remote_domain_list_all_snapshots_free(&lr);
    free(dom.name);
    return rc;
}

enum snap_op { SNAP_DUMPXML, SNAP_REVERT, SNAP_DELETE };

static int run_snap_op(ctx *c, const parsed_args *a, enum snap_op op)
{
    const char *name = virtc_arg_value(c->cmd, a, "snapshotname");
    vw_domain_snapshot_lookup_by_name_ret snap;
    int rc = lookup_snapshot(c, virtc_arg_value(c->cmd, a, "domain"), name, &snap);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_domain_snapshot_flags_args fa = {.snap = snap.snap};
    if (op == SNAP_DUMPXML) {
        vw_domain_snapshot_get_xml_desc_ret xr;
        fa.flags = virtc_arg_set(c->cmd, a, "security-info") ? SNAPSHOT_XML_SECURE : 0;
        if (vw_remote_domain_snapshot_get_xml_desc(c->conn, &fa, &xr, &err) < 0)
            rc = virtc_report(&err);
        else
            virtc_print_xml(xr.str);
        vw_remote_domain_snapshot_get_xml_desc_free(&xr);
    } else if (op == SNAP_REVERT) {
        if (vw_remote_domain_revert_to_snapshot(c->conn, &fa, &err) < 0)
            rc = virtc_report(&err);
        else
            printf("Domain snapshot %s reverted\n", name);
    } else {
        if (vw_remote_domain_snapshot_delete(c->conn, &fa, &err) < 0) {
            virtc_error("Failed to delete snapshot %s", name);
            rc = virtc_report(&err);
        } else {
            printf("Domain snapshot %s deleted\n", name);
        }
    }
    vw_remote_domain_snapshot_lookup_by_name_free(&snap);
    return rc;
}

static int cmd_snapshot_dumpxml(ctx *c, const parsed_args *a)
{
    return run_snap_op(c, a, SNAP_DUMPXML);
}
static int cmd_snapshot_revert(ctx *c, const parsed_args *a) { return run_snap_op(c, a, SNAP_REVERT); }
static int cmd_snapshot_delete(ctx *c, const parsed_args *a) { return run_snap_op(c, a, SNAP_DELETE); }

static const arg_spec args_snap_domain[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"}, {0}};
static const arg_spec args_snap_create[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"},
    {"xmlfile", ARG_POSITIONAL, false, "snapshot XML file"}, {0}};
static const arg_spec args_snap_create_as[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"},
    {"name", ARG_POSITIONAL, false, "the snapshot's name"}, {0}};
static const arg_spec args_snap[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"},
    {"snapshotname", ARG_POSITIONAL, true, "snapshot name"}, {0}};
static const arg_spec args_snap_dumpxml[] = {
    {"domain", ARG_POSITIONAL, true, "name, id or uuid"},
    {"snapshotname", ARG_POSITIONAL, true, "snapshot name"},
    {"security-info", ARG_BOOL, false, "include security sensitive data"}, {0}};

const command virtc_snapshot_commands[] = {
    {"snapshot-create", args_snap_create, cmd_snapshot_create,
     "DOMAIN [XMLFILE]: snapshot a domain (from snapshot XML)"},
    {"snapshot-create-as", args_snap_create_as, cmd_snapshot_create_as,
     "DOMAIN [NAME]: snapshot a domain under a name"},
    {"snapshot-list", args_snap_domain, cmd_snapshot_list, "DOMAIN: a domain's snapshots"},
    {"snapshot-dumpxml", args_snap_dumpxml, cmd_snapshot_dumpxml, "DOMAIN SNAPSHOT: its XML"},
    {"snapshot-revert", args_snap, cmd_snapshot_revert, "DOMAIN SNAPSHOT: revert to it"},
    {"snapshot-delete", args_snap, cmd_snapshot_delete, "DOMAIN SNAPSHOT: delete it"},
    {NULL, NULL, NULL, NULL}};
