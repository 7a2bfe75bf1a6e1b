/* fq_options.c: fake-qemu's own command-line options and its --help (fq_options.h). */
#include "fq_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "qmp_server.h"
#include "release_name.h"
#include "schema_data.h"

static void usage(FILE *out)
{
    fprintf(out,
        "usage: fake-qemu --qmp unix:PATH|tcp:HOST:PORT [options]\n"
        "\n"
        "A fake QEMU that speaks QMP as qemu-system-x86_64 7.2 does, or 5.2, 10.0 or 11.1\n"
        "with --qemu-version (see docs/fake-qemu.md).\n"
        "\n"
        "  --qmp ADDR            where to listen: unix:PATH or tcp:HOST:PORT (required)\n"
        "  --qemu-version X.Y.Z  version in the greeting and query-version (default 7.2.22);\n"
        "                        the newest recorded release at or below X.Y is modelled:\n"
        "                        its schema, commands and version-dependent replies\n"
        "                        (recorded: %s)\n"
        "  --qemu-package STR    the version's \"package\" string (default \"v\" + version)\n"
        "  --machine none|pc     none: no CPU, no buses (like -machine none); pc: one CPU and\n"
        "                        a pci.0 and a USB bus xhci.0, like -machine pc -device\n"
        "                        qemu-xhci,id=xhci (default pc)\n"
        "  --prelaunch           start in the prelaunch state, as QEMU does with -S\n"
        "  --name NAME           VM name (query-name)\n"
        "  --uuid UUID           VM UUID (query-uuid)\n"
        "  --schema FILE         a query-qmp-schema reply recorded with\n"
        "                        fake-qemu/schemas/record-schema.py, instead of the built-in one\n"
        "  --self-check          validate every reply and event against the schema; report\n"
        "                        mismatches on stderr and exit with status 3\n"
        "  --memory-budget-mib N output queued for the client (default 64): a client that\n"
        "                        does not read while more would be queued is closed\n",
        fq_schema_data_versions());
    vw_daemon_usage_shared(out, "command");
    vw_daemon_usage_modes(out, "a real QEMU's QMP socket", "command",
        "  --replay TRACE    answer from a recorded QMP trace (docs/replay-qmp.md)\n");
    fprintf(out,
        "\n"
        "Prints `ready` on stdout once the QMP socket accepts; SIGTERM and SIGINT send the\n"
        "client QEMU's SHUTDOWN event (reason host-signal) and exit 0, as `quit` does.\n"
        "--version prints virt-wire's version, not the QEMU it models.\n"
        "\n"
        "Run with qemu-system-x86_64's options instead (a first argument with one dash, as\n"
        "libvirtd runs an emulator: -S, -name, -machine, -m, -smp, -chardev, -mon, -qmp,\n"
        "-pidfile, -daemonize, ...), it behaves as QEMU 7.2 does: see docs/fake-qemu.md,\n"
        "\"Under a real libvirtd\". Its guest obeys the power button, or ignores it with\n"
        FQ_GUEST_ENV "=none in the environment.\n"
        "\n"
        "Run as fake-qemu-X.Y (the build makes these symlinks, one per recorded probe) or\n"
        "through a symlink to such a name, it models QEMU X.Y (recorded: %s)\n"
        "instead of 7.2, in both modes: libvirtd gives an emulator no other way to choose.\n"
        "With QEMU's options, " FQ_VERSION_ENV "=X.Y.Z in the environment (as fake-libvirtd\n"
        "--qemu-dir --qemu-version sets it) chooses the release before the name does.\n",
        fq_schema_data_versions());
}

enum { OPT_QMP = 1, OPT_QEMU_VERSION, OPT_PACKAGE, OPT_MACHINE, OPT_PRELAUNCH, OPT_NAME,
       OPT_UUID, OPT_SCHEMA, OPT_SELF_CHECK };

static const vw_opt_def own_opts[] = {
    { "--qmp", true, OPT_QMP },
    { "--qemu-version", true, OPT_QEMU_VERSION },
    { "--qemu-package", true, OPT_PACKAGE },
    { "--machine", true, OPT_MACHINE },
    { "--prelaunch", false, OPT_PRELAUNCH },
    { "--name", true, OPT_NAME },
    { "--uuid", true, OPT_UUID },
    { "--schema", true, OPT_SCHEMA },
    { "--self-check", false, OPT_SELF_CHECK },
    { NULL, false, 0 },
};

static int own_option(void *ctx, int id, const char *opt, const char *val)
{
    fq_options *o = ctx;
    (void)opt;
    switch (id) {
    case OPT_QMP: o->qmp_spec = val; break;
    case OPT_QEMU_VERSION: o->version = val; break;
    case OPT_PACKAGE: o->vm.package = val; break;
    case OPT_MACHINE: o->vm.machine = val; break;
    case OPT_PRELAUNCH: o->vm.prelaunch = 1; break;
    case OPT_NAME: o->vm.name = val; break;
    case OPT_UUID: o->vm.uuid = val; break;
    case OPT_SCHEMA: o->schema_file = val; break;
    case OPT_SELF_CHECK: o->self_check = true; break;
    }
    return 0;
}

static int parse_version(const char *s, int *major, int *minor, int *micro)
{
    char tail;
    return sscanf(s, "%d.%d.%d%c", major, minor, micro, &tail) == 3 && *major >= 0 &&
           *minor >= 0 && *micro >= 0;
}

