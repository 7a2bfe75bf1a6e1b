/* virtc_util.c: what every virtc command uses (virtc_cmd.h): virsh's error messages, domain
 * lookup as virsh does it, state and reason names, the XML file reader and output helpers. */
#include "libvirt_client.h"
#include "virtc_cmd.h"
#include "virtc_table.h"
#include "vw_remote_protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vw_util.h"

/* Largest XML file define/create reads (virsh uses the same 10 MiB). */
#define XML_FILE_MAX (10 * 1024 * 1024)

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

int virtc_report(vw_virerror *err)
{
    virtc_error("%s", vw_virerror_message(err));
    vw_virerror_clear(err);
    return EXIT_LIBVIRT;
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
    vw_virerror err = {0};
    bool found = false;
    memset(dom, 0, sizeof(*dom));
    if (by & BY_ID) {
        char *end;
        errno = 0;
        long id = strtol(key, &end, 10);
        if (!errno && end != key && *end == '\0' && id >= 0 && id <= INT_MAX) {
            vw_virerror_clear(&err);
            found = vw_domain_lookup_by_id(c->conn, (int)id, dom, &err) == 0;
        }
    }
    unsigned char uuid[VW_UUID_BUFLEN];
    if (!found && (by & BY_UUID) && virtc_key_is_uuid(key, uuid)) {
        vw_virerror_clear(&err);
        found = vw_domain_lookup_by_uuid(c->conn, uuid, dom, &err) == 0;
    }
    if (!found && (by & BY_NAME)) {
        vw_virerror_clear(&err);
        found = vw_domain_lookup_by_name(c->conn, key, dom, &err) == 0;
    }
    if (found) {
        vw_virerror_clear(&err);
        return 0;
    }
    virtc_error("failed to get domain '%s'", key);
    /* virsh drops the lookup error; a dead connection or a timeout is worth saying, though */
    if (err.code != 0 && err.code != VW_ERR_NO_DOMAIN)
        virtc_error("%s", vw_virerror_message(&err));
    vw_virerror_clear(&err);
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

const char *virtc_state_text(int state)
{
    static const char *const names[] = {"no state", "running", "idle", "paused", "in shutdown",
                                        "shut off", "crashed", "pmsuspended"};
    if (state < 0 || state >= (int)(sizeof(names) / sizeof(names[0])))
        return "no state";
    return names[state];
}

const char *virtc_reason_text(int state, int reason)
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
int virtc_domain_order(const void *pa, const void *pb)
{
    const vw_client_domain *a = pa, *b = pb;
    if (a->id >= 0 && b->id >= 0)
        return (a->id > b->id) - (a->id < b->id);
    if (a->id < 0 && b->id < 0)
        return strcasecmp(a->name, b->name);
    return a->id >= 0 ? -1 : 1;
}

void virtc_fill_nonnull_domain(vw_nonnull_domain *out, const vw_client_domain *dom)
{
    out->name = dom->name;
    memcpy(out->uuid, dom->uuid, VW_UUID_BUFLEN);
    out->id = dom->id;
}
