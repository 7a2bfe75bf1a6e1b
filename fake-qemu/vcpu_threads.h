/* vcpu_threads.h: one idle thread per vCPU, as QEMU runs one thread per vCPU: libvirtd reads
 * their ids from query-cpus-fast and their times from /proc/PID/task/TID (domstats vcpu.N.*,
 * vcpuinfo), and takes ids equal to the process id as "no vCPU threads". The threads only
 * wait; they never touch the model (the servers stay single-threaded). */
#ifndef FQ_VCPU_THREADS_H
#define FQ_VCPU_THREADS_H

#include <sys/types.h>

typedef struct fq_vcpu_threads fq_vcpu_threads;

/* n threads; NULL when they cannot be started (the caller then reports the process id). */
fq_vcpu_threads *fq_vcpu_threads_start(unsigned n);
/* The kernel thread id of vCPU i, or the process id past the last thread. */
pid_t fq_vcpu_threads_tid(const fq_vcpu_threads *t, unsigned i);
void fq_vcpu_threads_stop(fq_vcpu_threads *t);

#endif
