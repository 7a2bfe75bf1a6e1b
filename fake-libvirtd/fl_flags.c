/* fl_flags.c: the test driver's virCheckFlags (see fl_flags.h). */
#include "fl_flags.h"

int fl_check_flags(unsigned flags, unsigned supported, const char *func, vw_virerror *err)
{
    unsigned extra = flags & ~supported;
    if (!extra)
        return 0;
    vw_virerror_report_invalid_arg(err, VW_FROM_TEST, func, "flags",
                                   "unsupported flags (0x%x) in function %s", extra, func);
    return -1;
}
