/* cputune.c: <cputune> pins and CPU bitmaps, see cputune.h. */
#include "cputune.h"

#include <stdlib.h>
#include <string.h>

/* VIR_DOMAIN_CPUMASK_LEN: the bits a cpuset in the XML may name. */
#define CPUMASK_BITS 16384

static bool mask_bit(const fl_cpumask *m, unsigned i)
{
    return i < m->nbytes * 8 && (m->bits[i / 8] >> (i % 8)) & 1;
}

void fl_cputune_free(fl_cputune *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < t->nvcpupin; i++)
        free(t->vcpupin[i].bits);
    free(t->vcpupin);
    free(t->emulatorpin.bits);
    for (unsigned i = 0; i < t->niothreadpin; i++)
        free(t->iothreadpin[i].mask.bits);
    free(t->iothreadpin);
    free(t);
}

int fl_cpumask_set(fl_cpumask *mask, const unsigned char *data, unsigned len)
{
    unsigned char *bits = malloc(len ? len : 1);
    if (!bits)
        return -1;
    if (len)
        memcpy(bits, data, len);
    free(mask->bits);
    mask->bits = bits;
    mask->nbytes = len;
    return 0;
}

/* Makes room for nvcpus vcpu pins. */
static int pins_grow(fl_cputune *t, unsigned nvcpus)
{
    if (nvcpus <= t->nvcpupin)
        return 0;
    fl_cpumask *v = realloc(t->vcpupin, nvcpus * sizeof(*v));
    if (!v)
        return -1;
    memset(v + t->nvcpupin, 0, (nvcpus - t->nvcpupin) * sizeof(*v));
    t->vcpupin = v;
    t->nvcpupin = nvcpus;
    return 0;
}

int fl_cputune_pin_vcpu(fl_cputune **t, unsigned vcpu, const unsigned char *data, unsigned len)
{
    if (!*t && !(*t = calloc(1, sizeof(**t))))
        return -1;
    if (pins_grow(*t, vcpu + 1) < 0)
        return -1;
    return fl_cpumask_set(&(*t)->vcpupin[vcpu], data, len);
}

static fl_iothread_pin *iothread_pin(const fl_cputune *t, unsigned id)
{
    for (unsigned i = 0; t && i < t->niothreadpin; i++)
        if (t->iothreadpin[i].id == id)
            return &t->iothreadpin[i];
    return NULL;
}

int fl_cputune_pin_iothread(fl_cputune **t, unsigned id, const unsigned char *data, unsigned len)
{
    if (!*t && !(*t = calloc(1, sizeof(**t))))
        return -1;
    fl_iothread_pin *pin = iothread_pin(*t, id);
    if (!pin) {
        fl_iothread_pin *v = realloc((*t)->iothreadpin, ((*t)->niothreadpin + 1) * sizeof(*v));
        if (!v)
            return -1;
        (*t)->iothreadpin = v;
        pin = &v[(*t)->niothreadpin++];
        memset(pin, 0, sizeof(*pin));
        pin->id = id;
    }
    return fl_cpumask_set(&pin->mask, data, len);
}

void fl_cputune_unpin_iothread(fl_cputune *t, unsigned id)
{
    fl_iothread_pin *pin = iothread_pin(t, id);
    if (!pin)
        return;
    free(pin->mask.bits);
    unsigned i = (unsigned)(pin - t->iothreadpin);
    memmove(pin, pin + 1, (t->niothreadpin - i - 1) * sizeof(*pin));
    t->niothreadpin--;
}

const fl_cpumask *fl_cputune_iothread(const fl_cputune *t, unsigned id)
{
    const fl_iothread_pin *pin = iothread_pin(t, id);
    return pin && pin->mask.bits ? &pin->mask : NULL;
}

void fl_cputune_truncate(fl_cputune *t, unsigned vcpus)
{
    if (!t)
        return;
    for (unsigned i = vcpus; i < t->nvcpupin; i++) {
        free(t->vcpupin[i].bits);
        t->vcpupin[i].bits = NULL;
        t->vcpupin[i].nbytes = 0;
    }
}

const fl_cpumask *fl_cputune_vcpu(const fl_cputune *t, unsigned vcpu)
{
    if (!t || vcpu >= t->nvcpupin || !t->vcpupin[vcpu].bits)
        return NULL;
    return &t->vcpupin[vcpu];
}

void fl_cpumask_to_buf(const fl_cpumask *mask, unsigned hostcpus, unsigned char *buf,
                       unsigned maplen)
{
    memset(buf, 0, maplen);
    for (unsigned i = 0; i < maplen * 8; i++) {
        bool on = mask && mask->bits ? mask_bit(mask, i) : i < hostcpus;
        if (on)
            buf[i / 8] |= (unsigned char)(1u << (i % 8));
    }
}

int fl_cpumask_last(const fl_cpumask *mask, unsigned hostcpus)
{
    if (!mask || !mask->bits)
        return (int)hostcpus - 1;
    for (unsigned i = mask->nbytes * 8; i-- > 0;)
        if (mask_bit(mask, i))
            return (int)i;
    return -1;
}

