/* typed_params.c: virTypedParameter lists, see typed_params.h. */
#include "typed_params.h"

#include <stdlib.h>
#include <string.h>

/* Appends one item with its field name copied; NULL (and p->failed) when memory runs out. */
static vw_typed_param *add(fl_tparams *p, const char *field, int type)
{
    if (p->failed)
        return NULL;
    if (p->count == p->cap) {
        unsigned cap = p->cap ? p->cap * 2 : 16;
        vw_typed_param *items = realloc(p->items, cap * sizeof(*items));
        if (!items) {
            p->failed = true;
            return NULL;
        }
        p->items = items;
        p->cap = cap;
    }
    char *name = strdup(field);
    if (!name) {
        p->failed = true;
        return NULL;
    }
    vw_typed_param *t = &p->items[p->count++];
    memset(t, 0, sizeof(*t));
    t->field = name;
    t->value.type = type;
    return t;
}

void fl_tparams_int(fl_tparams *p, const char *field, int v)
{
    vw_typed_param *t = add(p, field, VW_TYPED_PARAM_INT);
    if (t)
        t->value.vw_typed_param_value_u.i = v;
}

void fl_tparams_uint(fl_tparams *p, const char *field, unsigned v)
{
    vw_typed_param *t = add(p, field, VW_TYPED_PARAM_UINT);
    if (t)
        t->value.vw_typed_param_value_u.ui = v;
}

void fl_tparams_llong(fl_tparams *p, const char *field, long long v)
{
    vw_typed_param *t = add(p, field, VW_TYPED_PARAM_LLONG);
    if (t)
        t->value.vw_typed_param_value_u.l = v;
}

void fl_tparams_ullong(fl_tparams *p, const char *field, unsigned long long v)
{
    vw_typed_param *t = add(p, field, VW_TYPED_PARAM_ULLONG);
    if (t)
        t->value.vw_typed_param_value_u.ul = v;
}

void fl_tparams_double(fl_tparams *p, const char *field, double v)
{
    vw_typed_param *t = add(p, field, VW_TYPED_PARAM_DOUBLE);
    if (t)
        t->value.vw_typed_param_value_u.d = v;
}

void fl_tparams_boolean(fl_tparams *p, const char *field, bool v)
{
    vw_typed_param *t = add(p, field, VW_TYPED_PARAM_BOOLEAN);
    if (t)
        t->value.vw_typed_param_value_u.b = v ? 1 : 0;
}

void fl_tparams_string(fl_tparams *p, const char *field, const char *v)
{
    char *copy = p->failed ? NULL : strdup(v);
    if (!copy) {
        p->failed = true;
        return;
    }
    vw_typed_param *t = add(p, field, VW_TYPED_PARAM_STRING);
    if (!t) {
        free(copy);
        return;
    }
    t->value.vw_typed_param_value_u.s = copy;
}

void fl_tparams_free(fl_tparams *p)
{
    for (unsigned i = 0; i < p->count; i++) {
        free(p->items[i].field);
        if (p->items[i].value.type == VW_TYPED_PARAM_STRING)
            free(p->items[i].value.vw_typed_param_value_u.s);
    }
    free(p->items);
    memset(p, 0, sizeof(*p));
}

const vw_typed_param *fl_tparams_find(const vw_typed_param *items, unsigned count,
                                      const char *field)
{
    for (unsigned i = 0; i < count; i++)
        if (items[i].field && strcmp(items[i].field, field) == 0)
            return &items[i];
    return NULL;
}

static const char *const type_names[] = {"", "int", "uint", "llong", "ullong", "double",
                                         "boolean", "string"};

int fl_tparams_validate(const vw_typed_param *p, unsigned n, const fl_tparam_spec *specs,
                        unsigned nspecs, vw_virerror *err)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned f = 0;
        while (f < nspecs && strcmp(p[i].field, specs[f].field) != 0)
            f++;
        if (f == nspecs) {
            vw_virerror_report(err, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, VW_FROM_NONE,
                               "argument unsupported", "parameter '%s' not supported", p[i].field);
            return -1;
        }
        int t = p[i].value.type;
        if (t != specs[f].type) {
            vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_NONE, "invalid argument",
                               "invalid type '%s' for parameter '%s', expected '%s'",
                               t >= 1 && t <= 7 ? type_names[t] : "", p[i].field,
                               type_names[specs[f].type]);
            return -1;
        }
        for (unsigned j = 0; j < i; j++) {
            if (!strcmp(p[j].field, p[i].field)) {
                vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_NONE, "invalid argument",
                                   "parameter '%s' occurs multiple times", p[i].field);
                return -1;
            }
        }
    }
    return 0;
}
