/* model_net.c: networks' life cycle and the host's CPU models (see model_net.h). */
#include "model_net.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"
#include "xml_tree.h"

enum { FROM_XML = 5, FROM_CPU = 31 };

/* ---- network XML ----------------------------------------------------------------------------- */

/* The <bridge> element as libvirt formats it: for the modes with a bridge of their own (none,
 * nat, route, open) always, name when given, stp and delay defaulted; for the others (bridge,
 * private, vepa, passthrough, hostdev) only a given name. */
static void write_bridge(xml_buf *b, const xml_node *br, const xml_node *fwd)
{
    const char *name = br ? xml_tree_attr(br, "name") : NULL;
    const char *stp = br ? xml_tree_attr(br, "stp") : NULL;
    const char *delay = br ? xml_tree_attr(br, "delay") : NULL;
    const char *mode = fwd ? xml_tree_attr(fwd, "mode") : NULL;
    bool own = !mode || strcmp(mode, "nat") == 0 || strcmp(mode, "route") == 0 ||
               strcmp(mode, "open") == 0;
    if (!own && !name)
        return;
    xml_buf_append(b, "  <bridge");
    if (name) {
        xml_buf_append(b, " name='");
        xml_buf_escape(b, name);
        xml_buf_append(b, "'");
    }
    if (!own) {
        xml_buf_append(b, "/>\n");
        return;
    }
    xml_buf_append(b, " stp='");
    xml_buf_escape(b, stp ? stp : "on");
    xml_buf_append(b, "' delay='");
    xml_buf_escape(b, delay ? delay : "0");
    xml_buf_append(b, "'/>\n");
}

static bool is_named(const xml_node *n, const char *a, const char *b, const char *c)
{
    return strcmp(n->name, a) == 0 || strcmp(n->name, b) == 0 || strcmp(n->name, c) == 0;
}

/* One element of the definition at level 1; a <portgroup> libvirt closes on its own line also
 * when it has nothing inside (virPortGroupDefFormat, every modelled release), an <ip> too
 * (virNetworkIPDefFormat) up to the releases that self-close it. */
static void write_child(xml_buf *b, const xml_node *n)
{
    bool pair = strcmp(n->name, "portgroup") == 0 ||
                (strcmp(n->name, "ip") == 0 && !fl_release_current()->net_ip_self_closed);
    if (!pair || n->children || (n->text && *n->text)) {
        xml_tree_write(b, n, 1);
        return;
    }
    xml_buf one = {0};
    xml_tree_write(&one, n, 1);
    char *text = xml_buf_finish(&one);
    size_t len = text ? strlen(text) : 0;
    if (len >= 3 && strcmp(text + len - 3, "/>\n") == 0) {
        text[len - 3] = '\0';
        xml_buf_appendf(b, "%s>\n  </%s>\n", text, n->name);
    } else if (text) {
        xml_buf_append(b, text);
    }
    free(text);
}

/* The definition libvirt would format back: name, uuid, forward, bridge, then the rest. */
char *fl_net_format(const xml_node *root, const char *name, const unsigned char uuid[16])
{
    char u[37];
    xml_buf b = {0};
    vw_uuid_format(uuid, u);
    xml_buf_append(&b, "<network>\n  <name>");
    xml_buf_escape(&b, name);
    xml_buf_appendf(&b, "</name>\n  <uuid>%s</uuid>\n", u);
    const xml_node *fwd = xml_tree_child(root, "forward");
    if (fwd)
        xml_tree_write(&b, fwd, 1);
    write_bridge(&b, xml_tree_child(root, "bridge"), fwd);
    for (const xml_node *n = root->children; n; n = n->next) {
        if (!is_named(n, "name", "uuid", "forward") && strcmp(n->name, "bridge") != 0)
            write_child(&b, n);
    }
    xml_buf_append(&b, "</network>\n");
    return xml_buf_finish(&b);
}

