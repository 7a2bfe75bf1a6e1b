/* test_proto_tshark.c: differential check of our encoder against an independent decoder,
 * libvirt's Wireshark dissector. Packets encoded by proto/ are wrapped in synthetic
 * Ethernet/IPv4/TCP frames on port 16509 (the dissector's port), written as a pcap file, and
 * read back with `tshark -T fields`. Skipped (with a message) when tshark or the libvirt
 * dissector is not installed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packet.h"
#include "vwtest.h"

static void le32(FILE *f, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    fwrite(b, 1, 4, f);
}

static void le16(FILE *f, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    fwrite(b, 1, 2, f);
}

/* One TCP segment carrying data from sport to dport with sequence number seq. */
static void write_frame(FILE *f, uint32_t ts, uint16_t sport, uint16_t dport, uint32_t seq,
                        uint32_t ack, const uint8_t *data, size_t n)
{
    uint8_t hdr[54];
    memset(hdr, 0, sizeof(hdr));
    /* Ethernet: dst, src, IPv4 */
    hdr[5] = 1;
    hdr[11] = 2;
    hdr[12] = 0x08;
    /* IPv4 */
    uint8_t *ip = hdr + 14;
    uint16_t total = (uint16_t)(20 + 20 + n);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(total >> 8);
    ip[3] = (uint8_t)total;
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = 6;
    ip[12] = 127; ip[15] = 1;
    ip[16] = 127; ip[19] = 1;
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8);
    ip[11] = (uint8_t)~sum;
    /* TCP */
    uint8_t *tcp = hdr + 34;
    tcp[0] = (uint8_t)(sport >> 8); tcp[1] = (uint8_t)sport;
    tcp[2] = (uint8_t)(dport >> 8); tcp[3] = (uint8_t)dport;
    tcp[4] = (uint8_t)(seq >> 24); tcp[5] = (uint8_t)(seq >> 16);
    tcp[6] = (uint8_t)(seq >> 8); tcp[7] = (uint8_t)seq;
    tcp[8] = (uint8_t)(ack >> 24); tcp[9] = (uint8_t)(ack >> 16);
    tcp[10] = (uint8_t)(ack >> 8); tcp[11] = (uint8_t)ack;
    tcp[12] = 0x50;
    tcp[13] = 0x18;     /* PSH ACK */
    tcp[14] = 0xff; tcp[15] = 0xff;

    le32(f, ts);
    le32(f, 0);
    le32(f, (uint32_t)(sizeof(hdr) + n));
    le32(f, (uint32_t)(sizeof(hdr) + n));
    fwrite(hdr, 1, sizeof(hdr), f);
    fwrite(data, 1, n, f);
}

static bool tshark_has_libvirt(void)
{
    FILE *p = popen("tshark -G protocols 2>/dev/null | grep -c -w libvirt", "r");
    if (!p)
        return false;
    int n = 0;
    if (fscanf(p, "%d", &n) != 1)
        n = 0;
    pclose(p);
    return n > 0;
}

static void test_tshark_decodes_our_packets(void)
{
    if (!tshark_has_libvirt()) {
        printf("test_tshark_decodes_our_packets: tshark with the libvirt dissector not found, "
               "skipped\n");
        return;
    }
    char path[] = "/tmp/vw-test-proto-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "wb");
    CHECK(f != NULL);
    if (!f) {
        close(fd);
        unlink(path);
        return;
    }
    le32(f, 0xa1b2c3d4u);
    le16(f, 2);
    le16(f, 4);
    le32(f, 0);
    le32(f, 0);
    le32(f, 65535);
    le32(f, 1);

    vw_buf call, reply;
    vw_buf_init(&call);
    vw_buf_init(&reply);
    vw_error e;
    vw_domain_lookup_by_name_args args = { .name = (char *)"vw-tshark-dom" };
    vw_packet_header h = { VW_REMOTE_PROGRAM, 1, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                           VW_NET_CALL, 7, VW_NET_OK };
    CHECK_EQ_INT(vw_packet_encode(&call, &h, 0, (xdrproc_t)xdr_vw_domain_lookup_by_name_args,
                                  &args, &e), 0);
    vw_packet_header rh = vw_packet_reply_header(&h, VW_NET_ERROR);
    CHECK_EQ_INT(vw_packet_encode_error(&reply, &rh, 42, 10, "Domain not found: vw-tshark-dom",
                                        &e), 0);
    CHECK_EQ_INT(vw_packet_encode_keepalive(&reply, VW_KEEPALIVE_PROC_PING, &e), 0);

    write_frame(f, 1, 40000, 16509, 1000, 5000, call.data, call.len);
    write_frame(f, 2, 16509, 40000, 5000, 1000 + (uint32_t)call.len, reply.data, reply.len);
    fclose(f);

    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "tshark -r %s -T fields -E separator=';' -E occurrence=a -E aggregator='|' "
             "-e libvirt.program -e libvirt.procedure -e libvirt.type -e libvirt.serial "
             "-e libvirt.status -e libvirt.remote_domain_lookup_by_name_args.name "
             "-e libvirt.remote_error.code -e libvirt.remote_error.message 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    char out[4096] = "";
    size_t used = 0;
    if (p) {
        size_t r;
        while (used < sizeof(out) - 1 && (r = fread(out + used, 1, sizeof(out) - 1 - used, p)) > 0)
            used += r;
        out[used] = '\0';
        pclose(p);
    }
    unlink(path);
    /* frame 1: the CALL with its decoded argument */
    CHECK(strstr(out, "0x20008086;23;0;7;0;vw-tshark-dom") != NULL);
    /* frame 2: the ERROR reply (decoded remote_error) then the keepalive PING */
    CHECK(strstr(out, "Domain not found: vw-tshark-dom") != NULL);
    CHECK(strstr(out, ";42;") != NULL);
    CHECK(strstr(out, "0x6b656570") != NULL);
    if (!strstr(out, "vw-tshark-dom") || !strstr(out, "0x6b656570"))
        fprintf(stderr, "tshark printed:\n%s\n", out);
    vw_buf_free(&call);
    vw_buf_free(&reply);
}

int main(void)
{
    RUN(test_tshark_decodes_our_packets);
    return vwtest_summary("proto_tshark");
}
