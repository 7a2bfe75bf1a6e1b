/* fl_options.c: fake-libvirtd's own command-line options and its --help (fl_options.h). */
#include "fl_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "release.h"

/* libvirtd serves TCP only with authentication unless told otherwise; the fake has none, so a
 * TCP listener other hosts can reach needs --listen-insecure. A spec that does not parse is
 * left for the server to report. Returns 0, or -1 after printing why. */
static int refuse_exposed_listeners(const fl_server_config *cfg)
{
    for (int i = 0; cfg->auth_tcp == VW_REMOTE_AUTH_NONE && i < cfg->nlisten; i++) {
        vw_netaddr addr;
        char err[256];
        if (vw_netaddr_parse(cfg->listen[i], &addr, err, sizeof(err)) < 0 ||
            vw_netaddr_is_loopback(&addr))
            continue;
        fprintf(stderr,
                "fake-libvirtd: --listen %s: refusing to serve a network address without "
                "authentication (plain TCP has no SASL in the fake; every client gets full write "
                "access); listen on a loopback address such as tcp:127.0.0.1:%d, or add "
                "--listen-insecure to allow it\n", cfg->listen[i], addr.port);
        return -1;
    }
    return 0;
}

/* One TLS option. Returns 1 when opt was one, 0 when not, -1 after printing why it is wrong. */
static int parse_tls_option(const char *opt, const char *val, fl_server_config *cfg,
                            fl_tls_files *tls)
{
    if (strcmp(opt, "--listen-tls") == 0) {
        if (cfg->nlisten_tls >= FL_MAX_LISTENERS) {
            fprintf(stderr, "fake-libvirtd: at most %d --listen-tls options\n", FL_MAX_LISTENERS);
            return -1;
        }
        cfg->listen_tls[cfg->nlisten_tls++] = val;
    } else if (strcmp(opt, "--tls-dir") == 0) {
        tls->dir = val;
    } else if (strcmp(opt, "--tls-ca-file") == 0) {
        tls->cfg.ca_file = val;
    } else if (strcmp(opt, "--tls-cert-file") == 0) {
        tls->cfg.cert_file = val;
    } else if (strcmp(opt, "--tls-key-file") == 0) {
        tls->cfg.key_file = val;
    } else if (strcmp(opt, "--tls-priority") == 0) {
        tls->cfg.priority = val;
    } else if (strcmp(opt, "--tls-no-verify-certificate") == 0) {
        tls->cfg.no_verify = true;
    } else if (strcmp(opt, "--tls-allowed-dn") == 0) {
        if (tls->cfg.nallowed_dn >= FL_TLS_MAX_DN) {
            fprintf(stderr, "fake-libvirtd: at most %d --tls-allowed-dn options\n",
                    FL_TLS_MAX_DN);
            return -1;
        }
        tls->cfg.allowed_dn[tls->cfg.nallowed_dn++] = val;
    } else {
        return 0;
    }
    return 1;
}

/* The authentication options (libvirtd.conf's auth_unix_rw, auth_tcp, auth_tls and SASL's).
 * Returns 1 when opt was one, 0 when not, -1 after printing why it is wrong. */
static int parse_auth_option(const char *opt, const char *val, fl_server_config *cfg,
                             fl_sasl_config *sasl)
{
    int *slot = strcmp(opt, "--auth-unix-rw") == 0 ? &cfg->auth_unix_rw
                : strcmp(opt, "--auth-tcp") == 0 ? &cfg->auth_tcp
                : strcmp(opt, "--auth-tls") == 0 ? &cfg->auth_tls : NULL;
    if (slot) {
        if (strcmp(val, "none") != 0 && strcmp(val, "sasl") != 0) {
            fprintf(stderr, "fake-libvirtd: %s %s: expected none or sasl\n", opt, val);
            return -1;
        }
        *slot = strcmp(val, "sasl") == 0 ? VW_REMOTE_AUTH_SASL : VW_REMOTE_AUTH_NONE;
    } else if (strcmp(opt, "--sasl-db") == 0) {
        sasl->db = val;
    } else if (strcmp(opt, "--sasl-mech-list") == 0) {
        sasl->mech_list = val;
    } else if (strcmp(opt, "--sasl-allowed-username") == 0) {
        if (sasl->nallowed_user >= FL_SASL_MAX_USERS) {
            fprintf(stderr, "fake-libvirtd: at most %d --sasl-allowed-username options\n",
                    FL_SASL_MAX_USERS);
            return -1;
        }
        sasl->allowed_user[sasl->nallowed_user++] = val;
    } else {
        return 0;
    }
    return 1;
}

