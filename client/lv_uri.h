/* lv_uri.h: libvirt connection URIs as libvirt writes them, turned into what this client needs:
 * transport (unix, TCP or TLS), socket path or host/port, and the name sent in CONNECT_OPEN.
 *
 *   test+unix:///default?socket=/tmp/s   -> unix /tmp/s,               open name "test:///default"
 *   qemu:///system                       -> unix /run/libvirt/libvirt-sock, "qemu:///system"
 *   qemu+tcp://10.0.0.1:16510/system     -> tcp 10.0.0.1:16510,        "qemu:///system"
 *   qemu+tls://host/system?pkipath=/pki  -> TLS host:16514,            "qemu:///system"
 *   qemu://host/system                   -> TLS (a host without a transport), as in libvirt
 *   qemu+ssh://u@host/system?socket=/s   -> ssh -l u host, netcat to /s there, "qemu:///system"
 *
 * The open name follows libvirt's remote driver (src/remote/remote_driver.c, doRemoteOpen): the URI
 * without the "+transport" part, without host/port/user, and without the query parameters the remote
 * driver consumes itself (socket, name, command, mode, ...); other parameters and the fragment stay.
 * A "name=" parameter replaces the open name; the "remote" driver sends "" (server probes). */
#ifndef VW_LV_URI_H
#define VW_LV_URI_H

#include "libvirt_client.h"

enum { VW_TRANSPORT_UNIX = 0, VW_TRANSPORT_TCP = 1, VW_TRANSPORT_TLS = 2, VW_TRANSPORT_SSH = 3 };

#define VW_DEFAULT_TCP_PORT 16509
#define VW_DEFAULT_TLS_PORT 16514
#define VW_DEFAULT_SYSTEM_SOCKET "/run/libvirt/libvirt-sock"
#define VW_DEFAULT_SYSTEM_SOCKET_RO "/run/libvirt/libvirt-sock-ro"

typedef struct vw_uri {
    char *driver;        /* "qemu", "test", "remote", ... */
    int transport;       /* VW_TRANSPORT_* */
    char *host;          /* TCP: host name or address (no brackets); unix: NULL */
    int port;            /* TCP port */
    char *path;          /* "/system", "/default", may be "" */
    char *socket_path;   /* unix: socket= parameter or the default socket */
    char *open_name;     /* the name for CONNECT_OPEN */
    char *pkipath;       /* TLS: pkipath= (cacert.pem, clientcert.pem, clientkey.pem); NULL */
    bool no_verify;      /* TLS: no_verify=1, the server certificate is not checked */
    /* SSH (qemu+ssh://[user@]host[:port]/system): ssh runs netcat or virt-ssh-helper there */
    char *user;          /* user@ of the URI; NULL = ssh's default */
    bool port_given;     /* a :PORT was written (ssh gets -p PORT) */
    char *netcat;        /* netcat= (default "nc") */
    char *proxy;         /* proxy=auto|netcat|native (default auto) */
    char *keyfile;       /* keyfile= (ssh -i) */
    bool no_tty;         /* no_tty=1 (ssh -o BatchMode=yes) */
} vw_uri;

/* Parses URI; conn_flags VW_CONN_READ_ONLY picks the read-only default socket. Fills *out (free with
 * vw_uri_clear) or returns -1 with an INVALID_ARG / NO_SUPPORT error naming the problem. */
int vw_uri_parse(const char *uri, unsigned int conn_flags, vw_uri *out, vw_virerror *err);
void vw_uri_clear(vw_uri *uri);

#endif