bool fl_cpumask_is_clear(const unsigned char *data, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        if (data[i])
            return false;
    return true;
}

/* ---- XML ---------------------------------------------------------------------------------- */

/* Reads a number at *s (advancing it); -1 when there is none or it is too large. */
static long cpuset_number(const char **s)
{
    if (**s < '0' || **s > '9')
        return -1;
    long v = 0;
    while (**s >= '0' && **s <= '9') {
        v = v * 10 + (**s - '0');
        if (v >= CPUMASK_BITS)
            return -1;
        (*s)++;
    }
    return v;
}

/* One "a", "a-b" or "^a" item of a cpuset into bits. -1 when malformed. */
static int cpuset_item(const char **s, unsigned char *bits)
{
    bool negate = **s == '^';
    if (negate)
        (*s)++;
    long a = cpuset_number(s), b = a;
    if (!negate && **s == '-') {
        (*s)++;
        b = cpuset_number(s);
    }
    if (a < 0 || b < a)
        return -1;
    for (long i = a; i <= b; i++) {
        if (negate)
            bits[i / 8] &= (unsigned char)~(1u << (i % 8));
        else
            bits[i / 8] |= (unsigned char)(1u << (i % 8));
    }
    return 0;
}

int fl_cpuset_parse(const char *s, fl_cpumask *mask)
{
    unsigned char bits[CPUMASK_BITS / 8] = {0};
    while (*s) {
        while (*s == ' ')
            s++;
        if (cpuset_item(&s, bits) < 0)
            return -1;
        while (*s == ' ')
            s++;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    if (fl_cpumask_is_clear(bits, sizeof(bits)))
        return -1;
    return fl_cpumask_set(mask, bits, sizeof(bits));
}

fl_cputune *fl_cputune_parse(const xml_node *cputune, unsigned vcpus)
{
    if (!cputune)
        return NULL;
    fl_cputune *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    bool any = false;
    for (const xml_node *n = cputune->children; n; n = n->next) {
        const char *set = xml_tree_attr(n, "cpuset");
        if (!set)
            continue;
        if (!strcmp(n->name, "emulatorpin")) {
            any |= fl_cpuset_parse(set, &t->emulatorpin) == 0;
        } else if (!strcmp(n->name, "iothreadpin")) {
            const char *v = xml_tree_attr(n, "iothread");
            char *end;
            unsigned long id = v ? strtoul(v, &end, 10) : 0;
            fl_cpumask m = {0};
            if (!v || *end || id == 0 || id > 0xffffffffUL || fl_cpuset_parse(set, &m) < 0)
                continue;
            any |= fl_cputune_pin_iothread(&t, (unsigned)id, m.bits, m.nbytes) == 0;
            free(m.bits);
        } else if (!strcmp(n->name, "vcpupin")) {
            const char *v = xml_tree_attr(n, "vcpu");
            char *end;
            unsigned long i = v ? strtoul(v, &end, 10) : vcpus;
            if (!v || *end || i >= vcpus || pins_grow(t, (unsigned)i + 1) < 0)
                continue;
            any |= fl_cpuset_parse(set, &t->vcpupin[i]) == 0;
        }
    }
    if (!any) {
        fl_cputune_free(t);
        return NULL;
    }
    return t;
}

void fl_cpuset_format(xml_buf *b, const fl_cpumask *m)
{
    bool first = true;
    unsigned n = m->nbytes * 8;
    for (unsigned i = 0; i < n; i++) {
        if (!mask_bit(m, i))
            continue;
        unsigned j = i;
        while (j + 1 < n && mask_bit(m, j + 1))
            j++;
        xml_buf_appendf(b, j > i ? "%s%u-%u" : "%s%u", first ? "" : ",", i, j);
        first = false;
        i = j;
    }
}

void fl_cputune_format(xml_buf *b, const fl_cputune *t)
{
    bool any = t && (t->emulatorpin.bits || t->niothreadpin);
    for (unsigned i = 0; t && i < t->nvcpupin; i++)
        any |= t->vcpupin[i].bits != NULL;
    if (!any)
        return;
    xml_buf_append(b, "  <cputune>\n");
    for (unsigned i = 0; i < t->nvcpupin; i++) {
        if (!t->vcpupin[i].bits)
            continue;
        xml_buf_appendf(b, "    <vcpupin vcpu='%u' cpuset='", i);
        fl_cpuset_format(b, &t->vcpupin[i]);
        xml_buf_append(b, "'/>\n");
    }
    if (t->emulatorpin.bits) {
        xml_buf_append(b, "    <emulatorpin cpuset='");
        fl_cpuset_format(b, &t->emulatorpin);
        xml_buf_append(b, "'/>\n");
    }
    for (unsigned i = 0; i < t->niothreadpin; i++) {
        xml_buf_appendf(b, "    <iothreadpin iothread='%u' cpuset='", t->iothreadpin[i].id);
        fl_cpuset_format(b, &t->iothreadpin[i].mask);
        xml_buf_append(b, "'/>\n");
    }
    xml_buf_append(b, "  </cputune>\n");
}
