/* model_guest.c: metadata, rename, save/restore, managed save, core dumps (model_guest.h). */
#include "model_guest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain_metadata.h"

/* The test driver's image header: its magic with the terminating NUL, then the XML's length
 * as a native int, then the XML (at most 8192 bytes when read back). */
#define SAVE_MAGIC "TestGuestMagic"
#define SAVE_MAGIC_LEN sizeof(SAVE_MAGIC)
#define SAVE_XML_MAX 8192

/* virDomainShutoffReason / virDomainRunningReason and the event details we use */
enum {
    SHUTOFF_CRASHED = 3,
    SHUTOFF_SAVED = 5,
    RUNNING_RESTORED = 3,
    STARTED_RESTORED = 2,
    STOPPED_CRASHED = 2,
    STOPPED_SAVED = 4,
    UNDEFINED_RENAMED = 1,
    DEFINED_RENAMED = 2,
};

#define AFFECT_LIVE 1u
#define AFFECT_CONFIG 2u

static void oom(vw_virerror *err)
{
    vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error", "out of memory");
}

static void not_running(vw_virerror *err)
{
    vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                       "Requested operation is not valid",
                       "domain is not running");
}

/* ---- metadata --------------------------------------------------------------------------- */

/* A copy of def (the persistent config a live change must leave alone); NULL when memory ran
 * out. */
static domain_def *def_copy(const domain_def *def)
{
    char *xml = domain_def_format(def, -1, true, false);
    domain_def *copy = xml ? domain_def_parse(xml, NULL) : NULL;
    free(xml);
    return copy;
}

/* virDomainObjGetDefs: the live and the persistent definition the flags name (NULL = not
 * affected). For a live change of a running persistent domain, its config becomes a separate
 * next_def first. Returns 0 or -1 with err. */
static int pick_defs(fl_domain *d, unsigned flags, bool writing, domain_def **live,
                     domain_def **config, vw_virerror *err)
{
    bool active = fl_domain_is_active(d);
    *live = *config = NULL;
    if (!(flags & (AFFECT_LIVE | AFFECT_CONFIG)))
        flags |= active ? AFFECT_LIVE : AFFECT_CONFIG;
    if ((flags & AFFECT_LIVE) && !active) {
        not_running(err);
        return -1;
    }
    if ((flags & AFFECT_CONFIG) && !d->persistent) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid",
                           "transient domains do not have any persistent config");
        return -1;
    }
    if (active && d->persistent && !d->next_def && writing &&
        !(d->next_def = def_copy(d->def))) {
        oom(err);
        return -1;
    }
    if (flags & AFFECT_LIVE)
        *live = d->def;
    if (flags & AFFECT_CONFIG)
        *config = active && d->next_def ? d->next_def : d->def;
    return 0;
}

static int check_type(int type, vw_virerror *err)
{
    if (type >= FL_METADATA_DESCRIPTION && type <= FL_METADATA_ELEMENT)
        return 0;
    vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_DOMAIN, "invalid argument",
                       "unknown metadata type '%d'", type);
    return -1;
}

static void no_metadata(vw_virerror *err)
{
    vw_virerror_report(err, 80 /* VIR_ERR_NO_DOMAIN_METADATA */, VW_FROM_DOMAIN,
                       "metadata not found",
                       "Requested metadata element is not present");
}

char *fl_guest_get_metadata(fl_domain *d, int type, const char *uri, unsigned flags,
                            vw_virerror *err)
{
    domain_def *live, *config;
    if ((flags & AFFECT_LIVE) && (flags & AFFECT_CONFIG)) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN, "virDomainObjGetOneDefState", "flags",
                                       "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' "
                                       "are mutually exclusive");
        return NULL;
    }
    if (pick_defs(d, flags, false, &live, &config, err) < 0 || check_type(type, err) < 0)
        return NULL;
    const domain_def *def = live ? live : config;
    const char *text = type == FL_METADATA_TITLE ? def->title : def->description;
    char *out = NULL;
    int nomem = 0;
    if (type == FL_METADATA_ELEMENT)
        out = uri ? domain_metadata_get(def->metadata, uri, &nomem) : NULL;
    else if (text && !(out = strdup(text)))
        nomem = 1;
    if (nomem)
        oom(err);
    else if (!out)
        no_metadata(err);
    return out;
}

