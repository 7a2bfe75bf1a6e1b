/* vm_state.h: the saved state of fake-qemu's guest, as a save (migrate fd:NAME) writes it and
 * a restore (-incoming fd:N, migrate-incoming fd:N) reads it back. fake-qemu's own small
 * format, not QEMU's migration stream: a magic line, then one JSON object (the guest's name and
 * UUID, its devices, the balloon, how many saves it went through). A restore fails with QEMU's
 * error when the devices differ from the saved ones. vm_guest.c keeps the guest's part of it.
 * Below the VM model: it sees the devices only through an fq_state_devices function. */
#ifndef FQ_VM_STATE_H
#define FQ_VM_STATE_H

#include <stddef.h>

#include "evloop.h"

/* What a state carries besides the identity and the devices. */
typedef struct fq_saved {
    unsigned long long balloon;     /* bytes */
    unsigned long long saves;       /* how many saves the state has been through */
} fq_saved;

/* The VM's devices: the id of device i (from 0; the last part of its QOM path, a string that
 * outlives the call), or NULL past the last. */
typedef const char *fq_state_devices(void *vm, size_t i);

/* Writes the state (the guest's name and UUID, NULL = "", the devices of vm, st with one more
 * save) to fd (made blocking) and closes fd. 0, or -1 with QEMU's error text in err. */
int fq_state_save(int fd, const char *name, const char *uuid, fq_state_devices *devices,
                  void *vm, const fq_saved *st, char *err, size_t errlen);

/* A restore under way: reads a descriptor to its end from the event loop, then checks the
 * saved devices against the VM's (as they are then) and calls done(opaque, error or NULL, the
 * loaded values) once, with the descriptor closed. The fields are its own. */
typedef void fq_state_loaded(void *opaque, const char *error, const fq_saved *st);
typedef struct fq_state_in {
    vw_evloop *loop;
    fq_state_devices *devices;
    void *vm;
    int fd;                         /* -1: no restore under way */
    char *buf;
    size_t len;
    fq_state_loaded *done;
    void *opaque;
} fq_state_in;

void fq_state_in_init(fq_state_in *in);
/* uri: "fd:N" (the descriptor is taken over). 0, or -1 with QEMU's error text in err (also
 * when a restore is already under way). */
int fq_state_in_start(fq_state_in *in, vw_evloop *loop, const char *uri,
                      fq_state_devices *devices, void *vm, fq_state_loaded *done, void *opaque,
                      char *err, size_t errlen);
/* Stops a restore under way (done is not called) and frees what it holds. */
void fq_state_in_fini(fq_state_in *in);

#endif