/* SASL starts when a listener kind uses it; its options alone are a mistake. */
static int sasl_finish(const fl_server_config *cfg, const fl_sasl_config *sasl)
{
    bool used = cfg->auth_unix_rw == VW_REMOTE_AUTH_SASL || cfg->auth_tcp == VW_REMOTE_AUTH_SASL ||
                cfg->auth_tls == VW_REMOTE_AUTH_SASL;
    char err[512];
    if (!used && (sasl->db || sasl->mech_list || sasl->nallowed_user)) {
        fprintf(stderr, "fake-libvirtd: the --sasl-* options need --auth-unix-rw sasl, "
                        "--auth-tcp sasl or --auth-tls sasl\n");
        return -1;
    }
    if (used && fl_sasl_global_init(sasl, err, sizeof(err)) < 0) {
        fprintf(stderr, "fake-libvirtd: %s\n", err);
        return -1;
    }
    return 0;
}

/* Fills in the files of --tls-dir; TLS options need a --listen-tls. Returns 0 or -1. */
static int tls_finish(const fl_server_config *cfg, fl_tls_files *tls)
{
    fl_tls_config *t = &tls->cfg;
    bool any = tls->dir || t->ca_file || t->cert_file || t->key_file || t->no_verify ||
               t->nallowed_dn || t->priority;
    if (any && cfg->nlisten_tls == 0) {
        fprintf(stderr, "fake-libvirtd: the --tls-* options need --listen-tls tcp:HOST:PORT\n");
        return -1;
    }
    if (!tls->dir)
        return 0;
    if (strlen(tls->dir) > sizeof(tls->ca) - 32) {
        fprintf(stderr, "fake-libvirtd: --tls-dir %s: path too long\n", tls->dir);
        return -1;
    }
    snprintf(tls->ca, sizeof(tls->ca), "%s/cacert.pem", tls->dir);
    snprintf(tls->cert, sizeof(tls->cert), "%s/servercert.pem", tls->dir);
    snprintf(tls->key, sizeof(tls->key), "%s/serverkey.pem", tls->dir);
    if (!t->ca_file)
        t->ca_file = tls->ca;
    if (!t->cert_file)
        t->cert_file = tls->cert;
    if (!t->key_file)
        t->key_file = tls->key;
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fake-libvirtd --listen unix:PATH|tcp:HOST:PORT [--listen-ro unix:PATH]\n"
            "                     [--state FILE] [--scenario FILE] [--admin unix:PATH]\n"
            "                     [--seed N] [--qemu-dir DIR [--fake-qemu PATH] [--qemu-version V]]\n"
            "                     [--faults FILE] [--libvirt-version X.Y.Z] [--verbose]\n"
            "                     [--listen-tls tcp:HOST:PORT [--tls-dir DIR] [TLS options]]\n"
            "                     [--max-clients N] [--max-anonymous-clients N]\n"
            "                     [--max-client-requests N] [--memory-budget-mib N]\n"
            "                     [--record TRACE --upstream ADDR [--record-sync]\n"
            "                      | --replay TRACE [--allow-truncated] [--replay-...]]\n"
            "\n"
            "A stateful fake libvirt daemon: it speaks libvirt's RPC protocol and models the\n"
            "domains, networks and storage pools of libvirt's test driver.\n"
            "\n"
            "  --listen ADDR     accept read-write clients (unix socket mode 0600); repeatable\n"
            "  --listen-insecure allow --listen tcp: on an address other hosts can reach; without\n"
            "                    it only loopback addresses are served over plain TCP, since the\n"
            "                    fake has no SASL and gives every such client full write access\n"
            "  --listen-ro PATH  accept read-only clients on unix:PATH (mode 0666); state-changing\n"
            "                    calls are refused as libvirtd refuses them; repeatable\n"
            "  --listen-tls tcp:HOST:PORT\n"
            "                    accept clients with x509 TLS, as libvirtd's listen_tls (port\n"
            "                    16514): the client must present a certificate signed by the CA;\n"
            "                    repeatable. Credentials (libvirtd.conf's names in brackets):\n"
            "  --tls-dir DIR     DIR/cacert.pem, DIR/servercert.pem, DIR/serverkey.pem (default:\n"
            "                    /etc/pki/CA/cacert.pem, /etc/pki/libvirt/servercert.pem,\n"
            "                    /etc/pki/libvirt/private/serverkey.pem)\n"
            "  --tls-ca-file F, --tls-cert-file F, --tls-key-file F\n"
            "                    one file each, over --tls-dir [ca_file, cert_file, key_file]\n"
            "  --tls-no-verify-certificate\n"
            "                    accept any client certificate, or none\n"
            "                    [tls_no_verify_certificate]\n"
            "  --tls-allowed-dn PATTERN\n"
            "                    only clients whose certificate DN matches one PATTERN ('*', '?'\n"
            "                    wildcards); repeatable [tls_allowed_dn_list]\n"
            "  --tls-priority S  GnuTLS priority string (default NORMAL) [tls_priority]\n"
            "  --auth-unix-rw none|sasl, --auth-tcp none|sasl, --auth-tls none|sasl\n"
            "                    what the unix read-write, TCP and TLS listeners demand\n"
            "                    (default none) [auth_unix_rw, auth_tcp, auth_tls]\n"
            "  --sasl-db FILE    the sasldb with the users and passwords (saslpasswd2 -f FILE\n"
            "                    -a libvirt USER) [sasldb_path]\n"
            "  --sasl-mech-list LIST\n"
            "                    SASL mechanisms offered (default SCRAM-SHA-256) [mech_list];\n"
            "                    over plain TCP only those with a security layer of 56 bits\n"
            "                    (DIGEST-MD5), which then wraps every byte, as in libvirtd\n"
            "  --sasl-allowed-username PATTERN\n"
            "                    only these SASL user names ('*', '?' wildcards); repeatable\n"
            "                    [sasl_allowed_username_list]\n"
            "  --libvirt-version X.Y.Z\n"
            "                    the libvirt release whose libvirtd and test driver are modelled:\n"
            "                    7.0.0, 9.0.0 (default, Debian 12's), 11.3.0 or 12.8.0 (X.Y also\n"
            "                    accepted); its procedure numbers, test driver calls, version\n"
            "                    and capabilities (docs/fake-libvirtd.md); others are refused\n"
            "  --state FILE      start from the JSON state in FILE (docs/state-format.md) instead\n"
            "                    of the built-in copy of the test driver's default\n"
            "  --qemu-dir DIR    on qemu:// URIs run one fake-qemu per running domain, with the\n"
            "                    QEMU command line libvirtd 9.0 writes and its QMP socket at\n"
            "                    DIR/<name>.qmp (or use a QEMU already listening there);\n"
            "                    lifecycle calls and the monitor passthrough go over QMP\n"
            "  --fake-qemu PATH  the fake-qemu to run (default: next to this executable)\n"
            "  --qemu-version V  the QEMU release fake-qemu models (VW_FAKE_QEMU_VERSION=V)\n"
            "  --verbose, -v     log connection problems to stderr\n");
    vw_daemon_usage_shared(out, "call");
    fprintf(out,
            "\n"
            "Limits (libvirtd.conf's names and defaults; docs/fake-libvirtd.md, \"Limits\"):\n"
            "  --max-clients N   clients connected at once (default 5000); at the limit the\n"
            "                    sockets stop accepting (new clients wait) until one goes\n"
            "  --max-anonymous-clients N\n"
            "                    clients not yet past AUTH_LIST or CONNECT_OPEN (default 20; 0:\n"
            "                    no limit); at the limit the sockets stop accepting, as above\n"
            "  --max-client-requests N\n"
            "                    calls of one client unanswered (e.g. delayed by a stub) before\n"
            "                    the daemon stops reading that client (default 5)\n"
            "  --memory-budget-mib N\n"
            "                    queued input and output of all clients together (default 64):\n"
            "                    a client whose packet (over 64 KiB) would exceed it is closed;\n"
            "                    clients with output waiting are not read while it is exceeded\n"
            "\n"
            "Prints `ready` on stdout when every socket accepts; exits 0 on SIGTERM.\n");
    vw_daemon_usage_modes(out, "the real libvirtd", "call",
            "  --replay TRACE    answer clients from TRACE: each client is served from the next\n"
            "                    recorded connection; serials are renumbered to the client's\n");
    fprintf(out,
            "  --replay-pick next|match\n"
            "                    serve a client from the next recorded connection (default), or\n"
            "                    from the first free one whose opening calls match its calls\n");
}

