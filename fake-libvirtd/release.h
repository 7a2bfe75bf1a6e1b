/* release.h: the libvirt releases whose test driver fake-libvirtd models (--libvirt-version).
 *
 * Per procedure, what changes between releases is data in proto/procedures.list (since=: the
 * first modelled release whose libvirtd defines the number; test=: the first whose test driver
 * implements it), read through vw_proc_info. Everything else a release changes is one row of
 * the release table in release.c. The selection is process-wide and made once, before the
 * server starts (main.c); the default is the host's 9.0.0.
 */
#ifndef FL_RELEASE_H
#define FL_RELEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "procs.h"

typedef struct fl_release {
    const char *name;           /* "11.3.0" */
    unsigned long version;      /* 11003000: CONNECT_GET_LIB_VERSION's answer */
    const char *measured_on;    /* the conformance container measured: "Debian trixie
                                 * (libvirt 11.3.0-3+deb13u3)" */
    bool caps_cluster_id;       /* the capabilities' host <cpu/> elements carry cluster_id */
    unsigned long features;     /* bit N: CONNECT_SUPPORTS_FEATURE answers 1 for feature N on
                                 * a test:/// connection (VIR_DRV_FEATURE_PROGRAM_KEEPALIVE,
                                 * 10, is libvirtd's own and always 1) */
    unsigned cpu_models_bit;    /* its bit in release_cpu_models.c's rows (FL_RELEASE_BIT) */
    unsigned node_cpu_stats;    /* NODE_GET_CPU_STATS's fields: user, kernel, idle, iowait
                                 * (4), then guest (5) */
    bool free_pages_counted;    /* NODE_GET_FREE_PAGES answers counts (else the test driver's
                                 * "returned error but did not set virError") */
    bool vol_empty_source;      /* a file volume's XML has an empty <source>\n  </source> */
    bool net_ip_self_closed;    /* an empty network <ip/> is self-closed (else <ip ...>\n
                                 * </ip>) */
    bool open_missing_is_system_error;  /* test:///missing.xml: "Failed to open file ..." (code
                                 * 38, VIR_FROM_NONE), else libxml2's "failed to parse xml
                                 * document" (code 27, VIR_FROM_TEST) */
    bool cpu_riscv64;           /* libvirt has a riscv64 CPU driver (without a baseline) */
    bool net_dns_modify;        /* NETWORK_UPDATE modifies DNS host (by address) and TXT (by
                                 * name) records; else refused as for SRV records */
    bool net_dns_add_by_name;   /* adding a DNS host refuses one whose hostname is in use, not
                                 * only its address */
} fl_release;

#define FL_RELEASE_BIT(i) (1u << (i))

/* The modelled releases, oldest first; n gets their count. */
const fl_release *fl_release_all(size_t *n);

/* The selected release (9.0.0 until fl_release_select picks another). */
const fl_release *fl_release_current(void);

/* Selects the release named by text: "X.Y.Z" or "X.Y" of a modelled release. Any other text
 * is refused (-1, a message naming the modelled ones in err). */
int fl_release_select(const char *text, char *err, size_t errlen);

/* Does CONNECT_SUPPORTS_FEATURE answer 1 for this feature on a test:/// connection? */
bool fl_release_has_feature(unsigned feature);

/* Does the selected release's libvirtd define this procedure (else: "unknown procedure")? */
bool fl_release_defines(const vw_proc_info *info);

/* Does the selected release's test driver implement it (else: VIR_ERR_NO_SUPPORT)? */
bool fl_release_implements(const vw_proc_info *info);

/* CONNECT_GET_CPU_MODEL_NAMES of the selected release, x86 or ppc64 (release_cpu_models.c);
 * the array stays valid until the next call. */
const char *const *fl_release_cpu_models(bool ppc64, size_t *count);

/* The default capabilities XML of the selected release, from 9.0.0's (a new string the
 * caller frees; NULL when out of memory). */
char *fl_release_capabilities(const char *caps_9_0);

#endif
