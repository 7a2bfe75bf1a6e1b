/* fl_sasl.c: libvirtd's SASL authentication over Cyrus SASL (see fl_sasl.h). The rules are
 * libvirtd's (src/remote/remote_daemon_dispatch.c, src/rpc/virnetsaslcontext.c); the code is
 * our own. */
#include "fl_sasl.h"

#include <fnmatch.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include <sasl/sasl.h>

#include "netaddr.h"

#define TCP_MIN_SSF 56   /* libvirtd: "good enough to require kerberos" */
#define LAYER_IN_MAX (1u << 20)   /* decoded bytes kept for the next read, at most */

struct fl_sasl_session {
    sasl_conn_t *conn;
    bool secure;
    bool layer;                   /* an SSF > 0 was negotiated */
    char *in;                     /* decoded bytes not taken yet */
    size_t in_len, in_off;
    char *out;                    /* one encoded chunk being sent */
    size_t out_len, out_off, out_plain;
};

/* the options of the process-wide configuration (Cyrus asks for them by name) */
static fl_sasl_config g_cfg;
static char *g_users[FL_SASL_MAX_USERS];
static bool g_initialized;

static int get_option(void *context, const char *plugin, const char *option,
                      const char **result, unsigned *len)
{
    (void)context;
    (void)plugin;
    const char *v = NULL;
    if (strcmp(option, "mech_list") == 0)
        v = g_cfg.mech_list ? g_cfg.mech_list : FL_SASL_DEFAULT_MECHS;
    else if (strcmp(option, "sasldb_path") == 0)
        v = g_cfg.db;
    else if (strcmp(option, "log_level") == 0)
        v = "0";
    if (!v)
        return SASL_FAIL;
    *result = v;
    if (len)
        *len = (unsigned)strlen(v);
    return SASL_OK;
}

