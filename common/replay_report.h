/* replay_report.h: the one replay report of fake-libvirtd --replay and fake-qemu --replay
 * (--replay-report FILE, docs/replay.md#the-report).
 *
 * Owns: what each served connection did (calls matched, unmatched, recorded calls never used,
 * with the first VW_REPLAY_REPORT_LIST_MAX of each named), the recorded connections no client
 * was served from, the run's totals, and the JSON file: written whole to FILE.tmp and renamed
 * over FILE, so a reader never sees half a report. The file is written at start-up (so a path
 * that cannot be written is refused then), after every connection that ends and at exit.
 * How one call is named is the adapter's (a libvirt procedure and serial, a QMP command).
 */
#ifndef VW_REPLAY_REPORT_H
#define VW_REPLAY_REPORT_H

#include <stddef.h>

#include <jansson.h>

#define VW_REPLAY_REPORT_LIST_MAX 100   /* calls named per list and connection */

typedef struct vw_replay_report vw_replay_report;

typedef struct vw_replay_counts {
    unsigned long matched, unmatched, never_used;
} vw_replay_counts;

typedef struct vw_replay_report_setup {
    const char *path;           /* NULL: counts only, no file */
    const char *trace;
    const char *protocol;       /* "libvirt", "qmp" */
    const char *match;          /* "strict", "unordered" */
    const char *on_unmatched;   /* "error", "close" */
    const char *pick;           /* "next", "match" */
    size_t recorded_connections;
} vw_replay_report_setup;

/* Writes the empty report at once when setup->path is set. NULL with a sentence in err. */
vw_replay_report *vw_replay_report_new(const vw_replay_report_setup *setup, char *err,
                                       size_t errlen);
void vw_replay_report_free(vw_replay_report *r);

/* A live connection starts: client is its number, recorded_conn the recorded connection it is
 * served from (< 0: none was left). Returns its index, or (size_t)-1 when out of memory (the
 * calls below ignore that index). */
size_t vw_replay_report_conn(vw_replay_report *r, unsigned long long client,
                             long long recorded_conn);
/* The connection moved to another recorded connection (fake-libvirtd's --replay-pick match). */
void vw_replay_report_set_recorded(vw_replay_report *r, size_t conn, long long recorded_conn);
void vw_replay_report_matched(vw_replay_report *r, size_t conn);
/* call (a JSON object naming the live call; stolen) matched nothing. */
void vw_replay_report_unmatched(vw_replay_report *r, size_t conn, json_t *call);
/* call (naming a recorded call; stolen) was never used by the connection. */
void vw_replay_report_never_used(vw_replay_report *r, size_t conn, json_t *call);
/* The recorded connections nobody was served from: cleared, then each one with its calls. */
void vw_replay_report_clear_never_served(vw_replay_report *r);
void vw_replay_report_never_served(vw_replay_report *r, unsigned long long recorded_conn,
                                   size_t calls);
/* One connection's counts, or the run's with conn (size_t)-1. */
vw_replay_counts vw_replay_report_counts(const vw_replay_report *r, size_t conn);
/* Writes the file (nothing without a path). Returns 0, or -1 after printing
 * "WHO: cannot write the report FILE: reason". */
int vw_replay_report_write(vw_replay_report *r, const char *who);

#endif
