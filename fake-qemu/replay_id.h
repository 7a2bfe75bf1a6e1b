/* replay_id.h: fake-qemu --replay's reply rewriting: a recorded reply goes out byte for byte
 * with the live command's id in place of the recorded one (added where QEMU puts it, or dropped
 * when the live command had none).
 *
 * Owns: finding the top-level "id" member in a reply's text (strings in either quote, nesting)
 * and splicing the live id in; nothing else of the reply is re-serialized.
 */
#ifndef FQ_REPLAY_ID_H
#define FQ_REPLAY_ID_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "xdr_codec.h"

/* Appends the recorded reply raw[0..len) to ob with live_id (NULL: none) in place of rec_id. */
void fq_replay_put_reply(vw_buf *ob, const uint8_t *raw, size_t len, const json_t *rec_id,
                         const json_t *live_id);
/* Appends data to ob; out of memory is reported on stderr (the answer is then cut). */
void fq_replay_out_add(vw_buf *ob, const void *data, size_t len);

#endif
