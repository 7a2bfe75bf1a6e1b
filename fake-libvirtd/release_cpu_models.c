/* release_cpu_models.c: the x86 CPU model names each modelled release's test driver lists
 * (CONNECT_GET_CPU_MODEL_NAMES, libvirt's cpu_map in index.xml order), measured on that
 * release's libvirtd in its conformance container (virConnectGetCPUModelNames("x86_64"), and
 * "ppc64" for the shorter ppc64 lists: 7.0 has no POWER10, 12.8 adds POWER11).
 * Data only: release.c points each row of its table at one of these lists. */
#include "release.h"

const char *const fl_x86_models_7_0[] = {
    "486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "core2duo",
    "qemu32", "kvm32", "cpu64-rhel5", "cpu64-rhel6", "qemu64", "kvm64", "Conroe", "Penryn",
    "Nehalem", "Nehalem-IBRS", "Westmere", "Westmere-IBRS", "SandyBridge", "SandyBridge-IBRS",
    "IvyBridge", "IvyBridge-IBRS", "Haswell-noTSX", "Haswell-noTSX-IBRS", "Haswell",
    "Haswell-IBRS", "Broadwell-noTSX", "Broadwell-noTSX-IBRS", "Broadwell", "Broadwell-IBRS",
    "Skylake-Client", "Skylake-Client-IBRS", "Skylake-Client-noTSX-IBRS", "Skylake-Server",
    "Skylake-Server-IBRS", "Skylake-Server-noTSX-IBRS", "Cascadelake-Server",
    "Cascadelake-Server-noTSX", "Icelake-Client", "Icelake-Client-noTSX", "Icelake-Server",
    "Icelake-Server-noTSX", "Cooperlake", "Snowridge", "athlon", "phenom", "Opteron_G1",
    "Opteron_G2", "Opteron_G3", "Opteron_G4", "Opteron_G5", "EPYC", "EPYC-IBPB", "EPYC-Rome",
    "Dhyana",
};
const size_t fl_x86_models_7_0_len = sizeof(fl_x86_models_7_0) / sizeof(fl_x86_models_7_0[0]);

const char *const fl_x86_models_9_0[] = {
    "486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "core2duo",
    "qemu32", "kvm32", "cpu64-rhel5", "cpu64-rhel6", "qemu64", "kvm64", "Conroe", "Penryn",
    "Nehalem", "Nehalem-IBRS", "Westmere", "Westmere-IBRS", "SandyBridge", "SandyBridge-IBRS",
    "IvyBridge", "IvyBridge-IBRS", "Haswell-noTSX", "Haswell-noTSX-IBRS", "Haswell",
    "Haswell-IBRS", "Broadwell-noTSX", "Broadwell-noTSX-IBRS", "Broadwell", "Broadwell-IBRS",
    "Skylake-Client", "Skylake-Client-IBRS", "Skylake-Client-noTSX-IBRS", "Skylake-Server",
    "Skylake-Server-IBRS", "Skylake-Server-noTSX-IBRS", "Cascadelake-Server",
    "Cascadelake-Server-noTSX", "Icelake-Client", "Icelake-Client-noTSX", "Icelake-Server",
    "Icelake-Server-noTSX", "Cooperlake", "Snowridge", "athlon", "phenom", "Opteron_G1",
    "Opteron_G2", "Opteron_G3", "Opteron_G4", "Opteron_G5", "EPYC", "EPYC-IBPB", "EPYC-Rome",
    "EPYC-Milan", "Dhyana",
};
const size_t fl_x86_models_9_0_len = sizeof(fl_x86_models_9_0) / sizeof(fl_x86_models_9_0[0]);