/* Sets one kind of metadata in def. Returns 0 or -1 with err. */
static int set_in(domain_def *def, int type, const char *metadata, const char *key,
                  const char *uri, vw_virerror *err)
{
    if (type == FL_METADATA_ELEMENT) {
        char why[256];
        int rc = domain_metadata_set(&def->metadata, metadata, key, uri, why, sizeof(why));
        if (rc == -1)
            vw_virerror_report(err, VW_ERR_XML_DETAIL, VW_FROM_DOMAIN, NULL, "(metadata_xml): %s",
                               why);
        else if (rc < 0)
            oom(err);
        return rc < 0 ? -1 : 0;
    }
    char **slot = type == FL_METADATA_TITLE ? &def->title : &def->description;
    char *copy = metadata && *metadata ? strdup(metadata) : NULL;
    if (metadata && *metadata && !copy) {
        oom(err);
        return -1;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

int fl_guest_set_metadata(fl_domain *d, int type, const char *metadata, const char *key,
                          const char *uri, unsigned flags, vw_virerror *err)
{
    domain_def *live, *config;
    if (check_type(type, err) < 0)
        return -1;
    if (type == FL_METADATA_ELEMENT && (!uri || (metadata && !key))) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN, "virDomainSetMetadata",
                                       uri ? "key" : "uri",
                                       "%s in virDomainSetMetadata must not be NULL",
                                       uri ? "key" : "uri");
        return -1;
    }
    if (type == FL_METADATA_TITLE && metadata && strchr(metadata, '\n')) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN, "virDomainSetMetadata", "metadata",
                                       "metadata title can't contain newlines");
        return -1;
    }
    if (pick_defs(d, flags, true, &live, &config, err) < 0)
        return -1;
    if (live && set_in(live, type, metadata, key, uri, err) < 0)
        return -1;
    return config ? set_in(config, type, metadata, key, uri, err) : 0;
}

/* ---- rename ----------------------------------------------------------------------------- */

int fl_guest_rename(fl_model *m, fl_domain *d, const char *new_name, vw_virerror *err)
{
    const char *invalid = fl_domain_is_active(d) ? "cannot rename active domain"
                          : !d->persistent       ? "cannot rename a transient domain"
                                                 : NULL;
    if (invalid) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid", "%s", invalid);
        return -1;
    }
    invalid = strcmp(new_name, d->def->name) == 0 ? "Can't rename domain to itself" : NULL;
    if (invalid || fl_domain_lookup_name(m, new_name, NULL)) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid", invalid ? "%s" : "domain with name '%s' "
                           "already exists", invalid ? invalid : new_name);
        return -1;
    }
    if (strchr(new_name, '/')) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_TEST, "XML error",
                           "name %s cannot contain '/'", new_name);
        return -1;
    }
    fl_domain_emit(m, d, FL_EVENT_UNDEFINED, UNDEFINED_RENAMED);
    if (fl_domain_rekey_name(m, d, new_name) < 0) {
        oom(err);
        return -1;
    }
    fl_domain_emit(m, d, FL_EVENT_DEFINED, DEFINED_RENAMED);
    return 0;
}

/* ---- save images ------------------------------------------------------------------------ */

static void system_error(vw_virerror *err, int errnum, const char *what)
{
    vw_virerror_report(err, 38 /* VIR_ERR_SYSTEM_ERROR */, VW_FROM_TEST, NULL, "%s: %s", what,
                       strerror(errnum));
}