/* A parsed definition: its name, uuid, bridge name and formatted XML. */
typedef struct {
    char *name, *bridge, *xml;
    unsigned char uuid[16];
} net_def;

static void net_def_clear(net_def *d)
{
    free(d->name);
    free(d->bridge);
    free(d->xml);
}

static int oom(vw_virerror *err)
{
    vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error",
                       "out of memory");
    return -1;
}

static int parse_fields(const xml_node *root, net_def *d, vw_virerror *err)
{
    const xml_node *name = xml_tree_child(root, "name");
    if (!name || !name->text || !*name->text) {
        vw_virerror_report(err, VW_ERR_NO_NAME, VW_FROM_NETWORK, NULL, "missing name information");
        return -1;
    }
    const xml_node *uuid = xml_tree_child(root, "uuid");
    if (!uuid || !uuid->text) {
        vw_uuid_generate(d->uuid);
    } else if (vw_uuid_parse(uuid->text, d->uuid) < 0) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_NETWORK, "XML error",
                           "malformed uuid element");
        return -1;
    }
    const xml_node *br = xml_tree_child(root, "bridge");
    const char *brname = br ? xml_tree_attr(br, "name") : NULL;
    if (!(d->name = strdup(name->text)) || !(d->bridge = strdup(brname ? brname : "")) ||
        !(d->xml = fl_net_format(root, d->name, d->uuid)))
        return oom(err);
    return 0;
}

static int parse_network(const char *xml, net_def *d, vw_virerror *err)
{
    vw_error xerr;
    char why[256];
    memset(d, 0, sizeof(*d));
    xml_node *root = xml_tree_parse(xml, strlen(xml), &xerr);
    if (!root) {
        vw_virerror_report(err, VW_ERR_XML_DETAIL, FROM_XML, "XML error", "%s",
                           xml_tree_error_text(&xerr, why, sizeof(why)));
        return -1;
    }
    int rc = 0;
    if (strcmp(root->name, "network") != 0) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, FROM_XML, "XML error",
                           "expecting root element of 'network', not '%s'", root->name);
        rc = -1;
    } else {
        rc = parse_fields(root, d, err);
    }
    xml_tree_free(root);
    if (rc < 0)
        net_def_clear(d);
    return rc;
}

/* virNetworkObjAssignDefLocked's checks, in its order (by UUID, then by name): the network of
 * the same name and uuid, NULL when none, or (void *)-1 after filling err. live: a create-XML
 * (refuses a running namesake). */
static fl_object *find_same(fl_model *m, const net_def *d, bool live, vw_virerror *err)
{
    char u[37];
    fl_object *o = fl_index_get(&m->obj_by_uuid[FL_OBJ_NETWORK], d->uuid, 16);
    if (o && strcmp(o->name, d->name) != 0) {
        vw_uuid_format(o->uuid, u);
        vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_NETWORK, "operation failed",
                           "network '%s' is already defined with uuid %s", o->name, u);
        return (fl_object *)-1;
    }
    if (o && live && o->active) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_NETWORK,
                           "Requested operation is not valid", "network is already active as '%s'",
                           o->name);
        return (fl_object *)-1;
    }
    if (o)
        return o;
    o = fl_index_get(&m->obj_by_name[FL_OBJ_NETWORK], d->name, strlen(d->name));
    if (o) {
        vw_uuid_format(o->uuid, u);
        vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_NETWORK, "operation failed",
                           "network '%s' already exists with uuid %s", o->name, u);
        return (fl_object *)-1;
    }
    return NULL;
}

/* Adds d (or replaces the definition of its namesake; a running one's definition waits in
 * config_xml, as libvirt's newDef: the test driver shows it only once a CONFIG update of the
 * stopped network takes it); d's strings are taken. */
