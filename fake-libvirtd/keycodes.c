/* keycodes.c: which keycodes each virKeycodeSet knows (keycodes.h). */
#include "keycodes.h"

#include <stddef.h>

struct key_range {
    unsigned first, last;
};

/* The keycodes each codeset's table knows, as [first, last] ranges, found by asking libvirt
 * 9.0's test driver (testDomainSendKey) for every value below 65536 of each codeset: the
 * values virKeycodeValueTranslate accepts. None at or above 65536 is valid. */
static const struct key_range keys_linux[] = {
    {0, 265}, {272, 279}, {288, 299}, {303, 318}, {320, 327}, {330, 337}, {352, 439}, {448, 451},
    {464, 484}, {497, 506}, {512, 524},
};
static const struct key_range keys_xt[] = {
    {0, 95}, {99, 109}, {111, 121}, {123, 123}, {125, 126}, {57345, 57356}, {57358, 57360},
    {57362, 57385}, {57387, 57398}, {57400, 57439}, {57443, 57453}, {57455, 57465},
    {57467, 57467}, {57469, 57469},
};
static const struct key_range keys_atset1[] = {
    {0, 95}, {99, 109}, {111, 121}, {123, 123}, {125, 126}, {57345, 57356}, {57358, 57360},
    {57362, 57385}, {57387, 57398}, {57400, 57439}, {57443, 57453}, {57455, 57465},
    {57467, 57467}, {57469, 57469},
};
static const struct key_range keys_atset2[] = {
    {0, 1}, {3, 7}, {9, 15}, {17, 22}, {26, 30}, {33, 39}, {41, 47}, {49, 55}, {58, 63}, {65, 70},
    {73, 78}, {81, 82}, {84, 85}, {88, 91}, {93, 93}, {95, 95}, {97, 100}, {102, 103}, {105, 109},
    {112, 127}, {131, 131}, {57360, 57362}, {57364, 57365}, {57368, 57368}, {57375, 57377},
    {57379, 57379}, {57383, 57384}, {57387, 57387}, {57391, 57392}, {57394, 57394},
    {57396, 57396}, {57399, 57400}, {57402, 57403}, {57407, 57408}, {57416, 57416},
    {57418, 57418}, {57421, 57421}, {57424, 57424}, {57434, 57434}, {57438, 57438},
    {57449, 57449}, {57451, 57452}, {57455, 57458}, {57460, 57461}, {57463, 57463},
    {57465, 57466}, {57469, 57469},
};
static const struct key_range keys_atset3[] = {
    {0, 0}, {7, 63}, {65, 71}, {73, 79}, {82, 82}, {84, 103}, {105, 118}, {121, 122}, {124, 131},
    {133, 135}, {139, 142}, {145, 145}, {147, 152}, {154, 163},
};
static const struct key_range keys_os_x[] = {
    {0, 51}, {53, 65}, {67, 67}, {69, 69}, {71, 76}, {78, 107}, {109, 111}, {113, 126},
    {255, 255},
};
static const struct key_range keys_xt_kbd[] = {
    {0, 95}, {99, 109}, {111, 121}, {123, 123}, {125, 126}, {257, 268}, {270, 272}, {274, 297},
    {299, 310}, {312, 351}, {355, 365}, {367, 377}, {379, 379}, {381, 381},
};
static const struct key_range keys_usb[] = {
    {0, 0}, {4, 48}, {50, 119}, {121, 125}, {133, 133}, {135, 140}, {144, 148}, {182, 183},
    {224, 251},
};
static const struct key_range keys_win32[] = {
    {0, 2}, {4, 6}, {8, 9}, {13, 13}, {17, 22}, {26, 29}, {32, 42}, {44, 57}, {65, 93}, {95, 135},
    {144, 145}, {160, 161}, {163, 163}, {165, 180}, {186, 192}, {219, 222}, {226, 226},
    {242, 242}, {250, 251},
};
static const struct key_range keys_qnum[] = {
    {0, 95}, {99, 109}, {111, 121}, {123, 123}, {125, 126}, {129, 140}, {142, 144}, {146, 169},
    {171, 182}, {184, 223}, {227, 237}, {239, 249}, {251, 251}, {253, 253},
};

#define RANGES(t) {t, sizeof(t) / sizeof(t[0])}

static const struct {
    const struct key_range *ranges;
    size_t count;
} sets[FL_KEYCODE_SETS] = {
    RANGES(keys_linux), RANGES(keys_xt), RANGES(keys_atset1), RANGES(keys_atset2),
    RANGES(keys_atset3), RANGES(keys_os_x), RANGES(keys_xt_kbd), RANGES(keys_usb),
    RANGES(keys_win32), RANGES(keys_qnum),
};

static const char *const set_names[FL_KEYCODE_SETS] = {
    "linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum",
};

const char *fl_keycode_set_name(unsigned set)
{
    return set < FL_KEYCODE_SETS ? set_names[set] : NULL;
}

bool fl_keycode_valid(unsigned set, unsigned code)
{
    if (set >= FL_KEYCODE_SETS)
        return false;
    for (size_t i = 0; i < sets[set].count; i++)
        if (code >= sets[set].ranges[i].first && code <= sets[set].ranges[i].last)
            return true;
    return false;
}
