/* typed_params.h: building and reading virTypedParameter lists (remote_typed_param) for the
 * handlers that answer or take them: tuning parameters, stats, migration. A list owns copies
 * of its field names and strings; its items can be handed to an XDR reply as they are.
 *
 *     fl_tparams p = {0};
 *     fl_tparams_ullong(&p, "cpu_shares", 1024);
 *     if (p.failed) ... out of memory, or more than the limit
 *     r.params.params_val = p.items; r.params.params_len = p.count;
 *     fl_conn_reply(...); fl_tparams_free(&p);
 */
#ifndef FL_TYPED_PARAMS_H
#define FL_TYPED_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "vw_remote_protocol.h"

typedef struct {
    vw_typed_param *items;
    unsigned count, cap;
    bool failed;          /* an allocation failed: the list is incomplete, reply an error */
} fl_tparams;

void fl_tparams_int(fl_tparams *p, const char *field, int v);
void fl_tparams_uint(fl_tparams *p, const char *field, unsigned v);
void fl_tparams_llong(fl_tparams *p, const char *field, long long v);
void fl_tparams_ullong(fl_tparams *p, const char *field, unsigned long long v);
void fl_tparams_double(fl_tparams *p, const char *field, double v);
void fl_tparams_boolean(fl_tparams *p, const char *field, bool v);
void fl_tparams_string(fl_tparams *p, const char *field, const char *v);
void fl_tparams_free(fl_tparams *p);

/* The parameter named field in a received list, or NULL. */
const vw_typed_param *fl_tparams_find(const vw_typed_param *items, unsigned count,
                                      const char *field);

/* A field a setter accepts and its VW_TYPED_PARAM_* type. */
typedef struct {
    const char *field;
    int type;
} fl_tparam_spec;

/* virTypedParamsValidate: every item names one of the nspecs fields, with its type, once.
 * 0, or -1 with libvirt's error in err. */
int fl_tparams_validate(const vw_typed_param *items, unsigned count, const fl_tparam_spec *specs,
                        unsigned nspecs, vw_virerror *err);

#endif
