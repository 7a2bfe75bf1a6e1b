/* stub_answer.h: what every protocol's stub answer has in common (docs/scenario-format.md),
 * compiled once here; the fakes' compile_answer (common/scenario.h's vw_scenario_ops) are thin
 * adapters around it: fake-libvirtd/stub_answers.c (reply payloads, libvirt errors, lifecycle
 * events), fake-qemu/stubs.c (return values, QMP errors, QMP events).
 *
 * Owns: the members every answer may have (delay_ms, close, fallthrough, raw bytes in two
 * spellings), the rule that a reply, an error and fallthrough exclude each other, the rule that
 * an answer says what to answer, and the reference count of a compiled answer. Each protocol
 * names its members (vw_stub_answer_form) and embeds vw_stub_answer first in its own answer.
 */
#ifndef VW_STUB_ANSWER_H
#define VW_STUB_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef struct vw_stub_answer {
    int refs;
    long delay_ms;                /* 0: answer at once */
    uint8_t *raw;                 /* bytes sent as they are after the answer, or NULL */
    size_t raw_len;
    bool close, fallthrough;
} vw_stub_answer;

/* How a member spells bytes: base64, hex byte pairs, or the string's own bytes. */
typedef enum { VW_BYTES_B64, VW_BYTES_HEX, VW_BYTES_TEXT } vw_bytes_form;

typedef struct {
    const char *key;
    vw_bytes_form form;
} vw_bytes_key;

/* One protocol's answer members. */
typedef struct vw_stub_answer_form {
    const char *const *allowed;   /* every member of the answer object (NULL-terminated) */
    const char *const *bools;     /* the boolean ones */
    const char *reply_key;        /* the reply member: "reply" (libvirt), "return" (QMP) */
    vw_bytes_key raw[2];          /* the two spellings of raw bytes, as messages name them */
    size_t raw_max;               /* the longest raw bytes */
    const char *say_what;         /* the answers, listed in the "say what to answer" message */
} vw_stub_answer_form;

/* The first step of compiling the answer object ans (path names it in messages): a zeroed
 * answer of size bytes (the protocol's struct, vw_stub_answer first) with one reference; the
 * members and booleans are checked (vw_scenario_check_answer), delay_ms, close and fallthrough
 * read, and the reply, "error" and fallthrough checked to exclude each other. Returns it, or
 * NULL with err filled (nothing allocated). */
void *vw_stub_answer_new(size_t size, const json_t *ans, const char *path,
                         const vw_stub_answer_form *f, char *err, size_t errlen);
/* The protocol's function that drops one reference of its answer (scenario.h's free_answer). */
typedef void vw_stub_answer_unref_fn(void *answer);

/* The last step, after the protocol's own members: the raw bytes, and that the answer says
 * what to answer (a reply, an error, raw bytes, close or fallthrough). Returns a, or NULL with
 * err filled after dropping a through unref. */
void *vw_stub_answer_end(vw_stub_answer *a, const json_t *ans, const char *path,
                         const vw_stub_answer_form *f, vw_stub_answer_unref_fn *unref, char *err,
                         size_t errlen);
/* An adapter's own member failed: drops a through unref; NULL, with "PATH: out of memory" in
 * err when the adapter left it empty. */
void *vw_stub_answer_drop(vw_stub_answer *a, const char *path, vw_stub_answer_unref_fn *unref,
                          char *err, size_t errlen);
/* Drops one reference; true when it was the last: a's raw bytes are freed, the adapter frees
 * the rest of its answer. */
bool vw_stub_answer_unref(vw_stub_answer *a);

/* Bytes given as one of two members of obj (keys[0] or keys[1], not both): *found says whether
 * either is there; *out (malloc'd) and *len the bytes, at most max for base64. Returns 0, or
 * -1 with err filled. */
int vw_json_bytes_member(const json_t *obj, const vw_bytes_key keys[2], size_t max,
                         const char *path, uint8_t **out, size_t *len, bool *found, char *err,
                         size_t errlen);

#endif
