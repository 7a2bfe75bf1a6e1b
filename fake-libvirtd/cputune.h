/* cputune.h: a domain definition's <cputune> pins (vcpupin, emulatorpin) as CPU bitmaps, read
 * from and written to the domain XML the way libvirt 9.0 prints them, and the bitmap helpers the
 * pinning calls use (virBitmapNewData / virBitmapToDataBuf / virBitmapLastSetBit semantics).
 */
#ifndef FL_CPUTUNE_H
#define FL_CPUTUNE_H

#include <stdbool.h>

#include "xml_tree.h"

/* A CPU bitmap of nbytes * 8 bits; bits NULL = not set (no pin). */
typedef struct {
    unsigned char *bits;
    unsigned nbytes;
} fl_cpumask;

typedef struct {
    unsigned id;             /* the IOThread's iothread_id */
    fl_cpumask mask;
} fl_iothread_pin;

typedef struct fl_cputune {
    fl_cpumask *vcpupin;     /* indexed by vcpu, nvcpupin entries */
    unsigned nvcpupin;
    fl_cpumask emulatorpin;
    fl_iothread_pin *iothreadpin; /* in the order pinned, niothreadpin entries */
    unsigned niothreadpin;
} fl_cputune;

void fl_cputune_free(fl_cputune *t);

/* Reads <cputune> (NULL: none) for a domain of vcpus maximum vCPUs: vcpupin entries naming a
 * vCPU beyond the maximum and malformed cpusets are left out. NULL when there is no pin. */
fl_cputune *fl_cputune_parse(const xml_node *cputune, unsigned vcpus);
/* Writes "  <cputune>...</cputune>\n" when t has a pin. */
void fl_cputune_format(xml_buf *b, const fl_cputune *t);

/* Sets *mask to a copy of data (len bytes). Returns 0 or -1 (out of memory). */
int fl_cpumask_set(fl_cpumask *mask, const unsigned char *data, unsigned len);
/* Pins vcpu of a definition whose maximum is vcpus (grows t as needed). 0 or -1 (memory). */
int fl_cputune_pin_vcpu(fl_cputune **t, unsigned vcpu, const unsigned char *data, unsigned len);
/* Pins IOThread id (replacing its pin), or drops its pin (unpin). 0 or -1 (memory). */
int fl_cputune_pin_iothread(fl_cputune **t, unsigned id, const unsigned char *data, unsigned len);
void fl_cputune_unpin_iothread(fl_cputune *t, unsigned id);
/* The pin of IOThread id, or NULL. */
const fl_cpumask *fl_cputune_iothread(const fl_cputune *t, unsigned id);
/* Drops the vcpu pins at or beyond vcpus (the maximum went down). */
void fl_cputune_truncate(fl_cputune *t, unsigned vcpus);
/* The pin of vcpu, or NULL. */
const fl_cpumask *fl_cputune_vcpu(const fl_cputune *t, unsigned vcpu);

/* Copies mask into buf of maplen bytes (zero-filled beyond it); a NULL or unset mask means all
 * of hostcpus CPUs. */
void fl_cpumask_to_buf(const fl_cpumask *mask, unsigned hostcpus, unsigned char *buf,
                       unsigned maplen);
/* The highest CPU in mask (all hostcpus when unset), -1 when empty. */
int fl_cpumask_last(const fl_cpumask *mask, unsigned hostcpus);
bool fl_cpumask_is_clear(const unsigned char *data, unsigned len);

/* virBitmapParse of a libvirt cpuset or nodeset ("0-3,^2,5") into mask: 0, or -1 when
 * malformed or empty (or out of memory). */
int fl_cpuset_parse(const char *s, fl_cpumask *mask);
/* virBitmapFormat: ranges "0-3,5". */
void fl_cpuset_format(xml_buf *b, const fl_cpumask *m);

#endif
