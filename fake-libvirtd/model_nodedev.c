/* model_nodedev.c: node devices (see model_nodedev.h). */
#include "model_nodedev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_tree.h"

enum { ND_FROM_XML = 5, FROM_NODEDEV = 22, ERR_NO_NODE_DEVICE = 53 };

/* virNodeDevCapType names in libvirt 9.0's order: bit i of the LIST_ALL filter is name i. */
static const char *const cap_names[] = {
    "system", "pci", "usb_device", "usb", "net", "scsi_host", "scsi_target", "scsi", "storage",
    "fc_host", "vports", "scsi_generic", "drm", "mdev_types", "mdev", "ccw", "css", "vdpa",
    "ap_card", "ap_queue", "ap_matrix", "vpd",
};

enum { BIT_SYSTEM = 1u << 0, BIT_SCSI_HOST = 1u << 5, BIT_FC_HOST = 1u << 9,
       BIT_VPORTS = 1u << 10 };

const char *fl_nodedev_cap(const fl_nodedev *d)
{
    return *d->wwnn ? "scsi_host" : "system";
}

unsigned fl_nodedev_cap_bits(const fl_nodedev *d)
{
    if (!*d->wwnn)
        return BIT_SYSTEM;
    return BIT_SCSI_HOST | BIT_FC_HOST | (d->vports ? BIT_VPORTS : 0);
}

unsigned fl_nodedev_cap_bit(const char *cap)
{
    for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++) {
        if (strcmp(cap_names[i], cap) == 0)
            return 1u << i;
    }
    return 0;
}

static const char computer_caps[] =
    "  <capability type='system'>\n"
    "    <hardware>\n"
    "      <vendor>Libvirt</vendor>\n"
    "      <version>Test driver</version>\n"
    "      <serial>123456</serial>\n"
    "      <uuid>11111111-2222-3333-4444-555555555555</uuid>\n"
    "    </hardware>\n"
    "    <firmware>\n"
    "      <vendor>Libvirt</vendor>\n"
    "      <version>Test Driver</version>\n"
    "      <release_date>01/22/2007</release_date>\n"
    "    </firmware>\n"
    "  </capability>\n";

char *fl_nodedev_xml(const fl_nodedev *d)
{
    xml_buf b = {0};
    xml_buf_append(&b, "<device>\n  <name>");
    xml_buf_escape(&b, d->name);
    xml_buf_append(&b, "</name>\n");
    if (*d->parent) {
        xml_buf_append(&b, "  <parent>");
        xml_buf_escape(&b, d->mock_vport ? "scsi_host1" : d->parent);
        xml_buf_append(&b, "</parent>\n");
    }
    if (!*d->wwnn) {
        xml_buf_append(&b, computer_caps);
    } else {
        xml_buf_appendf(&b, "  <capability type='scsi_host'>\n    <host>%d</host>\n"
                        "    <unique_id>%d</unique_id>\n"
                        "    <capability type='fc_host'>\n      <wwnn>", d->host, d->unique_id);
        xml_buf_escape(&b, d->wwnn);
        xml_buf_append(&b, "</wwnn>\n      <wwpn>");
        xml_buf_escape(&b, d->wwpn);
        xml_buf_append(&b, "</wwpn>\n      <fabric_wwn>");
        /* the fabric of the test driver's scsi_host2 is its own; every other one 43214321 */
        xml_buf_append(&b, d->host == 2 ? "2000000087658765" : "2000000043214321");
        xml_buf_append(&b, "</fabric_wwn>\n    </capability>\n");
        if (d->vports)
            xml_buf_append(&b, "    <capability type='vport_ops'>\n      <max_vports>0"
                           "</max_vports>\n      <vports>0</vports>\n    </capability>\n");
        xml_buf_append(&b, "  </capability>\n");
    }
    xml_buf_append(&b, "</device>\n");
    return xml_buf_finish(&b);
}

static void dev_free(fl_nodedev *d)
{
    if (!d)
        return;
    free(d->name);
    free(d->parent);
    free(d->wwnn);
    free(d->wwpn);
    free(d);
}

void fl_nodedev_state_free(fl_nodedev_state *s)
{
    if (!s)
        return;
    while (s->list) {
        fl_nodedev *next = s->list->next;
        dev_free(s->list);
        s->list = next;
    }
    free(s);
}

static fl_nodedev *dev_new(const char *name, const char *parent, const char *wwnn,
                           const char *wwpn, int host, int unique_id, bool vports)
{
    fl_nodedev *d = calloc(1, sizeof(*d));
    if (!d || !(d->name = strdup(name)) || !(d->parent = strdup(parent)) ||
        !(d->wwnn = strdup(wwnn)) || !(d->wwpn = strdup(wwpn))) {
        dev_free(d);
        return NULL;
    }
    d->host = host;
    d->unique_id = unique_id;
    d->vports = vports;
    return d;
}

static void append(fl_nodedev_state *s, fl_nodedev *d)
{
    fl_nodedev **pp = &s->list;
    while (*pp)
        pp = &(*pp)->next;
    *pp = d;
}