/* Writes an image holding xml to path. what names the operation in errors. */
static int write_image(const char *path, const char *xml, const char *what, vw_virerror *err)
{
    char msg[600];
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0) {
        snprintf(msg, sizeof(msg), "%s: open failed", what);
        system_error(err, errno, msg);
        return -1;
    }
    int len = xml ? (int)strlen(xml) : 0;
    bool ok = write(fd, SAVE_MAGIC, SAVE_MAGIC_LEN) == (ssize_t)SAVE_MAGIC_LEN &&
              (!xml || (write(fd, &len, sizeof(len)) == (ssize_t)sizeof(len) &&
                        write(fd, xml, (size_t)len) == (ssize_t)len));
    int errnum = errno;
    if (close(fd) < 0 && ok) {
        ok = false;
        errnum = errno;
    }
    if (!ok) {
        snprintf(msg, sizeof(msg), "%s: write failed", what);
        system_error(err, errnum, msg);
        return -1;
    }
    return 0;
}

/* Reads n bytes, or fails with "what '%s'" and the errno (0 for a short read, "Success"). */
static int read_exact(int fd, void *buf, size_t n, const char *what, const char *path,
                      vw_virerror *err)
{
    char msg[600];
    errno = 0;
    ssize_t got = read(fd, buf, n);
    if (got == (ssize_t)n)
        return 0;
    snprintf(msg, sizeof(msg), "%s '%s'", what, path);
    system_error(err, got < 0 ? errno : 0, msg);
    return -1;
}

/* The XML of the image at path (malloc'd), as testDomainSaveImageOpen reads it. */
static char *read_image(const char *path, vw_virerror *err)
{
    char msg[600], magic[SAVE_MAGIC_LEN];
    int len = 0, fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(msg, sizeof(msg), "cannot read domain image '%s'", path);
        system_error(err, errno, msg);
        return NULL;
    }
    char *xml = NULL;
    if (read_exact(fd, magic, sizeof(magic), "incomplete save header in", path, err) < 0)
        goto out;
    if (memcmp(magic, SAVE_MAGIC, sizeof(magic)) != 0) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "mismatched header magic");
        goto out;
    }
    if (read_exact(fd, &len, sizeof(len), "failed to read metadata length in", path, err) < 0)
        goto out;
    if (len < 1 || len > SAVE_XML_MAX) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "length of metadata out of range");
        goto out;
    }
    if (!(xml = calloc(1, (size_t)len + 1)))
        oom(err);
    else if (read_exact(fd, xml, (size_t)len, "incomplete metadata in", path, err) < 0) {
        free(xml);
        xml = NULL;
    }
out:
    close(fd);
    return xml;
}

/* The definition in the image at path, with libvirt's parse errors. */
static domain_def *image_def(const char *path, vw_virerror *err)
{
    char *xml = read_image(path, err);
    if (!xml)
        return NULL;
    domain_def *def = domain_def_parse(xml, err);
    free(xml);
    return def;
}

int fl_guest_save(fl_model *m, fl_domain *d, const char *path, vw_virerror *err)
{
    if (!fl_domain_is_active(d)) {
        not_running(err);
        return -1;
    }
    char what[600];
    snprintf(what, sizeof(what), "saving domain '%s' to '%s'", d->def->name, path);
    char *xml = fl_domain_xml(d, 0);
    if (!xml) {
        oom(err);
        return -1;
    }
    int rc = write_image(path, xml, what, err);
    free(xml);
    if (rc == 0)
        fl_domain_stopped(m, d, SHUTOFF_SAVED, STOPPED_SAVED);
    return rc;
}

fl_domain *fl_guest_restore(fl_model *m, const char *path, vw_virerror *err)
{
    domain_def *def = image_def(path, err);
    if (!def)
        return NULL;
    domain_def_assign_ifnames(def);
    fl_domain *d = fl_domain_adopt_live_def(m, def, err);
    if (d && fl_domain_start_as(m, d, RUNNING_RESTORED, STARTED_RESTORED, err) < 0)
        return NULL;
    return d;
}

