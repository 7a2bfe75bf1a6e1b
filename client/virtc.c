/* virtc.c: the virtc command-line tool: main(), the global options, --help and the table of
 * command groups. Each group of commands lives in its own file (virtc_host.c, virtc_domain.c,
 * virtc_event.c, virtc_stats.c, virtc_snapshot.c, virtc_net.c, virtc_storage.c,
 * virtc_devices.c); argument parsing is virtc_args.c, the shared helpers virtc_util.c. It speaks
 * to libvirtd only through the client library (libvirt_client.h); `virtc qmp ...` is handed to
 * virtc_qmp_main() (virtc_qmp.c).
 *
 * Exit status: 0 success; 1 the daemon or the connection reported an error (message on stderr
 * as "error: ..." lines, like virsh); 2 usage error (bad option, unknown command, missing or
 * extra argument), found before any connection is made. */
#include "libvirt_client.h"
#include "virtc.h"
#include "virtc_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_version.h"   /* VW_VERSION, generated from the Makefile's VERSION */

/* The QMP command group lives in virtc_qmp.c; when that file is not part of the build, the
 * symbol is absent and `virtc qmp` says so instead of failing to link. */
#pragma weak virtc_qmp_main

/* ---- command table --------------------------------------------------------------------------- */

/* Each family file's table, in the order --help lists them. */
static const command *const command_groups[] = {
    virtc_host_commands, virtc_domain_commands, virtc_event_commands, virtc_stats_commands,
    virtc_snapshot_commands, virtc_net_commands, virtc_storage_commands, virtc_device_commands,
    NULL};

static const command *find_command(const char *name)
{
    for (size_t g = 0; command_groups[g]; g++)
        for (const command *c = command_groups[g]; c->name; c++)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: virtc [-c URI] [-t SECONDS] [-r] COMMAND [ARGS]\n"
            "       virtc qmp unix:PATH|tcp:HOST:PORT COMMAND [JSON-ARGS]\n"
            "\n"
            "A libvirt client speaking the libvirt RPC protocol itself (virt-wire); output as virsh's.\n"
            "\n"
            "options:\n"
            "  -c, --connect URI   libvirt URI, e.g. test+unix:///default?socket=PATH,\n"
            "                      qemu+unix:///system?socket=PATH, qemu+tcp://HOST:PORT/system,\n"
            "                      qemu+tls://HOST:PORT/system?pkipath=DIR (TLS: DIR holds\n"
            "                      cacert.pem, clientcert.pem, clientkey.pem; no_verify=1);\n"
            "                      SASL credentials: env VIRTC_SASL_USER, VIRTC_SASL_PASS or\n"
            "                      libvirt's auth file (LIBVIRT_AUTH_FILE);\n"
            "                      qemu+ssh://[USER@]HOST/system?socket=PATH&proxy=netcat\n"
            "                      (default: env LIBVIRT_DEFAULT_URI)\n"
            "  -t, --timeout S     limit for connecting and for every call, seconds (default 30)\n"
            "  -r, --readonly      open the connection read-only\n"
            "  -h, --help          this text\n"
            "  -V, --version       virtc's version\n"
            "\n"
            "commands:\n");
    for (size_t g = 0; command_groups[g]; g++)
        for (const command *c = command_groups[g]; c->name; c++)
            fprintf(out, "  %-22s %s\n", c->name, c->help);
    fprintf(out, "  %-22s %s\n", "qmp", "TARGET COMMAND [JSON]: talk QMP to a QEMU directly");
    fprintf(out,
            "\n"
            "DOMAIN is a name, an id or a UUID.\n"
            "\n"
            "exit status: 0 success; 1 error from the daemon or the connection (\"error: ...\" on\n"
            "stderr); 2 usage error (unknown command or option, missing or extra argument).\n");
}

/* ---- main -------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"readonly", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *uri = NULL;
    int timeout_s = 0;
    bool readonly = false;
    int opt;

    signal(SIGPIPE, SIG_IGN);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:c:t:rhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': uri = optarg; break;
        case 't':
            if (virtc_parse_seconds(optarg, &timeout_s) < 0) {
                virtc_error("invalid timeout '%s': give whole seconds from 1 to %d", optarg,
                           VIRTC_TIMEOUT_MAX_S);
                return EXIT_USAGE;
            }
            break;
        case 'r': readonly = true; break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("virtc (virt-wire) %s\n", VW_VERSION); return EXIT_OK;
        case ':':
            virtc_error("option %s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            if (optopt)
                virtc_error("unknown option -%c (see virtc --help)", optopt);
            else
                virtc_error("unknown option %s (see virtc --help)", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "qmp") == 0) {
        if (!virtc_qmp_main) {
            virtc_error("this virtc was built without the qmp commands");
            return EXIT_USAGE;
        }
        return virtc_qmp_main(argc - optind, argv + optind);
    }
    const command *cmd = find_command(name);
    if (!cmd) {
        virtc_error("unknown command: '%s'", name);
        return EXIT_USAGE;
    }
    parsed_args args;
    int rc = virtc_parse_args(cmd, argc - optind - 1, argv + optind + 1, &args);
    if (rc) {
        free(args.rest);
        return rc;
    }
    if (!uri || !*uri)
        uri = getenv("LIBVIRT_DEFAULT_URI");
    if (!uri || !*uri) {
        virtc_error("no URI: give -c URI (e.g. -c 'test+unix:///default?socket=PATH') or set "
                   "LIBVIRT_DEFAULT_URI");
        free(args.rest);
        return EXIT_USAGE;
    }

    vw_conn_options opts;
    vw_conn_options_init(&opts);
    if (readonly)
        opts.flags |= VW_CONN_READ_ONLY;
    if (timeout_s) {
        opts.connect_timeout_ms = timeout_s * 1000;
        opts.call_timeout_ms = timeout_s * 1000;
    }
    vw_virerror err = {0};
    ctx c = {.conn = NULL, .cmd = cmd};
    c.conn = vw_conn_open(uri, &opts, &err);
    if (!c.conn) {
        virtc_error("failed to connect to the hypervisor");
        virtc_report(&err);
        free(args.rest);
        return EXIT_LIBVIRT;
    }
    rc = cmd->run(&c, &args);
    free(args.rest);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        virtc_error("could not write the output: %s", strerror(errno));
        rc = EXIT_LIBVIRT;
    }
    if (rc == EXIT_OK && !vw_conn_is_alive(c.conn) &&
        vw_conn_get_death_reason(c.conn, &err) == 0) {
        /* the output may lack what a failed call would have added: say so, do not exit 0 */
        virtc_error("the connection broke while the command ran; its output may be incomplete");
        rc = virtc_report(&err);
    }
    if (vw_conn_close(c.conn, &err) < 0) {
        /* the command's own result stands; a failed CONNECT_CLOSE only matters if all else went well */
        if (rc == EXIT_OK)
            rc = virtc_report(&err);
        else
            vw_virerror_clear(&err);
    }
    return rc;
}
