/* state_file.h: the --state FILE format (JSON, see docs/state-format.md) -> a model.
 *
 * The file describes the starting state: which base to start from (the test driver default or
 * nothing), host facts (hostname, versions, node info) and the domains, networks and pools.
 * Errors name the file, the JSON path and, for syntax errors, line and column.
 */
#ifndef FL_STATE_FILE_H
#define FL_STATE_FILE_H

#include <stddef.h>

#include "model.h"
#include "vw_error.h"

/* Builds a model from the JSON text. origin is the file name (err's source, and the base for
 * relative "xml_file" paths). Returns NULL with err filled: the JSON path and what is wrong in
 * its text, line and column for a syntax error. */
fl_model *fl_state_parse(const char *json_text, const char *origin, vw_error *err);

#endif
