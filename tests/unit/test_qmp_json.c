/* test_qmp_json.c: the QMP JSON framer/parser/serializer (proto/qmp_json.c) against what a
 * real QEMU 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3) answered.
 *
 * The table qemu_cases below was captured from qemu-system-x86_64 -machine none -nodefaults
 * -display none -accel tcg -S -qmp unix:...: for each input, a fresh QMP connection was
 * negotiated, the input bytes were written, and every byte QEMU wrote back within 0.3 s was
 * recorded. The test feeds the same bytes to our streamer (whole, one byte at a time, and in
 * 3-byte chunks) and answers each message the way QEMU's dispatcher does for these inputs (parse
 * error -> GenericError with the parser's desc; not an object -> "QMP input must be a JSON
 * object"; no "execute" -> "QMP input lacks member 'execute'"; {"execute":"x",...} ->
 * CommandNotFound with the id echoed), serialized with
 * vw_qmp_dumps(VW_QMP_DUMP_QDICT_ORDER) + CRLF, and compares the bytes exactly. */
#include "qmp_json.h"
#include "vwtest.h"

#include <stdlib.h>

struct qemu_case {
    const char *in;
    size_t len;
    const char *out;
};

static const struct qemu_case qemu_cases[] = {
    { "{]", 2,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "{\x01""", 2,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n" },
    { "{\"a\x01""b\"}", 7,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"a\\u0001'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "\"\\u12\"\n", 7,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\u12\\\" is not a valid Unicode character\"}}\r\n" },
    { "\"\\uD800\"\n", 9,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\uD800 is not a valid Unicode character\"}}\r\n" },
    { "\"\\uFFFF\"\n", 9,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\uFFFF is not a valid Unicode character\"}}\r\n" },
    { "\"\xff""\"\n", 4,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"\\uFFFD'\"}}\r\n" },
    { "\"\xc3""\xa9""\xf0""\x9f""\x98""\x80""\x7f""/\"\n", 11,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":1.5e3}", 26,
      "{\"id\": 1500, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":0.1}", 24,
      "{\"id\": 0.10000000000000001, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":1e400}", 26,
      "{\"id\": inf, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":-1e400}", 27,
      "{\"id\": -inf, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":-0.0}", 25,
      "{\"id\": -0, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":12345678901234567890}", 41,
      "{\"id\": 12345678901234567890, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":18446744073709551615}", 41,
      "{\"id\": 18446744073709551615, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":18446744073709551616}", 41,
      "{\"id\": 1.8446744073709552e+19, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":123456789012345678901}", 42,
      "{\"id\": 1.2345678901234568e+20, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":-9223372036854775809}", 41,
      "{\"id\": -9.2233720368547758e+18, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":-9223372036854775808}", 41,
      "{\"id\": -9223372036854775808, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":9223372036854775807}", 40,
      "{\"id\": 9223372036854775807, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":9223372036854775808}", 40,
      "{\"id\": 9223372036854775808, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":-0}", 23,
      "{\"id\": 0, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":1E2}", 24,
      "{\"id\": 100, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":1e-400}", 27,
      "{\"id\": 0, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":1.0}", 24,
      "{\"id\": 1, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":123.456}", 28,
      "{\"id\": 123.456, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":1e21}", 25,
      "{\"id\": 1e+21, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":1e15}", 25,
      "{\"id\": 1000000000000000, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":-2.5E-3}", 28,
      "{\"id\": -0.0025000000000000001, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\u0000\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u007f\"}", 65,
      "{\"id\": \"\\u0000/\\b\\f\\n\\r\\t\\u00E9\\uD83D\\uDE00\\u007F\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{'execute':'x','id':'a\\'b\"'}", 28,
      "{\"id\": \"a'b\\\"\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{'execute':'x','id':'\"\\\"'}", 26,
      "{\"id\": \"\\\"\\\"\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\xc0""\x80""\"}", 25,
      "{\"id\": \"\\u0000\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\xed""\xa0""\x80""\"}", 26,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid UTF-8 sequence in string\"}}\r\n" },
    { "\"\xe0""\x80""\xaf""\"\n", 6,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid UTF-8 sequence in string\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\u0000\"}", 29,
      "{\"id\": \"\\u0000\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\ud83d\"}", 29,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\ud83d is not a valid Unicode character\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\ud83dx\"}", 30,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\ud83d is not a valid Unicode character\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\ude00\"}", 29,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\ude00 is not a valid Unicode character\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\uFDD0\"}", 29,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\uFDD0 is not a valid Unicode character\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\u00\"}", 27,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\u00\\\" is not a valid Unicode character\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\uDBFF\\uDFFF\"}", 35,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\uDBFF\\\\uDFFF is not a valid Unicode character\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\uD83D\\u0041\"}", 35,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\uD83D is not a valid Unicode character\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\x7f""\"}", 24,
      "{\"id\": \"\\u007F\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\xef""\xbf""\xbf""\"}", 26,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid UTF-8 sequence in string\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\xf4""\x90""\x80""\x80""\"}", 27,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid UTF-8 sequence in string\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\xc1""\xbf""\"}", 25,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid UTF-8 sequence in string\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\xe2""\x82""\"}", 25,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid UTF-8 sequence in string\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\x80""\"}", 24,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid UTF-8 sequence in string\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"a\\/b\"}", 27,
      "{\"id\": \"a/b\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\u0041\\u00ff\\uffFd\"}", 41,
      "{\"id\": \"A\\u00FF\\uFFFD\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\xe2""\x82""\xac""\xf0""\x9f""\x98""\x80""\"}", 30,
      "{\"id\": \"\\u20AC\\uD83D\\uDE00\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "01 ", 3,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '01'\"}}\r\n" },
    { "-x ", 3,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '-x'\"}}\r\n" },
    { "1.}", 3,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '1.}'\"}}\r\n" },
    { "1e ", 3,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '1e '\"}}\r\n" },
    { "%d ", 3,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '%'\"}}\r\n" },
    { "ABC ", 4,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'A'\"}}\r\n" },
    { "{1:2}", 5,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, key is not a string in object\"}}\r\n" },
    { "{\"a\" 1}", 7,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, missing : in object pair\"}}\r\n" },
    { "{\"a\":1 \"b\":2}", 13,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expected separator in dict\"}}\r\n" },
    { "[1 2]", 5,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expected separator in list\"}}\r\n" },
    { "{\"a\":1,\"a\":2}", 13,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, duplicate key\"}}\r\n" },
    { "{\"a\":}", 6,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":nul}", 24,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'nul'\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":{\"a\":1}} trailing\n", 38,
      "{\"id\": {\"a\": 1}, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'trailing'\"}}\r\n" },
    { "null\n", 5,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n" },
    { "3 ", 2,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n" },
    { "\"\\x\"\n", 5,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid escape sequence in string\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\x01""\"}", 24,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"\\u0001'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "}", 1,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "]]", 2,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":1}{\"execute\":\"x\",\"id\":2}", 44,
      "{\"id\": 1, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"id\": 2, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "\n\r\t {\"execute\" \n:\n \"x\", \"id\"\t:\r\n [1,\n2]}", 40,
      "{\"id\": [1, 2], \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"a\tb\"}", 26,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"a\\t'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "\"abc\xfe""\"\n", 7,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"abc\\uFFFD'\"}}\r\n" },
    { "tru\xff""", 4,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'tru'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":[true,false,null,{},[]]}", 44,
      "{\"id\": [true, false, null, {}, []], \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"a\":1,\"a\":}", 12,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "{\"a\":nul,\"a\":1}", 15,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'nul'\"}}\r\n" },
    { "{\"a\":1,\"a\":1 2}", 15,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, duplicate key\"}}\r\n" },
    { "{\"\xff""\":1}", 7,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "{,}", 3,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "[,]", 3,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "[1,]", 4,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "{\"a\":1,}", 8,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { ":", 1,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { ",", 1,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "{\"a\"}", 5,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, missing : in object pair\"}}\r\n" },
    { "{\"a\":1:}", 8,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expected separator in dict\"}}\r\n" },
    { "[\"a\":1]", 7,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expected separator in list\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":{\"b\":1,\"a\":2,\"id\":3,\"return\":4,\"error\":5,\"QMP\":6,\"execute\":7,\"arguments\":8,\"event\":9,\"data\":10,\"timestamp\":11,\"class\":12,\"desc\":13}}", 152,
      "{\"id\": {\"timestamp\": 11, \"QMP\": 6, \"class\": 12, \"a\": 2, \"execute\": 7, \"b\": 1, \"event\": 9, \"desc\": 13, \"return\": 4, \"arguments\": 8, \"id\": 3, \"error\": 5, \"data\": 10}, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":{\"seconds\":1,\"microseconds\":2,\"status\":3,\"running\":4,\"singlestep\":5,\"qemu\":6,\"major\":7,\"minor\":8,\"micro\":9,\"package\":10,\"capabilities\":11,\"version\":12}}", 172,
      "{\"id\": {\"seconds\": 1, \"version\": 12, \"singlestep\": 5, \"status\": 3, \"capabilities\": 11, \"micro\": 9, \"minor\": 8, \"qemu\": 6, \"running\": 4, \"package\": 10, \"microseconds\": 2, \"major\": 7}, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "\x00""{\"execute\":\"x\",\"id\":1}", 23,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"id\": 1, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\u0000a\"}", 30,
      "{\"id\": \"\\u0000a\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "\"\x00""\"", 3,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"'\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\xc0""\x80""\"}", 25,
      "{\"id\": \"\\u0000\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "{\"execute\":\"x\",\"id\":\"\\u20AC\\uD800\\uDC00\"}", 41,
      "{\"id\": \"\\u20AC\\uD800\\uDC00\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "[1,2", 4,
      "" },
    { "{\"a\":[}", 7,
      "" },
    /* 40 random token soups (seeded), captured the same way; each was sent twice on fresh
     * connections and QEMU's answer was identical both times */
    { "{\"execute\":\"x\"}'\\''A.\xc3""[]0-\xc3""%+E\"\\/\"-\"execute\".\t\n",
      47,
      "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'A'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '-\\uFFFD'\"}}\r\n" },
    { ",{\"execute\":\"x\",\"id\":\"\\ud83d\\ude00\"+[12345678901234567890'\n",
      59,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '+'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\\n'\"}}\r\n" },
    { "9\xfe""E91E{\"a\tb\":][0null12345678901234567890}'\\''A\n",
      47,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"a\\t'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expected separator in list\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'A'\"}}\r\n" },
    { ".[]0\"a\tb\"nul+\n\"\xc3""\xa9""\"{\r,A9\n",
      24,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '.'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"a\\t'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'A'\"}}\r\n" },
    { "\\{\"execute\":\"x\"},\x00""true\x01""\"\\u0000\"nul\xc3""\n}\n",
      38,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "{}'\\''\"execute\"'\"execute\"\n",
      26,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\\\"execute\\\"\\n'\"}}\r\n" },
    { "\":}\\u{1.5e31.5e3]%\"\x00""'\n",
      22,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, \\\\u{1.5 is not a valid Unicode character\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n" },
    { ":{}+0'\\''\\u \xff"",\t\xff""{\\\"\\u0000\"\"x\"\"id\"\n",
      34,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '+'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n" },
    { "\x00""\"execute\"{]A\"\xc3""\xa9""\"-\\u{\"execute\":\"x\"}0\n",
      37,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'A'\"}}\r\n{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n" },
    { "\xc3""0\x7f""'\\''\"id\"\\9\"\"x\"'\\1.5e3{ []\t}\n",
      31,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, key is not a string in object\"}}\r\n" },
    { "-'123456789012345678909{}\"execute\"['a'1.5e3\n",
      44,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '-''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n" },
    { "true{'\\''E\xff""\n\"::,1.5e3[]+null{12345678901234567890\"\\q\"\n",
      54,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'E'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n" },
    { "EA\"id\"[]%{}\"id\"\"-+'a'\tnulE\n",
      27,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'E'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '%'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"-+'a'\\t'\"}}\r\n" },
    { "\x7f""01\xfe""+{\"execute\":\"x\"}0\\u\"%\n",
      26,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u007F'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n" },
    { ",\\]\"execute\"\"execute\"[\xc3""truenull\xfe""\x00""'true\\12345678901234567890\"\xc3""\xa9""\"\n\"a\tb\"-\x7f"":\"id\"\n",
      77,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"a\\t'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n" },
    { "%{\"execute\":\"x\"}9EE: 1.5e31.5e3\xfe""\n",
      33,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '%'\"}}\r\n{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '9EE'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '.'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n" },
    { ": \\\n",
      4,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n" },
    { "null][-\n\"\\q\"\"a\tb\"{}\"id\",\"\\q\"\"id\".\xff""\r\x7f""\"\\ud83d\\ude00\"\n",
      51,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '-\\n'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid escape sequence in string\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '.'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u007F'\"}}\r\n" },
    { "[]\"id\"[][}%\"\\u00e9\"\"\\ud83d\\ude00\"\t[}12345678901234567890+:%:\x7f""\t\x01""\n",
      64,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '%'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '+'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '%'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u007F'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n" },
    { "::.{\"execute\":\"x\",\"id\":\"\\q\"\xfe""[\n",
      30,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '.'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n" },
    { "\"id\"\"\\/\"\xff""\"\\u00e9\",\\u%:\\\"\\/\"}\"\xc3""\xa9""\"{}{E\r\"\"[]{12345678901234567890:,,+\n",
      67,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'E'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '+'\"}}\r\n" },
    { "true\\\x7f""\xff""\"\xfe""\n",
      10,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n" },
    { "[]A.A{\"execute\":\"x\",\"id\":,\"a\tb\"\"\\u0000\"\xc3""}\t12345678901234567890,%}nul\"\\ud83d\\ude00\"\"x\"\"\xc3""\xa9""\"'\\''E\r\"\xc3""\xa9""\"true{\n",
      105,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'A'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"a\\t'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '%'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'nul'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'E'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n" },
    { "\t'a'\\uE0\"a\tb\"1\"\\u0000\"\xff""\r.\"\xc3""\xa9""\"null\x01""\n",
      35,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '.'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n" },
    { "\rtrue0+e\"\\u0000\"01.5e3\"nul[]\x01""1.5e3\"id\"\"id\"\n",
      43,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '+'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n" },
    { "\"\\u00e9\"[\x00"": 1\"x\".% 1.5e3\\\"+\"a\tb\"\"\xc3""\xa9""\"\\u\x01""\n",
      40,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '.'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n" },
    { "E.\x01"":[ 12345678901234567890[\\u\x00"" {}\"\\u00e9\"\t9\"\\/\"{}}9\"id\"'A0}'\\''\n",
      64,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'E'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n" },
    { "null'\\'''a'\"\\/\"]+\"x\".\"execute\"+{\"execute\":\"x\",\"id\":\n",
      52,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '+'\"}}\r\n" },
    { "+\"\\q\":\\u00%true-\x00""{\"\\u0000\"%{\"execute\":\"x\",\"id\":\x00""[-nul '\\''\"\\u00e9\"{\"execute\":\"x\",\"id\":\"\\ud83d\\ude00\"\n",
      101,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '+'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '%'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '-n'\"}}\r\n" },
    { "\xc3""E\"\\u0000\"1'\"\\/\"\"\\ud83d\\ude00\"nul,\\\x7f""\"\"id\".A0+{\"\n",
      48,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"\\n'\"}}\r\n" },
    { "{}9\xc3""\"\\/\"\xff""A\x01""91.5e3\"execute\"\x7f""9\x00""\"x\"1.5e3null\",\t{\"execute\":\"x\",\"id\":\n",
      65,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "true\x00""}\"\\u00e9\"\xc3"",[.\xff""{\"execute\":\"x\"}\\'\\'' \n",
      41,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '.'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n" },
    { "}1.5e3:e[-{\"execute\":\"x\",\"id\":\xff""\\u\"\\/\"\"id\"%'a'\"a\tb\"\x7f""\"a\tb\"\\u\"\\ud83d\\ude00\"\n",
      73,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'e'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '-{'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n" },
    { "\"\xc3""\xa9""\"[]\"\\ud83d\\ude00\",\"\\u0000\"nul.\"a\tb\"{\"execute\":\"x\"}\n\x7f""{\"execute\":\"x\"}+1\"a\tb\"\xc3""{\"execute\":\"x\"}\n",
      94,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'nul'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '.'\"}}\r\n{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u007F'\"}}\r\n{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '+'\"}}\r\n{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}\r\n" },
    { "\t\r\"E1.5e3\t'a'{\"execute\":\"x\",\"id\":\"a\tb\" {}\n",
      42,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"E1.5e3\\t'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"a\\t'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}\r\n" },
    { "0\\{\"execute\":\"x\",\"id\":\"x\"\xc3""{12345678901234567890\"}{\"execute\":\"x\",\"id\":[\"a\tb\"'{\"execute\":\"x\",\"id\":{}\"x\"\"\xc3""\xa9""\",\n",
      107,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n" },
    { "1:{\"execute\":\"x\",\"id\":A\\' null%\"\xc3""\xa9""\"\"id\"\xff""e%\"a\tb\"\x01""\"execute\"0\\E}true\"id\"\"\\ud83d\\ude00\"'\\''\n",
      88,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'A'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n" },
    { "[0'a'\n",
      6,
      "" },
    { "{\\u\n\x01""\x7f""\"\\u00e9\"nullE\"\xc3""\xa9""\"\"execute\"\n",
      33,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n" },
    { "\x7f""[]\"x\"\xc3""Etrue\x00""0\"\\ud83d\\ude00\"\"a\tb\"e}\"+\\\"a\tb\"E1\n",
      46,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u007F'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"+\\\\\\\"a\\t'\"}}\r\n" },
    /* two random inputs from the differential run (see docs/qmp-client.md) */
    { "\x01""1.5e3nultrue'a'\\u\"\\ud83d\\ude00\"\"a\tb\"\"\"execute\"%\r\x00""'\\''12345678901234567890",
      sizeof("\x01""1.5e3nultrue'a'\\u\"\\ud83d\\ude00\"\"a\tb\"\"\"execute\"%\r\x00""'\\''12345678901234567890") - 1,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}\r\n" },
    { "\ttrue\"\\u0000\"'\\''\\u\n1.5e3\"\\/\"\"id\"\\uE\"9['\\''\"\\u0000\"\n",
      sizeof("\ttrue\"\\u0000\"'\\''\\u\n1.5e3\"\\/\"\"id\"\\uE\"9['\\''\"\\u0000\"\n") - 1,
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\\'\"}}\r\n" },
};

/* ---- a minimal QEMU-like dispatcher over the streamer ---------------------------------------- */

struct sim {
    char *out;
    size_t len;
    int messages, errors;
};

static void sim_append(struct sim *s, json_t *rsp)
{
    char *line = vw_qmp_dumps(rsp, VW_QMP_DUMP_QDICT_ORDER);
    size_t n = strlen(line);
    s->out = realloc(s->out, s->len + n + 3);
    memcpy(s->out + s->len, line, n);
    memcpy(s->out + s->len + n, "\r\n", 3);
    s->len += n + 2;
    free(line);
    json_decref(rsp);
}

static json_t *error_rsp(const char *cls, const char *desc)
{
    json_t *err = json_object();
    json_object_set_new(err, "class", json_string(cls));
    json_object_set_new(err, "desc", json_string_nocheck(desc));
    json_t *rsp = json_object();
    json_object_set_new(rsp, "error", err);
    return rsp;
}

static void sim_cb(void *opaque, json_t *msg, const char *error)
{
    struct sim *s = opaque;
    CHECK((msg == NULL) != (error == NULL));
    if (error) {
        s->errors++;
        sim_append(s, error_rsp("GenericError", error));
        return;
    }
    s->messages++;
    if (!vw_qmp_is_object(msg)) {
        sim_append(s, error_rsp("GenericError", "QMP input must be a JSON object"));
    } else if (!json_object_get(msg, "execute")) {
        sim_append(s, error_rsp("GenericError", "QMP input lacks member 'execute'"));
    } else {
        char desc[256];
        snprintf(desc, sizeof(desc), "The command %s has not been found",
                 json_string_value(json_object_get(msg, "execute")));
        json_t *rsp = error_rsp("CommandNotFound", desc);
        json_t *id = json_object_get(msg, "id");
        if (id) {
            json_object_set(rsp, "id", id);
        }
        sim_append(s, rsp);
    }
    json_decref(msg);
}

static char *run_chunked(const char *in, size_t len, size_t chunk, int *messages, int *errors)
{
    struct sim s = { 0 };
    s.out = calloc(1, 1);
    vw_qmp_streamer *st = vw_qmp_streamer_new(NULL, sim_cb, &s);
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        CHECK_EQ_INT(vw_qmp_streamer_feed(st, in + off, n), n);
    }
    vw_qmp_streamer_free(st);
    if (messages) {
        *messages = s.messages;
    }
    if (errors) {
        *errors = s.errors;
    }
    return s.out;
}

static void test_against_qemu_capture(void)
{
    size_t n = sizeof(qemu_cases) / sizeof(qemu_cases[0]);
    CHECK(n > 90);
    for (size_t i = 0; i < n; i++) {
        const struct qemu_case *c = &qemu_cases[i];
        size_t chunks[] = { c->len ? c->len : 1, 1, 3 };
        for (size_t k = 0; k < 3; k++) {
            char *got = run_chunked(c->in, c->len, chunks[k], NULL, NULL);
            if (strcmp(got, c->out) != 0) {
                fprintf(stderr, "case %zu (chunk %zu):\n  in:   %.*s\n  want: %s  got:  %s\n",
                        i, chunks[k], (int)c->len, c->in, c->out, got);
            }
            CHECK_EQ_STR(got, c->out);
            free(got);
        }
    }
}

/* ---- limits (QEMU 7.2 results measured live, see docs/qmp-client.md) ------------------------ */

static char *repeat(const char *a, size_t na, const char *b, size_t nb, size_t *len)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la * na + lb * nb + 2);
    size_t o = 0;
    for (size_t i = 0; i < na; i++, o += la) {
        memcpy(s + o, a, la);
    }
    for (size_t i = 0; i < nb; i++, o += lb) {
        memcpy(s + o, b, lb);
    }
    s[o++] = '\n';
    s[o] = '\0';
    *len = o;
    return s;
}

static int count_lines(const char *s, const char *line)
{
    int n = 0;
    size_t l = strlen(line);
    for (const char *p = s; (p = strstr(p, line)) != NULL; p += l) {
        n++;
    }
    return n;
}

#define NESTING_ERR "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON nesting depth limit exceeded\"}}\r\n"
#define EXPECTING_ERR "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n"
#define NOT_OBJECT "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n"

static void test_nesting_limit(void)
{
    size_t len;
    int msgs, errs;
    /* QEMU 7.2: 1024 levels are a value ("QMP input must be a JSON object"). */
    char *in = repeat("[", 1024, "]", 1024, &len);
    char *out = run_chunked(in, len, len, &msgs, &errs);
    CHECK_EQ_STR(out, NOT_OBJECT);
    free(in);
    free(out);
    /* 1025 levels: one nesting error, then each of the 1025 closers is its own error. */
    in = repeat("[", 1025, "]", 1025, &len);
    out = run_chunked(in, len, 4096, &msgs, &errs);
    CHECK_EQ_INT(errs, 1026);
    CHECK_EQ_INT(msgs, 0);
    CHECK_EQ_INT(count_lines(out, NESTING_ERR), 1);
    CHECK_EQ_INT(count_lines(out, EXPECTING_ERR), 1025);
    CHECK(strncmp(out, NESTING_ERR, strlen(NESTING_ERR)) == 0);
    free(in);
    free(out);
    /* Mixed braces and brackets count together: 512 x {"a": + 513 x [ is 1025. */
    in = repeat("{\"a\":", 512, "[", 513, &len);
    char *tail = repeat("]", 513, "}", 512, &len);
    char *both = malloc(strlen(in) + strlen(tail) + 1);
    strcpy(both, in);
    strcat(both, tail);
    out = run_chunked(both, strlen(both), 7, &msgs, &errs);
    CHECK_EQ_INT(errs, 1026);
    CHECK_EQ_INT(count_lines(out, NESTING_ERR), 1);
    free(in);
    free(tail);
    free(both);
    free(out);
}

struct counter {
    int messages;
    int errors;
    char last_error[128];
};

static void count_cb(void *opaque, json_t *msg, const char *error)
{
    struct counter *c = opaque;
    if (error) {
        c->errors++;
        snprintf(c->last_error, sizeof(c->last_error), "%s", error);
    } else {
        c->messages++;
        json_decref(msg);
    }
}

static void feed_all(const vw_qmp_limits *lim, const char *in, size_t len, struct counter *c)
{
    memset(c, 0, sizeof(*c));
    vw_qmp_streamer *st = vw_qmp_streamer_new(lim, count_cb, c);
    vw_qmp_streamer_feed(st, in, len);
    vw_qmp_streamer_free(st);
}

static void test_token_count_limit_default(void)
{
    /* Live QEMU 7.2.22: "[" + "1," x k + "[]]" with exactly 2Mi tokens is accepted; "[" +
     * "1," x k + "1]" with 2Mi+1 tokens gives "JSON token count limit exceeded". */
    const size_t M = 2u << 20;
    size_t k = (M - 4) / 2, len;
    char *in = repeat("[", 1, "1,", k, &len);
    in = realloc(in, len + 4);
    strcpy(in + len - 1, "[]]");
    struct counter c;
    feed_all(NULL, in, strlen(in), &c);
    CHECK_EQ_INT(c.messages, 1);
    CHECK_EQ_INT(c.errors, 0);
    free(in);

    k = (M + 1 - 3) / 2;
    in = repeat("[", 1, "1,", k, &len);
    in = realloc(in, len + 3);
    strcpy(in + len - 1, "1]");
    feed_all(NULL, in, strlen(in), &c);
    CHECK_EQ_INT(c.messages, 0);
    CHECK_EQ_INT(c.errors, 1);
    CHECK_EQ_STR(c.last_error, "JSON token count limit exceeded");
    free(in);
}

static void test_configured_limits(void)
{
    vw_qmp_limits lim;
    vw_qmp_limits_default(&lim);
    CHECK_EQ_INT(lim.max_nesting, 1024);
    CHECK(lim.max_token_bytes == 64ull << 20);
    CHECK(lim.max_token_count == 2ull << 20);

    struct counter c;
    lim.max_nesting = 2;
    feed_all(&lim, "[[1]]\n", 6, &c);
    CHECK_EQ_INT(c.messages, 1);
    feed_all(&lim, "[[[1]]]\n", 8, &c);
    CHECK_EQ_INT(c.messages, 1);          /* after the reset, "1" is a value of its own */
    CHECK_EQ_INT(c.errors, 4);            /* nesting, then each of the three "]" */

    vw_qmp_limits_default(&lim);
    lim.max_token_count = 4;              /* error when tokens + 1 > 4 */
    feed_all(&lim, "[1,2]", 5, &c);
    CHECK_EQ_INT(c.errors, 1);
    CHECK_EQ_STR(c.last_error, "JSON token count limit exceeded");
    feed_all(&lim, "[1]", 3, &c);
    CHECK_EQ_INT(c.messages, 1);
    CHECK_EQ_INT(c.errors, 0);

    vw_qmp_limits_default(&lim);
    lim.max_token_bytes = 10;             /* error when bytes so far + token + 1 > 10 */
    feed_all(&lim, "[\"abcdef\"]", 10, &c);   /* 1 + 8 + 1 = 10 bytes: the ']' crosses */
    CHECK_EQ_INT(c.errors, 1);
    CHECK_EQ_STR(c.last_error, "JSON token size limit exceeded");
    feed_all(&lim, "[\"abcde\"]", 9, &c);
    CHECK_EQ_INT(c.errors, 0);
    CHECK_EQ_INT(c.messages, 1);
    /* One token longer than the limit is cut off by the lexer itself, and what follows the cut
     * is lexed afresh (QEMU does the same with its 64 MiB limit). */
    feed_all(&lim, "\"abcdefghijklmnop\" ", 19, &c);
    CHECK_EQ_INT(c.errors, 2);            /* size limit, then the keyword klmnop */
    CHECK_EQ_STR(c.last_error, "JSON parse error, invalid keyword 'klmnop'");
    feed_all(&lim, "\"abcdefghij", 11, &c);
    CHECK_EQ_INT(c.errors, 1);
    CHECK_EQ_STR(c.last_error, "JSON token size limit exceeded");
}

/* ---- streamer API ----------------------------------------------------------------------------- */

struct collect {
    json_t *msgs[16];
    int n;
    vw_qmp_streamer *st;
    int pause_after;
};

static void collect_cb(void *opaque, json_t *msg, const char *error)
{
    struct collect *c = opaque;
    if (c->n < 16) {
        c->msgs[c->n++] = msg ? msg : json_string_nocheck(error);
    } else {
        json_decref(msg);
    }
    if (c->pause_after && c->n == c->pause_after) {
        vw_qmp_streamer_pause(c->st);
    }
}

static void collect_free(struct collect *c)
{
    for (int i = 0; i < c->n; i++) {
        json_decref(c->msgs[i]);
    }
    c->n = 0;
}

static void test_pause_and_pending(void)
{
    struct collect c = { .pause_after = 1 };
    c.st = vw_qmp_streamer_new(NULL, collect_cb, &c);
    const char *in = "{\"a\":1}{\"b\":2}{\"c\"";
    size_t used = vw_qmp_streamer_feed(c.st, in, strlen(in));
    CHECK_EQ_INT(used, 7);
    CHECK_EQ_INT(c.n, 1);
    c.pause_after = 0;
    used = vw_qmp_streamer_feed(c.st, in + 7, strlen(in) - 7);
    CHECK_EQ_INT(used, strlen(in) - 7);
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_INT(vw_qmp_streamer_pending(c.st), 4);   /* "{" + "\"c\"" */
    /* a truncated message at end of input */
    vw_qmp_streamer_flush(c.st);
    CHECK_EQ_INT(c.n, 3);
    CHECK_EQ_STR(json_string_value(c.msgs[2]), "JSON parse error, premature EOI");
    CHECK_EQ_INT(vw_qmp_streamer_pending(c.st), 0);
    /* flush completes a top-level scalar that waits for its lookahead byte */
    vw_qmp_streamer_feed(c.st, "123", 3);
    CHECK_EQ_INT(c.n, 3);
    vw_qmp_streamer_flush(c.st);
    CHECK_EQ_INT(c.n, 4);
    CHECK(json_is_integer(c.msgs[3]) && json_integer_value(c.msgs[3]) == 123);
    /* reset drops a partial message, as a new connection does */
    vw_qmp_streamer_feed(c.st, "{\"x\":[1,", 8);
    CHECK(vw_qmp_streamer_pending(c.st) > 0);
    vw_qmp_streamer_reset(c.st);
    CHECK_EQ_INT(vw_qmp_streamer_pending(c.st), 0);
    vw_qmp_streamer_feed(c.st, "{}", 2);
    CHECK_EQ_INT(c.n, 5);
    CHECK(json_is_object(c.msgs[4]) && json_object_size(c.msgs[4]) == 0);
    collect_free(&c);
    vw_qmp_streamer_free(c.st);
}

static void test_control_char_resets(void)
{
    /* qmp-spec: a control character other than \t \r \n resets the parser; QEMU 7.2 reports
     * the stray character, and then the next command works. */
    struct collect c = { 0 };
    c.st = vw_qmp_streamer_new(NULL, collect_cb, &c);
    const char *in = "{\"execute\": \"a\", \"arguments\": {\x1b{\"execute\":\"b\"}";
    vw_qmp_streamer_feed(c.st, in, strlen(in));
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_STR(json_string_value(c.msgs[0]), "JSON parse error, stray '\x1b'");
    CHECK_EQ_STR(json_string_value(json_object_get(c.msgs[1], "execute")), "b");
    collect_free(&c);
    vw_qmp_streamer_free(c.st);
}

/* ---- values ---------------------------------------------------------------------------------- */

static void test_loads_and_quirks(void)
{
    char err[512];
    json_t *v = vw_qmp_loads("{'a': 'it\\'s', \"n\": \"\\u0000x\"}", 30, err, sizeof(err));
    CHECK(v != NULL);
    if (v) {
        CHECK_EQ_STR(json_string_value(json_object_get(v, "a")), "it's");
        json_t *n = json_object_get(v, "n");
        CHECK_EQ_INT(json_string_length(n), 2);
        CHECK_EQ_MEM(json_string_value(n), "\0x", 2);
        json_decref(v);
    }
    v = vw_qmp_loads("12345678901234567890", 20, err, sizeof(err));
    uint64_t u = 0;
    CHECK(v && vw_qmp_get_uint64(v, &u) == 0 && u == 12345678901234567890ull);
    CHECK_EQ_STR(vw_qmp_raw_number_text(v), "12345678901234567890");
    char *s = vw_qmp_dumps(v, 0);
    CHECK_EQ_STR(s, "12345678901234567890");
    free(s);
    json_t *w = vw_qmp_uint64(12345678901234567890ull);
    CHECK(json_equal(v, w));
    json_decref(w);
    json_decref(v);
    v = vw_qmp_uint64(5);
    CHECK(json_is_integer(v) && json_integer_value(v) == 5);
    CHECK(vw_qmp_get_uint64(v, &u) == 0 && u == 5);
    CHECK(vw_qmp_raw_number_text(v) == NULL);
    CHECK_EQ_INT(vw_qmp_is_object(v), 0);
    json_decref(v);
    v = vw_qmp_uint64(18446744073709551615ull);
    CHECK_EQ_INT(vw_qmp_is_object(v), 0);
    CHECK(json_is_object(v));          /* what jansson alone would say */
    json_decref(v);
    v = json_object();
    CHECK_EQ_INT(vw_qmp_is_object(v), 1);
    json_decref(v);
    v = json_integer(-1);
    CHECK(vw_qmp_get_uint64(v, &u) == -1);
    json_decref(v);

    CHECK(vw_qmp_loads("{\"a\":1,\"a\":2}", 13, err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "JSON parse error, duplicate key");
    CHECK(vw_qmp_loads("1 2", 3, err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "expected one JSON value, found 2");
    CHECK(vw_qmp_loads("  ", 2, err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "no JSON value");
    CHECK(vw_qmp_loads("{\"a\":", 5, err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "JSON parse error, premature EOI");
    /* a long bad keyword is quoted whole, as QEMU does */
    char kw[400], want[460];
    memset(kw, 'x', 300);
    memcpy(kw, "[", 1);
    memcpy(kw + 300, "]", 2);
    snprintf(want, sizeof(want), "JSON parse error, invalid keyword '%.299s'", kw + 1);
    CHECK(vw_qmp_loads(kw, strlen(kw), err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, want);
    v = vw_qmp_loads("1.5e3", 5, err, sizeof(err));
    CHECK(json_is_real(v) && json_real_value(v) == 1500.0);
    json_decref(v);
}

static void test_dumps(void)
{
    /* The greeting of QEMU 7.2.22 exactly as it arrived, built in an arbitrary order. */
    json_t *qemu = json_pack("{s:i,s:i,s:i}", "major", 7, "minor", 2, "micro", 22);
    json_t *ver = json_pack("{s:s,s:o}", "package", "Debian 1:7.2+dfsg-7+deb12u18+b3", "qemu", qemu);
    json_t *g = json_pack("{s:{s:[s],s:o}}", "QMP", "capabilities", "oob", "version", ver);
    char *s = vw_qmp_dumps(g, VW_QMP_DUMP_QDICT_ORDER);
    CHECK_EQ_STR(s, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
                    "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}");
    free(s);
    json_decref(g);
    /* query-status as QEMU printed it; success replies put "return" before "id" */
    json_t *r = json_pack("{s:{s:b,s:b,s:s},s:i}", "return", "running", 0, "singlestep", 0,
                          "status", "prelaunch", "id", 7);
    s = vw_qmp_dumps(r, VW_QMP_DUMP_QDICT_ORDER);
    CHECK_EQ_STR(s, "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}, \"id\": 7}");
    free(s);
    s = vw_qmp_dumps(r, 0);          /* insertion order */
    CHECK_EQ_STR(s, "{\"return\": {\"running\": false, \"singlestep\": false, \"status\": \"prelaunch\"}, \"id\": 7}");
    free(s);
    json_decref(r);
    /* Event, timestamp members in QEMU's order */
    json_t *e = json_pack("{s:s,s:{s:i,s:i}}", "event", "STOP", "timestamp", "seconds", 1,
                          "microseconds", 2);
    s = vw_qmp_dumps(e, VW_QMP_DUMP_QDICT_ORDER);
    CHECK_EQ_STR(s, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}");
    free(s);
    json_decref(e);
    /* strings: raw invalid UTF-8 -> \uFFFD (as QEMU prints a stray byte), NUL, DEL, '/' */
    json_t *str = json_stringn_nocheck("a\xff\x00\x7f/\xe2\x82", 7);
    s = vw_qmp_dumps(str, 0);
    CHECK_EQ_STR(s, "\"a\\uFFFD\\u0000\\u007F/\\uFFFD\"");
    free(s);
    json_decref(str);
    json_t *arr = json_pack("[f,f,f,f,{},[],n]", 1500.0, 0.1, -0.0, 1e21);
    s = vw_qmp_dumps(arr, 0);
    CHECK_EQ_STR(s, "[1500, 0.10000000000000001, -0, 1e+21, {}, [], null]");
    free(s);
    json_decref(arr);
    CHECK(vw_qmp_dumps(NULL, 0) == NULL);
}

int main(void)
{
    RUN(test_against_qemu_capture);
    RUN(test_nesting_limit);
    RUN(test_token_count_limit_default);
    RUN(test_configured_limits);
    RUN(test_pause_and_pending);
    RUN(test_control_char_resets);
    RUN(test_loads_and_quirks);
    RUN(test_dumps);
    return vwtest_summary("qmp_json");
}
