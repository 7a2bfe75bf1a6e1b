/* faults.c: fault rules, per-message decisions, seeded PRNG and the delayed output queue
 * (see faults.h and docs/faults.md). */
#include "faults.h"
#include "vw_util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES        256
#define MAX_DELAY_MS     3600000LL        /* an hour: longer is surely a typo */
#define MAX_MATCH_LEN    128
#define VW_FAULTS_FILE_MAX (16u << 20)    /* a rules file; the rules are at most MAX_RULES */
#define MAX_SLICES       65536            /* pieces per message at most */

typedef struct {
    vw_fault_type type;
    unsigned dirs;
    double probability;
    char *match;                  /* NULL = every message */
    unsigned long long after;     /* the first N messages (in this direction) pass */
    unsigned long long times;     /* fires at most N times per connection; 0 = no limit */
    unsigned long long connections; /* only the first N connections; 0 = every one */
    long long latency_ms, jitter_ms;
    uint64_t rate;
    size_t slice_size, slice_variation;
    long long slice_delay_ms;
    long long keep;
    unsigned bits;
    uint32_t length_value;
    char event[64];
} rule;

struct vw_faults {
    int refs;
    uint64_t seed;
    uint64_t next_conn;           /* connections created so far: the PRNG stream index */
    rule *rules;
    size_t nrules;
};

/* An item of the output queue. */
#define OUT_BLACKHOLE 3           /* internal: start the blackhole when reached */
typedef struct out_item {
    int what;
    long long release_ms;
    size_t len;
    struct out_item *next;
    unsigned char data[];
} out_item;

struct vw_fault_conn {
    vw_faults *f;
    vw_evloop *loop;
    vw_fault_deliver_fn *deliver;
    void *opaque;
    uint64_t prng;
    unsigned long long index;     /* 1 for the first connection of these rules */
    unsigned long long count[2];  /* messages seen: [0] s2c, [1] c2s */
    unsigned long long *fired;    /* per rule */
    out_item *head, *tail;
    long long last_release_ms;
    long long hold_until_ms;
    long long timer;              /* -1 when none */
    bool blackholed, silent;
    bool in_timer, dead;
};

static const struct {
    const char *name;
    unsigned dirs;                /* directions that make sense */
    unsigned default_dir;
    unsigned protos;              /* protocols that can apply it */
} type_info[VW_FAULT_NTYPES] = {
    [VW_FAULT_LATENCY] = {"latency", VW_FAULT_S2C | VW_FAULT_C2S, VW_FAULT_S2C, 3},
    [VW_FAULT_BANDWIDTH] = {"bandwidth", VW_FAULT_S2C | VW_FAULT_C2S, VW_FAULT_S2C, 3},
    [VW_FAULT_SLICE] = {"slice", VW_FAULT_S2C, VW_FAULT_S2C, 3},
    [VW_FAULT_TRUNCATE] = {"truncate", VW_FAULT_S2C | VW_FAULT_C2S, VW_FAULT_S2C, 3},
    [VW_FAULT_RESET] = {"reset", VW_FAULT_S2C | VW_FAULT_C2S, VW_FAULT_S2C, 3},
    [VW_FAULT_BLACKHOLE] = {"blackhole", VW_FAULT_S2C | VW_FAULT_C2S, VW_FAULT_S2C, 3},
    [VW_FAULT_CORRUPT] = {"corrupt", VW_FAULT_S2C | VW_FAULT_C2S, VW_FAULT_S2C, 3},
    [VW_FAULT_BAD_LENGTH] = {"bad_length", VW_FAULT_S2C, VW_FAULT_S2C, VW_FAULT_PROTO_LIBVIRT},
    [VW_FAULT_WRONG_SERIAL] = {"wrong_serial", VW_FAULT_S2C, VW_FAULT_S2C, 3},
    [VW_FAULT_DUPLICATE] = {"duplicate", VW_FAULT_S2C, VW_FAULT_S2C, 3},
    [VW_FAULT_UNSOLICITED] = {"unsolicited", VW_FAULT_S2C, VW_FAULT_S2C, 3},
    [VW_FAULT_KEEPALIVE_SILENCE] = {"keepalive_silence", VW_FAULT_S2C | VW_FAULT_C2S,
                                    VW_FAULT_S2C, VW_FAULT_PROTO_LIBVIRT},
    [VW_FAULT_NO_GREETING] = {"no_greeting", VW_FAULT_S2C, VW_FAULT_S2C, VW_FAULT_PROTO_QMP},
    [VW_FAULT_NEGOTIATION_EVENT] = {"negotiation_event", VW_FAULT_S2C, VW_FAULT_S2C,
                                    VW_FAULT_PROTO_QMP},
    [VW_FAULT_REPLY_WITHOUT_ID] = {"reply_without_id", VW_FAULT_S2C, VW_FAULT_S2C,
                                   VW_FAULT_PROTO_QMP},
    [VW_FAULT_DISCONNECT] = {"disconnect_mid_command", VW_FAULT_C2S, VW_FAULT_C2S, 3},
};

