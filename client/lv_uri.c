/* lv_uri.c: parsing libvirt connection URIs (see lv_uri.h for the rules). */
#include "lv_uri.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Query parameters libvirt's remote driver consumes and does not forward (doRemoteOpen's
 * EXTRACT_URI_ARG_* list plus "authfile"); every other parameter goes to the server. */
static const char *const consumed_params[] = {
    "name", "command", "socket", "auth", "sshauth", "netcat", "keyfile", "pkipath", "known_hosts",
    "known_hosts_verify", "tls_priority", "mode", "proxy", "no_sanity", "no_verify", "no_tty",
    "authfile", NULL
};

static bool param_is_consumed(const char *name, size_t len)
{
    for (size_t i = 0; consumed_params[i]; i++)
        if (strlen(consumed_params[i]) == len && strncasecmp(consumed_params[i], name, len) == 0)
            return true;
    return false;
}

/* Percent-decodes [s, s+len) into a new string; NULL on bad escape or out of memory. */
static char *percent_decode(const char *s, size_t len, bool *bad_escape)
{
    char *out = malloc(len + 1);
    size_t o = 0;
    *bad_escape = false;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            if (i + 2 >= len) {
                free(out);
                *bad_escape = true;
                return NULL;
            }
            int h = vw_hex_digit((unsigned char)s[i + 1]), l = vw_hex_digit((unsigned char)s[i + 2]);
            if (h < 0 || l < 0 || (h == 0 && l == 0)) {
                free(out);
                *bad_escape = true;
                return NULL;
            }
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

void vw_uri_clear(vw_uri *uri)
{
    if (!uri)
        return;
    free(uri->driver);
    free(uri->host);
    free(uri->path);
    free(uri->socket_path);
    free(uri->open_name);
    free(uri->pkipath);
    free(uri->user);
    free(uri->netcat);
    free(uri->proxy);
    free(uri->keyfile);
    memset(uri, 0, sizeof(*uri));
}

static int fail_nomem(vw_uri *out, vw_virerror *err)
{
    vw_uri_clear(out);
    vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_REMOTE, "out of memory parsing a URI");
    return -1;
}

static char *default_socket(const char *path, unsigned int conn_flags)
{
    if (path && strcmp(path, "/session") == 0) {
        const char *runtime = getenv("XDG_RUNTIME_DIR");
        char *s = NULL;
        if (runtime && runtime[0]) {
            if (asprintf(&s, "%s/libvirt/libvirt-sock", runtime) < 0)
                return NULL;
        } else {
            const char *home = getenv("HOME");
            if (asprintf(&s, "%s/.cache/libvirt/libvirt-sock", home ? home : "") < 0)
                return NULL;
        }
        return s;
    }
    return strdup((conn_flags & VW_CONN_READ_ONLY) ? VW_DEFAULT_SYSTEM_SOCKET_RO
                                                   : VW_DEFAULT_SYSTEM_SOCKET);
}

/* The SSH transport's parameters: takes *decoded (set to NULL) and returns true for one. */
static bool take_ssh_param(vw_uri *out, const char *key, size_t len, char **decoded)
{
    char **slot = len == 6 && strncasecmp(key, "netcat", 6) == 0    ? &out->netcat
                  : len == 5 && strncasecmp(key, "proxy", 5) == 0   ? &out->proxy
                  : len == 7 && strncasecmp(key, "keyfile", 7) == 0 ? &out->keyfile
                                                                     : NULL;
    if (len == 6 && strncasecmp(key, "no_tty", 6) == 0) {
        out->no_tty = atoi(*decoded) != 0;
        free(*decoded);
        *decoded = NULL;
        return true;
    }
    if (!slot)
        return false;
    free(*slot);
    *slot = *decoded;
    *decoded = NULL;
    return true;
}

