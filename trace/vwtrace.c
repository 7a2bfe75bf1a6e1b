/* vwtrace.c: the vwtrace program: main and the offline subcommands on trace files:
 *   show TRACE                     human-readable listing, decoded from the raw bytes
 *   pcap TRACE OUT.pcap            synthetic TCP capture for tshark's libvirt dissector
 *   diff A B                       structural comparison, per connection
 *   import-replies FILE OUT        libvirt's QMP .replies format -> a qmp trace
 * The recording proxy (record-libvirt, record-qmp) lives in record.c.
 * Exit status: 0 fine (diff: same), 1 diff: different, 2 usage/file/I/O error. */
#include "vwtrace.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "pcap.h"
#include "procs.h"
#include "qmp_json.h"
#include "vw_util.h"

static void main_usage(FILE *out)
{
    fprintf(out,
            "usage: vwtrace COMMAND [OPTIONS] ARGS   (vwtrace COMMAND --help for details)\n"
            "\n"
            "Trace files (docs/trace-format.md) of libvirt RPC and QMP conversations:\n"
            "  show TRACE                    print every record, decoded, one per line\n"
            "                                (show, pcap, diff: --allow-truncated drops a cut\n"
            "                                last line with a warning)\n"
            "  pcap TRACE OUT.pcap           export a libvirt trace for Wireshark/tshark\n"
            "  diff A B                      compare two traces structurally (exit 0 same, 1 different)\n"
            "  import-replies FILE OUT       convert libvirt's QMP .replies file into a qmp trace\n"
            "  record-libvirt --listen ADDR --upstream ADDR -o TRACE\n"
            "                                recording proxy in front of a libvirtd\n"
            "  record-qmp --listen ADDR --upstream ADDR -o TRACE\n"
            "                                recording proxy in front of a QEMU QMP socket\n"
            "\n"
            "  --help, -h                    this text\n"
            "  --version, -V                 vwtrace's version\n"
            "\n"
            "Exit status: 0 success (diff: same), 1 diff: the traces differ, 2 error.\n");
}

/* Parses --help (and --allow-truncated when allow_truncated is not NULL) for the simple
 * subcommands; returns -1 to exit with *rc. */
static int simple_options(int argc, char **argv, void (*usage)(FILE *), bool *allow_truncated,
                          int *rc)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "allow-truncated", no_argument, NULL, 't' },
        { NULL, 0, NULL, 0 }
    };
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (o == 't' && allow_truncated) {
            *allow_truncated = true;
            continue;
        }
        if (o == 'h') {
            usage(stdout);
            *rc = VWTRACE_EXIT_OK;
        } else {
            usage(stderr);
            *rc = VWTRACE_EXIT_ERROR;
        }
        return -1;
    }
    return 0;
}

/* "vwtrace: PATH:LINE: text", or "vwtrace: text" when the error is not tied to a line (its text
 * names the file then). */
static void report_trace_error(const char *path, vw_error *e)
{
    char msg[1024];
    if (e->line)
        vw_error_set_source(e, path);
    fprintf(stderr, "vwtrace: %s\n", vw_error_format(e, msg, sizeof(msg)));
}

/* Opens a trace for show, pcap and diff; NULL after printing why. */
static vw_trace_reader *open_trace(const char *path, bool allow_truncated)
{
    vw_error e;
    vw_trace_reader *r = vw_trace_reader_open(path, &e);
    if (!r)
        report_trace_error(path, &e);
    else
        vw_trace_reader_allow_truncated(r, allow_truncated);
    return r;
}

/* At the end of a trace read with --allow-truncated: the warning for a dropped cut line. */
static void warn_dropped(const char *path, const vw_trace_reader *r)
{
    const vw_error *d = vw_trace_reader_dropped(r);
    if (d) {
        vw_error w = *d;
        char msg[1024];
        vw_error_set_source(&w, path);
        snprintf(w.text, sizeof(w.text), "warning: %.500s", d->text);
        fprintf(stderr, "vwtrace: %s\n", vw_error_format(&w, msg, sizeof(msg)));
    }
}

/* ---- show ---------------------------------------------------------------------------------- */

static void show_usage(FILE *out)
{
    fprintf(out,
            "usage: vwtrace show [--allow-truncated] TRACE\n"
            "\n"
            "Prints the header, then one line per record:\n"
            "  SECONDS conn=N open|close [by=...]\n"
            "  SECONDS conn=N c2s|s2c PROGRAM PROCEDURE TYPE serial=N status=S len=N   (libvirt)\n"
            "      followed by an indented error line for error replies\n"
            "  SECONDS conn=N c2s|s2c JSON                                           (qmp)\n"
            "  SECONDS conn=N c2s|s2c data N bytes                          (unframed bytes)\n"
            "Everything shown is decoded from the raw bytes, not from the informational fields.\n"
            "\n"
            "  --allow-truncated  drop a cut last line (a recorder killed while writing it)\n"
            "                     with a warning instead of failing; other damage still fails\n");
}

