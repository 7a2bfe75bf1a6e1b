/* fq_options.h: fake-qemu's own command-line options (--qmp, the VM it models, the schema) and
 * its --help; the options both fakes share are common/daemon_start's. */
#ifndef FQ_OPTIONS_H
#define FQ_OPTIONS_H

#include <stdbool.h>

#include "daemon_start.h"
#include "netaddr.h"
#include "qemu_cmdline.h"
#include "vm_model.h"

/* With QEMU's command line, the QEMU release to model (as --qemu-version) comes from this
 * environment variable: fake-libvirtd --qemu-dir --qemu-version sets it. */
#define FQ_VERSION_ENV "VW_FAKE_QEMU_VERSION"
/* With QEMU's command line, the guest: "acpi" (the default) obeys the power button as an ACPI
 * guest; "none" ignores it, as real QEMU with nothing to boot (fake-libvirtd --qemu-dir). */
#define FQ_GUEST_ENV "VW_FAKE_QEMU_GUEST"

typedef struct fq_options {
    vw_daemon_cli cli;
    vw_daemon_opts shared;
    vw_netaddr qmp;                 /* --qmp, parsed */
    fq_vm_config vm;                /* --qemu-version, --qemu-package, --machine, ... */
    const char *schema_file;        /* --schema, or NULL: the recorded one */
    bool self_check;
    const char *qmp_spec, *version;
    char package[64];               /* the default "v" + version */
    char named_version[32];         /* the release named by argv[0] (release_name.h) */
    bool qemu_cli;                  /* run with QEMU's command line (qemu_cmdline.h) */
    fq_cmdline cmdline;             /* that command line, parsed */
    char probe_trace[4096];         /* the recorded probe replayed for libvirt's probe */
} fq_options;

/* Parses argv into o and checks the options together: fake-qemu's own options, or QEMU's
 * command line when argv is QEMU's (fq_cmdline_is_qemu). Returns VW_START_GO, or the exit
 * status after --help/--version or a message. */
int fq_options_parse(fq_options *o, int argc, char **argv);

#endif
