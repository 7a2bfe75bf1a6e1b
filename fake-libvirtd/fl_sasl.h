/* fl_sasl.h: SASL authentication as libvirtd does it (Cyrus SASL, service "libvirt"): the
 * mechanisms come from --sasl-mech-list (libvirt's /etc/sasl2/libvirt.conf mech_list), the
 * passwords from a sasldb (sasldb_path), the allowed user names from --sasl-allowed-username
 * (sasl_allowed_username_list). Over plain TCP only mechanisms with a security layer of at least
 * 56 bits are offered and accepted, as libvirtd requires; TLS and unix sockets need none.
 *
 * The fake speaks no SASL security layer after authentication: a mechanism that negotiates one
 * (DIGEST-MD5 with auth-conf, GSSAPI) is refused at the end of the exchange with a log line.
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

/* A server session for one client; secure = TLS or a unix socket. NULL with a reason in err. */
fl_sasl_session *fl_sasl_session_new(bool secure, char *err, size_t errlen);
void fl_sasl_session_free(fl_sasl_session *s);

/* The mechanisms this client may use, comma-separated (empty when none qualifies). */
int fl_sasl_mechlist(fl_sasl_session *s, const char **list, char *err, size_t errlen);

/* One step of the exchange (start with mech != NULL, step with mech NULL). in NULL = the
 * client's "nil". Returns 1 complete and allowed, 0 continue (out/outlen set, out NULL = nil),
 * -1 refused (the reason for the log in err). */
int fl_sasl_step(fl_sasl_session *s, const char *mech, const char *in, unsigned inlen,
                 const char **out, unsigned *outlen, char *err, size_t errlen);

#endif
