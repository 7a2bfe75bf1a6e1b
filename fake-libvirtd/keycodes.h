/* keycodes.h: the keycodes libvirt's keycode tables (virKeycodeSet: linux, xt, atset1, atset2,
 * atset3, os_x, xt_kbd, usb, win32, qnum) hold, for DOMAIN_SEND_KEY's check. */
#ifndef FL_KEYCODES_H
#define FL_KEYCODES_H

#include <stdbool.h>

#define FL_KEYCODE_SETS 10 /* VIR_KEYCODE_SET_LAST */

/* The codeset's name as libvirt prints it, or NULL for an unknown one. */
const char *fl_keycode_set_name(unsigned set);
/* Whether code is in the codeset's table. */
bool fl_keycode_valid(unsigned set, unsigned code);

#endif
