/* import.c: `vwtrace import-replies FILE OUT`: libvirt's QMP capture format (the .replies
 * files of its tests) converted into a qmp trace with one connection (vwtrace.h). */
#include "vwtrace.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp_json.h"
#include "vw_util.h"

/* ---- import-replies ---------------------------------------------------------------------- */

static void import_usage(FILE *out)
{
    fprintf(out,
            "usage: vwtrace import-replies FILE.replies OUT\n"
            "\n"
            "Converts libvirt's QMP capture format (tests/qemucapabilitiesdata/*.replies:\n"
            "pretty-printed JSON objects separated by blank lines, strictly alternating command\n"
            "and reply, the greeting implied) into a qmp trace with one connection: a greeting\n"
            "(its version taken from the reply to query-version when there is one), then each\n"
            "command (c2s) and reply (s2c) as QEMU and libvirt put them on the wire, one line each\n"
            "ending in CRLF. Times are 1 ms apart. Objects with \"event\" are carried as events.\n");
}

struct replies_entry {
    json_t *v;
    unsigned long line;
};

static unsigned long count_lines(const char *s, size_t from, size_t to, unsigned long line)
{
    for (size_t i = from; i < to; i++)
        if (s[i] == '\n')
            line++;
    return line;
}

#define REPLIES_MAX (256u << 20)

static char *slurp(const char *path, size_t *len)
{
    char why[256];
    char *text = vw_read_file(path, REPLIES_MAX, len, why, sizeof(why));
    if (!text)
        fprintf(stderr, "vwtrace: %s: %s\n", path, why);
    return text;
}

static int write_qmp_value(vw_trace_writer *w, vw_trace_dir dir, uint64_t t, const json_t *v,
                           vw_error *e)
{
    char *text;
    if (dir == VW_TRACE_C2S)
        text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);   /* as libvirt sends */
    else
        text = vw_qmp_dumps(v, 0);                                  /* as QEMU sends */
    if (!text) {
        return vw_error_set(e, NULL, 0, 0, 0, "out of memory");
    }
    size_t n = strlen(text);
    char *line = malloc(n + 3);
    if (!line) {
        free(text);
        return vw_error_set(e, NULL, 0, 0, 0, "out of memory");
    }
    memcpy(line, text, n);
    memcpy(line + n, "\r\n", 3);
    free(text);
    int rc = vw_trace_write_message(w, 1, dir, t, line, n + 2, e);
    free(line);
    return rc;
}