fl_nodedev_state *fl_nodedev_state_default(void)
{
    fl_nodedev_state *s = calloc(1, sizeof(*s));
    fl_nodedev *d[4] = {
        dev_new("scsi_host1", "computer", "2000000012341234", "1000000012341234", 1, 0, true),
        dev_new("computer", "", "", "", 0, 0, false),
        dev_new("scsi_host2", "computer", "2000000056785678", "1000000056785678", 2, 1, true),
        dev_new("scsi_host11", "scsi_host1", "2000000034563456", "1000000034563456", 11, 10,
                false),
    };
    bool ok = s != NULL;
    for (int i = 0; i < 4; i++) {
        if (!ok || !d[i]) {
            dev_free(d[i]);
            ok = false;
        } else {
            append(s, d[i]);
        }
    }
    if (!ok) {
        fl_nodedev_state_free(s);
        return NULL;
    }
    return s;
}

fl_nodedev_state *fl_nodedevs(fl_model *m)
{
    if (!m->nodedevs)
        m->nodedevs = calloc(1, sizeof(*m->nodedevs));
    return m->nodedevs;
}

fl_nodedev *fl_nodedev_lookup(fl_nodedev_state *s, const char *name, vw_virerror *err)
{
    for (fl_nodedev *d = s->list; d; d = d->next) {
        if (strcmp(d->name, name) == 0)
            return d;
    }
    vw_virerror_report(err, ERR_NO_NODE_DEVICE, VW_FROM_TEST, "Node device not found",
                       "no node device with matching name '%s'", name);
    return NULL;
}

fl_nodedev **fl_nodedev_list(fl_nodedev_state *s, unsigned bits, size_t *count)
{
    size_t n = 0;
    *count = 0;
    for (fl_nodedev *d = s->list; d; d = d->next)
        n++;
    fl_nodedev **out = n ? calloc(n, sizeof(*out)) : NULL;
    for (fl_nodedev *d = s->list; out && d; d = d->next) {
        if (!bits || (fl_nodedev_cap_bits(d) & bits))
            out[(*count)++] = d;
    }
    return out;
}

/* The text of root/capability[type=scsi_host]/capability[type=fc_host]/name, or NULL. */
static const char *fc_field(const xml_node *root, const char *name)
{
    for (const xml_node *c = root->children; c; c = c->next) {
        const char *t = xml_tree_attr(c, "type");
        if (strcmp(c->name, "capability") != 0 || !t || strcmp(t, "scsi_host") != 0)
            continue;
        for (const xml_node *f = c->children; f; f = f->next) {
            const char *ft = xml_tree_attr(f, "type");
            const xml_node *v = xml_tree_child(f, name);
            if (strcmp(f->name, "capability") == 0 && ft && strcmp(ft, "fc_host") == 0 && v)
                return v->text;
        }
    }
    return NULL;
}

static fl_nodedev *create_from_tree(fl_nodedev_state *s, const xml_node *root, vw_virerror *err)
{
    const xml_node *p = xml_tree_child(root, "parent");
    const char *wwnn = fc_field(root, "wwnn"), *wwpn = fc_field(root, "wwpn");
    if (!p || !p->text || !wwnn || !wwpn) {
        vw_virerror_report(err, VW_ERR_INVALID_ARG, FROM_NODEDEV, "invalid argument",
                           "the test driver creates only vHBAs: parent, wwnn and wwpn are needed");
        return NULL;
    }
    if (!fl_nodedev_lookup(s, p->text, err))
        return NULL;
    fl_nodedev *d = dev_new("scsi_host12", p->text, wwnn, wwpn, 11, 10, false);
    if (!d) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, FROM_NODEDEV, "internal error",
                           "out of memory");
        return NULL;
    }
    d->mock_vport = true;
    append(s, d);
    return d;
}

fl_nodedev *fl_nodedev_create_xml(fl_nodedev_state *s, const char *xml, vw_virerror *err)
{
    vw_error xerr;
    char why[256];
    xml_node *root = xml_tree_parse(xml, strlen(xml), &xerr);
    if (!root) {
        vw_virerror_report(err, VW_ERR_XML_DETAIL, ND_FROM_XML, "XML error", "%s",
                           xml_tree_error_text(&xerr, why, sizeof(why)));
        return NULL;
    }
    fl_nodedev *d = NULL;
    if (strcmp(root->name, "device") != 0)
        vw_virerror_report(err, VW_ERR_XML_ERROR, ND_FROM_XML, "XML error",
                           "expecting root element of 'device', not '%s'", root->name);
    else
        d = create_from_tree(s, root, err);
    xml_tree_free(root);
    return d;
}

int fl_nodedev_destroy(fl_nodedev_state *s, fl_nodedev *d)
{
    if (!*d->wwnn || !*d->parent)
        return 0;
    for (fl_nodedev **pp = &s->list; *pp; pp = &(*pp)->next) {
        if (*pp == d) {
            *pp = d->next;
            dev_free(d);
            return 1;
        }
    }
    return 0;
}
