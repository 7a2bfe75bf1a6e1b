/* virtc.h: the entry points of virtc's command groups. virtc.c owns main() and the libvirt
 * commands; each other group lives in its own virtc_*.c file and is reached through here. */
#ifndef VIRTC_H
#define VIRTC_H

/* `virtc qmp TARGET ...`: argv[0] is "qmp". Returns the process exit status. */
int virtc_qmp_main(int argc, char **argv);

#endif
