/* release_name.h: which QEMU release fake-qemu models, taken from the name it is run under.
 * libvirtd runs an emulator with QEMU's options only and an empty environment, so the name is
 * the one thing a user controls: `fake-qemu-MAJOR.MINOR` (the build makes one symlink per
 * recorded probe), or a symlink to such a name (/usr/bin/qemu-system-x86_64 ->
 * /opt/vw/bin/fake-qemu-5.2 -> fake-qemu). docs/fake-qemu.md, "Which release". */
#ifndef FQ_RELEASE_NAME_H
#define FQ_RELEASE_NAME_H

#include <stddef.h>

/* The release in a file name's last part: 1 when it is fake-qemu-MAJOR.MINOR (*major, *minor
 * set), 0 when it is not of that form. */
int fq_release_name_parse(const char *path, int *major, int *minor);

/* The release named by argv0 or, when argv0 is a path, by the first link of its symlink chain
 * (followed one link at a time, at most 16) whose last part names one. 1 with *major, *minor
 * set and the name that said so in name, or 0 when no name in the chain does. */
int fq_release_from_name(const char *argv0, int *major, int *minor, char *name, size_t namelen);

#endif