char *fl_guest_save_image_xml(const char *path, vw_virerror *err)
{
    domain_def *def = image_def(path, err);
    if (!def)
        return NULL;
    char *xml = domain_def_format(def, -1, true, false);
    domain_def_free(def);
    if (!xml)
        oom(err);
    return xml;
}

int fl_guest_save_image_define(const char *path, const char *xml, vw_virerror *err)
{
    domain_def *old = image_def(path, err);
    if (!old)
        return -1;
    vw_virerror e = {0};
    domain_def *def = domain_def_parse(xml, &e);
    int rc = -1;
    char what[600];
    snprintf(what, sizeof(what), "saving domain '%s' to '%s'", old->name, path);
    if (!def)
        vw_virerror_move(err, &e);
    else if (strcmp(def->name, old->name) != 0 || memcmp(def->uuid, old->uuid, 16) != 0)
        vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_DOMAIN, "invalid argument",
                           "cannot change domain name or uuid in the image");
    else {
        char *out = domain_def_format(def, -1, false, false);
        rc = out ? write_image(path, out, what, err) : -1;
        if (!out)
            oom(err);
        free(out);
    }
    domain_def_free(def);
    domain_def_free(old);
    return rc;
}

int fl_guest_managed_save(fl_model *m, fl_domain *d, vw_virerror *err)
{
    if (!fl_domain_is_active(d)) {
        not_running(err);
        return -1;
    }
    if (!d->persistent) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
                           "cannot do managed save for transient domain");
        return -1;
    }
    fl_domain_stopped(m, d, SHUTOFF_SAVED, STOPPED_SAVED);
    d->managed_save = true;
    return 0;
}

int fl_guest_core_dump(fl_model *m, fl_domain *d, const char *path, unsigned format,
                       unsigned flags, vw_virerror *err)
{
    if (!fl_domain_is_active(d)) {
        not_running(err);
        return -1;
    }
    char what[600];
    snprintf(what, sizeof(what), "domain '%s' coredump", d->def->name);
    if (write_image(path, NULL, what, err) < 0)
        return -1;
    if (format != 0 /* VIR_DOMAIN_CORE_DUMP_FORMAT_RAW */) {
        vw_virerror_report(err, 84 /* VIR_ERR_OPERATION_UNSUPPORTED */, VW_FROM_TEST,
                           "Operation not supported", "kdump-compressed format is not supported here");
        return -1;
    }
    if (flags & 1 /* VIR_DUMP_CRASH */)
        fl_domain_stopped(m, d, SHUTOFF_CRASHED, STOPPED_CRASHED);
    return 0;
}

/* ---- guest agent ------------------------------------------------------------------------- */

#define TEST_INITIAL_TIME 627319920LL /* the test driver's guest clock before any set */

int fl_guest_check_active(const fl_domain *d, vw_virerror *err)
{
    if (fl_domain_is_active(d))
        return 0;
    not_running(err);
    return -1;
}

/* 0 for "/", 1 for "/boot", else -1 with the test driver's error. */
static int mount_index(const char *mp, vw_virerror *err)
{
    if (strcmp(mp, "/") == 0)
        return 0;
    if (strcmp(mp, "/boot") == 0)
        return 1;
    vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                       "Requested operation is not valid",
                       "mount point not found: %s", mp);
    return -1;
}

int fl_guest_fs_freeze(fl_domain *d, char **mountpoints, unsigned count, bool freeze,
                       vw_virerror *err)
{
    if (fl_guest_check_active(d, err) < 0)
        return -1;
    bool next[2] = {count ? d->agent.frozen[0] : freeze, count ? d->agent.frozen[1] : freeze};
    for (unsigned i = 0; i < count; i++) {
        int at = mount_index(mountpoints[i], err);
        if (at < 0)
            return -1;
        next[at] = freeze;
    }
    int changed = (next[0] != d->agent.frozen[0]) + (next[1] != d->agent.frozen[1]);
    d->agent.frozen[0] = next[0];
    d->agent.frozen[1] = next[1];
    return changed;
}

