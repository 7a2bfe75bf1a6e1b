/* pcap.c: pcap export with synthetic Ethernet/IPv4/TCP framing. See pcap.h. */
#include "pcap.h"
#include "vw_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct pcap_conn {
    uint32_t id;
    bool closed;
    uint16_t client_port;
    uint32_t client_seq;        /* next sequence number the client sends */
    uint32_t server_seq;        /* next sequence number the server sends */
};

struct vw_pcap {
    FILE *out;
    bool owns_out;
    bool failed;
    uint16_t server_port;
    unsigned long frames;
    struct pcap_conn *conns;
    size_t nconns, capconns;
    uint8_t frame[VW_PCAP_FRAME_HEADERS + VW_PCAP_SEGMENT_MAX];
};

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };

static int pcap_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int pcap_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void put_le32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

static uint32_t sum16(const uint8_t *b, size_t n, uint32_t sum)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2)
        sum += (uint32_t)b[i] << 8 | b[i + 1];
    if (i < n)
        sum += (uint32_t)b[i] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static vw_pcap *pcap_new(FILE *out, bool owns, uint16_t server_port, char *err, size_t errlen)
{
    vw_pcap *p = calloc(1, sizeof(*p));
    if (!p) {
        pcap_error(err, errlen, "out of memory");
        return NULL;
    }
    p->out = out;
    p->owns_out = owns;
    p->server_port = server_port;
    uint8_t h[24];
    put_le32(h, 0xa1b2c3d4u);      /* microsecond timestamps, written little-endian */
    h[4] = 2; h[5] = 0;             /* version 2.4 */
    h[6] = 4; h[7] = 0;
    put_le32(h + 8, 0);             /* thiszone */
    put_le32(h + 12, 0);            /* sigfigs */
    put_le32(h + 16, VW_PCAP_SNAPLEN);
    put_le32(h + 20, 1);            /* LINKTYPE_ETHERNET */
    if (fwrite(h, 1, sizeof(h), out) != sizeof(h)) {
        pcap_error(err, errlen, "cannot write the pcap header: %s", strerror(errno));
        free(p);
        return NULL;
    }
    return p;
}

vw_pcap *vw_pcap_open(const char *path, uint16_t server_port, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        pcap_error(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return NULL;
    }
    vw_pcap *p = pcap_new(f, true, server_port, err, errlen);
    if (!p)
        fclose(f);
    return p;
}

vw_pcap *vw_pcap_open_stream(FILE *out, uint16_t server_port, char *err, size_t errlen)
{
    return pcap_new(out, false, server_port, err, errlen);
}

unsigned long vw_pcap_frames(const vw_pcap *p)
{
    return p->frames;
}

static struct pcap_conn *find_conn(vw_pcap *p, uint32_t id)
{
    for (size_t i = p->nconns; i > 0; i--)
        if (p->conns[i - 1].id == id)
            return &p->conns[i - 1];
    return NULL;
}

/* One frame: from the client (to_server) or the server, with flags and payload. */
static int write_frame(vw_pcap *p, struct pcap_conn *c, bool to_server, uint8_t flags,
                       uint64_t t_us, const uint8_t *data, size_t n, char *err, size_t errlen)
{
    uint8_t *f = p->frame;
    memset(f, 0, VW_PCAP_FRAME_HEADERS);
    /* Ethernet: locally administered addresses 02:00:00:00:00:01 (client), :02 (server). */
    uint8_t *eth_dst = f, *eth_src = f + 6;
    eth_dst[0] = 0x02;
    eth_src[0] = 0x02;
    eth_dst[5] = to_server ? 2 : 1;
    eth_src[5] = to_server ? 1 : 2;
    vw_put_be16(f + 12, 0x0800);
    /* IPv4, 127.0.0.1 both ways (the ports tell the sides apart) */
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    vw_put_be16(ip + 2, (uint16_t)(20 + 20 + n));
    vw_put_be16(ip + 4, (uint16_t)(p->frames & 0xffff));   /* identification */
    ip[6] = 0x40;                                        /* don't fragment */
    ip[8] = 64;
    ip[9] = 6;
    ip[12] = 127; ip[15] = 1;
    ip[16] = 127; ip[19] = 1;
    vw_put_be16(ip + 10, fold(sum16(ip, 20, 0)));
    /* TCP */
    uint8_t *tcp = f + 34;
    uint16_t sport = to_server ? c->client_port : p->server_port;
    uint16_t dport = to_server ? p->server_port : c->client_port;
    uint32_t seq = to_server ? c->client_seq : c->server_seq;
    uint32_t ack = to_server ? c->server_seq : c->client_seq;
    vw_put_be16(tcp, sport);
    vw_put_be16(tcp + 2, dport);
    vw_put_be32(tcp + 4, seq);
    vw_put_be32(tcp + 8, (flags & TCP_ACK) ? ack : 0);
    tcp[12] = 0x50;
    tcp[13] = flags;
    vw_put_be16(tcp + 14, 0xffff);                          /* window */
    if (n)
        memcpy(f + VW_PCAP_FRAME_HEADERS, data, n);
    /* checksum over the pseudo header, the TCP header and the data */
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    vw_put_be16(pseudo + 10, (uint16_t)(20 + n));
    uint32_t sum = sum16(pseudo, sizeof(pseudo), 0);
    sum = sum16(tcp, 20 + n, sum);
    vw_put_be16(tcp + 16, fold(sum));

    uint8_t rec[16];
    put_le32(rec, (uint32_t)(t_us / 1000000));
    put_le32(rec + 4, (uint32_t)(t_us % 1000000));
    put_le32(rec + 8, (uint32_t)(VW_PCAP_FRAME_HEADERS + n));
    put_le32(rec + 12, (uint32_t)(VW_PCAP_FRAME_HEADERS + n));
    if (fwrite(rec, 1, sizeof(rec), p->out) != sizeof(rec) ||
        fwrite(f, 1, VW_PCAP_FRAME_HEADERS + n, p->out) != VW_PCAP_FRAME_HEADERS + n) {
        p->failed = true;
        return pcap_error(err, errlen, "cannot write the pcap file: %s", strerror(errno));
    }
    p->frames++;
    uint32_t advance = (uint32_t)n + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
    if (to_server)
        c->client_seq += advance;
    else
        c->server_seq += advance;
    return 0;
}

