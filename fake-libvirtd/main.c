/* main.c: fake-libvirtd's command line (the fixed interface in DESIGN.md), start-up and the
 * `ready` line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "dispatch.h"
#include "faults.h"
#include "fl_sasl.h"
#include "netaddr.h"
#include "record.h"
#include "release.h"
#include "replay.h"
#include "daemon.h"
#include "stubs.h"
#include "vw_version.h"

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

/* The TLS options and the files --tls-dir names. */
typedef struct {
    fl_tls_config cfg;
    const char *dir;
    char ca[4096], cert[4096], key[4096];
} fl_tls_files;

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
            "  --scenario FILE   answer calls from the stubs in FILE first, in every mode\n"
            "                    (docs/scenario-format.md)\n"
            "  --admin unix:PATH control socket: add/remove stubs, journal, reset\n"
            "                    (newline-delimited JSON, docs/admin-protocol.md)\n"
            "  --seed N          seed for everything random (stub and fault probabilities)\n"
            "  --faults FILE     inject faults from the JSON rules in FILE (docs/faults.md)\n"
            "  --qemu-dir DIR    on qemu:// URIs run one fake-qemu per running domain with its QMP\n"
            "                    socket at DIR/<name>.qmp (or use a QEMU already listening there);\n"
            "                    lifecycle calls and the monitor passthrough go over QMP\n"
            "  --fake-qemu PATH  the fake-qemu to run (default: next to this executable)\n"
            "  --qemu-version V  passed to fake-qemu (--qemu-version V)\n"
            "  --verbose         log connection problems to stderr\n"
            "  --help            this text\n"
            "  --version         fake-libvirtd's version\n"
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
            "Prints `ready` on stdout when every socket accepts; exits 0 on SIGTERM.\n"
            "\n"
            "Record and replay (docs/replay.md):\n"
            "  --record TRACE --upstream unix:PATH|tcp:HOST:PORT\n"
            "                    a transparent proxy: every client gets its own connection to the\n"
            "                    real libvirtd at --upstream; all traffic is written to TRACE,\n"
            "                    each message's record before the message is forwarded (a\n"
            "                    killed recorder's trace has all that either side received)\n"
            "  --record-sync     also fdatasync the trace before forwarding (survives a power\n"
            "                    loss; costs one disk flush per forwarded batch)\n"
            "  --replay TRACE    answer clients from TRACE: each client is served from the next\n"
            "                    recorded connection; serials are renumbered to the client's\n"
            "  --allow-truncated drop a cut last line of TRACE (a recorder killed while writing\n"
            "                    it) with a warning instead of refusing the trace\n"
            "  --replay-match strict|unordered\n"
            "                    strict (default): only the next recorded call may match;\n"
            "                    unordered: the first unused call with equal program, procedure\n"
            "                    and argument bytes\n"
            "  --replay-unmatched error|close\n"
            "                    a call that matches nothing gets an RPC error reply (default) or\n"
            "                    closes the connection\n"
            "  --replay-pick next|match\n"
            "                    serve a client from the next recorded connection (default), or\n"
            "                    from the first free one whose opening calls match its calls\n"
            "  --replay-delay-max MS\n"
            "                    events and other server messages keep their recorded delay\n"
            "                    after the call or reply they follow, up to MS milliseconds\n"
            "                    (default 100; 0: none); a reply never overtakes them\n"
            "  --replay-report FILE\n"
            "                    write the replay report (matched, unmatched, never used) as JSON\n");
}