static sasl_callback_t g_callbacks[] = {
    {SASL_CB_GETOPT, (int (*)(void))(void (*)(void))get_option, NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};

int fl_sasl_global_init(const fl_sasl_config *cfg, char *err, size_t errlen)
{
    g_cfg = *cfg;
    for (int i = 0; i < cfg->nallowed_user && i < FL_SASL_MAX_USERS; i++) {
        if (!(g_users[i] = strdup(cfg->allowed_user[i]))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    int rc = sasl_server_init(g_callbacks, "libvirt");
    if (rc != SASL_OK) {
        snprintf(err, errlen, "failed to initialize SASL library: %d (%s)", rc,
                 sasl_errstring(rc, NULL, NULL));
        return -1;
    }
    g_initialized = true;
    return 0;
}

/* "IP;PORT" of a socket's local or remote end (SASL's form); NULL when it has none. */
static const char *addr_string(int fd, bool local, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char host[NI_MAXHOST], port[NI_MAXSERV];
    int rc = local ? getsockname(fd, (struct sockaddr *)&ss, &sl)
                   : getpeername(fd, (struct sockaddr *)&ss, &sl);
    if (rc < 0 || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
        getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port, sizeof(port),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return NULL;
    snprintf(buf, len, "%s;%s", host, port);
    return buf;
}

void fl_sasl_global_done(void)
{
    if (!g_initialized)
        return;
    sasl_server_done();
    for (int i = 0; i < FL_SASL_MAX_USERS; i++) {
        free(g_users[i]);
        g_users[i] = NULL;
    }
    g_initialized = false;
}

fl_sasl_session *fl_sasl_session_new(bool secure, int fd, char *err, size_t errlen)
{
    fl_sasl_session *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->secure = secure;
    char la[NI_MAXHOST + NI_MAXSERV + 2], ra[NI_MAXHOST + NI_MAXSERV + 2];
    int rc = sasl_server_new("libvirt", NULL, NULL, addr_string(fd, true, la, sizeof(la)),
                             addr_string(fd, false, ra, sizeof(ra)), NULL, SASL_SUCCESS_DATA,
                             &s->conn);
    if (rc != SASL_OK) {
        snprintf(err, errlen, "Failed to create SASL server context: %d (%s)", rc,
                 sasl_errstring(rc, NULL, NULL));
        free(s);
        return NULL;
    }
    /* libvirtd: TLS or a unix socket need no SASL layer; plain TCP needs one of 56 bits */
    sasl_security_properties_t props = {
        .min_ssf = secure ? 0 : TCP_MIN_SSF,
        .max_ssf = secure ? 0 : 100000,
        .maxbufsize = 8192,
        .security_flags = secure ? 0 : SASL_SEC_NOANONYMOUS,
    };
    rc = sasl_setprop(s->conn, SASL_SEC_PROPS, &props);
    if (rc != SASL_OK) {
        snprintf(err, errlen, "cannot set SASL security props %d (%s)", rc,
                 sasl_errdetail(s->conn));
        fl_sasl_session_free(s);
        return NULL;
    }
    return s;
}

void fl_sasl_session_free(fl_sasl_session *s)
{
    if (!s)
        return;
    sasl_dispose(&s->conn);
    free(s->in);
    free(s->out);
    free(s);
}

int fl_sasl_mechlist(fl_sasl_session *s, const char **list, char *err, size_t errlen)
{
    int rc = sasl_listmech(s->conn, NULL, "", ",", "", list, NULL, NULL);
    if (rc != SASL_OK && rc != SASL_NOMECH) {
        snprintf(err, errlen, "cannot list SASL mechanisms %d (%s)", rc,
                 sasl_errdetail(s->conn));
        return -1;
    }
    if (rc == SASL_NOMECH)
        *list = "";
    return 0;
}

/* remoteSASLFinish: the layer strength over plain TCP, the identity and the allowed list. */
static int finish(fl_sasl_session *s, char *err, size_t errlen)
{
    const void *val = NULL;
    if (!s->secure) {
        int ssf = 0;
        if (sasl_getprop(s->conn, SASL_SSF, &val) == SASL_OK && val)
            ssf = *(const int *)val;
        if (ssf < TCP_MIN_SSF) {
            snprintf(err, errlen, "negotiated SSF %d was not strong enough", ssf);
            return -1;
        }
        s->layer = true;
    }
    if (sasl_getprop(s->conn, SASL_USERNAME, &val) != SASL_OK || !val) {
        snprintf(err, errlen, "no client username was found");
        return -1;
    }
    const char *who = val;
    if (g_cfg.nallowed_user == 0)
        return 0;
    for (int i = 0; i < g_cfg.nallowed_user; i++)
        if (fnmatch(g_users[i], who, FNM_NOESCAPE) == 0)
            return 0;
    snprintf(err, errlen, "SASL client identity '%s' not allowed by ACL: Client's username is "
             "not on the list of allowed clients", who);
    return -1;
}

int fl_sasl_step(fl_sasl_session *s, const char *mech, const char *in, unsigned inlen,
                 const char **out, unsigned *outlen, char *err, size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    int rc = mech ? sasl_server_start(s->conn, mech, in, inlen, out, outlen)
                  : sasl_server_step(s->conn, in, inlen, out, outlen);
    if (rc != SASL_OK && rc != SASL_CONTINUE) {
        snprintf(err, errlen, "%s SASL %s: %d (%s)", mech ? "Failed to start" : "Failed to step",
                 mech ? mech : "negotiation", rc, sasl_errdetail(s->conn));
        return -1;
    }
    if (rc == SASL_CONTINUE)
        return 0;
    return finish(s, err, errlen) == 0 ? 1 : -1;
}

/* ---- the security layer ---------------------------------------------------------------------- */

bool fl_sasl_has_layer(fl_sasl_session *s)
{
    return s->layer;
}

bool fl_sasl_pending(fl_sasl_session *s)
{
    return s->in_off < s->in_len;
}

static long take_decoded(fl_sasl_session *s, void *buf, size_t len)
{
    size_t n = s->in_len - s->in_off < len ? s->in_len - s->in_off : len;
    memcpy(buf, s->in + s->in_off, n);
    s->in_off += n;
    return (long)n;
}

long fl_sasl_recv(fl_sasl_session *s, int fd, void *buf, size_t len)
{
    if (fl_sasl_pending(s))
        return take_decoded(s, buf, len);
    char raw[16384];
    long n = vw_netaddr_recv(fd, raw, sizeof(raw));
    if (n <= 0)
        return n;
    const char *out = NULL;
    unsigned outlen = 0;
    if (sasl_decode(s->conn, raw, (unsigned)n, &out, &outlen) != SASL_OK || outlen > LAYER_IN_MAX)
        return -1;
    if (outlen == 0)
        return 0;   /* a chunk is not complete yet: the rest comes with the next read */
    char *copy = realloc(s->in, outlen);
    if (!copy)
        return -1;
    memcpy(copy, out, outlen);
    s->in = copy;
    s->in_len = outlen;
    s->in_off = 0;
    return take_decoded(s, buf, len);
}

long fl_sasl_send(fl_sasl_session *s, int fd, const void *buf, size_t len)
{
    if (s->out_off == s->out_len) {   /* encode the next chunk */
        const void *val = NULL;
        unsigned maxout = sasl_getprop(s->conn, SASL_MAXOUTBUF, &val) == SASL_OK && val
                              ? *(const unsigned *)val : 4096;
        size_t take = len < maxout ? len : maxout;
        const char *out = NULL;
        unsigned outlen = 0;
        if (sasl_encode(s->conn, buf, (unsigned)take, &out, &outlen) != SASL_OK)
            return -1;
        char *copy = realloc(s->out, outlen ? outlen : 1);
        if (!copy)
            return -1;
        memcpy(copy, out, outlen);
        s->out = copy;
        s->out_len = outlen;
        s->out_off = 0;
        s->out_plain = take;
    }
    while (s->out_off < s->out_len) {
        long n = vw_netaddr_send(fd, s->out + s->out_off, s->out_len - s->out_off);
        if (n <= 0)
            return n;
        s->out_off += (size_t)n;
    }
    return (long)s->out_plain;
}
