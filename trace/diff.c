/* diff.c: `vwtrace diff A B`: two traces compared structurally, per connection: each message
 * reduced to a key (libvirt: program, procedure, type, status and, with --payload, the payload;
 * QMP: the JSON without id, with --payload also the timestamps), and the first divergence of
 * each connection printed. Exit status 0 same, 1 different, 2 error (vwtrace.h). */
#include "vwtrace.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "procs.h"
#include "qmp_json.h"

/* ---- diff ---------------------------------------------------------------------------------- */

struct diff_conn {
    uint32_t id;
    char **keys;                /* one per compared message, in order */
    unsigned long *lines;       /* the message's line in the trace */
    size_t n, cap;
};

struct diff_trace {
    vw_trace_protocol protocol;
    struct diff_conn *conns;    /* in the order of their open records */
    size_t n, cap;
};

struct diff_options {
    bool payload;               /* also compare payload bytes / the whole JSON */
    bool keepalive;             /* also compare keepalive PING/PONG */
    bool allow_truncated;       /* drop a cut last line with a warning */
    long max;                   /* differences to print */
};

static void diff_trace_free(struct diff_trace *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < t->conns[i].n; k++)
            free(t->conns[i].keys[k]);
        free(t->conns[i].keys);
        free(t->conns[i].lines);
    }
    free(t->conns);
}

/* Removes "id" (and for --payload comparisons "timestamp") everywhere at top level. */
static char *qmp_key(const uint8_t *raw, size_t n, const struct diff_options *opt)
{
    char why[256];
    json_t *v = vw_qmp_loads((const char *)raw, n, why, sizeof(why));
    char *key = NULL;
    if (!v) {
        size_t need = strlen(why) + 32;
        key = malloc(need);
        if (key)
            snprintf(key, need, "unparsable (%s)", why);
        return key;
    }
    if (json_is_object(v)) {
        json_object_del(v, "id");
        json_object_del(v, "timestamp");
    }
    if (opt->payload || !json_is_object(v)) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        json_decref(v);
        return text;
    }
    const char *s;
    json_t *x;
    if ((s = json_string_value(json_object_get(v, "execute"))) ||
        (s = json_string_value(json_object_get(v, "exec-oob")))) {
        json_t *args = json_object_get(v, "arguments");
        char *a = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
        size_t need = strlen(s) + (a ? strlen(a) : 0) + 32;
        key = malloc(need);
        if (key)
            snprintf(key, need, "execute %s%s%s", s, a ? " " : "", a ? a : "");
        free(a);
    } else if (json_object_get(v, "QMP")) {
        key = strdup("greeting");
    } else if (json_object_get(v, "return")) {
        key = strdup("return");
    } else if ((x = json_object_get(v, "error"))) {
        s = json_string_value(json_object_get(x, "class"));
        size_t need = (s ? strlen(s) : 0) + 16;
        key = malloc(need);
        if (key)
            snprintf(key, need, "error %s", s ? s : "?");
    } else if ((s = json_string_value(json_object_get(v, "event")))) {
        size_t need = strlen(s) + 16;
        key = malloc(need);
        if (key)
            snprintf(key, need, "event %s", s);
    } else {
        key = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    }
    json_decref(v);
    return key;
}