/* The client limits (libvirtd.conf's names). Returns 1 when opt is one of
 * them and val is good, 0 when opt is another option, -1 on a bad value. */
static int parse_limit(const char *opt, const char *val, fl_limits *lim)
{
    if (strcmp(opt, "--max-clients") == 0)
        return vw_daemon_parse_count("fake-libvirtd", opt, val, 1, 1000000, &lim->max_clients) < 0 ? -1 : 1;
    if (strcmp(opt, "--max-anonymous-clients") == 0)
        return vw_daemon_parse_count("fake-libvirtd", opt, val, 0, 1000000, &lim->max_anonymous_clients) < 0 ? -1 : 1;
    if (strcmp(opt, "--max-client-requests") == 0)
        return vw_daemon_parse_count("fake-libvirtd", opt, val, 1, 1000000, &lim->max_client_requests) < 0 ? -1 : 1;
    return 0;
}

/* libvirtd refuses the same (virNetServerNew). */
static int check_limits(const fl_limits *lim)
{
    long clients = lim->max_clients ? lim->max_clients : FL_MAX_CLIENTS;
    long anon = lim->max_anonymous_clients >= 0 ? lim->max_anonymous_clients
                                                : FL_MAX_ANONYMOUS_CLIENTS;
    if (anon > clients) {
        fprintf(stderr, "fake-libvirtd: --max-anonymous-clients %ld is more than --max-clients "
                "%ld: the overall maximum number of clients must not be less than the number of "
                "clients waiting for authentication\n", anon, clients);
        return -1;
    }
    return 0;
}