const char *vw_fault_type_name(vw_fault_type t)
{
    return (unsigned)t < VW_FAULT_NTYPES ? type_info[t].name : NULL;
}

/* ---- PRNG: splitmix64 ----------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t vw_fault_conn_random(vw_fault_conn *fc)
{
    return splitmix64(&fc->prng);
}

/* uniform in [0, 1) with 53 bits */
static double random_unit(vw_fault_conn *fc)
{
    return (double)(splitmix64(&fc->prng) >> 11) / 9007199254740992.0;
}

/* ---- configuration -------------------------------------------------------------------------- */

static int get_int(const json_t *r, const char *key, long long lo, long long hi, long long *out,
                   size_t idx, char *err, size_t errlen)
{
    const json_t *v = json_object_get(r, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        snprintf(err, errlen, "faults[%zu].%s: expected an integer in %lld..%lld", idx, key, lo,
                 hi);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int parse_rule(const json_t *r, size_t idx, rule *out, char *err, size_t errlen)
{
    static const char *const allowed[] = {
        "type", "direction", "probability", "match", "after", "times", "connections", "comment",
        "latency_ms", "jitter_ms", "rate", "size", "variation", "delay_ms", "keep", "bits",
        "value", "event", NULL};
    if (!json_is_object(r)) {
        snprintf(err, errlen, "faults[%zu]: expected an object {\"type\": ...}", idx);
        return -1;
    }
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)r, key, val) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i]) {
            snprintf(err, errlen, "faults[%zu]: unknown member \"%.64s\" (see docs/faults.md)",
                     idx, key);
            return -1;
        }
    }
    memset(out, 0, sizeof(*out));
    const char *type = json_string_value(json_object_get(r, "type"));
    if (!type) {
        snprintf(err, errlen, "faults[%zu].type: missing (a string such as \"latency\")", idx);
        return -1;
    }
    int t = 0;
    while (t < VW_FAULT_NTYPES && strcmp(type_info[t].name, type) != 0)
        t++;
    if (t == VW_FAULT_NTYPES) {
        char known[600];
        size_t n = 0;
        known[0] = '\0';
        for (int k = 0; k < VW_FAULT_NTYPES && n < sizeof(known); k++)
            n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", k ? ", " : "",
                                  type_info[k].name);
        snprintf(err, errlen, "faults[%zu].type: unknown fault \"%.64s\" (known: %s)", idx, type,
                 known);
        return -1;
    }
    out->type = (vw_fault_type)t;
    out->dirs = type_info[t].default_dir;
    const json_t *dir = json_object_get(r, "direction");
    if (dir) {
        const char *d = json_string_value(dir);
        if (d && strcmp(d, "s2c") == 0)
            out->dirs = VW_FAULT_S2C;
        else if (d && strcmp(d, "c2s") == 0)
            out->dirs = VW_FAULT_C2S;
        else if (d && strcmp(d, "both") == 0)
            out->dirs = type_info[t].dirs;
        else {
            snprintf(err, errlen, "faults[%zu].direction: expected \"s2c\", \"c2s\" or \"both\"",
                     idx);
            return -1;
        }
        if ((out->dirs & type_info[t].dirs) != out->dirs) {
            snprintf(err, errlen, "faults[%zu]: %s applies only in direction %s", idx, type,
                     type_info[t].dirs == VW_FAULT_S2C ? "s2c" : "c2s");
            return -1;
        }
    }
    out->probability = 1.0;
    const json_t *p = json_object_get(r, "probability");
    if (p) {
        if (!json_is_number(p) || json_number_value(p) < 0.0 || json_number_value(p) > 1.0) {
            snprintf(err, errlen, "faults[%zu].probability: expected a number in 0..1", idx);
            return -1;
        }
        out->probability = json_number_value(p);
    }
    const json_t *m = json_object_get(r, "match");
    if (m) {
        const char *ms = json_string_value(m);
        if (!ms || !*ms || strlen(ms) > MAX_MATCH_LEN) {
            snprintf(err, errlen, "faults[%zu].match: expected a procedure, command or event "
                     "name (1..%d characters)", idx, MAX_MATCH_LEN);
            return -1;
        }
        if (!(out->match = strdup(ms))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    long long v = 0;
    if (get_int(r, "after", 0, LLONG_MAX, &v, idx, err, errlen) < 0)
        return -1;
    out->after = (unsigned long long)v;
    v = 0;
    if (get_int(r, "times", 0, LLONG_MAX, &v, idx, err, errlen) < 0)
        return -1;
    out->times = (unsigned long long)v;
    v = 0;
    if (get_int(r, "connections", 0, LLONG_MAX, &v, idx, err, errlen) < 0)
        return -1;
    out->connections = (unsigned long long)v;
    /* type-specific members, with defaults */
    long long lat = 0, jit = 0, rate = 0, size = 1, var = 0, delay = 0, keep = -1, bits = 1;
    long long value = 0xFFFFFFFFLL;
    if (get_int(r, "latency_ms", 0, MAX_DELAY_MS, &lat, idx, err, errlen) < 0 ||
        get_int(r, "jitter_ms", 0, MAX_DELAY_MS, &jit, idx, err, errlen) < 0 ||
        get_int(r, "rate", 1, 1LL << 40, &rate, idx, err, errlen) < 0 ||
        get_int(r, "size", 1, 1 << 24, &size, idx, err, errlen) < 0 ||
        get_int(r, "variation", 0, 1 << 24, &var, idx, err, errlen) < 0 ||
        get_int(r, "delay_ms", 0, 60000, &delay, idx, err, errlen) < 0 ||
        get_int(r, "keep", 0, 1 << 30, &keep, idx, err, errlen) < 0 ||
        get_int(r, "bits", 1, 64, &bits, idx, err, errlen) < 0 ||
        get_int(r, "value", 0, 0xFFFFFFFFLL, &value, idx, err, errlen) < 0)
        return -1;
    if (out->type == VW_FAULT_LATENCY && lat == 0 && jit == 0) {
        snprintf(err, errlen, "faults[%zu]: latency needs latency_ms (and optionally jitter_ms)",
                 idx);
        return -1;
    }
    if (out->type == VW_FAULT_BANDWIDTH && rate == 0) {
        snprintf(err, errlen, "faults[%zu]: bandwidth needs rate (bytes per second)", idx);
        return -1;
    }
    out->latency_ms = lat;
    out->jitter_ms = jit;
    out->rate = (uint64_t)rate;
    out->slice_size = (size_t)size;
    out->slice_variation = (size_t)var;
    out->slice_delay_ms = delay;
    out->keep = keep;
    out->bits = (unsigned)bits;
    out->length_value = (uint32_t)value;
    const json_t *ev = json_object_get(r, "event");
    const char *evs = ev ? json_string_value(ev) : "RESUME";
    if (!evs || !*evs || strlen(evs) >= sizeof(out->event)) {
        snprintf(err, errlen, "faults[%zu].event: expected an event name (1..63 characters)",
                 idx);
        return -1;
    }
    snprintf(out->event, sizeof(out->event), "%s", evs);
    return 0;
}

static void free_faults(vw_faults *f)
{
    for (size_t i = 0; i < f->nrules; i++)
        free(f->rules[i].match);
    free(f->rules);
    free(f);
}

vw_faults *vw_faults_from_json(const json_t *config, uint64_t seed, char *err, size_t errlen)
{
    const json_t *list = config;
    if (json_is_object(config)) {
        list = json_object_get(config, "faults");
        if (!list) {
            snprintf(err, errlen, "faults: expected an array of rules, or an object with a "
                     "\"faults\" array");
            return NULL;
        }
    }
    if (!json_is_array(list)) {
        snprintf(err, errlen, "faults: expected an array of rules");
        return NULL;
    }
    size_t n = json_array_size(list);
    if (n > MAX_RULES) {
        snprintf(err, errlen, "faults: %zu rules, at most %d", n, MAX_RULES);
        return NULL;
    }
    vw_faults *f = calloc(1, sizeof(*f));
    if (!f || (n && !(f->rules = calloc(n, sizeof(rule))))) {
        free(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->refs = 1;
    f->seed = seed;
    for (size_t i = 0; i < n; i++) {
        if (parse_rule(json_array_get(list, i), i, &f->rules[i], err, errlen) < 0) {
            f->nrules = i + 1;     /* frees a match parsed before the error */
            free_faults(f);
            return NULL;
        }
        f->nrules = i + 1;
    }
    return f;
}

vw_faults *vw_faults_load_file(const char *path, uint64_t seed, int proto, vw_error *err)
{
    json_t *root = vw_load_option_json("--faults", path, VW_FAULTS_FILE_MAX, err);
    if (!root)
        return NULL;
    char why[sizeof(err->text)];
    vw_faults *f = vw_faults_from_json(root, seed, why, sizeof(why));
    json_decref(root);
    if (f && vw_faults_check_protocol(f, proto, why, sizeof(why)) < 0) {
        vw_faults_unref(f);
        f = NULL;
    }
    if (!f) {
        char source[sizeof(err->source)];
        snprintf(source, sizeof(source), "--faults %s", path);
        vw_error_set(err, source, 0, 0, 0, "%s", why);
    }
    return f;
}

int vw_faults_check_protocol(const vw_faults *f, int proto, char *err, size_t errlen)
{
    for (size_t i = 0; i < f->nrules; i++) {
        const rule *r = &f->rules[i];
        if (!(type_info[r->type].protos & proto)) {
            snprintf(err, errlen, "faults[%zu]: %s is a %s fault", i, type_info[r->type].name,
                     type_info[r->type].protos == VW_FAULT_PROTO_QMP ? "QMP-only" : "libvirt-only");
            return -1;
        }
        if (proto == VW_FAULT_PROTO_QMP && r->type == VW_FAULT_CORRUPT &&
            (r->dirs & VW_FAULT_C2S)) {
            snprintf(err, errlen, "faults[%zu]: corrupt is s2c only for QMP", i);
            return -1;
        }
    }
    return 0;
}

vw_faults *vw_faults_ref(vw_faults *f)
{
    if (f)
        f->refs++;
    return f;
}

void vw_faults_unref(vw_faults *f)
{
    if (f && --f->refs == 0)
        free_faults(f);
}

size_t vw_faults_count(const vw_faults *f)
{
    return f ? f->nrules : 0;
}

/* ---- per connection ------------------------------------------------------------------------- */

vw_fault_conn *vw_fault_conn_new(vw_faults *f, vw_evloop *loop, vw_fault_deliver_fn *deliver,
                                 void *opaque)
{
    vw_fault_conn *fc = calloc(1, sizeof(*fc));
    if (!fc)
        return NULL;
    if (f->nrules && !(fc->fired = calloc(f->nrules, sizeof(*fc->fired)))) {
        free(fc);
        return NULL;
    }
    fc->f = vw_faults_ref(f);
    fc->loop = loop;
    fc->deliver = deliver;
    fc->opaque = opaque;
    fc->index = ++f->next_conn;
    uint64_t s = f->seed ^ (0xD1B54A32D192ED03ull * fc->index);
    fc->prng = splitmix64(&s);
    fc->timer = -1;
    return fc;
}

static void drop_queue(vw_fault_conn *fc)
{
    while (fc->head) {
        out_item *it = fc->head;
        fc->head = it->next;
        free(it);
    }
    fc->tail = NULL;
}

static void free_now(vw_fault_conn *fc)
{
    drop_queue(fc);
    vw_faults_unref(fc->f);
    free(fc->fired);
    free(fc);
}

void vw_fault_conn_free(vw_fault_conn *fc)
{
    if (!fc)
        return;
    if (fc->timer >= 0) {
        vw_evloop_del_timer(fc->loop, fc->timer);
        fc->timer = -1;
    }
    if (fc->in_timer) {          /* freed when the timer callback returns */
        fc->dead = true;
        return;
    }
    free_now(fc);
}

uint32_t vw_fault_decide(vw_fault_conn *fc, unsigned dir, vw_fault_msg_kind kind,
                         const char *name, vw_fault_action *a)
{
    memset(a, 0, sizeof(*a));
    a->truncate_keep = -1;
    if (kind == VW_FAULT_MSG_KEEPALIVE)
        return 0;   /* timing-driven: counting them would make runs differ */
    unsigned long long n = ++fc->count[dir == VW_FAULT_C2S];
    for (size_t i = 0; i < fc->f->nrules; i++) {
        const rule *r = &fc->f->rules[i];
        if (!(r->dirs & dir) || n <= r->after)
            continue;
        if (r->times && fc->fired[i] >= r->times)
            continue;
        if (r->connections && fc->index > r->connections)
            continue;
        if (r->match && (!name || strcmp(r->match, name) != 0))
            continue;
        switch (r->type) {
        case VW_FAULT_WRONG_SERIAL:
        case VW_FAULT_DUPLICATE:
        case VW_FAULT_UNSOLICITED:
        case VW_FAULT_REPLY_WITHOUT_ID:
            if (kind != VW_FAULT_MSG_REPLY)
                continue;
            break;
        case VW_FAULT_NO_GREETING:
        case VW_FAULT_NEGOTIATION_EVENT:
            if (kind != VW_FAULT_MSG_GREETING)
                continue;
            break;
        case VW_FAULT_DISCONNECT:
            if (kind != VW_FAULT_MSG_CALL)
                continue;
            break;
        default:
            break;
        }
        /* one draw per candidate rule, even at probability 1, so that the stream of draws
         * depends only on the traffic */
        double u = random_unit(fc);
        uint64_t extra = splitmix64(&fc->prng);
        if (!(u < r->probability))
            continue;
        fc->fired[i]++;
        a->fired |= 1u << r->type;
        switch (r->type) {
        case VW_FAULT_LATENCY: {
            long long d = r->latency_ms;
            if (r->jitter_ms)
                d += (long long)(extra % (uint64_t)(2 * r->jitter_ms + 1)) - r->jitter_ms;
            a->delay_ms += d > 0 ? d : 0;
            break;
        }
        case VW_FAULT_BANDWIDTH:
            if (!a->rate || r->rate < a->rate)
                a->rate = r->rate;
            break;
        case VW_FAULT_SLICE:
            a->slice_size = r->slice_size;
            a->slice_variation = r->slice_variation;
            a->slice_delay_ms = r->slice_delay_ms;
            break;
        case VW_FAULT_TRUNCATE:
            a->truncate_keep = r->keep;
            break;
        case VW_FAULT_CORRUPT:
            a->corrupt_bits += r->bits;
            break;
        case VW_FAULT_BAD_LENGTH:
            a->bad_length = r->length_value;
            break;
        case VW_FAULT_NEGOTIATION_EVENT:
            snprintf(a->event, sizeof(a->event), "%s", r->event);
            break;
        default:
            break;
        }
    }
    return a->fired;
}

long long vw_fault_delay_for(const vw_fault_action *a, size_t len)
{
    long long d = a->delay_ms;
    if (a->rate)
        d += (long long)(((uint64_t)len * 1000 + a->rate - 1) / a->rate);
    return d;
}

bool vw_fault_conn_busy(const vw_fault_conn *fc)
{
    return fc->head != NULL || fc->hold_until_ms > vw_evloop_now_ms();
}

bool vw_fault_conn_queued(const vw_fault_conn *fc)
{
    return fc->head != NULL;
}

void vw_fault_conn_hold(vw_fault_conn *fc, long long ms)
{
    long long t = vw_evloop_now_ms() + ms;
    if (t > fc->hold_until_ms)
        fc->hold_until_ms = t;
}

void vw_fault_conn_set_blackhole(vw_fault_conn *fc)
{
    fc->blackholed = true;
    drop_queue(fc);
}

bool vw_fault_conn_blackholed(const vw_fault_conn *fc)
{
    return fc->blackholed;
}

void vw_fault_conn_set_silent(vw_fault_conn *fc)
{
    fc->silent = true;
}

bool vw_fault_conn_silent(const vw_fault_conn *fc)
{
    return fc->silent;
}

int vw_fault_conn_input(vw_fault_conn *fc, uint32_t fired, const vw_fault_action *a,
                        size_t len)
{
    long long hold = vw_fault_delay_for(a, len);
    if (hold > 0)
        vw_fault_conn_hold(fc, hold);
    if (fired & (1u << VW_FAULT_RESET)) {
        vw_fault_conn_control(fc, VW_FAULT_OUT_RESET);
        return 1;
    }
    if (fired & (1u << VW_FAULT_BLACKHOLE)) {
        vw_fault_conn_set_blackhole(fc);
        return 1;
    }
    if (fired & ((1u << VW_FAULT_TRUNCATE) | (1u << VW_FAULT_DISCONNECT))) {
        vw_fault_conn_control(fc, VW_FAULT_OUT_CLOSE);
        return 1;
    }
    return 0;
}

/* ---- the output queue ----------------------------------------------------------------------- */

static long long timer_cb(vw_evloop *loop, long long id, void *data);

static void schedule(vw_fault_conn *fc)
{
    if (fc->in_timer || fc->dead)
        return;                   /* the running callback re-arms itself */
    if (fc->timer >= 0) {
        vw_evloop_del_timer(fc->loop, fc->timer);
        fc->timer = -1;
    }
    if (!fc->head)
        return;
    long long ms = fc->head->release_ms - vw_evloop_now_ms();
    fc->timer = vw_evloop_add_timer(fc->loop, ms > 0 ? ms : 0, timer_cb, fc, NULL);
}

static long long timer_cb(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    vw_fault_conn *fc = data;
    fc->in_timer = true;
    long long now = vw_evloop_now_ms();
    while (fc->head && fc->head->release_ms <= now && !fc->dead) {
        out_item *it = fc->head;
        fc->head = it->next;
        if (!fc->head)
            fc->tail = NULL;
        if (it->what == OUT_BLACKHOLE) {
            vw_fault_conn_set_blackhole(fc);
        } else if (!fc->blackholed) {
            if (it->what != VW_FAULT_OUT_DATA)
                drop_queue(fc);   /* nothing leaves after a close or a reset */
            fc->deliver(fc->opaque, it->what, it->data, it->len);
        }
        free(it);
    }
    fc->in_timer = false;
    if (fc->dead) {
        free_now(fc);             /* the timer was deleted by vw_fault_conn_free */
        return VW_EV_NOMORE;
    }
    if (!fc->head) {
        fc->timer = -1;
        return VW_EV_NOMORE;
    }
    long long ms = fc->head->release_ms - vw_evloop_now_ms();
    return ms > 0 ? ms : 0;
}

static void enqueue(vw_fault_conn *fc, int what, const void *data, size_t len, long long at)
{
    out_item *it = malloc(sizeof(*it) + len);
    if (!it)
        return;                   /* out of memory: the message is lost, as on a bad network */
    it->what = what;
    it->len = len;
    it->next = NULL;
    if (len)
        memcpy(it->data, data, len);
    if (at < fc->last_release_ms)
        at = fc->last_release_ms; /* order is kept: never before what is queued */
    it->release_ms = fc->last_release_ms = at;
    if (fc->tail)
        fc->tail->next = it;
    else
        fc->head = it;
    fc->tail = it;
}

void vw_fault_conn_control(vw_fault_conn *fc, int what)
{
    if (fc->dead)
        return;
    long long at = vw_evloop_now_ms();
    if (at < fc->hold_until_ms)
        at = fc->hold_until_ms;
    enqueue(fc, what, NULL, 0, at);
    schedule(fc);
}

void vw_fault_conn_emit(vw_fault_conn *fc, const void *data, size_t len, const vw_fault_action *a,
                        size_t protect_head, size_t protect_tail)
{
    if (fc->dead || fc->blackholed)
        return;
    long long at = vw_evloop_now_ms() + vw_fault_delay_for(a, len);
    if (at < fc->hold_until_ms)
        at = fc->hold_until_ms;
    if (a->fired & (1u << VW_FAULT_RESET)) {
        enqueue(fc, VW_FAULT_OUT_RESET, NULL, 0, at);
        schedule(fc);
        return;
    }
    if (a->fired & (1u << VW_FAULT_BLACKHOLE)) {
        enqueue(fc, OUT_BLACKHOLE, NULL, 0, at);
        schedule(fc);
        return;
    }
    unsigned char *copy = NULL;
    const unsigned char *bytes = data;
    if ((a->fired & (1u << VW_FAULT_CORRUPT)) && len > protect_head + protect_tail) {
        copy = malloc(len);
        if (copy) {
            memcpy(copy, data, len);
            size_t span = len - protect_head - protect_tail;
            for (unsigned i = 0; i < a->corrupt_bits; i++) {
                uint64_t r = splitmix64(&fc->prng);
                size_t pos = protect_head + (size_t)(r % span);
                copy[pos] ^= (unsigned char)(1u << ((r >> 32) % 8));
            }
            bytes = copy;
        }
    }
    size_t keep = len;
    bool truncate = (a->fired & (1u << VW_FAULT_TRUNCATE)) != 0;
    if (truncate) {
        keep = a->truncate_keep >= 0 ? (size_t)a->truncate_keep : len / 2;
        if (keep >= len)
            keep = len ? len - 1 : 0;
    }
    if ((a->fired & (1u << VW_FAULT_SLICE)) && keep > 0) {
        size_t off = 0;
        size_t min_piece = keep / MAX_SLICES + 1;   /* bounds the queue for a huge message */
        while (off < keep) {
            size_t piece = a->slice_size < min_piece ? min_piece : a->slice_size;
            if (a->slice_variation) {
                uint64_t r = splitmix64(&fc->prng) % (2 * a->slice_variation + 1);
                long long p = (long long)piece + (long long)r - (long long)a->slice_variation;
                piece = p < 1 ? 1 : (size_t)p;
            }
            if (piece > keep - off)
                piece = keep - off;
            enqueue(fc, VW_FAULT_OUT_DATA, bytes + off, piece, at);
            off += piece;
            at += a->slice_delay_ms;
        }
    } else if (keep > 0) {
        enqueue(fc, VW_FAULT_OUT_DATA, bytes, keep, at);
    }
    if (truncate)
        enqueue(fc, VW_FAULT_OUT_CLOSE, NULL, 0, at);
    free(copy);
    schedule(fc);
}
