/* virtc_cmd.h: what virtc's command files share: the command table entry, virsh-style argument
 * parsing results, the per-run context, and the helpers every command uses (messages, domain
 * lookup, XML files, tables: virtc_util.c; argument parsing: virtc_args.c). virtc.c owns main();
 * each family (virtc_host.c, virtc_domain.c, virtc_event.c, virtc_net.c, virtc_storage.c,
 * virtc_snapshot.c, virtc_devices.c, virtc_stats.c) exports one NULL-terminated table of its
 * commands, listed in virtc.c's command_groups. */
#ifndef VIRTC_CMD_H
#define VIRTC_CMD_H

#include <stdbool.h>

#include "libvirt_client.h"
#include "virtc_table.h"
#include "vw_client_procs.h"

#define EXIT_OK 0
#define EXIT_LIBVIRT 1
#define EXIT_USAGE 2

enum arg_kind { ARG_BOOL, ARG_VALUE, ARG_POSITIONAL, ARG_REST };

typedef struct arg_spec {
    const char *name;
    enum arg_kind kind;
    bool required;
    const char *help;
} arg_spec;

#define MAX_ARGS 8

typedef struct parsed_args {
    const char *value[MAX_ARGS];   /* ARG_VALUE / ARG_POSITIONAL: the text; ARG_REST: joined */
    bool set[MAX_ARGS];
    char *rest;                    /* owned buffer for ARG_REST */
} parsed_args;

struct ctx;
typedef struct command {
    const char *name;
    const arg_spec *args;
    int (*run)(struct ctx *ctx, const parsed_args *args);
    const char *help;
} command;

typedef struct ctx {
    vw_conn *conn;
    const command *cmd;
} ctx;

/* Longest --timeout / -t, in seconds (one day). */
#define VIRTC_TIMEOUT_MAX_S 86400

/* The command tables of the family files. */
extern const command virtc_host_commands[];
extern const command virtc_domain_commands[];
extern const command virtc_event_commands[];
extern const command virtc_net_commands[];
extern const command virtc_storage_commands[];
extern const command virtc_snapshot_commands[];
extern const command virtc_device_commands[];
extern const command virtc_stats_commands[];

/* "error: TEXT" on stderr, as virsh writes its errors. */
void virtc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the library error as virsh prints the last libvirt error, clears it, EXIT_LIBVIRT. */
int virtc_report(vw_virerror *err);
/* Parses a command's arguments (argv after the command name) against cmd->args into *a (free
 * a->rest afterwards, also on failure): EXIT_OK, or EXIT_USAGE after virsh's message. */
int virtc_parse_args(const command *cmd, int argc, char **argv, parsed_args *a);
/* Parses a whole number of seconds in 1..VIRTC_TIMEOUT_MAX_S: 0, or -1. */
int virtc_parse_seconds(const char *text, int *out);
bool virtc_arg_set(const command *cmd, const parsed_args *a, const char *name);
const char *virtc_arg_value(const command *cmd, const parsed_args *a, const char *name);

#define BY_ID 1u
#define BY_UUID 2u
#define BY_NAME 4u
/* Finds a domain as virsh does (id, UUID, then name, as BY_* allows); prints virsh's message
 * and returns EXIT_LIBVIRT when it is not there. */
int virtc_lookup_domain(ctx *c, const char *key, unsigned int by, vw_client_domain *dom);
/* The same, as the wire's domain reference; free dom->name afterwards. */
int virtc_lookup_wire_domain(ctx *c, const char *key, vw_nonnull_domain *dom);
/* True when KEY is a UUID in its 36-character form (then *uuid holds it): virsh tries such a key
 * as a UUID before it tries it as a name. */
bool virtc_key_is_uuid(const char *key, unsigned char uuid[VW_UUID_BUFLEN]);
/* virsh's names of a domain state and of a state's reason. */
const char *virtc_state_text(int state);
const char *virtc_reason_text(int state, int reason);
/* qsort order of virsh's domain lists: running domains by id, then inactive ones by name. */
int virtc_domain_order(const void *pa, const void *pb);
void virtc_fill_nonnull_domain(vw_nonnull_domain *out, const vw_client_domain *dom);
/* A file of at most 10 MiB (virsh's limit), NUL-terminated; prints virsh's message, NULL. */
char *virtc_read_xml_file(const char *path);
/* Prints and frees a table built by a listing command; rc is EXIT_OK unless building it failed. */
int virtc_table_finish(virtc_table *t, int rc);
/* Prints an XML document as virsh does (as it came, newline-terminated). */
void virtc_print_xml(const char *xml);

#endif
