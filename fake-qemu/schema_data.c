/* schema_data.c: the recorded schemas, included with .incbin, see schema_data.h.
 * The paths are relative to the directory the compiler runs in: the top of the tree (Makefile). */
#include "schema_data.h"

#include <stddef.h>

#define FQ_INCBIN(sym, file) \
    __asm__(".section .rodata\n" \
            ".balign 16\n" \
            ".global " #sym "_start\n" \
            ".hidden " #sym "_start\n" \
            #sym "_start:\n" \
            ".incbin \"" file "\"\n" \
            ".global " #sym "_end\n" \
            ".hidden " #sym "_end\n" \
            #sym "_end:\n" \
            ".byte 0\n" \
            ".previous\n"); \
    extern const char sym##_start[]; \
    extern const char sym##_end[]

FQ_INCBIN(fq_qemu_7_2_22_schema, "fake-qemu/schemas/qemu-7.2.22-query-qmp-schema.json");
FQ_INCBIN(fq_qemu_7_2_22_commands, "fake-qemu/schemas/qemu-7.2.22-query-commands.json");

static fq_schema_data recorded[1];

const fq_schema_data *fq_schema_data_find(int major, int minor)
{
    if (!recorded[0].schema) {
        recorded[0] = (fq_schema_data) {
            7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18+b3",
            fq_qemu_7_2_22_schema_start,
            (size_t)(fq_qemu_7_2_22_schema_end - fq_qemu_7_2_22_schema_start),
            fq_qemu_7_2_22_commands_start,
            (size_t)(fq_qemu_7_2_22_commands_end - fq_qemu_7_2_22_commands_start),
        };
    }
    for (size_t i = 0; i < sizeof(recorded) / sizeof(recorded[0]); i++)
        if (recorded[i].major == major && recorded[i].minor == minor)
            return &recorded[i];
    return NULL;
}

const char *fq_schema_data_versions(void)
{
    return "7.2.22";
}