static struct pcap_conn *add_conn(vw_pcap *p, uint32_t id, char *err, size_t errlen)
{
    if (p->nconns == p->capconns) {
        size_t cap = p->capconns ? p->capconns * 2 : 16;
        struct pcap_conn *nc = realloc(p->conns, cap * sizeof(*nc));
        if (!nc) {
            pcap_error(err, errlen, "out of memory");
            return NULL;
        }
        p->conns = nc;
        p->capconns = cap;
    }
    struct pcap_conn *c = &p->conns[p->nconns++];
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->client_port = (uint16_t)(VW_PCAP_CLIENT_PORT_BASE + id % 20000u);
    /* Distinct initial sequence numbers per side, so a reader sees they are independent. */
    c->client_seq = 1000000u + id * 1000u;
    c->server_seq = 5000000u + id * 1000u;
    return c;
}

int vw_pcap_connection_open(vw_pcap *p, uint32_t conn, uint64_t t_us, char *err, size_t errlen)
{
    struct pcap_conn *c = find_conn(p, conn);
    if (c && !c->closed)
        return pcap_error(err, errlen, "connection %u is already open", conn);
    if (!c)
        c = add_conn(p, conn, err, errlen);
    else {
        uint32_t id = c->id;
        memset(c, 0, sizeof(*c));
        c->id = id;
        c->client_port = (uint16_t)(VW_PCAP_CLIENT_PORT_BASE + id % 20000u);
        c->client_seq = 1000000u + id * 1000u + 500u;
        c->server_seq = 5000000u + id * 1000u + 500u;
    }
    if (!c)
        return -1;
    if (write_frame(p, c, true, TCP_SYN, t_us, NULL, 0, err, errlen) < 0 ||
        write_frame(p, c, false, TCP_SYN | TCP_ACK, t_us, NULL, 0, err, errlen) < 0 ||
        write_frame(p, c, true, TCP_ACK, t_us, NULL, 0, err, errlen) < 0)
        return -1;
    return 0;
}

int vw_pcap_message(vw_pcap *p, uint32_t conn, bool to_server, uint64_t t_us, const void *data,
                    size_t n, char *err, size_t errlen)
{
    struct pcap_conn *c = find_conn(p, conn);
    if (!c || c->closed) {
        if (vw_pcap_connection_open(p, conn, t_us, err, errlen) < 0)
            return -1;
        c = find_conn(p, conn);
    }
    const uint8_t *b = data;
    while (n > 0) {
        size_t chunk = n > VW_PCAP_SEGMENT_MAX ? VW_PCAP_SEGMENT_MAX : n;
        if (write_frame(p, c, to_server, TCP_PSH | TCP_ACK, t_us, b, chunk, err, errlen) < 0)
            return -1;
        b += chunk;
        n -= chunk;
    }
    return 0;
}

int vw_pcap_connection_close(vw_pcap *p, uint32_t conn, uint64_t t_us, char *err, size_t errlen)
{
    struct pcap_conn *c = find_conn(p, conn);
    if (!c || c->closed)
        return 0;
    if (write_frame(p, c, true, TCP_FIN | TCP_ACK, t_us, NULL, 0, err, errlen) < 0 ||
        write_frame(p, c, false, TCP_FIN | TCP_ACK, t_us, NULL, 0, err, errlen) < 0 ||
        write_frame(p, c, true, TCP_ACK, t_us, NULL, 0, err, errlen) < 0)
        return -1;
    c->closed = true;
    return 0;
}

int vw_pcap_close(vw_pcap *p, char *err, size_t errlen)
{
    if (!p)
        return 0;
    int rc = p->failed ? pcap_error(err, errlen, "a write to the pcap file failed") : 0;
    if (fflush(p->out) != 0 && rc == 0)
        rc = pcap_error(err, errlen, "cannot write the pcap file: %s", strerror(errno));
    if (p->owns_out && fclose(p->out) != 0 && rc == 0)
        rc = pcap_error(err, errlen, "cannot close the pcap file: %s", strerror(errno));
    free(p->conns);
    free(p);
    return rc;
}
