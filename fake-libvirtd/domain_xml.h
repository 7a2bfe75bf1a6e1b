/* domain_xml.h: libvirt domain XML <-> domain_def.
 *
 * The parser reads what the model needs (type, name, uuid, title, description, memory,
 * currentMemory, vcpu, os, features, cpu, clock, on_* actions) and keeps <devices> as given; the
 * writer formats the definition the way libvirt 9.0's test driver prints it (element order,
 * defaults such as <boot dev='hd'/> and <clock offset='utc'/>, canonical order of the common
 * device elements). Parse errors carry libvirt's error code, domain and message.
 */
#ifndef FL_DOMAIN_XML_H
#define FL_DOMAIN_XML_H

#include <stdbool.h>

#include "virerror.h"
#include "xml_tree.h"

typedef struct {
    char *virt_type;              /* <domain type=...> */
    char *name;
    unsigned char uuid[16];
    bool has_uuid;                /* false: the model generates one */
    char *title, *description;
    xml_node *metadata;           /* <metadata> (domain_metadata.h); NULL = none */
    unsigned long long memory_kib, current_kib;
    unsigned vcpus, vcpus_current; /* current 0 = same as vcpus */
    unsigned *iothreads;          /* <iothreadids>' ids in order, niothreads of them */
    unsigned niothreads;
    struct fl_cputune *cputune;   /* <cputune> pins (cputune.h), NULL = none */
    unsigned long long memtune[3];/* <memtune> hard, soft, swap hard limit in KiB; unset:
                                   * DOMAIN_MEMTUNE_UNLIMITED */
    xml_node *blkiotune, *numatune, *perf; /* as given or set (tuning.h); NULL = none */
    char *os_type, *arch, *machine;
    xml_node *os_extra;           /* other <os> children (kernel, loader, ...) as given */
    char *boot[4];
    int nboot;
    xml_node *features, *cpu;     /* as given */
    char *clock_offset;
    char *on_poweroff, *on_reboot, *on_crash;
    xml_node *devices;            /* <devices> as given (after canonical ordering) */
} domain_def;

#define DOMAIN_MEMTUNE_UNLIMITED 9007199254740991ULL /* VIR_DOMAIN_MEMORY_PARAM_UNLIMITED */

/* NULL with err filled as libvirt reports the problem (code, domain, message shape). */
domain_def *domain_def_parse(const char *xml, vw_virerror *err);
void domain_def_free(domain_def *def);

/* Whether the definition has IOThread id; adds one at the end (0 or -1, memory); removes one
 * (false when it has none). */
bool domain_def_has_iothread(const domain_def *def, unsigned id);
bool domain_def_del_iothread(domain_def *def, unsigned id);
int domain_def_add_iothread(domain_def *def, unsigned id);

/* Assigns <target dev='testnetN'/> to interfaces that have none, as the test driver does. */
void domain_def_assign_ifnames(domain_def *def);

/* The emulator path from <devices><emulator>, or NULL. */
const char *domain_def_emulator(const domain_def *def);

/* Formats the XML. id >= 0 adds id='N' (unless inactive); drop_ifnames leaves out the
 * generated testnetN interface names. Returns a malloc'd string or NULL on allocation failure. */
char *domain_def_format(const domain_def *def, int id, bool inactive, bool drop_ifnames);

#endif