const char *const fl_x86_models_11_3[] = {
    "486", "486-v1", "pentium", "pentium-v1", "pentium2", "pentium2-v1", "pentium3", "pentium3-v1",
    "pentiumpro", "coreduo", "coreduo-v1", "n270", "n270-v1", "core2duo", "core2duo-v1", "qemu32",
    "qemu32-v1", "kvm32", "kvm32-v1", "cpu64-rhel5", "cpu64-rhel6", "qemu64", "qemu64-v1", "kvm64",
    "kvm64-v1", "Conroe", "Conroe-v1", "Penryn", "Penryn-v1", "Nehalem", "Nehalem-IBRS",
    "Nehalem-v1", "Nehalem-v2", "Westmere", "Westmere-IBRS", "Westmere-v1", "Westmere-v2",
    "SandyBridge", "SandyBridge-IBRS", "SandyBridge-v1", "SandyBridge-v2", "IvyBridge",
    "IvyBridge-IBRS", "IvyBridge-v1", "IvyBridge-v2", "Haswell-noTSX", "Haswell-noTSX-IBRS",
    "Haswell", "Haswell-IBRS", "Haswell-v1", "Haswell-v2", "Haswell-v3", "Haswell-v4",
    "Broadwell-noTSX", "Broadwell-noTSX-IBRS", "Broadwell", "Broadwell-IBRS", "Broadwell-v1",
    "Broadwell-v2", "Broadwell-v3", "Broadwell-v4", "Skylake-Client", "Skylake-Client-IBRS",
    "Skylake-Client-noTSX-IBRS", "Skylake-Client-v1", "Skylake-Client-v2", "Skylake-Client-v3",
    "Skylake-Client-v4", "Skylake-Server", "Skylake-Server-IBRS", "Skylake-Server-noTSX-IBRS",
    "Skylake-Server-v1", "Skylake-Server-v2", "Skylake-Server-v3", "Skylake-Server-v4",
    "Skylake-Server-v5", "Cascadelake-Server", "Cascadelake-Server-noTSX", "Cascadelake-Server-v1",
    "Cascadelake-Server-v2", "Cascadelake-Server-v3", "Cascadelake-Server-v4",
    "Cascadelake-Server-v5", "Icelake-Client", "Icelake-Client-noTSX", "Icelake-Server",
    "Icelake-Server-noTSX", "Icelake-Server-v1", "Icelake-Server-v2", "Icelake-Server-v3",
    "Icelake-Server-v4", "Icelake-Server-v5", "Icelake-Server-v6", "Icelake-Server-v7",
    "Cooperlake", "Cooperlake-v1", "Cooperlake-v2", "Snowridge", "Snowridge-v1", "Snowridge-v2",
    "Snowridge-v3", "Snowridge-v4", "SapphireRapids", "SapphireRapids-v1", "SapphireRapids-v2",
    "SapphireRapids-v3", "GraniteRapids", "GraniteRapids-v1", "GraniteRapids-v2", "SierraForest",
    "SierraForest-v1", "Denverton", "Denverton-v1", "Denverton-v2", "Denverton-v3", "KnightsMill",
    "KnightsMill-v1", "athlon", "athlon-v1", "phenom", "phenom-v1", "Opteron_G1", "Opteron_G1-v1",
    "Opteron_G2", "Opteron_G2-v1", "Opteron_G3", "Opteron_G3-v1", "Opteron_G4", "Opteron_G4-v1",
    "Opteron_G5", "Opteron_G5-v1", "EPYC", "EPYC-IBPB", "EPYC-v1", "EPYC-v2", "EPYC-v3", "EPYC-v4",
    "EPYC-Rome", "EPYC-Rome-v1", "EPYC-Rome-v2", "EPYC-Rome-v3", "EPYC-Rome-v4", "EPYC-Milan",
    "EPYC-Milan-v1", "EPYC-Milan-v2", "EPYC-Genoa", "EPYC-Genoa-v1", "Dhyana", "Dhyana-v1",
    "Dhyana-v2",
};
const size_t fl_x86_models_11_3_len = sizeof(fl_x86_models_11_3) / sizeof(fl_x86_models_11_3[0]);

