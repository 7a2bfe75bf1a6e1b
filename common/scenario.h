/* scenario.h: scenario files and stubs, protocol-neutral: parsing (with a JSON path and a reason
 * for every mistake), matching a call against the stubs (priorities, subset matching of decoded
 * arguments, raw-byte matching), WireMock-style scenario states, counters ("times", "on_call"),
 * a probability drawn from a seeded generator, and the journal of received calls.
 *
 * The protocol-specific parts are given by the caller in vw_scenario_ops: how a procedure or
 * command name is canonicalised, and how the "answer" of a stub is checked and compiled (the
 * compiled answer is an opaque pointer the scenario keeps and frees). fake-libvirtd/stubs.c and
 * fake-qemu/stubs.c are the two users. docs/scenario-format.md is the file format.
 *
 * Not thread-safe; the servers are single-threaded.
 */
#ifndef VW_SCENARIO_H
#define VW_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vw_error.h"

#define VW_SCENARIO_MAX_STUBS    4096
#define VW_SCENARIO_JOURNAL_MAX  10000    /* entries kept; the counts go on */
/* The journal is bounded by construction: an entry keeps at most VW_SCENARIO_JOURNAL_ARGS_MAX
 * bytes of raw arguments and about as many of decoded arguments (the rest is cut and the entry
 * says "truncated"), names are cut at VW_SCENARIO_JOURNAL_NAME_MAX, and the oldest entries go
 * once all entries together would cost more than VW_SCENARIO_JOURNAL_BYTES_MAX. */
#define VW_SCENARIO_JOURNAL_ARGS_MAX  (32u << 10)
#define VW_SCENARIO_JOURNAL_NAME_MAX  256
#define VW_SCENARIO_JOURNAL_BYTES_MAX (32u << 20)
/* The key of the journal's counts for every call whose procedure or command the fake does not
 * know (vw_call.unknown), so that a peer sending many distinct numbers adds one key, not many. */
#define VW_SCENARIO_UNKNOWN_KEY "(unknown)"
#define VW_SCENARIO_FILE_MAX     (16u << 20)
#define VW_SCENARIO_DEFAULT_PRIORITY 5

typedef struct vw_scenario vw_scenario;

/* One received call, as the matcher sees it. */
typedef struct vw_call {
    const char *program;      /* "REMOTE", "QEMU" (libvirt); NULL for QMP */
    const char *name;         /* "DOMAIN_LOOKUP_BY_NAME", "query-status", "PROC_999" */
    int number;               /* procedure number, -1 for QMP */
    const json_t *args;       /* decoded arguments (NULL when not decodable) */
    const uint8_t *raw;       /* raw argument bytes (libvirt payload), may be NULL */
    size_t raw_len;
    uint64_t conn_id;
    bool unknown;             /* not a procedure / command of the protocol's table: counted
                               * under VW_SCENARIO_UNKNOWN_KEY */
} vw_call;

typedef struct vw_scenario_ops {
    const char *protocol;     /* "libvirt" or "qmp": a file's "protocol" member must agree */
    const char *name_key;     /* "procedure" or "command" */
    const char *args_key;     /* "args" or "arguments" */
    bool has_program;         /* libvirt: "program", "args_b64", "args_hex_prefix" allowed */
    /* Canonicalises a match's program/name (either may be NULL = any). name_in is a string or
     * an integer. Writes malloc'ed canonical strings (or NULL) into *program_out, *name_out.
     * Returns 0, or -1 with a reason in err. */
    int (*resolve)(void *opaque, const json_t *program_in, const json_t *name_in,
                   char **program_out, char **name_out, char *err, size_t errlen);
    /* Checks and compiles the "answer" object of a stub whose match names program/name (the
     * canonical strings, NULL when the stub matches any). path is the answer's JSON path for
     * messages. Returns the compiled answer, or NULL with a reason (that includes path) in err. */
    void *(*compile_answer)(void *opaque, const char *program, const char *name,
                            const json_t *answer, const char *path, char *err, size_t errlen);
    void (*free_answer)(void *answer);
    void *opaque;
} vw_scenario_ops;

/* What a matched stub tells the server to do. */
typedef struct vw_stub_hit {
    const char *stub_id;
    void *answer;             /* compiled by ops->compile_answer */
} vw_stub_hit;

vw_scenario *vw_scenario_new(const vw_scenario_ops *ops, uint64_t seed);
/* vw_scenario_new, then the scenario file (NULL: none) loaded and kept for vw_scenario_reset.
 * NULL with err filled (as vw_scenario_load_file does). */
vw_scenario *vw_scenario_open(const vw_scenario_ops *ops, uint64_t seed, const char *file,
                              vw_error *err);
void vw_scenario_free(vw_scenario *s);

/* Loads a scenario file (stubs are added to those already there). Returns 0, or -1 with err
 * filled: source "--scenario PATH", the line/column for syntax errors, and the JSON path
 * ("$.stubs[2].match.procedure") and reason in the text for everything else (jansson keeps no
 * position of a parsed value). */
