/* fl_options.h: fake-libvirtd's own command-line options (listeners, TLS, SASL, limits, --state,
 * --qemu-dir, the libvirt-only replay options) and its --help; the options both fakes share are
 * common/daemon_start's. */
#ifndef FL_OPTIONS_H
#define FL_OPTIONS_H

#include "daemon_start.h"
#include "fl_sasl.h"
#include "replay.h"
#include "server.h"

/* The TLS options and the files --tls-dir names. */
typedef struct {
    fl_tls_config cfg;
    const char *dir;
    char ca[4096], cert[4096], key[4096];
} fl_tls_files;

typedef struct fl_options {
    vw_daemon_cli cli;
    vw_daemon_opts shared;
    fl_server_config cfg;           /* cfg.tls points into tls: do not copy the struct */
    fl_tls_files tls;
    fl_sasl_config sasl;
    bool listen_insecure;
    fl_replay_pick pick;
} fl_options;

/* Parses argv into o and checks the options together; starts SASL when a listener uses it.
 * Returns VW_START_GO, or the exit status after --help/--version or a message. */
int fl_options_parse(fl_options *o, int argc, char **argv);

/* The replay options of --replay and its sub-options. */
fl_replay_options fl_options_replay(const fl_options *o);

#endif
