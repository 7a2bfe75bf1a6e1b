/* virtc_qmp.c: `virtc qmp ...`, QMP straight to a QEMU monitor socket (or fake-qemu).
 *
 *   virtc qmp TARGET COMMAND [JSON-ARGS]     run one command, print its return value as JSON
 *   virtc qmp TARGET --events [COMMAND ...]  print events as JSON lines until --timeout
 *
 * Exit status: 0 success; 1 the command failed ("error: CLASS: desc" on stderr);
 * 2 usage, connection, protocol or timeout problems (a message on stderr).
 */
#include "virtc.h"
#include "qmp_client.h"
#include "qmp_json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_CMD_FAILED 1
#define EXIT_TROUBLE    2

static void qmp_usage(FILE *out)
{
    fprintf(out,
"usage: virtc qmp TARGET COMMAND [JSON-ARGS] [OPTIONS]\n"
"       virtc qmp TARGET --events [--timeout S] [COMMAND [JSON-ARGS]]\n"
"\n"
"Speaks QMP directly to a QEMU monitor socket (or fake-qemu): reads the greeting,\n"
"negotiates capabilities, runs COMMAND and prints its return value as one line of JSON.\n"
"\n"
"  TARGET           unix:PATH or tcp:HOST:PORT\n"
"  COMMAND          a QMP command name, e.g. query-status\n"
"  JSON-ARGS        the command's arguments as a JSON object, e.g. '{\"id\": \"kbd0\"}'\n"
"                   (QEMU's syntax: 'single quotes' are accepted too)\n"
"\n"
"options:\n"
"  --timeout S      seconds for connecting and for each reply (default 10); with --events,\n"
"                   how long to listen for events\n"
"  --id JSON        use this id for the command (any JSON value; default: generated)\n"
"  --oob            enable the oob capability and send the command with exec-oob\n"
"  --events         print every event (and the command's reply, if COMMAND is given) as a\n"
"                   JSON line, in arrival order, until the timeout or the server closes\n"
"  --greeting       print the server's greeting before anything else\n"
"  -h, --help       this text\n"
"\n"
"exit status: 0 success, 1 the command failed (\"error: CLASS: desc\" on stderr),\n"
"             2 usage, connection, protocol or timeout problem\n");
}

static void print_json_line(const json_t *v)
{
    char *s = vw_qmp_dumps(v, 0);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    fflush(stdout);
}

static void print_event(void *opaque, const vw_qmp_event *ev)
{
    (void)opaque;
    print_json_line(ev->msg);
}

static int report(const vw_qmp_error *err)
{
    if (err->code == VW_QMP_ERR_COMMAND) {
        fprintf(stderr, "error: %s: %s\n", err->cls, err->desc);
        return EXIT_CMD_FAILED;
    }
    fprintf(stderr, "virtc qmp: %s: %s\n", vw_qmp_errcode_name(err->code), err->desc);
    return EXIT_TROUBLE;
}