/* Prints bytes as text, escaping what is not printable ASCII, without trailing CR/LF. */
static void print_text(const uint8_t *b, size_t n)
{
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
        n--;
    for (size_t i = 0; i < n; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f)
            putchar(b[i]);
        else if (b[i] == '\n')
            fputs("\\n", stdout);
        else if (b[i] == '\r')
            fputs("\\r", stdout);
        else
            printf("\\x%02x", b[i]);
    }
}

static void show_libvirt(const uint8_t *raw, size_t n)
{
    vw_packet pkt;
    vw_error pe;
    if (vw_packet_parse(raw, n, VW_DECODE_LENIENT, &pkt, &pe) < 0) {
        printf("undecodable (%s)\n", pe.text);
        return;
    }
    char line[256];
    vw_procs_describe(&pkt.hdr, pkt.len, line, sizeof(line));
    printf("%s\n", line);
    bool error_payload = pkt.hdr.status == VW_NET_ERROR && pkt.payload_len > 0 &&
        (pkt.hdr.type == VW_NET_REPLY || pkt.hdr.type == VW_NET_REPLY_WITH_FDS ||
         pkt.hdr.type == VW_NET_STREAM);
    if (!error_payload)
        return;
    vw_remote_error rerr;
    if (vw_packet_decode_error(&pkt, &rerr, VW_DECODE_LENIENT, &pe) < 0) {
        printf("    error payload undecodable: %s\n", pe.text);
        return;
    }
    printf("    error: code=%d domain=%d message=", rerr.code, rerr.domain);
    if (rerr.message && *rerr.message) {
        putchar('"');
        print_text((const uint8_t *)*rerr.message, strlen(*rerr.message));
        printf("\"\n");
    } else {
        printf("(none)\n");
    }
    vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &rerr);
}

static int cmd_show(int argc, char **argv)
{
    int rc;
    bool allow_truncated = false;
    if (simple_options(argc, argv, show_usage, &allow_truncated, &rc) < 0)
        return rc;
    if (argc - optind != 1) {
        show_usage(stderr);
        return VWTRACE_EXIT_ERROR;
    }
    const char *path = argv[optind];
    vw_error e;
    vw_trace_reader *r = open_trace(path, allow_truncated);
    if (!r)
        return VWTRACE_EXIT_ERROR;
    const json_t *h = vw_trace_reader_header(r);
    const char *tool = json_string_value(json_object_get(h, "tool"));
    const char *created = json_string_value(json_object_get(h, "created"));
    const char *upstream = json_string_value(json_object_get(h, "upstream"));
    printf("# virt-wire-trace version %d, protocol %s", VW_TRACE_VERSION,
           vw_trace_protocol_name(vw_trace_reader_protocol(r)));
    if (created)
        printf(", created %s", created);
    if (tool)
        printf(", by %s", tool);
    if (upstream)
        printf(", upstream %s", upstream);
    printf("\n");
    vw_trace_record rec;
    while ((rc = vw_trace_read(r, &rec, &e)) == 1) {
        printf("%11.6f conn=%u ", (double)rec.t_us / 1e6, rec.conn);
        switch (rec.kind) {
        case VW_TRACE_OPEN:
            printf("open%s%s\n", rec.peer ? " peer=" : "", rec.peer ? rec.peer : "");
            break;
        case VW_TRACE_CLOSE:
            printf("close%s%s\n", rec.by ? " by=" : "", rec.by ? rec.by : "");
            break;
        case VW_TRACE_DATA:
            printf("%s data %zu bytes\n", vw_trace_dir_name(rec.dir), rec.raw_len);
            break;
        case VW_TRACE_MESSAGE:
            printf("%s ", vw_trace_dir_name(rec.dir));
            if (vw_trace_reader_protocol(r) == VW_TRACE_LIBVIRT) {
                show_libvirt(rec.raw, rec.raw_len);
            } else {
                print_text(rec.raw, rec.raw_len);
                putchar('\n');
            }
            break;
        }
    }
    if (rc == 0)
        warn_dropped(path, r);
    vw_trace_reader_free(r);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "vwtrace: cannot write the output: %s\n", strerror(errno));
        return VWTRACE_EXIT_ERROR;
    }
    if (rc < 0) {
        report_trace_error(path, &e);
        return VWTRACE_EXIT_ERROR;
    }
    return VWTRACE_EXIT_OK;
}

/* ---- pcap ---------------------------------------------------------------------------------- */

static void pcap_usage(FILE *out)
{
    fprintf(out,
            "usage: vwtrace pcap [--allow-truncated] TRACE OUT.pcap\n"
            "\n"
            "Writes a libvirt trace as a pcap file Wireshark/tshark decodes with libvirt's\n"
            "dissector: every connection becomes a TCP connection 127.0.0.1:(40000 + id %% 20000)\n"
            "-> 127.0.0.1:16509 with handshake, one segment per message (split above %u bytes),\n"
            "growing seq/ack numbers and a FIN at close. Frame times are the trace's offsets.\n"
            "Then: tshark -r OUT.pcap -Y libvirt\n"
            "\n"
            "  --allow-truncated  drop a cut last line (a recorder killed while writing it)\n"
            "                     with a warning instead of failing; other damage still fails\n",
            VW_PCAP_SEGMENT_MAX);
}

