/* lv_sasl.c: libvirt's SASL authentication, client side (see lv_sasl.h). The exchange and its
 * error texts follow libvirt's remote driver (src/remote/remote_driver.c, remoteAuthSASL); the
 * code is our own. */
#include "lv_sasl.h"
#include "lv_procs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sasl/sasl.h>

#define CRED_MAX 256
#define TCP_MIN_SSF 56

typedef struct {
    char user[CRED_MAX];
    sasl_secret_t *secret;       /* the password, in SASL's shape */
} credentials;

/* ---- libvirt's auth file --------------------------------------------------------------------- */

/* The value of key in [section] of path, or false. A small INI reader: "key=value" lines,
 * '#' and ';' comments, blanks around names ignored. */
static bool ini_lookup(const char *path, const char *section, const char *key, char *out,
                       size_t outlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[1024];
    bool in = false, found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        char *p = line + strspn(line, " \t");
        p[strcspn(p, "\r\n")] = '\0';
        if (*p == '[') {
            char *end = strchr(p, ']');
            in = end && (size_t)(end - p - 1) == strlen(section) &&
                 strncmp(p + 1, section, strlen(section)) == 0;
            continue;
        }
        char *eq = strchr(p, '=');
        if (!in || !eq || *p == '#' || *p == ';')
            continue;
        char *k_end = eq;
        while (k_end > p && (k_end[-1] == ' ' || k_end[-1] == '\t'))
            k_end--;
        if ((size_t)(k_end - p) != strlen(key) || strncmp(p, key, strlen(key)) != 0)
            continue;
        char *v = eq + 1 + strspn(eq + 1, " \t");
        found = strlen(v) < outlen;
        if (found)
            strcpy(out, v);
    }
    fclose(f);
    return found;
}

/* libvirt's search order for the auth file. */
static bool auth_file_path(char *out, size_t outlen)
{
    const char *env = getenv("LIBVIRT_AUTH_FILE");
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (env && *env) {
        snprintf(out, outlen, "%s", env);
        return true;
    }
    if (xdg && *xdg)
        snprintf(out, outlen, "%s/libvirt/auth.conf", xdg);
    else
        snprintf(out, outlen, "%s/.config/libvirt/auth.conf", home ? home : "");
    FILE *f = fopen(out, "r");
    if (f) {
        fclose(f);
        return true;
    }
    snprintf(out, outlen, "/etc/libvirt/auth.conf");
    return true;
}

static bool from_auth_file(const char *host, char *user, char *pass)
{
    char path[1024], section[300], name[CRED_MAX];
    if (!auth_file_path(path, sizeof(path)))
        return false;
    snprintf(section, sizeof(section), "auth-libvirt-%s", host);
    if (!ini_lookup(path, section, "credentials", name, sizeof(name)) &&
        !ini_lookup(path, "auth-libvirt-default", "credentials", name, sizeof(name)))
        return false;
    snprintf(section, sizeof(section), "credentials-%s", name);
    return ini_lookup(path, section, "authname", user, CRED_MAX) &&
           ini_lookup(path, section, "password", pass, CRED_MAX);
}

static int find_credentials(const vw_conn_options *opts, const char *host, credentials *c,
                            vw_virerror *err)
{
    char pass[CRED_MAX] = "";
    const char *eu = getenv("VIRTC_SASL_USER"), *ep = getenv("VIRTC_SASL_PASS");
    bool ok = opts->sasl_credentials &&
              opts->sasl_credentials(opts->sasl_opaque, host, c->user, CRED_MAX, pass,
                                     CRED_MAX) == 0;
    if (!ok && eu && ep && strlen(eu) < CRED_MAX && strlen(ep) < CRED_MAX) {
        strcpy(c->user, eu);
        strcpy(pass, ep);
        ok = true;
    }
    if (!ok)
        ok = from_auth_file(host, c->user, pass);
    if (!ok) {
        vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                        "the server requires SASL authentication and no credentials were "
                        "found for host '%s': set VIRTC_SASL_USER and VIRTC_SASL_PASS, or "
                        "give an auth file with [auth-libvirt-%s] (LIBVIRT_AUTH_FILE, "
                        "~/.config/libvirt/auth.conf, /etc/libvirt/auth.conf)", host, host);
        return -1;
    }
    size_t n = strlen(pass);
    c->secret = calloc(1, sizeof(*c->secret) + n + 1);
    if (!c->secret) {
        vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        return -1;
    }
    c->secret->len = n;
    memcpy(c->secret->data, pass, n);
    memset(pass, 0, sizeof(pass));
    return 0;
}