int vwtrace_import_replies_main(int argc, char **argv)
{
    int rc;
    if (vwtrace_simple_options(argc, argv, import_usage, NULL, &rc) < 0)
        return rc;
    if (argc - optind != 2) {
        import_usage(stderr);
        return VWTRACE_EXIT_ERROR;
    }
    const char *in = argv[optind], *out = argv[optind + 1];
    size_t len;
    char *text = slurp(in, &len);
    if (!text)
        return VWTRACE_EXIT_ERROR;
    struct replies_entry *ents = NULL;
    size_t nents = 0, capents = 0;
    size_t pos = 0;
    unsigned long line = 1;
    int status = VWTRACE_EXIT_OK;
    for (;;) {
        size_t start = pos;
        while (pos < len && isspace((unsigned char)text[pos]))
            pos++;
        line = count_lines(text, start, pos, line);
        if (pos >= len)
            break;
        json_error_t je;
        json_t *v = json_loadb(text + pos, len - pos, JSON_DISABLE_EOF_CHECK |
                               JSON_REJECT_DUPLICATES, &je);
        if (!v) {
            vw_error e;
            char msg[1024];
            vw_error_from_json(&e, in, &je);
            e.line = line + (unsigned long)(je.line > 0 ? je.line : 1) - 1;
            if (je.line <= 1) {          /* jansson counts columns from pos, not the line start */
                size_t bol = pos;
                while (bol > 0 && text[bol - 1] != '\n')
                    bol--;
                e.column += pos - bol;
            }
            snprintf(e.text, sizeof(e.text), "bad JSON: %s", je.text);
            fprintf(stderr, "vwtrace: %s\n", vw_error_format(&e, msg, sizeof(msg)));
            status = VWTRACE_EXIT_ERROR;
            break;
        }
        if (!json_is_object(v)) {
            fprintf(stderr, "vwtrace: %s:%lu: expected a JSON object\n", in, line);
            json_decref(v);
            status = VWTRACE_EXIT_ERROR;
            break;
        }
        if (nents == capents) {
            size_t cap = capents ? capents * 2 : 64;
            struct replies_entry *ne = realloc(ents, cap * sizeof(*ne));
            if (!ne) {
                json_decref(v);
                fprintf(stderr, "vwtrace: out of memory\n");
                status = VWTRACE_EXIT_ERROR;
                break;
            }
            ents = ne;
            capents = cap;
        }
        ents[nents].v = v;
        ents[nents++].line = line;
        size_t end = pos + je.position;
        line = count_lines(text, pos, end, line);
        pos = end;
    }
    free(text);

    /* Check the alternation: command, then its reply (events may come in between). */
    json_t *version = NULL;
    bool want_reply = false;
    for (size_t i = 0; i < nents && status == VWTRACE_EXIT_OK; i++) {
        json_t *v = ents[i].v;
        bool is_cmd = json_object_get(v, "execute") || json_object_get(v, "exec-oob");
        bool is_reply = json_object_get(v, "return") || json_object_get(v, "error");
        bool is_event = json_object_get(v, "event") != NULL;
        if (is_cmd && !want_reply) {
            want_reply = true;
        } else if (is_reply && want_reply) {
            want_reply = false;
            const char *cmd = json_string_value(json_object_get(ents[i - 1].v, "execute"));
            if (cmd && strcmp(cmd, "query-version") == 0 && !version)
                version = json_object_get(v, "return");
        } else if (!is_event) {
            fprintf(stderr, "vwtrace: %s:%lu: expected %s, found %s\n", in, ents[i].line,
                    want_reply ? "the reply (\"return\" or \"error\") to the command before"
                               : "a command (\"execute\")",
                    is_cmd ? "a command" : is_reply ? "a reply" : "an object that is neither");
            status = VWTRACE_EXIT_ERROR;
        }
    }
    if (status == VWTRACE_EXIT_OK && want_reply) {
        fprintf(stderr, "vwtrace: %s:%lu: the last command has no reply\n", in,
                ents[nents - 1].line);
        status = VWTRACE_EXIT_ERROR;
    }

    vw_trace_writer *w = NULL;
    vw_error e;
    if (status == VWTRACE_EXIT_OK) {
        char tool[64];
        snprintf(tool, sizeof(tool), "vwtrace import-replies %s", VW_VERSION);
        w = vw_trace_writer_open(out, VW_TRACE_QMP, tool, NULL, &e);
        if (!w) {
            vwtrace_report_error(out, &e);
            status = VWTRACE_EXIT_ERROR;
        } else {
            vw_trace_writer_set_header(w, "source", json_string(in), NULL);
        }
    }
    if (w) {
        uint64_t t = 0;
        json_t *greeting = json_pack("{s:{s:O?,s:[s]}}", "QMP", "version",
                                     version ? version : NULL, "capabilities", "oob");
        if (!version && greeting) {
            json_t *ver = json_pack("{s:{s:i,s:i,s:i},s:s}", "qemu", "micro", 0, "minor", 0,
                                    "major", 0, "package", "");
            json_object_set_new(json_object_get(greeting, "QMP"), "version", ver);
        }
        bool ok = greeting && vw_trace_write_open(w, 1, t, "import", &e) == 0 &&
                  write_qmp_value(w, VW_TRACE_S2C, t, greeting, &e) == 0;
        json_decref(greeting);
        for (size_t i = 0; i < nents && ok; i++) {
            t += 1000;
            json_t *v = ents[i].v;
            bool is_cmd = json_object_get(v, "execute") || json_object_get(v, "exec-oob");
            ok = write_qmp_value(w, is_cmd ? VW_TRACE_C2S : VW_TRACE_S2C, t, v, &e) == 0;
        }
        if (ok)
            ok = vw_trace_write_close(w, 1, t + 1000, "client", &e) == 0;
        if (!ok) {
            vwtrace_report_error(out, &e);
            status = VWTRACE_EXIT_ERROR;
        }
        if (vw_trace_writer_close(w, &e) < 0 && status == VWTRACE_EXIT_OK) {
            vwtrace_report_error(out, &e);
            status = VWTRACE_EXIT_ERROR;
        }
        if (status == VWTRACE_EXIT_OK)
            fprintf(stderr, "vwtrace: %zu messages from %s written to %s\n", nents, in, out);
    }
    for (size_t i = 0; i < nents; i++)
        json_decref(ents[i].v);
    free(ents);
    return status;
}