static int cmd_pcap(int argc, char **argv)
{
    int rc;
    bool allow_truncated = false;
    if (simple_options(argc, argv, pcap_usage, &allow_truncated, &rc) < 0)
        return rc;
    if (argc - optind != 2) {
        pcap_usage(stderr);
        return VWTRACE_EXIT_ERROR;
    }
    const char *path = argv[optind], *out = argv[optind + 1];
    vw_error e;
    vw_trace_reader *r = open_trace(path, allow_truncated);
    if (!r)
        return VWTRACE_EXIT_ERROR;
    if (vw_trace_reader_protocol(r) != VW_TRACE_LIBVIRT) {
        fprintf(stderr, "vwtrace: %s is a %s trace; pcap export is for libvirt traces (the "
                "dissector only knows libvirt RPC)\n", path,
                vw_trace_protocol_name(vw_trace_reader_protocol(r)));
        vw_trace_reader_free(r);
        return VWTRACE_EXIT_ERROR;
    }
    char err[512];
    vw_pcap *p = vw_pcap_open(out, VW_PCAP_LIBVIRT_PORT, err, sizeof(err));
    if (!p) {
        fprintf(stderr, "vwtrace: %s\n", err);
        vw_trace_reader_free(r);
        return VWTRACE_EXIT_ERROR;
    }
    vw_trace_record rec;
    int status = VWTRACE_EXIT_OK;
    while ((rc = vw_trace_read(r, &rec, &e)) == 1) {
        int wr = 0;
        switch (rec.kind) {
        case VW_TRACE_OPEN:
            wr = vw_pcap_connection_open(p, rec.conn, rec.t_us, err, sizeof(err));
            break;
        case VW_TRACE_CLOSE:
            wr = vw_pcap_connection_close(p, rec.conn, rec.t_us, err, sizeof(err));
            break;
        case VW_TRACE_MESSAGE:
        case VW_TRACE_DATA:
            wr = vw_pcap_message(p, rec.conn, rec.dir == VW_TRACE_C2S, rec.t_us, rec.raw,
                                 rec.raw_len, err, sizeof(err));
            break;
        }
        if (wr < 0) {
            fprintf(stderr, "vwtrace: %s\n", err);
            status = VWTRACE_EXIT_ERROR;
            break;
        }
    }
    if (rc < 0) {
        report_trace_error(path, &e);
        status = VWTRACE_EXIT_ERROR;
    } else if (rc == 0) {
        warn_dropped(path, r);
    }
    vw_trace_reader_free(r);
    if (vw_pcap_close(p, err, sizeof(err)) < 0) {
        fprintf(stderr, "vwtrace: %s\n", err);
        status = VWTRACE_EXIT_ERROR;
    }
    return status;
}

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
    vw_trace_reader *r = open_trace(path, opt->allow_truncated);
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
        warn_dropped(path, r);
    vw_trace_reader_free(r);
    if (rc < 0) {
        report_trace_error(path, &e);
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

static int cmd_diff(int argc, char **argv)
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

static int cmd_import_replies(int argc, char **argv)
{
    int rc;
    if (simple_options(argc, argv, import_usage, NULL, &rc) < 0)
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
            report_trace_error(out, &e);
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
            report_trace_error(out, &e);
            status = VWTRACE_EXIT_ERROR;
        }
        if (vw_trace_writer_close(w, &e) < 0 && status == VWTRACE_EXIT_OK) {
            report_trace_error(out, &e);
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

/* ---- main ---------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc < 2) {
        main_usage(stderr);
        return VWTRACE_EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        main_usage(stdout);
        return VWTRACE_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("vwtrace (virt-wire) %s\n", VW_VERSION);
        return VWTRACE_EXIT_OK;
    }
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    if (strcmp(cmd, "show") == 0)
        return cmd_show(sub_argc, sub_argv);
    if (strcmp(cmd, "pcap") == 0)
        return cmd_pcap(sub_argc, sub_argv);
    if (strcmp(cmd, "diff") == 0)
        return cmd_diff(sub_argc, sub_argv);
    if (strcmp(cmd, "import-replies") == 0)
        return cmd_import_replies(sub_argc, sub_argv);
    if (strcmp(cmd, "record-libvirt") == 0)
        return vwtrace_record_main(sub_argc, sub_argv, VW_TRACE_LIBVIRT);
    if (strcmp(cmd, "record-qmp") == 0)
        return vwtrace_record_main(sub_argc, sub_argv, VW_TRACE_QMP);
    fprintf(stderr, "vwtrace: unknown command \"%s\"\n", cmd);
    main_usage(stderr);
    return VWTRACE_EXIT_ERROR;
}
