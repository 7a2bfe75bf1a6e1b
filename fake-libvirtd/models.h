/* models.h: the hypervisor models fake-libvirtd's connections open, and where they come from.
 *
 * Owns: reading the --state file once (and checking it at start-up), building a model from it
 * (or from the built-in default), the one shared test:///default model that is rebuilt when its
 * last connection closes, the one model for every other URI that lives as long as the daemon,
 * and the admin "reset" that rebuilds both in place. Nothing here knows about connections:
 * whoever holds model pointers is told of a rebuilt model through a callback.
 */
#ifndef FL_MODELS_H
#define FL_MODELS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "vw_error.h"

typedef struct fl_models fl_models;

/* Reads and checks state_file (NULL = built-in default). Returns NULL with err filled (source
 * "--state FILE" when the file cannot be read, FILE when its content is wrong). */
fl_models *fl_models_new(const char *state_file, vw_error *err);
void fl_models_free(fl_models *ms);

/* Every model built from now on reports its domain events to hook (events.h). */
void fl_models_set_event_hook(fl_models *ms, fl_event_hook *hook, void *opaque);

/* The model for a test:// URI (test) or any other; built on first use. NULL with err. */
fl_model *fl_models_open(fl_models *ms, bool test, vw_error *err);
/* One user of the test (or other) model is done with it. Returns true when that was the last
 * user of the test model, which is then freed: drop every reference to it (pointer compare
 * only). */
bool fl_models_release(fl_models *ms, bool test);

/* A rebuilt model takes old's place: every holder of old must hold fresh. */
typedef void fl_models_replace_fn(void *opaque, fl_model *old, fl_model *fresh);
/* Rebuilds every model from the start state (admin "reset"), keeping the other model when
 * keep_other (its domains have QEMU processes). Returns 0, 1 when the other model was kept,
 * -1 with err. */
int fl_models_reset(fl_models *ms, bool keep_other, fl_models_replace_fn *replace, void *opaque,
                    vw_error *err);

#endif