/* The comparable description of one record, or NULL (with *skip) for ignored ones. */
static char *record_key(vw_trace_protocol protocol, const vw_trace_record *rec,
                        const struct diff_options *opt, bool *skip)
{
    *skip = false;
    const char *dir = vw_trace_dir_name(rec->dir);
    char buf[256];
    if (rec->kind == VW_TRACE_DATA) {
        snprintf(buf, sizeof(buf), "%s data %zu bytes", dir, rec->raw_len);
        return strdup(buf);
    }
    if (protocol == VW_TRACE_QMP) {
        char *k = qmp_key(rec->raw, rec->raw_len, opt);
        if (!k)
            return NULL;
        size_t need = strlen(k) + 8;
        char *full = malloc(need);
        if (full)
            snprintf(full, need, "%s %s", dir, k);
        free(k);
        return full;
    }
    vw_packet pkt;
    vw_error pe;
    if (vw_packet_parse(rec->raw, rec->raw_len, VW_DECODE_LENIENT, &pkt, &pe) < 0) {
        snprintf(buf, sizeof(buf), "%s undecodable: %.200s", dir, pe.text);
        return strdup(buf);
    }
    if (pkt.hdr.prog == VW_KEEPALIVE_PROGRAM && !opt->keepalive) {
        *skip = true;
        return NULL;
    }
    char pname[32], procbuf[32];
    const char *prog = vw_program_name(pkt.hdr.prog);
    if (!prog) {
        snprintf(pname, sizeof(pname), "0x%08x", pkt.hdr.prog);
        prog = pname;
    }
    char typebuf[24], statusbuf[24], clean[256];
    const char *type = vw_packet_type_name(pkt.hdr.type);
    const char *status = vw_packet_status_name(pkt.hdr.status);
    if (!type) {
        snprintf(typebuf, sizeof(typebuf), "type=%d", pkt.hdr.type);
        type = typebuf;
    }
    if (!status) {
        snprintf(statusbuf, sizeof(statusbuf), "status=%d", pkt.hdr.status);
        status = statusbuf;
    }
    snprintf(clean, sizeof(clean), "%s %s %s %s %s", dir, prog,
             vw_procs_name(pkt.hdr.prog, pkt.hdr.proc, procbuf, sizeof(procbuf)), type, status);
    if (!opt->payload)
        return strdup(clean);
    size_t plen = pkt.payload_len;
    size_t need = strlen(clean) + 2 * plen + 16;
    char *full = malloc(need);
    if (!full)
        return NULL;
    size_t o = (size_t)snprintf(full, need, "%s payload=", clean);
    for (size_t i = 0; i < plen; i++)
        o += (size_t)snprintf(full + o, need - o, "%02x", pkt.payload[i]);
    return full;
}

static int diff_load(const char *path, const struct diff_options *opt, struct diff_trace *t)
{
    memset(t, 0, sizeof(*t));
    vw_error e;
    vw_trace_reader *r = vwtrace_open(path, opt->allow_truncated);
    if (!r)
        return -1;
    t->protocol = vw_trace_reader_protocol(r);
    vw_trace_record rec;
    int rc;
    while ((rc = vw_trace_read(r, &rec, &e)) == 1) {
        if (rec.kind == VW_TRACE_OPEN) {
            if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 8;
                struct diff_conn *nc = realloc(t->conns, cap * sizeof(*nc));
                if (!nc)
                    goto oom;
                t->conns = nc;
                t->cap = cap;
            }
            memset(&t->conns[t->n], 0, sizeof(t->conns[0]));
            t->conns[t->n++].id = rec.conn;
            continue;
        }
        if (rec.kind == VW_TRACE_CLOSE)
            continue;
        struct diff_conn *c = NULL;
        for (size_t i = t->n; i > 0 && !c; i--)
            if (t->conns[i - 1].id == rec.conn)
                c = &t->conns[i - 1];
        if (!c)
            continue;   /* the reader guarantees an open record; defensive */
        bool skip;
        char *key = record_key(t->protocol, &rec, opt, &skip);
        if (skip)
            continue;
        if (!key)
            goto oom;
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 16;
            char **nk = realloc(c->keys, cap * sizeof(*nk));
            if (!nk) {
                free(key);
                goto oom;
            }
            c->keys = nk;
            unsigned long *nl = realloc(c->lines, cap * sizeof(*nl));
            if (!nl) {
                free(key);
                goto oom;
            }
            c->lines = nl;
            c->cap = cap;
        }
        c->keys[c->n] = key;
        c->lines[c->n++] = rec.line;
    }
    if (rc == 0)
        vwtrace_warn_dropped(path, r);
    vw_trace_reader_free(r);
    if (rc < 0) {
        vwtrace_report_error(path, &e);
        diff_trace_free(t);
        return -1;
    }
    return 0;
oom:
    fprintf(stderr, "vwtrace: out of memory reading %s\n", path);
    vw_trace_reader_free(r);
    diff_trace_free(t);
    return -1;
}

static void diff_usage(FILE *out)
{
    fprintf(out,
            "usage: vwtrace diff [--payload] [--keepalive] [--max N] [--allow-truncated] A B\n"
            "\n"
            "Compares two traces structurally: the N-th connection of A with the N-th of B (in\n"
            "the order they opened), message by message. Serials, QMP ids and times are ignored.\n"
            "libvirt messages compare as direction, program, procedure, type and status; QMP\n"
            "messages as direction and command name + arguments, \"return\", error class or\n"
            "event name. Keepalive PING/PONG are skipped (their timing is not the client's).\n"
            "For each connection pair the first differing message is printed.\n"
            "\n"
            "  --payload     also compare payload bytes (libvirt) or the whole JSON minus\n"
            "                \"id\" and \"timestamp\" (QMP)\n"
            "  --keepalive   also compare keepalive messages\n"
            "  --max N       report at most N differing connections (default 10)\n"
            "  --allow-truncated\n"
            "                drop a cut last line of A or B (a recorder killed while writing\n"
            "                it) with a warning instead of failing; other damage still fails\n"
            "\n"
            "Exit status: 0 same, 1 different (the first differences are printed), 2 error.\n");
}