int fl_guest_fs_trim(fl_domain *d, const char *mountpoint, vw_virerror *err)
{
    if (fl_guest_check_active(d, err) < 0)
        return -1;
    return mountpoint && mount_index(mountpoint, err) < 0 ? -1 : 0;
}

int fl_guest_fs_info(fl_domain *d, const char **dev, vw_virerror *err)
{
    if (fl_guest_check_active(d, err) < 0)
        return -1;
    for (const xml_node *n = d->def->devices ? d->def->devices->children : NULL; n; n = n->next) {
        const char *device = xml_tree_attr(n, "device");
        const xml_node *target = xml_tree_child(n, "target");
        if (strcmp(n->name, "disk") != 0 || (device && strcmp(device, "disk") != 0) ||
            !target || !xml_tree_attr(target, "dev"))
            continue;
        *dev = xml_tree_attr(target, "dev");
        return 2;
    }
    return 0;
}

int fl_guest_get_time(fl_domain *d, long long *seconds, unsigned *nseconds, vw_virerror *err)
{
    if (!fl_domain_is_active(d)) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid", "domain is not running");
        return -1;
    }
    *seconds = d->agent.time_set ? d->agent.seconds : TEST_INITIAL_TIME;
    *nseconds = d->agent.time_set ? d->agent.nseconds : 0;
    return 0;
}

int fl_guest_set_time(fl_domain *d, long long seconds, unsigned nseconds, vw_virerror *err)
{
    if (fl_guest_check_active(d, err) < 0)
        return -1;
    d->agent.time_set = true;
    d->agent.seconds = seconds;
    d->agent.nseconds = nseconds;
    return 0;
}

static const char *const lifecycle_types[] = {"poweroff", "reboot", "crash"};
static const char *const lifecycle_actions[] = {"destroy", "restart", "rename-restart",
                                                "preserve", "coredump-destroy",
                                                "coredump-restart"};

static int set_action(domain_def *def, unsigned type, unsigned action, vw_virerror *err)
{
    char **slot = type == 0 ? &def->on_poweroff : type == 1 ? &def->on_reboot : &def->on_crash;
    char *copy = strdup(lifecycle_actions[action]);
    if (!copy) {
        oom(err);
        return -1;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

int fl_guest_check_lifecycle(unsigned type, unsigned action, vw_virerror *err)
{
    if (type <= 2 && action <= 5)
        return 0;
    vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_DOMAIN, "invalid argument",
                       "invalid lifecycle %s '%u'", type > 2 ? "type" : "action",
                       type > 2 ? type : action);
    return -1;
}

int fl_guest_set_lifecycle_action(fl_domain *d, unsigned type, unsigned action,
                                  unsigned flags, vw_virerror *err)
{
    domain_def *live, *config;
    if (fl_guest_check_lifecycle(type, action, err) < 0 ||
        pick_defs(d, flags, true, &live, &config, err) < 0)
        return -1;
    if (type != 2 && action >= 4) {
        vw_virerror_report(err, VW_ERR_CONFIG_UNSUPPORTED, VW_FROM_DOMAIN,
                           "unsupported configuration",
                           "Lifecycle event '%s' doesn't support '%s' action", lifecycle_types[type],
                           lifecycle_actions[action]);
        return -1;
    }
    if (live && set_action(live, type, action, err) < 0)
        return -1;
    return config ? set_action(config, type, action, err) : 0;
}

/* ---- interface addresses ---------------------------------------------------------------- */

/* virSocketAddrGetIPPrefix: the prefix, else the netmask's bits, else the class default. */
static unsigned ip_prefix(const xml_node *ip, bool v6, const struct in_addr *addr)
{
    const char *prefix = xml_tree_attr(ip, "prefix"), *mask = xml_tree_attr(ip, "netmask");
    struct in_addr m;
    if (prefix && atoi(prefix) > 0)
        return (unsigned)atoi(prefix);
    if (mask && inet_pton(AF_INET, mask, &m) == 1)
        return (unsigned)__builtin_popcount(m.s_addr);
    if (v6)
        return 64;
    uint32_t a = ntohl(addr->s_addr);
    return (a >> 31) == 0 ? 8 : (a >> 30) == 2 ? 16 : (a >> 29) == 6 ? 24 : 0;
}

/* The address on network net_name for the interface at offset. */
static int network_address(fl_model *m, const char *net_name, unsigned offset,
                           fl_guest_iface *out, vw_virerror *err)
{
    fl_object *net = fl_object_lookup_name(m, FL_OBJ_NETWORK, net_name, err);
    if (!net)
        return -1;
    xml_node *root = net->xml ? xml_tree_parse(net->xml, strlen(net->xml), NULL) : NULL;
    const xml_node *ip = root ? xml_tree_child(root, "ip") : NULL;
    const xml_node *dhcp = ip ? xml_tree_child(ip, "dhcp") : NULL;
    const xml_node *range = dhcp ? xml_tree_child(dhcp, "range") : NULL;
    const char *base = range && xml_tree_attr(range, "start") ? xml_tree_attr(range, "start")
                       : ip ? xml_tree_attr(ip, "address") : NULL;
    const char *family = ip ? xml_tree_attr(ip, "family") : NULL;
    bool v6 = family && strcmp(family, "ipv6") == 0;
    unsigned char bytes[16];
    int rc = -1;
    if (base && inet_pton(v6 ? AF_INET6 : AF_INET, base, bytes) == 1) {
        struct in_addr a4;
        memcpy(&a4, bytes, 4);
        out->prefix = ip_prefix(ip, v6, &a4);
        out->type = v6 ? 1 : 0;
        if (v6)
            bytes[15] = (unsigned char)(bytes[15] + offset);
        else
            a4.s_addr = htonl(ntohl(a4.s_addr) + offset);
        rc = inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (void *)bytes : (void *)&a4, out->addr,
                       sizeof(out->addr)) ? 0 : -1;
    }
    if (rc < 0)
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "network '%s' has no IP address", net_name);
    xml_tree_free(root);
    return rc;
}

