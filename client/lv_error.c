/* lv_error.c: filling, copying and releasing vw_client_error. */
#include "lv_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vw_client_error_clear(vw_client_error *err)
{
    if (!err)
        return;
    free(err->message);
    free(err->str1);
    free(err->str2);
    free(err->str3);
    memset(err, 0, sizeof(*err));
}

const char *vw_client_error_message(const vw_client_error *err)
{
    if (!err)
        return "no error information";
    if (err->message && err->message[0])
        return err->message;
    if (err->code == VW_ERR_OK)
        return "no error";
    if (err->code == VW_ERR_NO_DOMAIN)
        return "Domain not found";
    if (err->code == VW_ERR_RPC)
        return "RPC error without a message";
    return "error without a message (see code and domain)";
}

void vw_client_error_set(vw_client_error *err, int code, int domain, const char *fmt, ...)
{
    if (!err)
        return;
    vw_client_error_clear(err);
    err->code = code;
    err->domain = domain;
    err->level = VW_ERR_LEVEL_ERROR;
    err->remote = false;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&err->message, fmt, ap) < 0)
        err->message = NULL;
    va_end(ap);
}

static int copy_string(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

int vw_client_error_copy(vw_client_error *dst, const vw_client_error *src)
{
    vw_client_error_clear(dst);
    dst->code = src->code;
    dst->domain = src->domain;
    dst->level = src->level;
    dst->int1 = src->int1;
    dst->int2 = src->int2;
    dst->remote = src->remote;
    if (copy_string(&dst->message, src->message) < 0 || copy_string(&dst->str1, src->str1) < 0 ||
        copy_string(&dst->str2, src->str2) < 0 || copy_string(&dst->str3, src->str3) < 0) {
        vw_client_error_set(dst, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory copying an error");
        return -1;
    }
    return 0;
}

void vw_client_error_move(vw_client_error *dst, vw_client_error *src)
{
    vw_client_error_clear(dst);
    *dst = *src;
    memset(src, 0, sizeof(*src));
}
