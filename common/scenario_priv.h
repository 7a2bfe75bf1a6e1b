/* scenario_priv.h: the scenario engine's insides, shared by its files and no one else:
 *   scenario.c          the object, scenario states and matching a call against the stubs
 *   scenario_load.c     parsing stub definitions and scenario files (add, remove, list, load)
 *   scenario_journal.c  the call journal (recording calls, the admin query)
 *   scenario_admin.c    the admin operations on a scenario
 *   json_check.c        the JSON member checks and subset matching every loader uses
 */
#ifndef VW_SCENARIO_PRIV_H
#define VW_SCENARIO_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

#define STARTED "Started"

typedef struct stub {
    char *id;
    long priority;
    unsigned long order;          /* insertion order: earlier wins among equal priorities */
    char *program, *name;         /* canonical, NULL = any */
    json_t *args;                 /* subset pattern, NULL = any */
    uint8_t *raw;                 /* args_b64 (exact) or args_hex_prefix (prefix) */
    size_t raw_len;
    bool raw_prefix, has_raw;
    long conn;                    /* only this connection id (0 = any) */
    char *scenario, *requires_state, *new_state;
    long times;                   /* answer at most this many calls (0 = unlimited) */
    long on_call;                 /* start answering at the Nth matching call (0 = first) */
    double probability;           /* 1 = always */
    unsigned long hits;           /* calls that matched (pattern + state) */
    unsigned long answered;
    json_t *def;                  /* the definition as given (with its id), for list_stubs */
    void *answer;
} stub;

typedef struct state_entry {
    char *scenario, *state;
} state_entry;

typedef struct journal_entry {
    unsigned long long seq;
    long long time_ms;
    uint64_t conn;
    char *program, *name;
    int number;
    json_t *args;
    char *args_b64;
    char *stub_id;
    bool truncated;               /* args, args_b64 or the name were cut */
    size_t args_size;             /* the arguments' size as received */
    size_t bytes;                 /* what the entry costs (journal_entry_cost) */
} journal_entry;

struct vw_scenario {
    vw_scenario_ops ops;
    stub **stubs;
    size_t nstubs, cap;
    unsigned long next_order, next_auto_id;
    state_entry *states;
    size_t nstates;
    json_t *faults;
    uint64_t rng;
    journal_entry *journal;       /* ring of VW_SCENARIO_JOURNAL_MAX */
    size_t jstart, jlen;
    unsigned long long jseq;
    size_t jbytes;                /* sum of the kept entries' bytes */
    unsigned long long jdropped;  /* entries dropped for the count or byte limit since reset */
    json_t *counts;               /* name -> count, every call ever received */
    char *file;                   /* the scenario file vw_scenario_open loaded, or NULL */
};


/* snprintf into err (a plain-message holder: the caller adds the file position). */
void vw_scn_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* obj.key absent (0, *out untouched) or an integer from min to 1000000000 (0); -1 with err. */
int vw_scn_get_opt_count(const json_t *obj, const char *key, const char *path, long *out,
                         long min, char *err, size_t errlen);
void vw_scn_stub_free(const vw_scenario *s, stub *st);
void vw_scn_journal_entry_free(journal_entry *e);
/* Records call in the journal (dropping the oldest entries over the limits); *out is the new
 * entry or NULL when it could not be kept. */
void vw_scn_journal_add(vw_scenario *s, const vw_call *call, journal_entry **out);

#endif