/* One integer option in [min, max]. Returns 0, or -1 after saying what was expected. */
static int parse_count(const char *opt, const char *val, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || *end || !*val || v < min || v > max) {
        fprintf(stderr, "fake-libvirtd: %s %s: expected an integer from %ld to %ld\n", opt, val,
                min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* The client limits (libvirtd.conf's names) and the memory budget. Returns 1 when opt is one of
 * them and val is good, 0 when opt is another option, -1 on a bad value. */
static int parse_limit(const char *opt, const char *val, fl_limits *lim)
{
    long v;
    if (strcmp(opt, "--max-clients") == 0)
        return parse_count(opt, val, 1, 1000000, &lim->max_clients) < 0 ? -1 : 1;
    if (strcmp(opt, "--max-anonymous-clients") == 0)
        return parse_count(opt, val, 0, 1000000, &lim->max_anonymous_clients) < 0 ? -1 : 1;
    if (strcmp(opt, "--max-client-requests") == 0)
        return parse_count(opt, val, 1, 1000000, &lim->max_client_requests) < 0 ? -1 : 1;
    if (strcmp(opt, "--memory-budget-mib") == 0) {
        if (parse_count(opt, val, 1, 1L << 20, &v) < 0)
            return -1;
        lim->memory_budget = (size_t)v << 20;
        return 1;
    }
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

/* The scenario's "faults" section and the admin socket's set_faults (docs/faults.md). */
static struct {
    fl_server *srv;
    unsigned long long seed;
} fault_target;

static int set_faults(void *opaque, const json_t *rules, char *err, size_t errlen)
{
    char why[512];
    vw_faults *f = rules && !json_is_null(rules)
                       ? vw_faults_from_json(rules, fault_target.seed, why, sizeof(why)) : NULL;
    (void)opaque;
    if (rules && !json_is_null(rules) &&
        (!f || vw_faults_check_protocol(f, VW_FAULT_PROTO_LIBVIRT, why, sizeof(why)) < 0)) {
        vw_faults_unref(f);
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (f && vw_faults_count(f) == 0) {   /* [] removes every rule */
        vw_faults_unref(f);
        f = NULL;
    }
    fl_server_set_faults(fault_target.srv, f);   /* null or [] clears */
    return 0;
}

int main(int argc, char **argv)
{
    fl_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.limits.max_anonymous_clients = -1;   /* the default; 0 means no limit */
    const char *scenario_file = NULL, *admin_spec = NULL, *faults_file = NULL;
    unsigned long long seed = 0;
    const char *record_path = NULL, *upstream = NULL, *replay_tuned = NULL;
    bool record_sync = false;
    fl_replay_options ropt;
    memset(&ropt, 0, sizeof(ropt));
    ropt.delay_max_ms = FL_REPLAY_DELAY_MAX_MS;
    bool listen_insecure = false;
    fl_tls_files tls;
    memset(&tls, 0, sizeof(tls));
    fl_sasl_config sasl;
    memset(&sasl, 0, sizeof(sasl));
    cfg.tls = &tls.cfg;
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
                           strcmp(opt, "--admin") == 0 || strcmp(opt, "--qemu-dir") == 0 ||
                           strcmp(opt, "--fake-qemu") == 0 || strcmp(opt, "--qemu-version") == 0 ||
                           strcmp(opt, "--faults") == 0 || strncmp(opt, "--replay-", 9) == 0 ||
                           strcmp(opt, "--libvirt-version") == 0 ||
                           strncmp(opt, "--max-", 6) == 0 ||
                           strcmp(opt, "--memory-budget-mib") == 0 ||
                           (strncmp(opt, "--tls-", 6) == 0 &&
                            strcmp(opt, "--tls-no-verify-certificate") != 0) ||
                           strcmp(opt, "--listen-tls") == 0 || strncmp(opt, "--auth-", 7) == 0 ||
                           strncmp(opt, "--sasl-", 7) == 0;
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
        int lim = takes_value ? parse_limit(opt, val, &cfg.limits) : 0;
        if (lim == 0)
            lim = parse_tls_option(opt, val, &cfg, &tls);
        if (lim == 0 && takes_value)
            lim = parse_auth_option(opt, val, &cfg, &sasl);
        if (lim < 0)
            return 2;
        if (lim > 0) {
            continue;
        } else if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(opt, "--version") == 0 || strcmp(opt, "-V") == 0) {
            printf("fake-libvirtd (virt-wire) %s\n", VW_VERSION);
            return 0;
        } else if (strcmp(opt, "--verbose") == 0 || strcmp(opt, "-v") == 0) {
            cfg.verbose = 1;
        } else if (strcmp(opt, "--listen") == 0) {
            if (cfg.nlisten >= FL_MAX_LISTENERS) {
                fprintf(stderr, "fake-libvirtd: at most %d --listen options\n", FL_MAX_LISTENERS);
                return 2;
            }
            cfg.listen[cfg.nlisten++] = val;
        } else if (strcmp(opt, "--listen-insecure") == 0) {
            listen_insecure = true;
        } else if (strcmp(opt, "--listen-ro") == 0) {
            if (cfg.nlisten_ro >= FL_MAX_LISTENERS) {
                fprintf(stderr, "fake-libvirtd: at most %d --listen-ro options\n",
                        FL_MAX_LISTENERS);
                return 2;
            }
            cfg.listen_ro[cfg.nlisten_ro++] = val;
        } else if (strcmp(opt, "--libvirt-version") == 0) {
            /* the modelled release (fake-libvirtd/release.c) */
            char why[256];
            if (fl_release_select(val, why, sizeof(why)) < 0) {
                fprintf(stderr, "fake-libvirtd: --libvirt-version %s\n", why);
                return 2;
            }
        } else if (strcmp(opt, "--state") == 0) {
            cfg.state_file = val;
        } else if (strcmp(opt, "--seed") == 0) {
            char *end;
            errno = 0;
            seed = strtoull(val, &end, 10);
            if (errno || *end || !*val) {
                fprintf(stderr, "fake-libvirtd: --seed %s: expected a non-negative integer\n", val);
                return 2;
            }
        } else if (strcmp(opt, "--qemu-dir") == 0) {
            cfg.qemu_dir = val;
        } else if (strcmp(opt, "--fake-qemu") == 0) {
            cfg.fake_qemu = val;
        } else if (strcmp(opt, "--qemu-version") == 0) {
            cfg.qemu_version = val;
        } else if (strcmp(opt, "--scenario") == 0) {
            scenario_file = val;
        } else if (strcmp(opt, "--admin") == 0) {
            admin_spec = val;
        } else if (strcmp(opt, "--faults") == 0) {
            faults_file = val;
        } else if (strcmp(opt, "--record") == 0) {
            record_path = val;
        } else if (strcmp(opt, "--record-sync") == 0) {
            record_sync = true;
        } else if (strcmp(opt, "--allow-truncated") == 0) {
            ropt.allow_truncated = true;
            replay_tuned = "--allow-truncated";
        } else if (strcmp(opt, "--upstream") == 0) {
            upstream = val;
        } else if (strcmp(opt, "--replay") == 0) {
            ropt.trace_path = val;
        } else if (strcmp(opt, "--replay-match") == 0 || strcmp(opt, "--replay-unmatched") == 0 ||
                   strcmp(opt, "--replay-pick") == 0) {
            int v = opt[9] == 'm' ? fl_replay_match_from_name(val)
                    : opt[9] == 'u' ? fl_replay_unmatched_from_name(val)
                                    : fl_replay_pick_from_name(val);
            if (v < 0) {
                fprintf(stderr, "fake-libvirtd: %s %s: expected %s\n", opt, val,
                        opt[9] == 'm' ? "strict or unordered"
                        : opt[9] == 'u' ? "error or close" : "next or match");
                return 2;
            }
            if (opt[9] == 'm')
                ropt.match = (fl_replay_match)v;
            else if (opt[9] == 'u')
                ropt.unmatched = (fl_replay_unmatched)v;
            else
                ropt.pick = (fl_replay_pick)v;
            replay_tuned = opt[9] == 'm' ? "--replay-match"
                           : opt[9] == 'u' ? "--replay-unmatched" : "--replay-pick";
        } else if (strcmp(opt, "--replay-delay-max") == 0) {
            char *end;
            errno = 0;
            ropt.delay_max_ms = strtoll(val, &end, 10);
            if (errno || *end || !*val || ropt.delay_max_ms < 0 || ropt.delay_max_ms > 3600000) {
                fprintf(stderr, "fake-libvirtd: --replay-delay-max %s: expected milliseconds, "
                        "0..3600000\n", val);
                return 2;
            }
            replay_tuned = "--replay-delay-max";
        } else if (strcmp(opt, "--replay-report") == 0) {
            ropt.report_path = val;
            replay_tuned = "--replay-report";
        } else if (takes_value) {
            fprintf(stderr, "fake-libvirtd: %s is not implemented yet in this version\n", opt);
            return 2;
        } else {
            fprintf(stderr, "fake-libvirtd: unknown option '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (check_limits(&cfg.limits) < 0)
        return 2;
    if ((cfg.fake_qemu || cfg.qemu_version) && !cfg.qemu_dir) {
        fprintf(stderr, "fake-libvirtd: --fake-qemu and --qemu-version need --qemu-dir DIR\n");
        return 2;
    }
    tls.cfg.verbose = cfg.verbose;
    if (tls_finish(&cfg, &tls) < 0 || sasl_finish(&cfg, &sasl) < 0)
        return 2;
    if (cfg.nlisten + cfg.nlisten_ro + cfg.nlisten_tls == 0) {
        fprintf(stderr, "fake-libvirtd: give at least one --listen unix:PATH or tcp:HOST:PORT "
                        "(see --help)\n");
        return 2;
    }
    if (!listen_insecure && refuse_exposed_listeners(&cfg) < 0)
        return 2;
    /* record / replay (fake-libvirtd/record.c, replay.c, docs/replay.md) */
    if (record_path && ropt.trace_path) {
        fprintf(stderr, "fake-libvirtd: --record and --replay exclude each other\n");
        return 2;
    }
    if (record_sync && !record_path) {
        fprintf(stderr, "fake-libvirtd: --record-sync needs --record TRACE\n");
        return 2;
    }
    if (!record_path != !upstream) {
        fprintf(stderr, "fake-libvirtd: --record TRACE and --upstream unix:PATH|tcp:HOST:PORT go "
                        "together (see --help)\n");
        return 2;
    }
    if (replay_tuned && !ropt.trace_path) {
        fprintf(stderr, "fake-libvirtd: %s needs --replay TRACE\n", replay_tuned);
        return 2;
    }
    char err[1024];
    fl_record *recorder = NULL;
    fl_replay *replayer = NULL;
    if (record_path) {
        recorder = fl_record_new(record_path, upstream, cfg.verbose, record_sync, err,
                                 sizeof(err));
        if (!recorder) {
            fprintf(stderr, "fake-libvirtd: %s\n", err);
            return 1;
        }
        fl_record_attach(recorder, &cfg);
    } else if (ropt.trace_path) {
        ropt.verbose = cfg.verbose;
        replayer = fl_replay_new(&ropt, err, sizeof(err));
        if (!replayer) {
            fprintf(stderr, "fake-libvirtd: %s\n", err);
            return 2;
        }
        fl_replay_attach(replayer, &cfg);
    }
    if (fl_dispatch_check_handlers(err, sizeof(err)) < 0) {
        fprintf(stderr, "fake-libvirtd: %s\n", err);
        return 1;
    }
    fl_server *srv = fl_server_new(&cfg, err, sizeof(err));
    if (!srv) {
        fprintf(stderr, "fake-libvirtd: %s\n", err);
        return 1;
    }
    /* scenario stubs and the admin socket (docs/scenario-format.md, docs/admin-protocol.md) */
    fl_stubs *stubs = NULL;
    vw_admin *admin = NULL;
    if (scenario_file || admin_spec) {
        stubs = fl_stubs_new(srv, scenario_file, seed, err, sizeof(err));
        if (!stubs) {
            fprintf(stderr, "fake-libvirtd: %s\n", err);
            fl_server_free(srv);
            return 1;
        }
        fl_server_set_stubs(srv, stubs);
        fault_target.srv = srv;
        fault_target.seed = seed;
        fl_stubs_set_faults_hook(stubs, set_faults, &fault_target);
        const json_t *sf = fl_stubs_faults(stubs);
        if (sf && !faults_file && set_faults(&fault_target, sf, err, sizeof(err)) < 0) {
            fprintf(stderr, "fake-libvirtd: --scenario %s: %s\n", scenario_file, err);
            fl_server_free(srv);
            fl_stubs_free(stubs);
            return 1;
        }
    }
    if (faults_file) {
        /* --faults wins over the scenario's "faults" section */
        vw_faults *f = vw_faults_load_file(faults_file, seed, VW_FAULT_PROTO_LIBVIRT, err, sizeof(err));
        if (!f) {
            fprintf(stderr, "fake-libvirtd: %s\n", err);
            fl_server_free(srv);
            fl_stubs_free(stubs);
            return 1;
        }
        fl_server_set_faults(srv, f);
    }
    if (admin_spec) {
        admin = vw_admin_new(fl_server_loop(srv), admin_spec, fl_stubs_admin, stubs, err,
                             sizeof(err));
        if (!admin) {
            fprintf(stderr, "fake-libvirtd: %s\n", err);
            fl_server_free(srv);
            fl_stubs_free(stubs);
            return 1;
        }
    }
    printf("ready\n");
    fflush(stdout);
    int rc = fl_server_run(srv);
    vw_admin_free(admin);
    fl_record_shutdown(recorder);
    fl_server_free(srv);
    fl_stubs_free(stubs);
    fl_sasl_global_done();
    if (fl_record_free(recorder) < 0 || fl_replay_free(replayer) < 0)
        rc = -1;
    return rc == 0 ? 0 : 1;
}
