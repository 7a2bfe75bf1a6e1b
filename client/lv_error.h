/* lv_error.h: filling and releasing vw_client_error (the one error struct of the client library).
 * The public half (vw_client_error_clear, vw_client_error_message) is declared in libvirt_client.h;
 * this header adds the setters the library's modules use internally. */
#ifndef VW_LV_ERROR_H
#define VW_LV_ERROR_H

#include "libvirt_client.h"

/* Sets *err (if err is not NULL) to a local error: code, domain, level ERROR, printf message.
 * Any previous content of *err is released first. */
void vw_client_error_set(vw_client_error *err, int code, int domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Deep copy of src into *dst (dst cleared first); -1 on out of memory (dst then holds NO_MEMORY). */
int vw_client_error_copy(vw_client_error *dst, const vw_client_error *src);
/* Moves src into *dst (dst cleared first) and zeroes src. */
void vw_client_error_move(vw_client_error *dst, vw_client_error *src);

#endif
