/* vwtrace.h: what the parts of the vwtrace program share: the subcommand entry points (each
 * takes the arguments after the subcommand name, argv[0] being the subcommand) and the exit
 * codes. vwtrace.c holds main, show, pcap, diff and import-replies; record.c the recording
 * proxy's client side on the event loop (the proxy itself is common/record_proxy.h). */
#ifndef VWTRACE_H
#define VWTRACE_H

#include "trace.h"

#include "vw_version.h"   /* VW_VERSION, generated from the Makefile's VERSION */

#define VWTRACE_EXIT_OK    0
#define VWTRACE_EXIT_DIFF  1     /* diff: the traces differ */
#define VWTRACE_EXIT_ERROR 2     /* usage, file or I/O errors */

/* vwtrace record-libvirt / record-qmp: a transparent recording proxy. */
int vwtrace_record_main(int argc, char **argv, vw_trace_protocol protocol);

#endif
