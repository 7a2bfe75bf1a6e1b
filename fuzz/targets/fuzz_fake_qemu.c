/* fuzz_fake_qemu.c: fake-qemu's QMP connection handler fed a whole client conversation.
 *
 * Input: the bytes a QMP client sends on one connection (qmp_capabilities, commands with ids,
 * exec-oob, broken JSON, garbage), as `make fuzz-corpus` writes them from recorded sessions.
 * They go through a socketpair into fake-qemu's QMP server running in this process
 * (qmp_server_new_detached + qmp_server_adopt_fd) with the recorded QEMU 7.2 schema and a fresh
 * VM model: the real greeting, negotiation, request checks, argument validation against the
 * schema, the VM model's state machine and its events. Replies are read and dropped. The first
 * byte chooses the machine: 'P' = "pc" (devices to add and remove), anything else "none"; a
 * second 'S' starts the VM as with -S (prelaunch). Both are skipped when present.
 *
 * The schema is loaded once (200 KB of JSON); the server and the VM model are created for each
 * input and freed afterwards, so no state carries over and LSan sees every leak. The server runs
 * with --self-check on: a reply or event that does not match the schema aborts (a bug of the
 * fake). `migrate` to tcp:/unix:/exec: is refused by fuzz/drivers/sandbox.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "fuzz_stream.h"
#include "qapi_schema.h"
#include "qmp_server.h"
#include "schema_data.h"
#include "vm_model.h"

static vw_evloop *loop;
static qapi_schema *schema;
static const fq_schema_data *recorded;   /* the 7.2 schema and query-commands */

typedef struct {
    qmp_server *srv;
} target_state;

static void setup(void)
{
    char err[512];
    recorded = fq_schema_data_find(7, 2);
    if (!recorded) {
        fprintf(stderr, "fuzz_fake_qemu: no recorded schema for QEMU 7.2 (have %s)\n",
                fq_schema_data_versions());
        abort();
    }
    vw_error serr;
    schema = qapi_schema_load(recorded->schema, recorded->schema_len, "schema", &serr);
    if (!schema)
        vw_error_format(&serr, err, sizeof(err));
    loop = vw_evloop_create(64, err, sizeof(err));
    if (!schema || !loop) {
        fprintf(stderr, "fuzz_fake_qemu: set-up failed: %s\n", err);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    return 0;
}

static int step(void *arg)
{
    (void)arg;
    return vw_evloop_process(loop, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!loop)
        setup();
    fq_vm_config cfg = { .major = 7, .minor = 2, .micro = 0, .package = "v7.2.0", .machine = "none" };
    if (size > 0 && data[0] == 'P') {
        cfg.machine = "pc";
        data++;
        size--;
    }
    if (size > 0 && data[0] == 'S') {
        cfg.prelaunch = 1;
        data++;
        size--;
    }
    qmp_server *srv = qmp_server_new_detached(loop);
    fq_vm_hooks hooks = { qmp_server_event };
    fq_vm *vm = srv ? fq_vm_new(&cfg, loop, &hooks, srv) : NULL;
    int sv[2];
    if (!vm || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        fprintf(stderr, "fuzz_fake_qemu: cannot set up a server\n");
        abort();
    }
    qmp_server_set_vm(srv, vm);
    qmp_server_set_schema(srv, schema, recorded->commands, recorded->commands_len);
    qmp_server_set_self_check(srv, 1);
    if (qmp_server_adopt_fd(srv, sv[1]) < 0) {
        fprintf(stderr, "fuzz_fake_qemu: cannot adopt the connection\n");
        abort();
    }
    fuzz_stream_pump(sv[0], data, size, step, NULL);
    close(sv[0]);
    unsigned failures = qmp_server_self_check_failures(srv);
    fq_vm_free(vm);          /* first: it may still send an event through srv */
    qmp_server_free(srv);
    if (failures) {
        fprintf(stderr, "fuzz_fake_qemu: %u replies or events do not match the schema\n", failures);
        abort();
    }
    return 0;
}