/* The options together, after all were read. 0, or -1 after a message. */
static int check_options(fq_options *o)
{
    char err[512];
    fq_vm_config *vm = &o->vm;
    if (!o->qmp_spec && o->cmdline.monitor_fd < 0) {
        fprintf(stderr, "fake-qemu: --qmp unix:PATH or --qmp tcp:HOST:PORT is required "
                "(see --help)\n");
        return -1;
    }
    if (!parse_version(o->version, &vm->major, &vm->minor, &vm->micro)) {
        fprintf(stderr, "fake-qemu: --qemu-version '%s' is not MAJOR.MINOR.MICRO (e.g. 7.2.0)\n",
                o->version);
        return -1;
    }
    if (strcmp(vm->machine, "none") != 0 && strcmp(vm->machine, "pc") != 0) {
        fprintf(stderr, "fake-qemu: --machine '%s': the fake models 'none' and 'pc'\n",
                vm->machine);
        return -1;
    }
    if (!vm->package) {
        snprintf(o->package, sizeof(o->package), "v%d.%d.%d", vm->major, vm->minor, vm->micro);
        vm->package = o->package;
    }
    if (o->qmp_spec && vw_netaddr_parse(o->qmp_spec, &o->qmp, err, sizeof(err)) < 0) {
        fprintf(stderr, "fake-qemu: --qmp: %s\n", err);
        return -1;
    }
    return 0;
}

/* The name fake-qemu runs under may name the modelled release (release_name.h): it is then the
 * default --qemu-version, that recorded release's. 0, or -1 after a message. */
static int release_from_name(fq_options *o, const char *argv0)
{
    int major, minor;
    char name[4096];
    if (!fq_release_from_name(argv0, &major, &minor, name, sizeof(name)))
        return 0;
    const fq_schema_data *rec = fq_schema_data_find(major, minor);
    if (!rec || rec->major != major || rec->minor != minor) {
        fprintf(stderr, "fake-qemu: run as %s, but QEMU %d.%d is not a recorded release "
                "(recorded: %s)\n", name, major, minor, fq_schema_data_versions());
        return -1;
    }
    snprintf(o->named_version, sizeof(o->named_version), "%d.%d.%d", rec->major, rec->minor,
             rec->micro);
    o->version = o->named_version;
    return 0;
}

/* QEMU's command line: the VM and the monitor from it; libvirt's capability probe is answered
 * from the recorded probe of the modelled release when there is one. */
static int qemu_options(fq_options *o, int argc, char **argv)
{
    o->qemu_cli = true;
    if (fq_cmdline_parse(&o->cmdline, &o->vm, argc, argv) != 0)
        return 1;
    o->shared.memory_budget = FQ_MEMORY_BUDGET;
    o->qmp_spec = o->cmdline.monitor_addr;
    const char *env = getenv(FQ_VERSION_ENV);
    if (env && *env)
        o->version = env;
    const char *guest = getenv(FQ_GUEST_ENV);
    if (guest && *guest && strcmp(guest, "acpi") != 0 && strcmp(guest, "none") != 0) {
        fprintf(stderr, "fake-qemu: %s=%s: the guest is \"acpi\" or \"none\"\n", FQ_GUEST_ENV, guest);
        return 1;
    }
    o->vm.guest_ignores_acpi = guest && strcmp(guest, "none") == 0;
    if (!parse_version(o->version, &o->vm.major, &o->vm.minor, &o->vm.micro))
        return check_options(o) < 0 ? 1 : VW_START_GO;   /* its message */
    /* the recorded release's package string (its Debian build), when that release is modelled */
    const fq_schema_data *rec = fq_schema_data_find(o->vm.major, o->vm.minor);
    if (rec && rec->major == o->vm.major && rec->minor == o->vm.minor &&
        rec->micro == o->vm.micro)
        o->vm.package = rec->package;
    if (o->cmdline.probe) {
        if (fq_probe_trace(o->vm.major, o->vm.minor, o->vm.micro, o->probe_trace,
                           sizeof(o->probe_trace)) == 0) {
            o->shared.replay = o->probe_trace;
            o->shared.replay_unordered = true;
            o->shared.replay_delay_max_ms = 0;   /* the recorded probe's messages at once */
        } else {
            fprintf(stderr, "fake-qemu: no recorded capability probe of QEMU %s (looked for "
                    "%s): the probe gets the ordinary model\n", o->version, o->probe_trace);
        }
    }
    return check_options(o) < 0 ? 1 : VW_START_GO;
}

int fq_options_parse(fq_options *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->cmdline.monitor_fd = -1;
    o->version = "7.2.22";
    o->vm.machine = "pc";
    o->cli = (vw_daemon_cli){ "fake-qemu", own_opts, own_option, o, usage };
    if (release_from_name(o, argv[0]) < 0)
        return 1;
    if (fq_cmdline_is_qemu(argc, argv))
        return qemu_options(o, argc, argv);
    int rc = vw_daemon_parse(&o->cli, argc, argv, &o->shared);
    if (rc != VW_START_GO)
        return rc;
    if (!o->shared.memory_budget)
        o->shared.memory_budget = FQ_MEMORY_BUDGET;
    return check_options(o) < 0 ? 2 : VW_START_GO;
}
