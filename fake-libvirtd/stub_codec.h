/* stub_codec.h: the scenario stubs' generic XDR <-> JSON walker (stub_codec.c).
 *
 * Every procedure direction's fields come from the procedure table (proto/procs.h: args_spec,
 * ret_spec), which proto/gen_procs.py derives from the .x structs: a type letter and the field
 * name per field, read and written by one walker. A "partial" argument description stops
 * before the first field the letters cannot describe (arrays, typed parameters): those fields
 * are not decoded. */
#ifndef FL_STUB_CODEC_H
#define FL_STUB_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdr_codec.h"

typedef struct {
    const char *spec;
    bool partial;
} fl_stub_spec;

/* The description of (prog, proc)'s arguments (ret false) or return value in *out; NULL if it
 * has none. */
const fl_stub_spec *fl_stub_find_spec(uint32_t prog, int32_t proc, bool ret, fl_stub_spec *out);
/* A description's field names: "Ddom uflags" -> "dom, flags" (in buf, returned). */
const char *fl_stub_spec_names(const char *spec, char *buf, size_t buflen);

/* Decodes the arguments of a CALL of (prog, proc) into JSON with the argument table, or NULL
 * when the procedure is not in the table or the bytes do not decode. Fields after the first one
 * the table cannot describe are left out ("...": true marks that). */
json_t *fl_stubs_decode_args(uint32_t prog, int32_t proc, const uint8_t *data, size_t len);
/* Encodes a stub's "ret" object for (prog, proc) with its return row into out; path names the
 * stub in errors. 0, or -1 with err filled. */
int fl_stub_encode_ret(uint32_t prog, int32_t proc, const json_t *ret, const char *path,
                       vw_buf *out, char *err, size_t errlen);

#endif
