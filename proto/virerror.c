/* virerror.c: a libvirt error's fields to and from the wire's remote_error, written once
 * (virerror.h). */
#include "virerror.h"

#include <stdbool.h>
#include <string.h>

#include "vw_net_protocol.h"

static char **optional(const char *s, char **slot, bool empty_is_absent)
{
    if (!s || (empty_is_absent && !*s))
        return NULL;
    *slot = (char *)s;
    return slot;
}

void vw_virerror_to_wire(const vw_virerror *in, struct vw_remote_error *out, char *slots[4])
{
    memset(out, 0, sizeof(*out));
    out->code = in->code;
    out->domain = in->domain;
    out->level = in->level ? in->level : VW_ERR_LEVEL_ERROR;
    out->message = optional(in->message, &slots[0], false);
    out->str1 = optional(in->str1, &slots[1], true);
    out->str2 = optional(in->str2, &slots[2], true);
    out->str3 = optional(in->str3, &slots[3], true);
    out->int1 = in->int1;
    out->int2 = in->int2;
}

static const char *wire_string(vw_net_string s)
{
    return (s && *s && **s) ? *s : NULL;
}

vw_virerror vw_virerror_from_wire(const struct vw_remote_error *in)
{
    vw_virerror out = {
        .code = in->code, .domain = in->domain, .level = in->level,
        .message = wire_string(in->message), .str1 = wire_string(in->str1),
        .str2 = wire_string(in->str2), .str3 = wire_string(in->str3),
        .int1 = in->int1, .int2 = in->int2,
    };
    return out;
}