const char *const fl_x86_models_12_8[] = {
    "486", "486-v1", "pentium", "pentium-v1", "pentium2", "pentium2-v1", "pentium3", "pentium3-v1",
    "pentiumpro", "coreduo", "coreduo-v1", "n270", "n270-v1", "core2duo", "core2duo-v1", "qemu32",
    "qemu32-v1", "kvm32", "kvm32-v1", "cpu64-rhel5", "cpu64-rhel6", "qemu64", "qemu64-v1", "kvm64",
    "kvm64-v1", "Conroe", "Conroe-v1", "Penryn", "Penryn-v1", "Nehalem", "Nehalem-IBRS",
    "Nehalem-v1", "Nehalem-v2", "Westmere", "Westmere-IBRS", "Westmere-v1", "Westmere-v2",
    "SandyBridge", "SandyBridge-IBRS", "SandyBridge-v1", "SandyBridge-v2", "IvyBridge",
    "IvyBridge-IBRS", "IvyBridge-v1", "IvyBridge-v2", "Haswell-noTSX", "Haswell-noTSX-IBRS",
    "Haswell", "Haswell-IBRS", "Haswell-v1", "Haswell-v2", "Haswell-v3", "Haswell-v4",
    "Broadwell-noTSX", "Broadwell-noTSX-IBRS", "Broadwell", "Broadwell-IBRS", "Broadwell-v1",
    "Broadwell-v2", "Broadwell-v3", "Broadwell-v4", "Skylake-Client", "Skylake-Client-IBRS",
    "Skylake-Client-noTSX-IBRS", "Skylake-Client-v1", "Skylake-Client-v2", "Skylake-Client-v3",
    "Skylake-Client-v4", "Skylake-Server", "Skylake-Server-IBRS", "Skylake-Server-noTSX-IBRS",
    "Skylake-Server-v1", "Skylake-Server-v2", "Skylake-Server-v3", "Skylake-Server-v4",
    "Skylake-Server-v5", "Cascadelake-Server", "Cascadelake-Server-noTSX", "Cascadelake-Server-v1",
    "Cascadelake-Server-v2", "Cascadelake-Server-v3", "Cascadelake-Server-v4",
    "Cascadelake-Server-v5", "Icelake-Client", "Icelake-Client-noTSX", "Icelake-Server",
    "Icelake-Server-noTSX", "Icelake-Server-v1", "Icelake-Server-v2", "Icelake-Server-v3",
    "Icelake-Server-v4", "Icelake-Server-v5", "Icelake-Server-v6", "Icelake-Server-v7",
    "Cooperlake", "Cooperlake-v1", "Cooperlake-v2", "Snowridge", "Snowridge-v1", "Snowridge-v2",
    "Snowridge-v3", "Snowridge-v4", "SapphireRapids", "SapphireRapids-v1", "SapphireRapids-v2",
    "SapphireRapids-v3", "SapphireRapids-v4", "SapphireRapids-v5", "SapphireRapids-v6",
    "GraniteRapids", "GraniteRapids-v1", "GraniteRapids-v2", "GraniteRapids-v3",
    "GraniteRapids-v4", "GraniteRapids-v5", "SierraForest-v3", "SierraForest", "SierraForest-v1",
    "SierraForest-v2", "SierraForest-v4", "SierraForest-v5", "ClearwaterForest",
    "ClearwaterForest-v1", "ClearwaterForest-v2", "ClearwaterForest-v3", "Denverton",
    "Denverton-v1", "Denverton-v2", "Denverton-v3", "KnightsMill", "KnightsMill-v1",
    "DiamondRapids", "DiamondRapids-v1", "athlon", "athlon-v1", "phenom", "phenom-v1",
    "Opteron_G1", "Opteron_G1-v1", "Opteron_G2", "Opteron_G2-v1", "Opteron_G3", "Opteron_G3-v1",
    "Opteron_G4", "Opteron_G4-v1", "Opteron_G5", "Opteron_G5-v1", "EPYC", "EPYC-IBPB", "EPYC-v1",
    "EPYC-v2", "EPYC-v3", "EPYC-v4", "EPYC-v5", "EPYC-Rome", "EPYC-Rome-v1", "EPYC-Rome-v2",
    "EPYC-Rome-v3", "EPYC-Rome-v4", "EPYC-Rome-v5", "EPYC-Milan", "EPYC-Milan-v1", "EPYC-Milan-v2",
    "EPYC-Milan-v3", "EPYC-Genoa", "EPYC-Genoa-v1", "EPYC-Genoa-v2", "EPYC-Turin", "EPYC-Turin-v1",
    "Dhyana", "Dhyana-v1", "Dhyana-v2", "YongFeng", "YongFeng-v1", "YongFeng-v2", "YongFeng-v3",
};
const size_t fl_x86_models_12_8_len = sizeof(fl_x86_models_12_8) / sizeof(fl_x86_models_12_8[0]);

const char *const fl_ppc64_models_7_0[] = {
    "POWER6", "POWER7", "POWER8", "POWER9", "POWERPC_e5500", "POWERPC_e6500",
};
const size_t fl_ppc64_models_7_0_len = sizeof(fl_ppc64_models_7_0) / sizeof(fl_ppc64_models_7_0[0]);

const char *const fl_ppc64_models_9_0[] = {
    "POWER6", "POWER7", "POWER8", "POWER9", "POWER10", "POWERPC_e5500", "POWERPC_e6500",
};
const size_t fl_ppc64_models_9_0_len = sizeof(fl_ppc64_models_9_0) / sizeof(fl_ppc64_models_9_0[0]);

const char *const fl_ppc64_models_12_8[] = {
    "POWER6", "POWER7", "POWER8", "POWER9", "POWER10", "POWER11", "POWERPC_e5500",
    "POWERPC_e6500",
};
const size_t fl_ppc64_models_12_8_len =
    sizeof(fl_ppc64_models_12_8) / sizeof(fl_ppc64_models_12_8[0]);
