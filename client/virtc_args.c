/* virtc_args.c: virtc's per-command argument parsing, virsh style (positionals or --name value,
 * --flag, a rest-of-line argument), against each command's arg_spec list (virtc_cmd.h). */
#include "libvirt_client.h"
#include "virtc_cmd.h"
#include "virtc_table.h"
#include "vw_remote_protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- per-command argument parsing (virsh style: positionals or --name value, --flag) --------- */

static int spec_count(const arg_spec *specs)
{
    int n = 0;
    while (specs && specs[n].name)
        n++;
    return n;
}

static int spec_index(const command *cmd, const char *name)
{
    for (int i = 0; i < spec_count(cmd->args); i++)
        if (strcmp(cmd->args[i].name, name) == 0)
            return i;
    return -1;
}

bool virtc_arg_set(const command *cmd, const parsed_args *a, const char *name)
{
    int i = spec_index(cmd, name);
    return i >= 0 && a->set[i];
}

const char *virtc_arg_value(const command *cmd, const parsed_args *a, const char *name)
{
    int i = spec_index(cmd, name);
    return i >= 0 && a->set[i] ? a->value[i] : NULL;
}

/* Appends word to the ARG_REST buffer (space separated, like virsh joins its argv options). */
static int rest_append(parsed_args *a, int idx, const char *word)
{
    size_t old = a->rest ? strlen(a->rest) : 0;
    size_t add = strlen(word);
    char *grown = realloc(a->rest, old + add + 2);
    if (!grown)
        return -1;
    if (old)
        grown[old++] = ' ';
    memcpy(grown + old, word, add + 1);
    a->rest = grown;
    a->value[idx] = grown;
    a->set[idx] = true;
    return 0;
}

/* Parses argv (after the command name). Returns 0, or EXIT_USAGE after printing the error. */
int virtc_parse_args(const command *cmd, int argc, char **argv, parsed_args *a)
{
    memset(a, 0, sizeof(*a));
    int n = spec_count(cmd->args);
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        const char *tok = argv[i];
        if (!only_positional && strcmp(tok, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (!only_positional && strncmp(tok, "--", 2) == 0) {
            char name[64];
            const char *eq = strchr(tok + 2, '=');
            size_t len = eq ? (size_t)(eq - tok - 2) : strlen(tok + 2);
            int idx = -1;
            if (len < sizeof(name)) {
                memcpy(name, tok + 2, len);
                name[len] = '\0';
                idx = spec_index(cmd, name);
            }
            if (idx < 0) {
                virtc_error("command '%s' doesn't support option %s", cmd->name, tok);
                return EXIT_USAGE;
            }
            const arg_spec *s = &cmd->args[idx];
            if (s->kind == ARG_BOOL) {
                if (eq) {
                    virtc_error("option --%s takes no value", s->name);
                    return EXIT_USAGE;
                }
                a->set[idx] = true;
                continue;
            }
            const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val) {
                virtc_error("expected syntax: --%s <%s>", s->name, s->name);
                return EXIT_USAGE;
            }
            if (s->kind == ARG_REST) {
                if (rest_append(a, idx, val) < 0) {
                    virtc_error("out of memory");
                    return EXIT_LIBVIRT;
                }
            } else {
                a->value[idx] = val;
                a->set[idx] = true;
            }
            continue;
        }
        /* a positional: the first positional slot not yet filled */
        int idx = -1;
        for (int j = 0; j < n; j++) {
            const arg_spec *s = &cmd->args[j];
            if ((s->kind == ARG_POSITIONAL && !a->set[j]) || s->kind == ARG_REST) {
                idx = j;
                break;
            }
        }
        if (idx < 0) {
            virtc_error("unexpected data '%s'", tok);
            return EXIT_USAGE;
        }
        if (cmd->args[idx].kind == ARG_REST) {
            if (rest_append(a, idx, tok) < 0) {
                virtc_error("out of memory");
                return EXIT_LIBVIRT;
            }
        } else {
            a->value[idx] = tok;
            a->set[idx] = true;
        }
    }
    for (int j = 0; j < n; j++)
        if (cmd->args[j].required && !a->set[j]) {
            virtc_error("command '%s' requires <%s> option", cmd->name, cmd->args[j].name);
            return EXIT_USAGE;
        }
    return 0;
}

/* Parses a whole number of seconds in 1..VIRTC_TIMEOUT_MAX_S. */
int virtc_parse_seconds(const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > VIRTC_TIMEOUT_MAX_S)
        return -1;
    *out = (int)v;
    return 0;
}
