/* procs.c: lookups in the procedure table. See procs.h; the rows are generated from
 * proto/procedures.list into build/gen/vw_procedures_table.c.
 *
 * refused_read_only follows libvirt's public API: the functions that call
 * virCheckReadOnlyGoto (src/libvirt-domain.c, src/libvirt-qemu.c, ...). */
#include "procs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROC_COUNT vw_proc_table_len
#define proc_table vw_proc_table

size_t vw_procs_count(void)
{
    return PROC_COUNT;
}

const vw_proc_info *vw_procs_at(size_t index)
{
    return index < PROC_COUNT ? &proc_table[index] : NULL;
}

static int compare_key(const void *key, const void *row)
{
    const vw_proc_info *k = key, *r = row;
    if (k->prog != r->prog)
        return k->prog < r->prog ? -1 : 1;
    if (k->proc != r->proc)
        return k->proc < r->proc ? -1 : 1;
    return 0;
}

const vw_proc_info *vw_procs_lookup(uint32_t prog, int32_t proc)
{
    vw_proc_info key = {.prog = prog, .proc = proc};
    return bsearch(&key, proc_table, PROC_COUNT, sizeof(proc_table[0]), compare_key);
}

const vw_proc_info *vw_procs_lookup_name(uint32_t prog, const char *name)
{
    static const uint32_t order[] = { VW_REMOTE_PROGRAM, VW_QEMU_PROGRAM, VW_LXC_PROGRAM,
                                      VW_KEEPALIVE_PROGRAM };
    if (!name)
        return NULL;
    for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
        if (prog != 0 && prog != order[o])
            continue;
        for (size_t i = 0; i < PROC_COUNT; i++) {
            if (proc_table[i].prog == order[o] && strcmp(proc_table[i].name, name) == 0)
                return &proc_table[i];
        }
    }
    return NULL;
}

static const struct {
    uint32_t prog;
    const char *name;
} program_names[] = {
    { VW_REMOTE_PROGRAM, "REMOTE" },
    { VW_QEMU_PROGRAM, "QEMU" },
    { VW_LXC_PROGRAM, "LXC" },
    { VW_KEEPALIVE_PROGRAM, "KEEPALIVE" },
    { VW_ADMIN_PROGRAM, "ADMIN" },
};

const char *vw_program_name(uint32_t prog)
{
    for (size_t i = 0; i < sizeof(program_names) / sizeof(program_names[0]); i++) {
        if (program_names[i].prog == prog)
            return program_names[i].name;
    }
    return NULL;
}

uint32_t vw_program_from_name(const char *name)
{
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof(program_names) / sizeof(program_names[0]); i++) {
        if (strcmp(program_names[i].name, name) == 0)
            return program_names[i].prog;
    }
    if (name[0] == '0' && (name[1] == 'x' || name[1] == 'X') && name[2]) {
        char *end;
        unsigned long v = strtoul(name + 2, &end, 16);
        if (*end == '\0' && v <= 0xffffffffUL)
            return (uint32_t)v;
    }
    return 0;
}

const char *vw_procs_name(uint32_t prog, int32_t proc, char *buf, size_t buflen)
{
    const vw_proc_info *info = vw_procs_lookup(prog, proc);
    if (info)
        return info->name;
    if (buf && buflen) {
        snprintf(buf, buflen, "PROC_%d", proc);
        return buf;
    }
    return "PROC_?";
}

xdrproc_t vw_procs_payload_codec(const vw_packet *pkt, size_t *size)
{
    const vw_proc_info *info = vw_procs_lookup(pkt->hdr.prog, pkt->hdr.proc);
    xdrproc_t proc = NULL;
    size_t sz = 0;
    switch (pkt->hdr.type) {
    case VW_NET_CALL:
    case VW_NET_CALL_WITH_FDS:
        if (info) {
            proc = info->args_proc;
            sz = info->args_size;
        }
        break;
    case VW_NET_REPLY:
    case VW_NET_REPLY_WITH_FDS:
        if (pkt->hdr.status == VW_NET_ERROR) {
            proc = (xdrproc_t)xdr_vw_remote_error;
            sz = sizeof(vw_remote_error);
        } else if (info && pkt->hdr.status == VW_NET_OK) {
            proc = info->ret_proc;
            sz = info->ret_size;
        }
        break;
    case VW_NET_MESSAGE:
        if (info) {
            proc = info->msg_proc;
            sz = info->msg_size;
        }
        break;
    case VW_NET_STREAM:
        if (pkt->hdr.status == VW_NET_ERROR && pkt->payload_len > 0) {
            proc = (xdrproc_t)xdr_vw_remote_error;
            sz = sizeof(vw_remote_error);
        } else if (pkt->hdr.status == VW_NET_OK || pkt->hdr.status == VW_NET_ERROR) {
            proc = VW_XDR_VOID;
        }
        break;
    case VW_NET_STREAM_HOLE:
        proc = (xdrproc_t)xdr_vw_net_stream_hole;
        sz = sizeof(vw_net_stream_hole);
        break;
    default:
        break;
    }
    if (size)
        *size = proc ? sz : 0;
    return proc;
}

int vw_procs_describe(const vw_packet_header *hdr, uint32_t len, char *buf, size_t buflen)
{
    char progbuf[16], procbuf[24], typebuf[24], statusbuf[24];   /* "type=-2147483648" fits */
    const char *prog = vw_program_name(hdr->prog);
    if (!prog) {
        snprintf(progbuf, sizeof(progbuf), "0x%08x", hdr->prog);
        prog = progbuf;
    }
    const char *proc = vw_procs_name(hdr->prog, hdr->proc, procbuf, sizeof(procbuf));
    const char *type = vw_packet_type_name(hdr->type);
    if (!type) {
        snprintf(typebuf, sizeof(typebuf), "type=%d", hdr->type);
        type = typebuf;
    }
    const char *status = vw_packet_status_name(hdr->status);
    if (!status) {
        snprintf(statusbuf, sizeof(statusbuf), "%d", hdr->status);
        status = statusbuf;
    }
    return snprintf(buf, buflen, "%s %s %s serial=%u status=%s len=%u", prog, proc, type,
                    hdr->serial, status, len);
}