int vw_uri_parse(const char *text, unsigned int conn_flags, vw_uri *out, vw_virerror *err)
{
    memset(out, 0, sizeof(*out));
    out->port = VW_DEFAULT_TCP_PORT;
    if (!text || !text[0]) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                        "empty connection URI (expected e.g. test+unix:///default?socket=PATH)");
        return -1;
    }
    for (const char *c = text; *c; c++) {
        if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f) {
            vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                            "invalid character at offset %zu in URI '%s' (percent-encode it)",
                            (size_t)(c - text), text);
            return -1;
        }
    }
    const char *sep = strstr(text, "://");
    if (!sep) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                        "URI '%s' has no 'scheme://' (expected e.g. qemu:///system or "
                        "test+unix:///default?socket=PATH)", text);
        return -1;
    }
    size_t scheme_len = (size_t)(sep - text);
    if (scheme_len == 0 || !isalpha((unsigned char)text[0])) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                        "URI '%s' has an empty or invalid scheme", text);
        return -1;
    }
    for (size_t i = 0; i < scheme_len; i++) {
        char c = text[i];
        if (!isalnum((unsigned char)c) && c != '+' && c != '-' && c != '.') {
            vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                            "invalid character '%c' in the scheme of URI '%s'", c, text);
            return -1;
        }
    }
    const char *plus = memchr(text, '+', scheme_len);
    size_t driver_len = plus ? (size_t)(plus - text) : scheme_len;
    const char *transport = plus ? plus + 1 : NULL;
    size_t transport_len = plus ? scheme_len - driver_len - 1 : 0;
    if (driver_len == 0 || (plus && (transport_len == 0 || memchr(transport, '+', transport_len)))) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                        "URI '%s': scheme must be DRIVER or DRIVER+TRANSPORT", text);
        return -1;
    }
    out->driver = strndup(text, driver_len);
    if (!out->driver)
        return fail_nomem(out, err);

    /* authority: [user@]host[:port] up to '/', '?' or '#' */
    const char *auth = sep + 3;
    size_t auth_len = strcspn(auth, "/?#");
    const char *rest = auth + auth_len;
    const char *host = auth, *at = NULL;
    for (size_t i = 0; i < auth_len; i++)
        if (auth[i] == '@')
            at = auth + i;
    if (at) {
        host = at + 1;
        if (at > auth && !(out->user = strndup(auth, (size_t)(at - auth))))
            return fail_nomem(out, err);
    }
    size_t host_len = (size_t)(auth + auth_len - host);
    const char *port_text = NULL;
    size_t port_len = 0;
    if (host_len && host[0] == '[') {
        const char *close = memchr(host, ']', host_len);
        if (!close) {
            vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                            "URI '%s': unterminated '[' in the IPv6 host", text);
            vw_uri_clear(out);
            return -1;
        }
        if (close + 1 < host + host_len) {
            if (close[1] != ':') {
                vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                                "URI '%s': expected ':PORT' after ']'", text);
                vw_uri_clear(out);
                return -1;
            }
            port_text = close + 2;
            port_len = (size_t)(host + host_len - port_text);
        }
        if (close - host - 1 > 0 && !(out->host = strndup(host + 1, (size_t)(close - host - 1))))
            return fail_nomem(out, err);
    } else if (host_len) {
        const char *colon = memchr(host, ':', host_len);
        size_t name_len = colon ? (size_t)(colon - host) : host_len;
        if (colon) {
            port_text = colon + 1;
            port_len = (size_t)(host + host_len - port_text);
        }
        if (name_len && !(out->host = strndup(host, name_len)))
            return fail_nomem(out, err);
    }
    if (port_text) {
        long port = 0;
        if (port_len == 0 || port_len > 5) {
            port = -1;
        } else {
            for (size_t i = 0; i < port_len; i++) {
                if (!isdigit((unsigned char)port_text[i])) {
                    port = -1;
                    break;
                }
                port = port * 10 + (port_text[i] - '0');
            }
        }
        if (port < 1 || port > 65535) {
            vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                            "URI '%s': port '%.*s' is not a number in 1..65535", text,
                            (int)port_len, port_text);
            vw_uri_clear(out);
            return -1;
        }
        out->port = (int)port;
        out->port_given = true;
    }

    /* transport: none with a host means TLS, as in libvirt */
    if (!transport) {
        out->transport = out->host ? VW_TRANSPORT_TLS : VW_TRANSPORT_UNIX;
    } else if (transport_len == 3 && strncasecmp(transport, "tls", 3) == 0) {
        out->transport = VW_TRANSPORT_TLS;
    } else if (transport_len == 3 && strncasecmp(transport, "ssh", 3) == 0) {
        out->transport = VW_TRANSPORT_SSH;
    } else if (transport_len == 4 && strncasecmp(transport, "unix", 4) == 0) {
        out->transport = VW_TRANSPORT_UNIX;
    } else if (transport_len == 3 && strncasecmp(transport, "tcp", 3) == 0) {
        out->transport = VW_TRANSPORT_TCP;
    } else {
        vw_virerror_set(err, VW_ERR_NO_SUPPORT, VW_FROM_REMOTE,
                        "URI '%s': transport '%.*s' is not supported by this client (use "
                        "'unix', 'tcp', 'tls' or 'ssh')", text, (int)transport_len, transport);
        vw_uri_clear(out);
        return -1;
    }
    if (out->transport == VW_TRANSPORT_UNIX && out->host) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                        "URI '%s': a unix-socket URI must not name a host ('%s')", text,
                        out->host);
        vw_uri_clear(out);
        return -1;
    }
    if (out->transport != VW_TRANSPORT_UNIX && !out->host && !(out->host = strdup("localhost")))
        return fail_nomem(out, err);
    if (out->transport == VW_TRANSPORT_TLS && !port_text)
        out->port = VW_DEFAULT_TLS_PORT;

    /* path, query, fragment */
    size_t path_len = strcspn(rest, "?#");
    if (!(out->path = strndup(rest, path_len)))
        return fail_nomem(out, err);
    const char *query = NULL, *fragment = NULL;
    size_t query_len = 0;
    if (rest[path_len] == '?') {
        query = rest + path_len + 1;
        query_len = strcspn(query, "#");
        if (query[query_len] == '#')
            fragment = query + query_len + 1;
    } else if (rest[path_len] == '#') {
        fragment = rest + path_len + 1;
    }

    /* the forwarded query: every parameter not consumed, in order, as written */
    char *forward = calloc(1, query_len + 1);
    char *name_param = NULL;
    if (!forward)
        return fail_nomem(out, err);
    for (size_t pos = 0; query && pos < query_len;) {
        size_t item_len = strcspn(query + pos, "&#");
        if (item_len > query_len - pos)
            item_len = query_len - pos;
        const char *item = query + pos;
        pos += item_len + 1;
        if (item_len == 0)
            continue;
        const char *eq = memchr(item, '=', item_len);
        size_t key_len = eq ? (size_t)(eq - item) : item_len;
        if (!param_is_consumed(item, key_len)) {
            if (forward[0])
                strcat(forward, "&");
            strncat(forward, item, item_len);
            continue;
        }
        const char *value = eq ? eq + 1 : item + item_len;
        size_t value_len = (size_t)(item + item_len - value);
        bool bad = false;
        char *decoded = percent_decode(value, value_len, &bad);
        if (!decoded) {
            free(forward);
            free(name_param);
            if (!bad)
                return fail_nomem(out, err);
            vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                            "URI '%s': bad percent-escape in parameter '%.*s'", text,
                            (int)key_len, item);
            vw_uri_clear(out);
            return -1;
        }
        if (key_len == 6 && strncasecmp(item, "socket", 6) == 0) {
            if (!decoded[0]) {
                free(decoded);
                free(forward);
                free(name_param);
                vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                                "URI '%s': empty socket= parameter", text);
                vw_uri_clear(out);
                return -1;
            }
            free(out->socket_path);
            out->socket_path = decoded;
        } else if (key_len == 4 && strncasecmp(item, "name", 4) == 0) {
            free(name_param);
            name_param = decoded;
        } else if (key_len == 7 && strncasecmp(item, "pkipath", 7) == 0) {
            free(out->pkipath);
            out->pkipath = decoded;
        } else if (take_ssh_param(out, item, key_len, &decoded)) {
            continue;
        } else if (key_len == 9 && strncasecmp(item, "no_verify", 9) == 0) {
            out->no_verify = atoi(decoded) != 0;   /* libvirt: an integer, non-zero = on */
            free(decoded);
        } else {
            free(decoded);
        }
    }

    if (name_param) {
        out->open_name = name_param;
    } else if (strcmp(out->driver, "remote") == 0) {
        out->open_name = strdup("");
    } else if (asprintf(&out->open_name, "%s://%s%s%s%s%s", out->driver, out->path,
                        forward[0] ? "?" : "", forward, fragment ? "#" : "",
                        fragment ? fragment : "") < 0) {
        out->open_name = NULL;
    }
    free(forward);
    if (!out->open_name)
        return fail_nomem(out, err);

    if ((out->transport == VW_TRANSPORT_UNIX || out->transport == VW_TRANSPORT_SSH) &&
        !out->socket_path && !(out->socket_path = default_socket(out->path, conn_flags)))
        return fail_nomem(out, err);
    return 0;
}