int vwtrace_diff_main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "payload", no_argument, NULL, 'p' },
        { "keepalive", no_argument, NULL, 'k' },
        { "max", required_argument, NULL, 'm' },
        { "allow-truncated", no_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    struct diff_options opt = { .payload = false, .keepalive = false, .max = 10 };
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "+pkm:h", opts, NULL)) != -1) {
        switch (o) {
        case 'p': opt.payload = true; break;
        case 'k': opt.keepalive = true; break;
        case 't': opt.allow_truncated = true; break;
        case 'm': {
            char *end;
            errno = 0;
            opt.max = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || opt.max < 1) {
                fprintf(stderr, "vwtrace diff: --max needs a positive number, not \"%s\"\n", optarg);
                return VWTRACE_EXIT_ERROR;
            }
            break;
        }
        case 'h': diff_usage(stdout); return VWTRACE_EXIT_OK;
        default: diff_usage(stderr); return VWTRACE_EXIT_ERROR;
        }
    }
    if (argc - optind != 2) {
        diff_usage(stderr);
        return VWTRACE_EXIT_ERROR;
    }
    const char *pa = argv[optind], *pb = argv[optind + 1];
    struct diff_trace a, b;
    if (diff_load(pa, &opt, &a) < 0)
        return VWTRACE_EXIT_ERROR;
    if (diff_load(pb, &opt, &b) < 0) {
        diff_trace_free(&a);
        return VWTRACE_EXIT_ERROR;
    }
    if (a.protocol != b.protocol) {
        printf("protocols differ: %s is %s, %s is %s\n", pa, vw_trace_protocol_name(a.protocol),
               pb, vw_trace_protocol_name(b.protocol));
        diff_trace_free(&a);
        diff_trace_free(&b);
        return VWTRACE_EXIT_DIFF;
    }
    long printed = 0, differences = 0;
    if (a.n != b.n) {
        differences++;
        printf("connections: %s has %zu, %s has %zu\n", pa, a.n, pb, b.n);
        printed++;
    }
    size_t nc = a.n < b.n ? a.n : b.n;
    for (size_t i = 0; i < nc; i++) {
        /* Per connection, the first divergence: after an inserted or missing message every
         * later position would differ too, so listing them would only repeat it. */
        struct diff_conn *ca = &a.conns[i], *cb = &b.conns[i];
        size_t nm = ca->n < cb->n ? ca->n : cb->n;
        size_t k = 0;
        while (k < nm && strcmp(ca->keys[k], cb->keys[k]) == 0)
            k++;
        if (k == nm && ca->n == cb->n)
            continue;
        differences++;
        if (printed >= opt.max)
            continue;
        printed++;
        if (k < nm) {
            printf("connection #%zu (A conn=%u, B conn=%u), first difference at message %zu "
                   "(A has %zu messages, B has %zu):\n  A line %lu: %.300s\n  B line %lu: %.300s\n",
                   i + 1, ca->id, cb->id, k + 1, ca->n, cb->n, ca->lines[k], ca->keys[k],
                   cb->lines[k], cb->keys[k]);
        } else {
            struct diff_conn *longer = ca->n > cb->n ? ca : cb;
            printf("connection #%zu (A conn=%u, B conn=%u): A has %zu messages, B has %zu; "
                   "first extra in %s line %lu: %.300s\n", i + 1, ca->id, cb->id, ca->n, cb->n,
                   ca->n > cb->n ? "A" : "B", longer->lines[nm], longer->keys[nm]);
        }
    }
    if (differences > printed)
        printf("... %ld more connections differ\n", differences - printed);
    if (differences == 0)
        printf("same: %zu connections\n", a.n);
    diff_trace_free(&a);
    diff_trace_free(&b);
    return differences ? VWTRACE_EXIT_DIFF : VWTRACE_EXIT_OK;
}

