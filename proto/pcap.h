/* pcap.h: writes a classic pcap file (LINKTYPE_ETHERNET, microsecond timestamps) of synthetic
 * Ethernet/IPv4/TCP frames, so libvirt RPC traffic recorded on a unix socket can be read by
 * Wireshark/tshark, whose libvirt dissector listens on TCP port 16509 only.
 *
 * Each connection becomes one TCP connection from 127.0.0.1:<client port> to
 * 127.0.0.1:<server port>: a SYN / SYN-ACK / ACK handshake at open, one PSH/ACK segment per
 * message (split into segments of at most VW_PCAP_SEGMENT_MAX bytes), sequence and ack numbers
 * that grow by the bytes sent, and FIN / FIN / ACK at close. IP and TCP checksums are correct.
 * The client port of connection id N is 40000 + N % 20000.
 *
 *   vw_pcap *p = vw_pcap_open("out.pcap", 16509, errbuf, sizeof(errbuf));
 *   vw_pcap_connection_open(p, 1, t_us, ...);
 *   vw_pcap_message(p, 1, true (client to server), t_us, bytes, n, ...);
 *   vw_pcap_connection_close(p, 1, t_us, ...);
 *   vw_pcap_close(p, ...);
 */
#ifndef VW_PCAP_H
#define VW_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VW_PCAP_LIBVIRT_PORT   16509
#define VW_PCAP_SEGMENT_MAX    65000u      /* payload bytes per TCP segment */
#define VW_PCAP_SNAPLEN        262144u
#define VW_PCAP_FRAME_HEADERS  54u         /* Ethernet 14 + IPv4 20 + TCP 20 */
#define VW_PCAP_CLIENT_PORT_BASE 40000u

typedef struct vw_pcap vw_pcap;

/* Creates path and writes the pcap file header. server_port is the TCP port of the server
 * side (VW_PCAP_LIBVIRT_PORT for the dissector). NULL with a reason in err on failure. */
vw_pcap *vw_pcap_open(const char *path, uint16_t server_port, char *err, size_t errlen);
/* Same on a stream the caller keeps owning. */
vw_pcap *vw_pcap_open_stream(FILE *out, uint16_t server_port, char *err, size_t errlen);

/* The TCP handshake of connection conn at time t_us (microseconds; written as the frame time).
 * A message on a connection that was never opened opens it implicitly. */
int vw_pcap_connection_open(vw_pcap *p, uint32_t conn, uint64_t t_us, char *err, size_t errlen);

/* Data from the client (to_server true) or from the server, split into segments as needed. */
int vw_pcap_message(vw_pcap *p, uint32_t conn, bool to_server, uint64_t t_us, const void *data,
                    size_t n, char *err, size_t errlen);

/* FIN from the client, FIN from the server, final ACK. Unknown or closed connections: no-op. */
int vw_pcap_connection_close(vw_pcap *p, uint32_t conn, uint64_t t_us, char *err,
                             size_t errlen);

/* Frames written so far. */
unsigned long vw_pcap_frames(const vw_pcap *p);

/* Flushes, closes the file if vw_pcap_open created it, frees p. -1 if a write failed. */
int vw_pcap_close(vw_pcap *p, char *err, size_t errlen);

#endif
