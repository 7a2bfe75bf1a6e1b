/* qemu_spawn.h: the emulator processes of --qemu-dir: started with the QEMU command line of
 * libvirt 9.0 (qemu_argv.h) as libvirtd starts them, the monitor a listening socket the daemon
 * creates at DIR/<name>.qmp and hands over as an inherited descriptor (so it can connect at
 * once, without waiting for any output), the modelled QEMU release in the environment
 * (VW_FAKE_QEMU_VERSION), and stopped with SIGTERM, then SIGKILL. None outlives the daemon
 * (PR_SET_PDEATHSIG). */
#ifndef FL_QEMU_SPAWN_H
#define FL_QEMU_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "domain_xml.h"

/* The environment variable that tells fake-qemu, run with QEMU's command line, which QEMU
 * release to model (its --qemu-version). */
#define FL_QEMU_VERSION_ENV "VW_FAKE_QEMU_VERSION"
#define FL_QEMU_GUEST_ENV "VW_FAKE_QEMU_GUEST"

#define FL_QEMU_STOP_TIMEOUT_MS 3000   /* SIGTERM, then SIGKILL after this */

typedef struct {
    const char *binary;         /* the emulator */
    const char *version;        /* FL_QEMU_VERSION_ENV, NULL = the emulator's default */
    const char *dir;            /* --qemu-dir: the domain directories' parent */
    const domain_def *def;
    int id;                     /* the domain's id */
    const char *monitor_path;   /* where the monitor socket is created */
} fl_qemu_spawn_args;

/* Creates the monitor socket and starts the emulator. The pid, or -1 with a message in err. */
pid_t fl_qemu_spawn(const fl_qemu_spawn_args *a, char *err, size_t errlen);

/* After the monitor failed during start-up: waits a moment for pid to end and describes how it
 * did ("exited before it was ready (status 2)..."), or returns false when it still runs. */
bool fl_qemu_spawn_exited(pid_t pid, char *why, size_t whylen);

/* SIGTERM (when term), wait up to FL_QEMU_STOP_TIMEOUT_MS, then SIGKILL; always reaps. */
void fl_qemu_stop_process(pid_t pid, bool term);

/* A live socket at path (an emulator started by someone else)? */
bool fl_qemu_socket_listens(const char *path);

#endif