/* ---- Cyrus SASL callbacks -------------------------------------------------------------------- */

static int cb_simple(void *context, int id, const char **result, unsigned *len)
{
    credentials *c = context;
    if (id != SASL_CB_AUTHNAME && id != SASL_CB_USER)
        return SASL_BADPARAM;
    *result = c->user;
    if (len)
        *len = (unsigned)strlen(c->user);
    return SASL_OK;
}

static int cb_secret(sasl_conn_t *conn, void *context, int id, sasl_secret_t **psecret)
{
    (void)conn;
    credentials *c = context;
    if (id != SASL_CB_PASS)
        return SASL_BADPARAM;
    *psecret = c->secret;
    return SASL_OK;
}

/* ---- the exchange ---------------------------------------------------------------------------- */

typedef struct {
    vw_conn *conn;
    int timeout_ms;
    bool secure;                  /* TLS or a unix socket */
    int complete;                 /* the server said complete */
    char *in;                     /* the server's last data (NULL = nil) */
    unsigned inlen;
} exchange;

static void take_reply(exchange *x, int complete, int nil, char *data, unsigned len)
{
    free(x->in);
    x->complete = complete;
    x->in = nil ? NULL : malloc(len + 1);
    x->inlen = x->in ? len : 0;
    if (x->in) {
        memcpy(x->in, data, len);
        x->in[len] = '\0';
    }
}

static int call_start(exchange *x, const char *mech, const char *out, unsigned outlen,
                      vw_virerror *err)
{
    vw_auth_sasl_start_args a = {.mech = (char *)mech, .nil = out ? 0 : 1,
                                 .data = {.data_len = outlen, .data_val = (char *)out}};
    vw_auth_sasl_start_ret r;
    memset(&r, 0, sizeof(r));
    if (lv_conn_call_timeout(x->conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_SASL_START,
                             (xdrproc_t)xdr_vw_auth_sasl_start_args, &a,
                             (xdrproc_t)xdr_vw_auth_sasl_start_ret, &r, x->timeout_ms, err) < 0)
        return -1;
    take_reply(x, r.complete, r.nil, r.data.data_val, r.data.data_len);
    xdr_free((xdrproc_t)xdr_vw_auth_sasl_start_ret, (char *)&r);
    return 0;
}

static int call_step(exchange *x, const char *out, unsigned outlen, vw_virerror *err)
{
    vw_auth_sasl_step_args a = {.nil = out ? 0 : 1,
                                .data = {.data_len = outlen, .data_val = (char *)out}};
    vw_auth_sasl_step_ret r;
    memset(&r, 0, sizeof(r));
    if (lv_conn_call_timeout(x->conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_SASL_STEP,
                             (xdrproc_t)xdr_vw_auth_sasl_step_args, &a,
                             (xdrproc_t)xdr_vw_auth_sasl_step_ret, &r, x->timeout_ms, err) < 0)
        return -1;
    take_reply(x, r.complete, r.nil, r.data.data_val, r.data.data_len);
    xdr_free((xdrproc_t)xdr_vw_auth_sasl_step_ret, (char *)&r);
    return 0;
}

/* The mechanism list of AUTH_SASL_INIT, narrowed to VIRTC_SASL_MECH when set. */
static char *mechanisms(exchange *x, vw_virerror *err)
{
    vw_auth_sasl_init_ret r;
    memset(&r, 0, sizeof(r));
    vw_virerror e = { 0 };
    if (lv_conn_call_timeout(x->conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_SASL_INIT, NULL,
                             NULL, (xdrproc_t)xdr_vw_auth_sasl_init_ret, &r, x->timeout_ms,
                             &e) < 0) {
        /* the daemon's words, and on plain TCP the likely reason (libvirtd lists nothing) */
        if (e.remote && e.code == VW_ERR_AUTH_FAILED && !x->secure)
            vw_virerror_set(err, e.code, e.domain, "%s (on plain TCP libvirtd offers only "
                            "SASL mechanisms with a security layer, which this client does "
                            "not speak: use qemu+tls:// or a unix socket)",
                            vw_virerror_message(&e));
        else if (err)
            vw_virerror_move(err, &e);
        vw_virerror_clear(&e);
        return NULL;
    }
    const char *want = getenv("VIRTC_SASL_MECH");
    char *list = strdup(r.mechlist ? r.mechlist : "");
    xdr_free((xdrproc_t)xdr_vw_auth_sasl_init_ret, (char *)&r);
    if (!list || !list[0]) {
        vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                        "the server offers no SASL mechanism for this connection (libvirtd "
                        "offers over plain TCP only mechanisms with a security layer, which "
                        "this client does not speak: use qemu+tls:// or a unix socket)");
        free(list);
        return NULL;
    }
    if (want && *want && !strcasestr(list, want)) {
        vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                        "SASL mechanism %s not supported by server (it offers %s)", want,
                        list);
        free(list);
        return NULL;
    }
    if (want && *want) {
        free(list);
        list = strdup(want);
    }
    return list;
}

