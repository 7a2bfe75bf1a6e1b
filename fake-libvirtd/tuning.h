/* tuning.h: a domain definition's tuning that lives in its XML — <blkiotune>, <numatune>,
 * <perf>, a disk's <iotune> and an interface's <bandwidth> — read as the typed parameters of the
 * getters and changed by the setters, with the checks and error texts of libvirt 9.0's test
 * driver (observed on test:///default). A setter rebuilds the element from the merged values and
 * replaces it in the definition, so the XML, the getters and the copies between the live and
 * the persistent definition (which go through the XML) all agree.
 *
 * Every function takes a list already checked for names and types (fl_tparams_validate) and
 * returns 0, or -1 with err filled and the definition unchanged.
 */
#ifndef FL_TUNING_H
#define FL_TUNING_H

#include "domain_xml.h"
#include "model.h"
#include "typed_params.h"

/* The field names and types each setter accepts (virTypedParamsValidate lists). */
extern const fl_tparam_spec fl_blkio_fields[], fl_numa_fields[], fl_iface_fields[],
    fl_iotune_fields[], fl_perf_fields[];
extern const unsigned fl_blkio_nfields, fl_numa_nfields, fl_iface_nfields, fl_iotune_nfields,
    fl_perf_nfields;

/* ---- read side: the getters' full lists, in libvirt's order; dev: an interface (by MAC
 * address or target name) or a disk (by target or source path) that exists, for the two
 * per-device lists, ignored by the others ---- */
void fl_tuning_blkio(fl_tparams *p, const domain_def *def, const char *dev);
void fl_tuning_numa(fl_tparams *p, const domain_def *def, const char *dev);
void fl_tuning_perf(fl_tparams *p, const domain_def *def, const char *dev);
void fl_tuning_iface(fl_tparams *p, const domain_def *def, const char *dev);
void fl_tuning_iotune(fl_tparams *p, const domain_def *def, const char *dev);

/* The device node of dev (as above), or NULL. */
xml_node *fl_tuning_find_iface(const domain_def *def, const char *dev);
xml_node *fl_tuning_find_disk(const domain_def *def, const char *disk);

/* ---- write side: one shape for all (live: def is the running definition, which only
 * numatune's mode rule looks at; dev as above, for the two per-device setters) ---- */
typedef int fl_tuning_setter(domain_def *def, bool live, const char *dev, const vw_typed_param *p,
                             unsigned n, vw_virerror *err);
fl_tuning_setter fl_tuning_set_blkio, fl_tuning_set_numa, fl_tuning_set_perf, fl_tuning_set_iface,
    fl_tuning_set_iotune;

/* <memballoon>'s <stats period='N'/> (removed for 0); "No memory balloon device configured"
 * without a balloon (or with model 'none'). */
int fl_tuning_set_stats_period(domain_def *def, int period, vw_virerror *err);

#endif
