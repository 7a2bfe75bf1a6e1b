/* main.c: fake-libvirtd's command line (the fixed interface in DESIGN.md), start-up and the
 * `ready` line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fake-libvirtd --listen unix:PATH|tcp:HOST:PORT [--listen-ro unix:PATH]\n"
            "                     [--state FILE] [--verbose]\n"
            "\n"
            "A stateful fake libvirt daemon: it speaks libvirt's RPC protocol and models the\n"
            "domains, networks and storage pools of libvirt's test driver.\n"
            "\n"
            "  --listen ADDR     accept read-write clients (unix socket mode 0600); repeatable\n"
            "  --listen-ro PATH  accept read-only clients on unix:PATH (mode 0666); state-changing\n"
            "                    calls are refused as libvirtd refuses them; repeatable\n"
            "  --state FILE      start from the JSON state in FILE (docs/state-format.md) instead\n"
            "                    of the built-in copy of the test driver's default\n"
            "  --seed N          accepted for interface compatibility (no randomness is used yet)\n"
            "  --verbose         log connection problems to stderr\n"
            "  --help            this text\n"
            "\n"
            "Prints `ready` on stdout when every socket accepts; exits 0 on SIGTERM.\n"
            "Not implemented yet: --scenario, --replay, --record, --upstream, --admin, --qemu-dir.\n");
}

int main(int argc, char **argv)
{
    fl_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = NULL;
        char optname[64];
        /* accept both "--opt VALUE" and "--opt=VALUE" */
        const char *eq = strchr(opt, '=');
        if (strncmp(opt, "--", 2) == 0 && eq && (size_t)(eq - opt) < sizeof(optname)) {
            memcpy(optname, opt, (size_t)(eq - opt));
            optname[eq - opt] = '\0';
            opt = optname;
            val = eq + 1;
        }
        bool takes_value = strcmp(opt, "--listen") == 0 || strcmp(opt, "--listen-ro") == 0 ||
                           strcmp(opt, "--state") == 0 || strcmp(opt, "--seed") == 0 ||
                           strcmp(opt, "--scenario") == 0 || strcmp(opt, "--replay") == 0 ||
                           strcmp(opt, "--record") == 0 || strcmp(opt, "--upstream") == 0 ||
                           strcmp(opt, "--admin") == 0 || strcmp(opt, "--qemu-dir") == 0;
        if (takes_value && !val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "fake-libvirtd: %s needs a value (see --help)\n", opt);
                return 2;
            }
            val = argv[++i];
        } else if (!takes_value && val) {
            fprintf(stderr, "fake-libvirtd: %s takes no value (see --help)\n", opt);
            return 2;
        }
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(opt, "--verbose") == 0 || strcmp(opt, "-v") == 0) {
            cfg.verbose = 1;
        } else if (strcmp(opt, "--listen") == 0) {
            if (cfg.nlisten >= FL_MAX_LISTENERS) {
                fprintf(stderr, "fake-libvirtd: at most %d --listen options\n", FL_MAX_LISTENERS);
                return 2;
            }
            cfg.listen[cfg.nlisten++] = val;
        } else if (strcmp(opt, "--listen-ro") == 0) {
            if (cfg.nlisten_ro >= FL_MAX_LISTENERS) {
                fprintf(stderr, "fake-libvirtd: at most %d --listen-ro options\n",
                        FL_MAX_LISTENERS);
                return 2;
            }
            cfg.listen_ro[cfg.nlisten_ro++] = val;
        } else if (strcmp(opt, "--state") == 0) {
            cfg.state_file = val;
        } else if (strcmp(opt, "--seed") == 0) {
            char *end;
            errno = 0;
            strtoull(val, &end, 10);
            if (errno || *end || !*val) {
                fprintf(stderr, "fake-libvirtd: --seed %s: expected a non-negative integer\n", val);
                return 2;
            }
        } else if (takes_value) {
            fprintf(stderr, "fake-libvirtd: %s is not implemented yet in this version\n", opt);
            return 2;
        } else {
            fprintf(stderr, "fake-libvirtd: unknown option '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (cfg.nlisten + cfg.nlisten_ro == 0) {
        fprintf(stderr, "fake-libvirtd: give at least one --listen unix:PATH or tcp:HOST:PORT "
                        "(see --help)\n");
        return 2;
    }
    char err[1024];
    fl_server *srv = fl_server_new(&cfg, err, sizeof(err));
    if (!srv) {
        fprintf(stderr, "fake-libvirtd: %s\n", err);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    int rc = fl_server_run(srv);
    fl_server_free(srv);
    return rc == 0 ? 0 : 1;
}