fl_guest_iface *fl_guest_interface_addresses(fl_model *m, fl_domain *d, int max, int *count,
                                             vw_virerror *err)
{
    *count = -1;
    if (fl_guest_check_active(d, err) < 0)
        return NULL;
    const xml_node *devs = d->def->devices ? d->def->devices->children : NULL;
    int n = 0;
    for (const xml_node *x = devs; x; x = x->next)
        n += strcmp(x->name, "interface") == 0;
    if (n > max) { /* libvirtd's remoteSerializeDomainInterface */
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "Number of interfaces, %d exceeds the max limit: %d", n, max);
        return NULL;
    }
    fl_guest_iface *out = n ? calloc((size_t)n, sizeof(*out)) : NULL;
    if (n && !out) {
        oom(err);
        return NULL;
    }
    int i = 0;
    for (const xml_node *x = devs; x; x = x->next) {
        if (strcmp(x->name, "interface") != 0)
            continue;
        const xml_node *target = xml_tree_child(x, "target"), *mac = xml_tree_child(x, "mac");
        const xml_node *src = xml_tree_child(x, "source");
        const char *type = xml_tree_attr(x, "type");
        fl_guest_iface *f = &out[i];
        f->name = target && xml_tree_attr(target, "dev") ? xml_tree_attr(target, "dev") : "";
        f->hwaddr = mac ? xml_tree_attr(mac, "address") : NULL;
        if (type && strcmp(type, "network") == 0) {
            unsigned offset = 20u * (unsigned)(d->id - 1) + (unsigned)i + 1;
            if (network_address(m, src && xml_tree_attr(src, "network") ?
                                xml_tree_attr(src, "network") : "", offset, f, err) < 0) {
                free(out);
                return NULL;
            }
        } else {
            f->prefix = 24;
            snprintf(f->addr, sizeof(f->addr), "192.168.0.%d", i + 1);
        }
        i++;
    }
    *count = n;
    return out;
}
