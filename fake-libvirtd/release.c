/* release.c: the table of modelled libvirt releases and the selection (release.h).
 *
 * Each row was measured against the release's own libvirtd (test driver) in the conformance
 * container named in it (conformance/images, docs/compatibility.md "Releases"): every
 * procedure number called with empty arguments, the version calls, the capabilities and
 * the default objects' XML, compared with 9.0.0's. */
#include "release.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(n) (1UL << (n))
/* FD_PASSING 8, TYPED_PARAM_STRING 9, REMOTE_EVENT_CALLBACK 14, REMOTE_CLOSE_CALLBACK 15, and
 * from 9.0 on NETWORK_UPDATE_HAS_CORRECT_ORDER 16 */
#define FEATURES_7 (F(8) | F(9) | F(14) | F(15))

/* Columns: name, version, where measured, capabilities' cluster_id, driver features, the bit
 * of its CPU models (release_cpu_models.c), NODE_GET_CPU_STATS fields, free pages counted, empty volume <source>,
 * self-closed network <ip/>, missing test:/// file as a system error, a riscv64 CPU driver,
 * DNS host and TXT records modified by NETWORK_UPDATE, a DNS host's name in use refusing an add
 * (each measured in the release's container, conformance/libvirt/test_families_update.py). */
static const fl_release releases[] = {
    {"7.0.0", 7000000, "Debian bullseye (libvirt 7.0.0-3+deb11u3)", false, FEATURES_7,
     FL_RELEASE_BIT(0), 4, false, true, false, false, false, false, true},
    {"9.0.0", 9000000, "Debian bookworm (libvirt 9.0.0-4+deb12u2)", false, FEATURES_7 | F(16),
     FL_RELEASE_BIT(1), 4, false, false, false, false, false, false, false},
    {"11.3.0", 11003000, "Debian trixie (libvirt 11.3.0-3+deb13u3)", true, FEATURES_7 | F(16),
     FL_RELEASE_BIT(2), 4, true, false, false, true, true, true, false},
    {"12.8.0", 12008000, "Debian sid (libvirt 12.8.0-1)", true, FEATURES_7 | F(16),
     FL_RELEASE_BIT(3), 5, true, false, true, true, true, true, false},
};

#define NRELEASES (sizeof(releases) / sizeof(releases[0]))

static const fl_release *current = &releases[1];

const fl_release *fl_release_all(size_t *n)
{
    *n = NRELEASES;
    return releases;
}

const fl_release *fl_release_current(void)
{
    return current;
}

int fl_release_select(const char *text, char *err, size_t errlen)
{
    unsigned major, minor, micro = 0;
    int used = 0;
    bool parsed = (sscanf(text, "%u.%u.%u%n", &major, &minor, &micro, &used) == 3 ||
                   sscanf(text, "%u.%u%n", &major, &minor, &used) == 2) &&
                  text[used] == '\0' && minor < 1000 && micro < 1000;
    if (parsed) {
        unsigned long v = major * 1000000UL + minor * 1000UL + micro;
        for (size_t i = 0; i < NRELEASES; i++) {
            if (releases[i].version == v) {
                current = &releases[i];
                return 0;
            }
        }
    }
    size_t off = (size_t)snprintf(err, errlen, "%s: %s; the modelled releases are",
                                  text, parsed ? "not a release fake-libvirtd models"
                                               : "expected a version X.Y.Z");
    for (size_t i = 0; i < NRELEASES && off < errlen; i++)
        off += (size_t)snprintf(err + off, errlen - off, "%s %s", i ? "," : "",
                                releases[i].name);
    return -1;
}

bool fl_release_has_feature(unsigned feature)
{
    return feature < 8 * sizeof(current->features) && (current->features & F(feature));
}

bool fl_release_defines(const vw_proc_info *info)
{
    return info->since <= current->version;
}

bool fl_release_implements(const vw_proc_info *info)
{
    return info->test_since <= current->version &&
           (info->test_until == 0 || current->version < info->test_until);
}

char *fl_release_capabilities(const char *caps)
{
    static const char anchor[] = " die_id='0'";
    static const char added[] = " cluster_id='0'";
    size_t n = 0;
    if (current->caps_cluster_id) {
        for (const char *p = strstr(caps, anchor); p; p = strstr(p + 1, anchor))
            n++;
    }
    char *out = malloc(strlen(caps) + n * strlen(added) + 1);
    if (!out)
        return NULL;
    char *w = out;
    const char *r = caps;
    for (const char *p; n > 0 && (p = strstr(r, anchor)); r = p + strlen(anchor)) {
        memcpy(w, r, (size_t)(p - r) + strlen(anchor));
        w += (p - r) + strlen(anchor);
        memcpy(w, added, strlen(added));
        w += strlen(added);
    }
    strcpy(w, r);
    return out;
}
