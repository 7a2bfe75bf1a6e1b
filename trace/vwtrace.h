/* vwtrace.h: what the parts of the vwtrace program share: the subcommand entry points (each
 * takes the arguments after the subcommand name, argv[0] being the subcommand), the exit
 * codes and the few helpers of every subcommand that reads traces. One file per subcommand
 * family: vwtrace.c main, show and pcap; diff.c diff; import.c import-replies; record.c the
 * recording proxy's client side on the event loop (the proxy itself is
 * common/record_proxy.h). */
#ifndef VWTRACE_H
#define VWTRACE_H

#include "trace.h"

#include "vw_version.h"   /* VW_VERSION, generated from the Makefile's VERSION */

#define VWTRACE_EXIT_OK    0
#define VWTRACE_EXIT_DIFF  1     /* diff: the traces differ */
#define VWTRACE_EXIT_ERROR 2     /* usage, file or I/O errors */

#include <stdbool.h>
#include <stdio.h>

/* vwtrace diff A B (diff.c). */
int vwtrace_diff_main(int argc, char **argv);
/* vwtrace import-replies FILE OUT (import.c). */
int vwtrace_import_replies_main(int argc, char **argv);
/* vwtrace record-libvirt / record-qmp: a transparent recording proxy. */
int vwtrace_record_main(int argc, char **argv, vw_trace_protocol protocol);


/* ---- shared by the subcommands (vwtrace.c) ---- */

/* Parses --help (and --allow-truncated when allow_truncated is not NULL) for the subcommands
 * without other options; returns -1 to exit with *rc. */
int vwtrace_simple_options(int argc, char **argv, void (*usage)(FILE *), bool *allow_truncated,
                           int *rc);
/* "vwtrace: PATH:LINE: text", or "vwtrace: text" when the error is not tied to a line. */
void vwtrace_report_error(const char *path, vw_error *e);
/* Opens a trace; NULL after printing why. */
vw_trace_reader *vwtrace_open(const char *path, bool allow_truncated);
/* At the end of a trace read with --allow-truncated: the warning for a dropped cut line. */
void vwtrace_warn_dropped(const char *path, const vw_trace_reader *r);

#endif