static sasl_conn_t *client_new(const char *host, bool secure, sasl_callback_t *cbs,
                               vw_virerror *err)
{
    sasl_conn_t *sc = NULL;
    int rc = sasl_client_init(NULL);
    if (rc == SASL_OK)
        rc = sasl_client_new("libvirt", host, NULL, NULL, cbs, SASL_SUCCESS_DATA, &sc);
    sasl_security_properties_t props = {
        .min_ssf = secure ? 0 : TCP_MIN_SSF, .max_ssf = secure ? 0 : 100000,
        .maxbufsize = 65536, .security_flags = secure ? 0 : SASL_SEC_NOANONYMOUS};
    if (rc == SASL_OK)
        rc = sasl_setprop(sc, SASL_SEC_PROPS, &props);
    if (rc != SASL_OK) {
        vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                        "Failed to create SASL client context: %d (%s)", rc,
                        sasl_errstring(rc, NULL, NULL));
        if (sc)
            sasl_dispose(&sc);
        return NULL;
    }
    return sc;
}

static int run_exchange(exchange *x, sasl_conn_t *sc, const char *list, vw_virerror *err)
{
    const char *out = NULL, *mech = NULL;
    unsigned outlen = 0;
    int rc = sasl_client_start(sc, list, NULL, &out, &outlen, &mech);
    if (rc != SASL_OK && rc != SASL_CONTINUE) {
        vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                        "Failed to start SASL negotiation: %d (%s)", rc, sasl_errdetail(sc));
        return -1;
    }
    if (call_start(x, mech, out, outlen, err) < 0)
        return -1;
    while (!(x->complete && rc == SASL_OK)) {
        rc = sasl_client_step(sc, x->in, x->inlen, NULL, &out, &outlen);
        if (rc != SASL_OK && rc != SASL_CONTINUE) {
            vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                            "Failed to step SASL negotiation: %d (%s)", rc,
                            sasl_errdetail(sc));
            return -1;
        }
        if (x->complete && rc == SASL_OK)
            break;
        if (x->complete) {
            vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                            "the server ended SASL negotiation before this client did");
            return -1;
        }
        if (call_step(x, out, outlen, err) < 0)
            return -1;
    }
    return 0;
}

/* libvirt refuses a layer too weak for plain TCP; this client speaks none at all. */
static int check_layer(sasl_conn_t *sc, bool secure, vw_virerror *err)
{
    const void *val = NULL;
    int ssf = sasl_getprop(sc, SASL_SSF, &val) == SASL_OK && val ? *(const int *)val : 0;
    if (secure && ssf == 0)
        return 0;
    vw_virerror_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                    ssf < TCP_MIN_SSF ? "negotiation SSF %d was not strong enough"
                                          : "the SASL mechanism negotiated a security layer "
                                            "(SSF %d), which this client does not implement",
                    ssf);
    return -1;
}

int lv_sasl_authenticate(vw_conn *conn, const vw_conn_options *opts, const char *host,
                         bool secure, int timeout_ms, vw_virerror *err)
{
    credentials cred;
    memset(&cred, 0, sizeof(cred));
    exchange x = {.conn = conn, .timeout_ms = timeout_ms, .secure = secure};
    char *list = mechanisms(&x, err);
    if (!list || find_credentials(opts, host, &cred, err) < 0) {
        free(list);
        free(cred.secret);
        return -1;
    }
    sasl_callback_t cbs[] = {
        {SASL_CB_AUTHNAME, (int (*)(void))(void (*)(void))cb_simple, &cred},
        {SASL_CB_USER, (int (*)(void))(void (*)(void))cb_simple, &cred},
        {SASL_CB_PASS, (int (*)(void))(void (*)(void))cb_secret, &cred},
        {SASL_CB_LIST_END, NULL, NULL},
    };
    sasl_conn_t *sc = client_new(host, secure, cbs, err);
    int rc = sc ? run_exchange(&x, sc, list, err) : -1;
    if (rc == 0)
        rc = check_layer(sc, secure, err);
    if (sc)
        sasl_dispose(&sc);
    free(x.in);
    free(list);
    if (cred.secret)
        memset(cred.secret->data, 0, cred.secret->len);
    free(cred.secret);
    return rc;
}