int virtc_qmp_main(int argc, char **argv)
{
    const char *target = NULL, *command = NULL, *args_text = NULL, *id_text = NULL;
    double timeout_s = 10.0;
    int events = 0, oob = 0, greeting = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            qmp_usage(stdout);
            return 0;
        } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--id") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "virtc qmp: %s needs a value (see virtc qmp --help)\n", a);
                return EXIT_TROUBLE;
            }
            if (strcmp(a, "--id") == 0) {
                id_text = argv[++i];
                continue;
            }
            char *end;
            errno = 0;
            timeout_s = strtod(argv[++i], &end);
            if (errno || *end || !(timeout_s > 0) || timeout_s > 2000000 || isnan(timeout_s)) {
                fprintf(stderr, "virtc qmp: --timeout wants a number of seconds > 0, not '%s'\n",
                        argv[i]);
                return EXIT_TROUBLE;
            }
        } else if (strcmp(a, "--events") == 0) {
            events = 1;
        } else if (strcmp(a, "--oob") == 0) {
            oob = 1;
        } else if (strcmp(a, "--greeting") == 0) {
            greeting = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "virtc qmp: unknown option '%s' (see virtc qmp --help)\n", a);
            return EXIT_TROUBLE;
        } else if (!target) {
            target = a;
        } else if (!command) {
            command = a;
        } else if (!args_text) {
            args_text = a;
        } else {
            fprintf(stderr, "virtc qmp: unexpected argument '%s' (see virtc qmp --help)\n", a);
            return EXIT_TROUBLE;
        }
    }
    if (!target) {
        fprintf(stderr, "virtc qmp: no target given (unix:PATH or tcp:HOST:PORT)\n");
        qmp_usage(stderr);
        return EXIT_TROUBLE;
    }
    if (!command && !events && !greeting) {
        fprintf(stderr, "virtc qmp: no command given (e.g. query-status), and no --events\n");
        return EXIT_TROUBLE;
    }

    char perr[300];
    json_t *args = NULL, *id = NULL;
    if (args_text) {
        args = vw_qmp_loads(args_text, strlen(args_text), perr, sizeof(perr));
        if (!args || !vw_qmp_is_object(args)) {
            fprintf(stderr, "virtc qmp: JSON-ARGS must be one JSON object: %s\n",
                    args ? "got another kind of value" : perr);
            json_decref(args);
            return EXIT_TROUBLE;
        }
    }
    if (id_text) {
        id = vw_qmp_loads(id_text, strlen(id_text), perr, sizeof(perr));
        if (!id) {
            fprintf(stderr, "virtc qmp: --id must be one JSON value: %s\n", perr);
            json_decref(args);
            return EXIT_TROUBLE;
        }
    }

    int timeout_ms = (int)(timeout_s * 1000.0);
    if (timeout_ms < 1) {
        timeout_ms = 1;
    }
    /* with --events the timeout is the listening time; connecting gets its own 10 s */
    int call_ms = events ? 10000 : timeout_ms;
    int rc = 0;
    vw_qmp_error err;
    vw_qmp_client *c = vw_qmp_client_connect(target, call_ms, &err);
    if (!c) {
        rc = report(&err);
        goto out;
    }
    if (greeting) {
        json_t *g = json_pack("{s:O}", "QMP", vw_qmp_client_greeting(c));
        print_json_line(g);
        json_decref(g);
    }
    if (vw_qmp_client_negotiate(c, oob, call_ms, &err) < 0) {
        rc = report(&err);
        goto out;
    }
    if (oob && !vw_qmp_client_oob_enabled(c)) {
        fprintf(stderr, "virtc qmp: --oob: the server does not offer the oob capability\n");
        rc = EXIT_TROUBLE;
        goto out;
    }
    if (events) {
        vw_qmp_client_set_event_handler(c, print_event, NULL);
    }
    if (command) {
        json_t *ret = NULL;
        int r = vw_qmp_client_execute(c, command, args, id, oob ? VW_QMP_EXEC_OOB : 0, call_ms,
                                      &ret, &err);
        if (r < 0) {
            rc = report(&err);
            goto out;
        }
        if (events) {
            json_t *line = json_pack("{s:O}", "return", ret);
            print_json_line(line);
            json_decref(line);
        } else {
            print_json_line(ret);
        }
        json_decref(ret);
    }
    if (events) {
        if (vw_qmp_client_wait_events(c, timeout_ms, &err) < 0) {
            if (err.code == VW_QMP_ERR_CLOSED && command) {
                /* e.g. after quit: QEMU closes the socket once it has answered */
                fprintf(stderr, "virtc qmp: %s\n", err.desc);
            } else {
                rc = report(&err);
            }
        }
    }
out:
    vw_qmp_client_close(c);
    json_decref(args);
    json_decref(id);
    return rc;
}
