/* test_trace_pcap.c: the pcap export (proto/pcap.c), checked byte by byte: the file header,
 * record headers, Ethernet/IPv4/TCP headers (ports, flags, seq/ack numbers, both checksums),
 * the split of a large message into segments, and the handshake/FIN frames. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcap.h"
#include "vwtest.h"
#include "vw_util.h"

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* The ones' complement sum over data (a valid checksummed header sums to 0xffff). */
static uint16_t csum(const uint8_t *b, size_t n, uint32_t sum)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2)
        sum += (uint32_t)b[i] << 8 | b[i + 1];
    if (i < n)
        sum += (uint32_t)b[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

struct frame {
    uint32_t ts_sec, ts_usec, caplen, len;
    const uint8_t *eth, *ip, *tcp, *data;
    size_t data_len;
};

/* Parses the frame at *off; returns 0 or -1 when the file ends. */
static int next_frame(const uint8_t *file, size_t size, size_t *off, struct frame *f)
{
    if (*off + 16 > size)
        return -1;
    const uint8_t *r = file + *off;
    f->ts_sec = le32(r);
    f->ts_usec = le32(r + 4);
    f->caplen = le32(r + 8);
    f->len = le32(r + 12);
    if (*off + 16 + f->caplen > size || f->caplen < 54)
        return -1;
    f->eth = r + 16;
    f->ip = f->eth + 14;
    f->tcp = f->ip + 20;
    f->data = f->tcp + 20;
    f->data_len = f->caplen - 54;
    *off += 16 + f->caplen;
    return 0;
}

/* Checks everything that does not depend on the direction or content. */
static void check_frame_common(const struct frame *f)
{
    CHECK_EQ_INT(f->caplen, f->len);
    CHECK_EQ_INT(vw_get_be16(f->eth + 12), 0x0800);
    CHECK_EQ_INT(f->ip[0], 0x45);
    CHECK_EQ_INT(vw_get_be16(f->ip + 2), 40 + f->data_len);
    CHECK_EQ_INT(f->ip[8], 64);
    CHECK_EQ_INT(f->ip[9], 6);
    CHECK_EQ_INT(vw_get_be32(f->ip + 12), 0x7f000001);
    CHECK_EQ_INT(vw_get_be32(f->ip + 16), 0x7f000001);
    CHECK_EQ_INT(csum(f->ip, 20, 0), 0xffff);
    CHECK_EQ_INT(f->tcp[12], 0x50);
    /* TCP checksum: pseudo header + TCP header + data */
    uint8_t pseudo[12];
    memcpy(pseudo, f->ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pseudo[10] = (uint8_t)((20 + f->data_len) >> 8);
    pseudo[11] = (uint8_t)(20 + f->data_len);
    uint32_t s = csum(pseudo, 12, 0);
    CHECK_EQ_INT(csum(f->tcp, 20 + f->data_len, s), 0xffff);
}

static void test_pcap_bytes(void)
{
    char path[] = "/tmp/vw-test-pcap-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    char err[256];
    vw_pcap *p = vw_pcap_open(path, 16509, err, sizeof(err));
    CHECK(p != NULL);
    if (!p)
        return;
    uint8_t small[28];
    for (size_t i = 0; i < sizeof(small); i++)
        small[i] = (uint8_t)i;
    size_t big_len = 70000;
    uint8_t *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (uint8_t)(i * 7);
    CHECK_EQ_INT(vw_pcap_connection_open(p, 1, 1500000, err, sizeof(err)), 0);
    CHECK_EQ_INT(vw_pcap_connection_open(p, 1, 1500000, err, sizeof(err)), -1);   /* twice */
    CHECK_EQ_INT(vw_pcap_message(p, 1, true, 2000001, small, sizeof(small), err, sizeof(err)), 0);
    CHECK_EQ_INT(vw_pcap_message(p, 1, false, 2000002, big, big_len, err, sizeof(err)), 0);
    CHECK_EQ_INT(vw_pcap_connection_close(p, 1, 3000000, err, sizeof(err)), 0);
    CHECK_EQ_INT(vw_pcap_connection_close(p, 1, 3000000, err, sizeof(err)), 0);    /* no-op */
    CHECK_EQ_INT(vw_pcap_frames(p), 3 + 1 + 2 + 3);
    CHECK_EQ_INT(vw_pcap_close(p, err, sizeof(err)), 0);

    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    uint8_t *file = malloc(200000);
    size_t size = f ? fread(file, 1, 200000, f) : 0;
    if (f)
        fclose(f);
    unlink(path);

    /* file header */
    CHECK(size > 24);
    CHECK_EQ_INT(le32(file), 0xa1b2c3d4u);
    CHECK_EQ_INT(file[4] | file[5] << 8, 2);
    CHECK_EQ_INT(file[6] | file[7] << 8, 4);
    CHECK_EQ_INT(le32(file + 16), VW_PCAP_SNAPLEN);
    CHECK_EQ_INT(le32(file + 20), 1);

    size_t off = 24;
    struct frame fr[9];
    for (int i = 0; i < 9; i++) {
        CHECK_EQ_INT(next_frame(file, size, &off, &fr[i]), 0);
        check_frame_common(&fr[i]);
    }
    CHECK_EQ_INT(off, size);

    const uint16_t cport = VW_PCAP_CLIENT_PORT_BASE + 1;
    /* handshake: SYN, SYN-ACK, ACK */
    CHECK_EQ_INT(fr[0].ts_sec, 1);
    CHECK_EQ_INT(fr[0].ts_usec, 500000);
    CHECK_EQ_INT(vw_get_be16(fr[0].tcp), cport);
    CHECK_EQ_INT(vw_get_be16(fr[0].tcp + 2), 16509);
    CHECK_EQ_INT(fr[0].tcp[13], 0x02);
    uint32_t cisn = vw_get_be32(fr[0].tcp + 4);
    CHECK_EQ_INT(vw_get_be32(fr[0].tcp + 8), 0);
    CHECK_EQ_INT(vw_get_be16(fr[1].tcp), 16509);
    CHECK_EQ_INT(vw_get_be16(fr[1].tcp + 2), cport);
    CHECK_EQ_INT(fr[1].tcp[13], 0x12);
    uint32_t sisn = vw_get_be32(fr[1].tcp + 4);
    CHECK_EQ_INT(vw_get_be32(fr[1].tcp + 8), cisn + 1);
    CHECK_EQ_INT(fr[2].tcp[13], 0x10);
    CHECK_EQ_INT(vw_get_be32(fr[2].tcp + 4), cisn + 1);
    CHECK_EQ_INT(vw_get_be32(fr[2].tcp + 8), sisn + 1);
    /* Ethernet addresses tell the sides apart */
    CHECK_EQ_INT(fr[0].eth[5], 2);
    CHECK_EQ_INT(fr[0].eth[11], 1);
    CHECK_EQ_INT(fr[1].eth[5], 1);

    /* client -> server message: one PSH/ACK segment */
    CHECK_EQ_INT(fr[3].ts_sec, 2);
    CHECK_EQ_INT(fr[3].ts_usec, 1);
    CHECK_EQ_INT(fr[3].tcp[13], 0x18);
    CHECK_EQ_INT(vw_get_be16(fr[3].tcp), cport);
    CHECK_EQ_INT(vw_get_be32(fr[3].tcp + 4), cisn + 1);
    CHECK_EQ_INT(vw_get_be32(fr[3].tcp + 8), sisn + 1);
    CHECK_EQ_INT(fr[3].data_len, sizeof(small));
    CHECK_EQ_MEM(fr[3].data, small, sizeof(small));

    /* server -> client 70000 bytes: 65000 + 5000, contiguous sequence numbers */
    CHECK_EQ_INT(vw_get_be16(fr[4].tcp), 16509);
    CHECK_EQ_INT(fr[4].data_len, VW_PCAP_SEGMENT_MAX);
    CHECK_EQ_INT(fr[5].data_len, big_len - VW_PCAP_SEGMENT_MAX);
    CHECK_EQ_INT(vw_get_be32(fr[4].tcp + 4), sisn + 1);
    CHECK_EQ_INT(vw_get_be32(fr[5].tcp + 4), sisn + 1 + VW_PCAP_SEGMENT_MAX);
    CHECK_EQ_INT(vw_get_be32(fr[4].tcp + 8), cisn + 1 + sizeof(small));
    CHECK_EQ_MEM(fr[4].data, big, VW_PCAP_SEGMENT_MAX);
    CHECK_EQ_MEM(fr[5].data, big + VW_PCAP_SEGMENT_MAX, big_len - VW_PCAP_SEGMENT_MAX);

    /* close: FIN from each side, then the last ACK */
    uint32_t cnext = cisn + 1 + (uint32_t)sizeof(small);
    uint32_t snext = sisn + 1 + (uint32_t)big_len;
    CHECK_EQ_INT(fr[6].tcp[13], 0x11);
    CHECK_EQ_INT(vw_get_be16(fr[6].tcp), cport);
    CHECK_EQ_INT(vw_get_be32(fr[6].tcp + 4), cnext);
    CHECK_EQ_INT(vw_get_be32(fr[6].tcp + 8), snext);
    CHECK_EQ_INT(fr[7].tcp[13], 0x11);
    CHECK_EQ_INT(vw_get_be32(fr[7].tcp + 4), snext);
    CHECK_EQ_INT(vw_get_be32(fr[7].tcp + 8), cnext + 1);
    CHECK_EQ_INT(fr[8].tcp[13], 0x10);
    CHECK_EQ_INT(vw_get_be32(fr[8].tcp + 4), cnext + 1);
    CHECK_EQ_INT(vw_get_be32(fr[8].tcp + 8), snext + 1);

    free(file);
    free(big);
}

/* Two connections get two client ports; a message on an unknown connection opens it. */
static void test_pcap_connections(void)
{
    char path[] = "/tmp/vw-test-pcap-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    char err[256];
    vw_pcap *p = vw_pcap_open(path, 16509, err, sizeof(err));
    CHECK(p != NULL);
    if (!p)
        return;
    uint8_t b[28] = { 0 };
    CHECK_EQ_INT(vw_pcap_message(p, 7, true, 0, b, sizeof(b), err, sizeof(err)), 0);
    CHECK_EQ_INT(vw_pcap_message(p, 20008, true, 0, b, sizeof(b), err, sizeof(err)), 0);
    CHECK_EQ_INT(vw_pcap_frames(p), 8);
    CHECK_EQ_INT(vw_pcap_close(p, err, sizeof(err)), 0);
    FILE *f = fopen(path, "rb");
    uint8_t file[4096];
    size_t size = f ? fread(file, 1, sizeof(file), f) : 0;
    if (f)
        fclose(f);
    unlink(path);
    size_t off = 24;
    struct frame fr[8];
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(next_frame(file, size, &off, &fr[i]), 0);
    CHECK_EQ_INT(vw_get_be16(fr[0].tcp), 40007);
    CHECK_EQ_INT(fr[0].tcp[13], 0x02);
    CHECK_EQ_INT(vw_get_be16(fr[4].tcp), 40008);           /* 40000 + 20008 % 20000 */
    CHECK_EQ_INT(fr[3].data_len, 28);

    CHECK(vw_pcap_open("/nonexistent/dir/x.pcap", 16509, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "/nonexistent/dir/x.pcap") != NULL);
}

int main(void)
{
    RUN(test_pcap_bytes);
    RUN(test_pcap_connections);
    return vwtest_summary("trace_pcap");
}
