/* fl_sasl.h: SASL authentication as libvirtd does it (Cyrus SASL, service "libvirt"): the
 * mechanisms come from --sasl-mech-list (libvirt's /etc/sasl2/libvirt.conf mech_list), the
 * passwords from a sasldb (sasldb_path), the allowed user names from --sasl-allowed-username
 * (sasl_allowed_username_list). Over plain TCP only mechanisms with a security layer of at least
 * 56 bits are offered and accepted, as libvirtd requires; TLS and unix sockets need none.
 *
 * After authentication on plain TCP the negotiated security layer (DIGEST-MD5's auth-conf, for
 * one) wraps every byte both ways, as in libvirtd: fl_sasl_recv / fl_sasl_send on the socket.
 */
#ifndef FL_SASL_H
#define FL_SASL_H

#include <stdbool.h>
#include <stddef.h>

#define FL_SASL_MAX_USERS 16
#define FL_SASL_DEFAULT_MECHS "SCRAM-SHA-256"

typedef struct {
    const char *db;                               /* sasldb_path; NULL = Cyrus's default */
    const char *mech_list;                        /* NULL = FL_SASL_DEFAULT_MECHS */
    const char *allowed_user[FL_SASL_MAX_USERS];  /* glob patterns; none = everyone */
    int nallowed_user;
} fl_sasl_config;

typedef struct fl_sasl_session fl_sasl_session;

/* Once per process, before any session. Returns 0, or -1 with a message in err. */
int fl_sasl_global_init(const fl_sasl_config *cfg, char *err, size_t errlen);

/* Releases what fl_sasl_global_init set up (the mechanisms' plugins); no session may remain. */
void fl_sasl_global_done(void);

/* A server session for one client; secure = TLS or a unix socket. NULL with a reason in err. */
fl_sasl_session *fl_sasl_session_new(bool secure, int fd, char *err, size_t errlen);
void fl_sasl_session_free(fl_sasl_session *s);

/* The mechanisms this client may use, comma-separated (empty when none qualifies). */
int fl_sasl_mechlist(fl_sasl_session *s, const char **list, char *err, size_t errlen);

/* One step of the exchange (start with mech != NULL, step with mech NULL). in NULL = the
 * client's "nil". Returns 1 complete and allowed, 0 continue (out/outlen set, out NULL = nil),
 * -1 refused (the reason for the log in err). */
int fl_sasl_step(fl_sasl_session *s, const char *mech, const char *in, unsigned inlen,
                 const char **out, unsigned *outlen, char *err, size_t errlen);

/* After completion: true when a security layer was negotiated (then every later byte goes
 * through fl_sasl_recv / fl_sasl_send). */
bool fl_sasl_has_layer(fl_sasl_session *s);
/* As vw_netaddr_recv / vw_netaddr_send on fd, through the layer: bytes (> 0), 0 nothing now,
 * -1 the connection is over. A send returns 0 until a whole encoded chunk is out, then the
 * plain bytes it carried (call again with the same data meanwhile). */
long fl_sasl_recv(fl_sasl_session *s, int fd, void *buf, size_t len);
long fl_sasl_send(fl_sasl_session *s, int fd, const void *buf, size_t len);
/* True when decoded bytes wait in the session (the socket may not be readable). */
bool fl_sasl_pending(fl_sasl_session *s);

#endif