enum { OPT_LISTEN = 1, OPT_OTHER, OPT_FLAG, OPT_REPLAY_PICK };

static const vw_opt_def own_opts[] = {
    { "--listen", true, OPT_LISTEN },
    { "--listen-ro", true, OPT_LISTEN },
    { "--listen-insecure", false, OPT_FLAG },
    { "--listen-tls", true, OPT_OTHER },
    { "--tls-dir", true, OPT_OTHER },
    { "--tls-ca-file", true, OPT_OTHER },
    { "--tls-cert-file", true, OPT_OTHER },
    { "--tls-key-file", true, OPT_OTHER },
    { "--tls-priority", true, OPT_OTHER },
    { "--tls-allowed-dn", true, OPT_OTHER },
    { "--tls-no-verify-certificate", false, OPT_OTHER },
    { "--auth-unix-rw", true, OPT_OTHER },
    { "--auth-tcp", true, OPT_OTHER },
    { "--auth-tls", true, OPT_OTHER },
    { "--sasl-db", true, OPT_OTHER },
    { "--sasl-mech-list", true, OPT_OTHER },
    { "--sasl-allowed-username", true, OPT_OTHER },
    { "--max-clients", true, OPT_OTHER },
    { "--max-anonymous-clients", true, OPT_OTHER },
    { "--max-client-requests", true, OPT_OTHER },
    { "--state", true, OPT_OTHER },
    { "--libvirt-version", true, OPT_OTHER },
    { "--qemu-dir", true, OPT_OTHER },
    { "--fake-qemu", true, OPT_OTHER },
    { "--qemu-version", true, OPT_OTHER },
    { "--verbose", false, OPT_FLAG },
    { "-v", false, OPT_FLAG },
    { "--replay-pick", true, OPT_REPLAY_PICK },
    { NULL, false, 0 },
};

/* --listen and --listen-ro: at most FL_MAX_LISTENERS each. */
static int add_listener(fl_server_config *cfg, const char *opt, const char *val)
{
    bool ro = strcmp(opt, "--listen-ro") == 0;
    int *n = ro ? &cfg->nlisten_ro : &cfg->nlisten;
    if (*n >= FL_MAX_LISTENERS) {
        fprintf(stderr, "fake-libvirtd: at most %d %s options\n", FL_MAX_LISTENERS, opt);
        return -1;
    }
    (ro ? cfg->listen_ro : cfg->listen)[(*n)++] = val;
    return 0;
}

