/* release_cpu_models.c: the CPU model names of each modelled release's test driver
 * (CONNECT_GET_CPU_MODEL_NAMES: libvirt's cpu_map in index.xml order), measured on each
 * release's libvirtd in its conformance container (virConnectGetCPUModelNames("x86_64") and
 * ("ppc64")). One row per model with the releases that list it, in an order that is every
 * release's own; fl_release_cpu_models() picks a release's rows. */
#include "release.h"

#include <string.h>

#define R7_0 FL_RELEASE_BIT(0)
#define R9_0 FL_RELEASE_BIT(1)
#define R11_3 FL_RELEASE_BIT(2)
#define R12_8 FL_RELEASE_BIT(3)
#define ALL (R7_0 | R9_0 | R11_3 | R12_8)

typedef struct {
    const char *name;
    unsigned releases;
} model_row;

static const model_row x86_rows[] = {
    {"486", ALL},
    {"486-v1", R11_3 | R12_8},
    {"pentium", ALL},
    {"pentium-v1", R11_3 | R12_8},
    {"pentium2", ALL},
    {"pentium2-v1", R11_3 | R12_8},
    {"pentium3", ALL},
    {"pentium3-v1", R11_3 | R12_8},
    {"pentiumpro", ALL},
    {"coreduo", ALL},
    {"coreduo-v1", R11_3 | R12_8},
    {"n270", ALL},
    {"n270-v1", R11_3 | R12_8},
    {"core2duo", ALL},
    {"core2duo-v1", R11_3 | R12_8},
    {"qemu32", ALL},
    {"qemu32-v1", R11_3 | R12_8},
    {"kvm32", ALL},
    {"kvm32-v1", R11_3 | R12_8},
    {"cpu64-rhel5", ALL},
    {"cpu64-rhel6", ALL},
    {"qemu64", ALL},
    {"qemu64-v1", R11_3 | R12_8},
    {"kvm64", ALL},
    {"kvm64-v1", R11_3 | R12_8},
    {"Conroe", ALL},
    {"Conroe-v1", R11_3 | R12_8},
    {"Penryn", ALL},
    {"Penryn-v1", R11_3 | R12_8},
    {"Nehalem", ALL},
    {"Nehalem-IBRS", ALL},
    {"Nehalem-v1", R11_3 | R12_8},
    {"Nehalem-v2", R11_3 | R12_8},
    {"Westmere", ALL},
    {"Westmere-IBRS", ALL},
    {"Westmere-v1", R11_3 | R12_8},
    {"Westmere-v2", R11_3 | R12_8},
    {"SandyBridge", ALL},
    {"SandyBridge-IBRS", ALL},
    {"SandyBridge-v1", R11_3 | R12_8},
    {"SandyBridge-v2", R11_3 | R12_8},
    {"IvyBridge", ALL},
    {"IvyBridge-IBRS", ALL},
    {"IvyBridge-v1", R11_3 | R12_8},
    {"IvyBridge-v2", R11_3 | R12_8},
    {"Haswell-noTSX", ALL},
    {"Haswell-noTSX-IBRS", ALL},
    {"Haswell", ALL},
    {"Haswell-IBRS", ALL},
    {"Haswell-v1", R11_3 | R12_8},
    {"Haswell-v2", R11_3 | R12_8},
    {"Haswell-v3", R11_3 | R12_8},
    {"Haswell-v4", R11_3 | R12_8},
    {"Broadwell-noTSX", ALL},
    {"Broadwell-noTSX-IBRS", ALL},
    {"Broadwell", ALL},
    {"Broadwell-IBRS", ALL},
    {"Broadwell-v1", R11_3 | R12_8},
    {"Broadwell-v2", R11_3 | R12_8},
    {"Broadwell-v3", R11_3 | R12_8},
    {"Broadwell-v4", R11_3 | R12_8},
    {"Skylake-Client", ALL},
    {"Skylake-Client-IBRS", ALL},
    {"Skylake-Client-noTSX-IBRS", ALL},
    {"Skylake-Client-v1", R11_3 | R12_8},
    {"Skylake-Client-v2", R11_3 | R12_8},
    {"Skylake-Client-v3", R11_3 | R12_8},
    {"Skylake-Client-v4", R11_3 | R12_8},
    {"Skylake-Server", ALL},
    {"Skylake-Server-IBRS", ALL},
    {"Skylake-Server-noTSX-IBRS", ALL},
    {"Skylake-Server-v1", R11_3 | R12_8},
    {"Skylake-Server-v2", R11_3 | R12_8},
    {"Skylake-Server-v3", R11_3 | R12_8},
    {"Skylake-Server-v4", R11_3 | R12_8},
    {"Skylake-Server-v5", R11_3 | R12_8},
    {"Cascadelake-Server", ALL},
    {"Cascadelake-Server-noTSX", ALL},
    {"Cascadelake-Server-v1", R11_3 | R12_8},
    {"Cascadelake-Server-v2", R11_3 | R12_8},
    {"Cascadelake-Server-v3", R11_3 | R12_8},
    {"Cascadelake-Server-v4", R11_3 | R12_8},
    {"Cascadelake-Server-v5", R11_3 | R12_8},
    {"Icelake-Client", ALL},
    {"Icelake-Client-noTSX", ALL},
    {"Icelake-Server", ALL},
    {"Icelake-Server-noTSX", ALL},
    {"Icelake-Server-v1", R11_3 | R12_8},
    {"Icelake-Server-v2", R11_3 | R12_8},
    {"Icelake-Server-v3", R11_3 | R12_8},
    {"Icelake-Server-v4", R11_3 | R12_8},
    {"Icelake-Server-v5", R11_3 | R12_8},
    {"Icelake-Server-v6", R11_3 | R12_8},
    {"Icelake-Server-v7", R11_3 | R12_8},
    {"Cooperlake", ALL},
    {"Cooperlake-v1", R11_3 | R12_8},
    {"Cooperlake-v2", R11_3 | R12_8},
    {"Snowridge", ALL},
    {"Snowridge-v1", R11_3 | R12_8},
    {"Snowridge-v2", R11_3 | R12_8},
    {"Snowridge-v3", R11_3 | R12_8},
    {"Snowridge-v4", R11_3 | R12_8},
    {"SapphireRapids", R11_3 | R12_8},
    {"SapphireRapids-v1", R11_3 | R12_8},
    {"SapphireRapids-v2", R11_3 | R12_8},
    {"SapphireRapids-v3", R11_3 | R12_8},
    {"SapphireRapids-v4", R12_8},
    {"SapphireRapids-v5", R12_8},
    {"SapphireRapids-v6", R12_8},
    {"GraniteRapids", R11_3 | R12_8},
    {"GraniteRapids-v1", R11_3 | R12_8},
    {"GraniteRapids-v2", R11_3 | R12_8},
    {"GraniteRapids-v3", R12_8},
    {"GraniteRapids-v4", R12_8},
    {"GraniteRapids-v5", R12_8},
    {"SierraForest-v3", R12_8},
    {"SierraForest", R11_3 | R12_8},
    {"SierraForest-v1", R11_3 | R12_8},
    {"SierraForest-v2", R12_8},
    {"SierraForest-v4", R12_8},
    {"SierraForest-v5", R12_8},
    {"ClearwaterForest", R12_8},
    {"ClearwaterForest-v1", R12_8},
    {"ClearwaterForest-v2", R12_8},
    {"ClearwaterForest-v3", R12_8},
    {"Denverton", R11_3 | R12_8},
    {"Denverton-v1", R11_3 | R12_8},
    {"Denverton-v2", R11_3 | R12_8},
    {"Denverton-v3", R11_3 | R12_8},
    {"KnightsMill", R11_3 | R12_8},
    {"KnightsMill-v1", R11_3 | R12_8},
    {"DiamondRapids", R12_8},
    {"DiamondRapids-v1", R12_8},
    {"athlon", ALL},
    {"athlon-v1", R11_3 | R12_8},
    {"phenom", ALL},
    {"phenom-v1", R11_3 | R12_8},
    {"Opteron_G1", ALL},
    {"Opteron_G1-v1", R11_3 | R12_8},
    {"Opteron_G2", ALL},
    {"Opteron_G2-v1", R11_3 | R12_8},
    {"Opteron_G3", ALL},
    {"Opteron_G3-v1", R11_3 | R12_8},
    {"Opteron_G4", ALL},
    {"Opteron_G4-v1", R11_3 | R12_8},
    {"Opteron_G5", ALL},
    {"Opteron_G5-v1", R11_3 | R12_8},
    {"EPYC", ALL},
    {"EPYC-IBPB", ALL},
    {"EPYC-v1", R11_3 | R12_8},
    {"EPYC-v2", R11_3 | R12_8},
    {"EPYC-v3", R11_3 | R12_8},
    {"EPYC-v4", R11_3 | R12_8},
    {"EPYC-v5", R12_8},
    {"EPYC-Rome", ALL},
    {"EPYC-Rome-v1", R11_3 | R12_8},
    {"EPYC-Rome-v2", R11_3 | R12_8},
    {"EPYC-Rome-v3", R11_3 | R12_8},
    {"EPYC-Rome-v4", R11_3 | R12_8},
    {"EPYC-Rome-v5", R12_8},
    {"EPYC-Milan", R9_0 | R11_3 | R12_8},
    {"EPYC-Milan-v1", R11_3 | R12_8},
    {"EPYC-Milan-v2", R11_3 | R12_8},
    {"EPYC-Milan-v3", R12_8},
    {"EPYC-Genoa", R11_3 | R12_8},
    {"EPYC-Genoa-v1", R11_3 | R12_8},
    {"EPYC-Genoa-v2", R12_8},
    {"EPYC-Turin", R12_8},
    {"EPYC-Turin-v1", R12_8},
    {"Dhyana", ALL},
    {"Dhyana-v1", R11_3 | R12_8},
    {"Dhyana-v2", R11_3 | R12_8},
    {"YongFeng", R12_8},
    {"YongFeng-v1", R12_8},
    {"YongFeng-v2", R12_8},
    {"YongFeng-v3", R12_8},
};

static const model_row ppc64_rows[] = {
    {"POWER6", ALL}, {"POWER7", ALL}, {"POWER8", ALL}, {"POWER9", ALL},
    {"POWER10", R9_0 | R11_3 | R12_8}, {"POWER11", R12_8},
    {"POWERPC_e5500", ALL}, {"POWERPC_e6500", ALL},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The rows of one table that list release bit; filled once per table and release. */
static const char *const *pick(const model_row *rows, size_t n, unsigned bit,
                               const char **out, size_t *count)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].releases & bit)
            out[k++] = rows[i].name;
    }
    *count = k;
    return out;
}

const char *const *fl_release_cpu_models(bool ppc64, size_t *count)
{
    static const char *x86[COUNT(x86_rows)], *ppc[COUNT(ppc64_rows)];
    unsigned bit = fl_release_current()->cpu_models_bit;
    return ppc64 ? pick(ppc64_rows, COUNT(ppc64_rows), bit, ppc, count)
                 : pick(x86_rows, COUNT(x86_rows), bit, x86, count);
}