int vw_scenario_load_file(vw_scenario *s, const char *path, vw_error *err);
/* The same from a parsed document; origin is err's source. */
int vw_scenario_load_json(vw_scenario *s, const json_t *doc, const char *origin, vw_error *err);

/* Adds the stubs of an array (all or none). ids (may be NULL) receives a new array of the ids
 * given to them. Returns 0 or -1 with err. */
int vw_scenario_add_stubs(vw_scenario *s, const json_t *stubs, const char *path, json_t **ids,
                          char *err, size_t errlen);
/* Removes a stub by id. Returns 0, or -1 if there is none. */
int vw_scenario_remove_stub(vw_scenario *s, const char *id);
void vw_scenario_clear_stubs(vw_scenario *s);
/* The stubs as JSON (their definitions plus "hits" and "answered"). New reference. */
json_t *vw_scenario_list_stubs(const vw_scenario *s);
size_t vw_scenario_stub_count(const vw_scenario *s);

/* The "faults" member of the loaded file(s), or NULL (borrowed). */
const json_t *vw_scenario_faults(const vw_scenario *s);

/* Records call in the journal, then finds the stub that answers it: the stub with the lowest
 * priority number (then the earliest added) whose match, scenario state, counters and
 * probability allow it. Applies its new_state. Returns 1 with *hit filled, 0 when no stub
 * answers (the call falls through to the server's normal mode). */
int vw_scenario_match(vw_scenario *s, const vw_call *call, vw_stub_hit *hit);

/* Scenario states. */
const char *vw_scenario_state(const vw_scenario *s, const char *scenario);
int vw_scenario_set_state(vw_scenario *s, const char *scenario, const char *state);
void vw_scenario_reset_states(vw_scenario *s);   /* every scenario back to "Started" */
void vw_scenario_reset_journal(vw_scenario *s);

/* The journal, filtered: filter may hold "procedure"/"command" (name), "program", "args"
 * (subset pattern), "conn", "limit" (last N entries). Returns
 * {"total": N, "kept": N, "dropped": N, "bytes": N, "matched": N, "counts": {name: n},
 *  "entries": [...], "last_args": ...}. */
json_t *vw_scenario_journal(const vw_scenario *s, const json_t *filter, char *err, size_t errlen);

/* Handles the protocol-neutral admin operations: ping, add_stubs, remove_stubs, list_stubs,
 * clear_stubs, journal, reset_journal, get_state, set_state, reset_states. Returns a new reply
 * object, or NULL when op is not one of them. */
json_t *vw_scenario_admin(vw_scenario *s, const char *op, const json_t *req);

/* Admin replies: {"ok": true}, and {"ok": false, "error": "..."}. New references. */
json_t *vw_admin_ok(void);
json_t *vw_admin_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The scenario's part of the servers' "reset": no stubs, every scenario state back to
 * "Started", the journal emptied, then vw_scenario_open's file (if any) loaded again. Returns 0,
 * or -1 with the reason in err. */
int vw_scenario_reset(vw_scenario *s, char *err, size_t errlen);

/* "set_faults": hands the request's "faults" member to the server's hook, which returns 0 or -1
 * with a reason; fn NULL = fault injection is not built into the server. Returns the reply. */
typedef int vw_scenario_faults_fn(void *opaque, const json_t *faults, char *err, size_t errlen);
json_t *vw_scenario_admin_set_faults(const json_t *req, vw_scenario_faults_fn *fn, void *opaque);

/* The seeded generator: a number in [0, 1). */
double vw_scenario_random(vw_scenario *s);

/* Subset match: every member of pattern is in value with a matching value (recursively; arrays
 * match element by element and must have the same length). A pattern object with one member
 * "$contains" (substring), "$regex" (POSIX extended), "$exists" (bool), "$any" matches as named.
 * Integers and reals compare by value. */
bool vw_json_subset_match(const json_t *pattern, const json_t *value);

/* Helpers for the protocol modules. */
/* What every protocol checks alike in a stub's answer (path names it): only the members in
 * allowed, the booleans named in bools are true or false (both lists NULL-terminated), "events"
 * (if given) is an array of at most 1000, and "delay_ms" is 0 to 3600000 (*delay_ms, 0 when
 * absent). Returns 0, or -1 with the reason in err. */
int vw_scenario_check_answer(const json_t *ans, const char *path, const char *const *allowed,
                             const char *const *bools, long *delay_ms, char *err, size_t errlen);
/* Appends "path.key" / "path[i]" into out. */
void vw_json_path(char *out, size_t outlen, const char *base, const char *key, long index);
/* Checks that obj has only members named in allowed (NULL-terminated). Returns 0, or -1 with
 * "PATH: unknown member 'x' (expected one of: ...)" in err. */
int vw_json_check_members(const json_t *obj, const char *const *allowed, const char *path,
                          char *err, size_t errlen);
/* The same, after checking that obj is an object at all ("PATH: expected EXPECTED" if not). */
int vw_json_check_object(const json_t *obj, const char *const *allowed, const char *path,
                         const char *expected, char *err, size_t errlen);

#endif
