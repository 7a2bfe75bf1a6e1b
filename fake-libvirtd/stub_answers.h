/* stub_answers.h: a scenario stub's compiled answer (stub_answers.c): what fake-libvirtd sends
 * when a stub matches, built once from the scenario file through the engine's ops
 * (common/scenario.h: resolve, compile_answer, free_answer). stubs.c carries answers out. */
#ifndef FL_STUB_ANSWERS_H
#define FL_STUB_ANSWERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stub_answer.h"
#include "virerror.h"

typedef struct {
    char *dom_name;
    bool has_uuid, has_id;
    unsigned char uuid[16];
    int id;
    int event, detail;
} lv_event;

typedef struct {
    vw_stub_answer base;          /* delay, raw bytes, close, fallthrough (common/stub_answer.h) */
    bool has_reply;
    uint8_t *reply;
    size_t reply_len;
    bool has_error;
    vw_virerror error;      /* has_error: sent as it is; message NULL = "stubbed error" */
    lv_event *events;
    size_t nevents;
} lv_answer;

/* vw_scenario_ops.resolve: a stub's program and procedure (names or numbers) as the procedure
 * table's names; opaque unused. 0, or -1 with err filled. */
int fl_stub_resolve(void *opaque, const json_t *program_in, const json_t *name_in,
                    char **program_out, char **name_out, char *err, size_t errlen);
/* vw_scenario_ops.compile_answer: an lv_answer (one reference) from a stub's answer object;
 * NULL with err filled. */
void *fl_stub_compile_answer(void *opaque, const char *program, const char *name,
                             const json_t *ans, const char *path, char *err, size_t errlen);
/* vw_scenario_ops.free_answer: drops one reference of an lv_answer. */
void fl_stub_answer_unref(void *p);

#endif
