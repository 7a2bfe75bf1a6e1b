/* cpu_x86.h: the baseline of x86 CPUs as libvirt 9.0's x86 CPU driver computes it for the test
 * driver's CONNECT_BASELINE_CPU, from the host's libvirt CPU map (/usr/share/libvirt/cpu_map):
 * every CPU's model and features as CPUID and MSR bits, their intersection, and the map's
 * model that describes it with the fewest added and removed features (the CPUs' own model when
 * they all share it). Vendor checks and errors as libvirt words them.
 */
#ifndef FL_CPU_X86_H
#define FL_CPU_X86_H

#include <stdbool.h>
#include <stddef.h>

#include "virerror.h"
#include "xml_tree.h"

/* The baseline <cpu> document of the n parsed <cpu> elements (already checked for arch, model
 * and feature names), EXPAND_FEATURES when expand is set; NULL with err. */
char *fl_cpu_x86_baseline(xml_node *const *cpus, size_t n, bool expand, vw_virerror *err);

#endif