static int own_option(void *ctx, int id, const char *opt, const char *val)
{
    fl_options *o = ctx;
    fl_server_config *cfg = &o->cfg;
    int r = 0;
    switch (id) {
    case OPT_LISTEN:
        return add_listener(cfg, opt, val);
    case OPT_FLAG:
        if (strcmp(opt, "--listen-insecure") == 0)
            o->listen_insecure = true;
        else
            cfg->verbose = 1;
        return 0;
    case OPT_REPLAY_PICK:
        if ((r = fl_replay_pick_from_name(val)) < 0) {
            fprintf(stderr, "fake-libvirtd: %s %s: expected next or match\n", opt, val);
            return -1;
        }
        o->pick = (fl_replay_pick)r;
        vw_daemon_replay_tuned(&o->shared, opt);
        return 0;
    }
    if (strcmp(opt, "--libvirt-version") == 0) {
        /* the modelled release (fake-libvirtd/release.c) */
        char why[256];
        if (fl_release_select(val, why, sizeof(why)) < 0) {
            fprintf(stderr, "fake-libvirtd: --libvirt-version %s\n", why);
            return -1;
        }
    } else if (strcmp(opt, "--state") == 0)
        cfg->state_file = val;
    else if (strcmp(opt, "--qemu-dir") == 0)
        cfg->qemu_dir = val;
    else if (strcmp(opt, "--fake-qemu") == 0)
        cfg->fake_qemu = val;
    else if (strcmp(opt, "--qemu-version") == 0)
        cfg->qemu_version = val;
    else if ((r = parse_limit(opt, val, &cfg->limits)) == 0 &&
             (r = parse_tls_option(opt, val, cfg, &o->tls)) == 0)
        r = parse_auth_option(opt, val, cfg, &o->sasl);
    return r < 0 ? -1 : 0;
}

/* The options together, after all were read. Returns 0 or -1 after a message. */
static int check_options(fl_options *o)
{
    fl_server_config *cfg = &o->cfg;
    cfg->limits.memory_budget = o->shared.memory_budget;
    if (check_limits(&cfg->limits) < 0)
        return -1;
    if ((cfg->fake_qemu || cfg->qemu_version) && !cfg->qemu_dir) {
        fprintf(stderr, "fake-libvirtd: --fake-qemu and --qemu-version need --qemu-dir DIR\n");
        return -1;
    }
    o->tls.cfg.verbose = cfg->verbose;
    if (tls_finish(cfg, &o->tls) < 0 || sasl_finish(cfg, &o->sasl) < 0)
        return -1;
    if (cfg->nlisten + cfg->nlisten_ro + cfg->nlisten_tls == 0) {
        fprintf(stderr, "fake-libvirtd: give at least one --listen unix:PATH or tcp:HOST:PORT "
                        "(see --help)\n");
        return -1;
    }
    return o->listen_insecure ? 0 : refuse_exposed_listeners(cfg);
}

int fl_options_parse(fl_options *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->cfg.limits.max_anonymous_clients = -1;   /* the default; 0 means no limit */
    o->cfg.tls = &o->tls.cfg;
    o->cli = (vw_daemon_cli){ "fake-libvirtd", own_opts, own_option, o, usage };
    int rc = vw_daemon_parse(&o->cli, argc, argv, &o->shared);
    if (rc != VW_START_GO)
        return rc;
    return check_options(o) < 0 ? 2 : VW_START_GO;
}

fl_replay_options fl_options_replay(const fl_options *o)
{
    fl_replay_options r;
    memset(&r, 0, sizeof(r));
    r.trace_path = o->shared.replay;
    r.allow_truncated = o->shared.allow_truncated;
    r.match = o->shared.replay_unordered ? FL_REPLAY_UNORDERED : FL_REPLAY_STRICT;
    r.unmatched = o->shared.replay_unmatched_close ? FL_REPLAY_UNMATCHED_CLOSE
                                                   : FL_REPLAY_UNMATCHED_ERROR;
    r.pick = o->pick;
    r.report_path = o->shared.replay_report;
    r.delay_max_ms = o->shared.replay_delay_max_ms;
    r.verbose = o->cfg.verbose;
    return r;
}
