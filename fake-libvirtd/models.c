/* models.c: the models connections open, and the --state file (see models.h). */
#include "models.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_util.h"
#include "state_file.h"

struct fl_models {
    char *state_text;             /* the --state file's content, NULL = built-in default */
    char *state_origin;
    fl_model *test_model;         /* shared by test:// connections */
    int test_refs;
    fl_model *other_model;        /* every other URI; lives as long as the daemon */
    fl_event_hook *event_hook;
    void *event_opaque;
};

#define FL_STATE_MAX (64u * 1024 * 1024)

static char *read_state(const char *path, vw_error *err)
{
    char why[256], source[sizeof(err->source)];
    char *text = vw_read_file(path, FL_STATE_MAX, NULL, why, sizeof(why));
    if (!text) {
        snprintf(source, sizeof(source), "--state %s", path);
        vw_error_set(err, source, 0, 0, 0, "%s", why);
    }
    return text;
}

static fl_model *build_model(fl_models *ms, vw_error *err)
{
    fl_model *m;
    if (ms->state_text)
        m = fl_state_parse(ms->state_text, ms->state_origin, err);
    else if (!(m = fl_model_new_default()))
        vw_error_set(err, NULL, 0, 0, 0, "out of memory while building the default state");
    if (m) {
        m->event_hook = ms->event_hook;
        m->event_opaque = ms->event_opaque;
    }
    return m;
}

fl_models *fl_models_new(const char *state_file, vw_error *err)
{
    fl_models *ms = calloc(1, sizeof(*ms));
    if (!ms) {
        vw_error_set(err, NULL, 0, 0, 0, "out of memory");
        return NULL;
    }
    if (!state_file)
        return ms;
    ms->state_text = read_state(state_file, err);
    ms->state_origin = strdup(state_file);
    if (!ms->state_text || !ms->state_origin) {
        if (ms->state_text)
            vw_error_set(err, NULL, 0, 0, 0, "out of memory");
        fl_models_free(ms);
        return NULL;
    }
    /* check it now so that a bad file is reported at start-up */
    fl_model *m = fl_state_parse(ms->state_text, ms->state_origin, err);
    if (!m) {
        fl_models_free(ms);
        return NULL;
    }
    fl_model_free(m);
    return ms;
}

void fl_models_free(fl_models *ms)
{
    if (!ms)
        return;
    fl_model_free(ms->test_model);
    fl_model_free(ms->other_model);
    free(ms->state_text);
    free(ms->state_origin);
    free(ms);
}

void fl_models_set_event_hook(fl_models *ms, fl_event_hook *hook, void *opaque)
{
    ms->event_hook = hook;
    ms->event_opaque = opaque;
}

fl_model *fl_models_open(fl_models *ms, bool test, vw_error *err)
{
    fl_model **slot = test ? &ms->test_model : &ms->other_model;
    if (!*slot && !(*slot = build_model(ms, err)))
        return NULL;
    if (test)
        ms->test_refs++;
    return *slot;
}

bool fl_models_release(fl_models *ms, bool test)
{
    if (!test || --ms->test_refs > 0)
        return false;
    /* test:///default: the state goes away with the last connection */
    fl_model_free(ms->test_model);
    ms->test_model = NULL;
    return true;
}

/* Rebuilds a model in place of *slot; the holders of the old one are told. */
static int replace_model(fl_models *ms, fl_model **slot, fl_models_replace_fn *replace,
                         void *opaque, vw_error *err)
{
    if (!*slot)
        return 0;
    fl_model *fresh = build_model(ms, err);
    if (!fresh)
        return -1;
    fl_model *old = *slot;
    replace(opaque, old, fresh);
    fl_model_free(old);
    *slot = fresh;
    return 0;
}

int fl_models_reset(fl_models *ms, bool keep_other, fl_models_replace_fn *replace, void *opaque,
                    vw_error *err)
{
    if (replace_model(ms, &ms->test_model, replace, opaque, err) < 0)
        return -1;
    if (keep_other)
        return 1;
    return replace_model(ms, &ms->other_model, replace, opaque, err);
}
