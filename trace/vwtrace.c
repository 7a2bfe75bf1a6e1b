/* vwtrace.c: the vwtrace program: main and the offline subcommands on trace files:
 *   show TRACE                     human-readable listing, decoded from the raw bytes
 *   pcap TRACE OUT.pcap            synthetic TCP capture for tshark's libvirt dissector
 * and the helpers every subcommand shares (vwtrace.h). diff.c holds diff, import.c
 * import-replies, record.c the recording proxy (record-libvirt, record-qmp).
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
int vwtrace_simple_options(int argc, char **argv, void (*usage)(FILE *), bool *allow_truncated,
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
void vwtrace_report_error(const char *path, vw_error *e)
{
    char msg[1024];
    if (e->line)
        vw_error_set_source(e, path);
    fprintf(stderr, "vwtrace: %s\n", vw_error_format(e, msg, sizeof(msg)));
}

/* Opens a trace for show, pcap and diff; NULL after printing why. */
vw_trace_reader *vwtrace_open(const char *path, bool allow_truncated)
{
    vw_error e;
    vw_trace_reader *r = vw_trace_reader_open(path, &e);
    if (!r)
        vwtrace_report_error(path, &e);
    else
        vw_trace_reader_allow_truncated(r, allow_truncated);
    return r;
}

/* At the end of a trace read with --allow-truncated: the warning for a dropped cut line. */
void vwtrace_warn_dropped(const char *path, const vw_trace_reader *r)
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
    if (vwtrace_simple_options(argc, argv, show_usage, &allow_truncated, &rc) < 0)
        return rc;
    if (argc - optind != 1) {
        show_usage(stderr);
        return VWTRACE_EXIT_ERROR;
    }
    const char *path = argv[optind];
    vw_error e;
    vw_trace_reader *r = vwtrace_open(path, allow_truncated);
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
        vwtrace_warn_dropped(path, r);
    vw_trace_reader_free(r);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "vwtrace: cannot write the output: %s\n", strerror(errno));
        return VWTRACE_EXIT_ERROR;
    }
    if (rc < 0) {
        vwtrace_report_error(path, &e);
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
    if (vwtrace_simple_options(argc, argv, pcap_usage, &allow_truncated, &rc) < 0)
        return rc;
    if (argc - optind != 2) {
        pcap_usage(stderr);
        return VWTRACE_EXIT_ERROR;
    }
    const char *path = argv[optind], *out = argv[optind + 1];
    vw_error e;
    vw_trace_reader *r = vwtrace_open(path, allow_truncated);
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
        vwtrace_report_error(path, &e);
        status = VWTRACE_EXIT_ERROR;
    } else if (rc == 0) {
        vwtrace_warn_dropped(path, r);
    }
    vw_trace_reader_free(r);
    if (vw_pcap_close(p, err, sizeof(err)) < 0) {
        fprintf(stderr, "vwtrace: %s\n", err);
        status = VWTRACE_EXIT_ERROR;
    }
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
        return vwtrace_diff_main(sub_argc, sub_argv);
    if (strcmp(cmd, "import-replies") == 0)
        return vwtrace_import_replies_main(sub_argc, sub_argv);
    if (strcmp(cmd, "record-libvirt") == 0)
        return vwtrace_record_main(sub_argc, sub_argv, VW_TRACE_LIBVIRT);
    if (strcmp(cmd, "record-qmp") == 0)
        return vwtrace_record_main(sub_argc, sub_argv, VW_TRACE_QMP);
    fprintf(stderr, "vwtrace: unknown command \"%s\"\n", cmd);
    main_usage(stderr);
    return VWTRACE_EXIT_ERROR;
}