static fl_object *add_or_replace(fl_model *m, net_def *d, bool live, vw_virerror *err)
{
    fl_object *o = find_same(m, d, live, err);
    if (o == (fl_object *)-1)
        return NULL;
    if (o && o->active && !live) {
        free(o->config_xml);
        o->config_xml = d->xml;
        d->xml = NULL;
    } else if (o) {                    /* a pending config_xml stays, as libvirt's newDef */
        free(o->xml);
        free(o->bridge);
        o->xml = d->xml;
        o->bridge = d->bridge;
        d->xml = d->bridge = NULL;
    } else {
        char u[37];
        vw_uuid_format(d->uuid, u);
        if (fl_model_add_network(m, d->name, u, false, false, false, d->bridge, d->xml, err) < 0)
            return NULL;
        o = fl_object_lookup_name(m, FL_OBJ_NETWORK, d->name, err);
    }
    if (o && live)
        o->active = true;
    else if (o)
        o->persistent = true;
    return o;
}

fl_object *fl_net_define(fl_model *m, const char *xml, vw_virerror *err)
{
    net_def d;
    if (parse_network(xml, &d, err) < 0)
        return NULL;
    fl_object *o = add_or_replace(m, &d, false, err);
    net_def_clear(&d);
    return o;
}

fl_object *fl_net_create_xml(fl_model *m, const char *xml, vw_virerror *err)
{
    net_def d;
    if (parse_network(xml, &d, err) < 0)
        return NULL;
    fl_object *o = add_or_replace(m, &d, true, err);
    net_def_clear(&d);
    return o;
}

/* ---- transitions ----------------------------------------------------------------------------- */

int fl_net_start(fl_model *m, fl_object *net, vw_virerror *err)
{
    (void)m;
    if (net->active) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid", "Network '%s' is already running",
                           net->name);
        return -1;
    }
    net->active = true;
    return 0;
}

static void remove_network(fl_model *m, fl_object *net)
{
    fl_object_remove(m, FL_OBJ_NETWORK, net);
}

void fl_net_destroy(fl_model *m, fl_object *net)
{
    net->active = false;
    if (!net->persistent)
        remove_network(m, net);
}

int fl_net_undefine(fl_model *m, fl_object *net, vw_virerror *err)
{
    if (net->active) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid", "Network '%s' is still running",
                           net->name);
        return -1;
    }
    remove_network(m, net);
    return 0;
}

/* ---- CPU models ------------------------------------------------------------------------------ */

/* The x86 and ppc64 CPU models are per release (release_cpu_models.c); libvirt's ARM and
 * s390 drivers list none. */
/* virArch's names in libvirt 9.0 (virArchFromString). */
static const char *const arch_names[] = {
    "i686", "x86_64", "armv6l", "armv7l", "armv7b", "aarch64", "alpha", "cris", "ia64", "lm32",
    "m68k", "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc",
    "parisc", "parisc64", "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64",
    "s390", "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "xtensa", "xtensaeb",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Index into arch_names, or -1. The first six have the x86 (0, 1) and ARM (2..5) drivers. */
static int arch_index(const char *arch)
{
    for (size_t i = 0; i < COUNT(arch_names); i++) {
        if (strcmp(arch_names[i], arch) == 0)
            return (int)i;
    }
    return -1;
}

bool fl_arch_known(const char *arch)
{
    return arch_index(arch) >= 0;
}

int fl_cpu_model_names(const char *arch, const char *const **models, size_t *count,
                       vw_virerror *err)
{
    int i = arch_index(arch);
    *models = NULL;
    *count = 0;
    if (i < 0) {
        vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "cannot find architecture %s", arch);
        return -1;
    }
    if (i <= 1) {
        *models = fl_release_cpu_models(false, count);
    } else if (strcmp(arch, "ppc64") == 0 || strcmp(arch, "ppc64le") == 0) {
        *models = fl_release_cpu_models(true, count);
    } else if (i > 5 && strcmp(arch, "s390") != 0 && strcmp(arch, "s390x") != 0) {
        vw_virerror_report(err, VW_ERR_NO_SUPPORT, FROM_CPU,
                           "this function is not supported by the connection driver",
                           "'%s' architecture is not supported by CPU driver", arch);
        return -1;
    }
    return 0;
}
