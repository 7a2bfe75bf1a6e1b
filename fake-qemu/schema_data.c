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

FQ_INCBIN(fq_qemu_5_2_0_schema, "fake-qemu/schemas/qemu-5.2.0-query-qmp-schema.json");
FQ_INCBIN(fq_qemu_5_2_0_commands, "fake-qemu/schemas/qemu-5.2.0-query-commands.json");
FQ_INCBIN(fq_qemu_7_2_22_schema, "fake-qemu/schemas/qemu-7.2.22-query-qmp-schema.json");
FQ_INCBIN(fq_qemu_7_2_22_commands, "fake-qemu/schemas/qemu-7.2.22-query-commands.json");
FQ_INCBIN(fq_qemu_10_0_13_schema, "fake-qemu/schemas/qemu-10.0.13-query-qmp-schema.json");
FQ_INCBIN(fq_qemu_10_0_13_commands, "fake-qemu/schemas/qemu-10.0.13-query-commands.json");
FQ_INCBIN(fq_qemu_11_1_3_schema, "fake-qemu/schemas/qemu-11.1.3-query-qmp-schema.json");
FQ_INCBIN(fq_qemu_11_1_3_commands, "fake-qemu/schemas/qemu-11.1.3-query-commands.json");

#define FQ_RECORDED(maj, min, mic, pkg, sym) \
    { maj, min, mic, pkg, sym##_schema_start, 0, sym##_commands_start, 0 }

/* Oldest first; the packages are the Debian builds the schemas were recorded from. */
static fq_schema_data recorded[] = {
    FQ_RECORDED(5, 2, 0, "Debian 1:5.2+dfsg-11+deb11u3", fq_qemu_5_2_0),
    FQ_RECORDED(7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18+b3", fq_qemu_7_2_22),
    FQ_RECORDED(10, 0, 13, "Debian 1:10.0.13+ds-0+deb13u1", fq_qemu_10_0_13),
    FQ_RECORDED(11, 1, 3, "Debian 1:11.1.3+ds-1", fq_qemu_11_1_3),
};

#define NRECORDED (sizeof(recorded) / sizeof(recorded[0]))

/* The lengths are link-time differences, not constants: filled in on first use. */
static void fill_lengths(void)
{
    static const char *const ends[NRECORDED][2] = {
        { fq_qemu_5_2_0_schema_end, fq_qemu_5_2_0_commands_end },
        { fq_qemu_7_2_22_schema_end, fq_qemu_7_2_22_commands_end },
        { fq_qemu_10_0_13_schema_end, fq_qemu_10_0_13_commands_end },
        { fq_qemu_11_1_3_schema_end, fq_qemu_11_1_3_commands_end },
    };
    for (size_t i = 0; i < NRECORDED; i++) {
        recorded[i].schema_len = (size_t)(ends[i][0] - recorded[i].schema);
        recorded[i].commands_len = (size_t)(ends[i][1] - recorded[i].commands);
    }
}

const fq_schema_data *fq_schema_data_find(int major, int minor)
{
    if (recorded[0].schema_len == 0)
        fill_lengths();
    const fq_schema_data *best = NULL;
    for (size_t i = 0; i < NRECORDED; i++)
        if (recorded[i].major < major ||
            (recorded[i].major == major && recorded[i].minor <= minor))
            best = &recorded[i];
    return best;
}

const char *fq_schema_data_versions(void)
{
    return "5.2.0, 7.2.22, 10.0.13, 11.1.3";
}
