/* fl_flags.h: libvirt's virCheckFlags as the test driver reports it. Libvirt's error type, numbers
 * and message shapes are proto/virerror.h.
 */
#ifndef FL_FLAGS_H
#define FL_FLAGS_H

#include "virerror.h"

/* Refuses flags outside supported as libvirt's virCheckFlags does in the test driver's func
 * ("unsupported flags (0x10) in function testDomainGetXMLDesc"). Returns 0 or -1 with err. */
int fl_check_flags(unsigned flags, unsigned supported, const char *func, vw_virerror *err);

#endif
