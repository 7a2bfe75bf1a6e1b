/* vcpu_threads.c: idle vCPU threads with their kernel thread ids (vcpu_threads.h). */
#include "vcpu_threads.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VCPU_STACK (64 * 1024)      /* the threads only wait */

struct fq_vcpu_threads {
    unsigned n, started;
    pthread_t *threads;
    pid_t *tids;
    pthread_mutex_t lock;
    pthread_cond_t ready;
};

typedef struct {
    fq_vcpu_threads *t;
    unsigned index;
} vcpu_arg;

static void *vcpu_main(void *p)
{
    vcpu_arg a = *(vcpu_arg *)p;
    free(p);
    pthread_mutex_lock(&a.t->lock);
    a.t->tids[a.index] = (pid_t)syscall(SYS_gettid);
    a.t->started++;
    pthread_cond_signal(&a.t->ready);
    pthread_mutex_unlock(&a.t->lock);
    for (;;)
        pause();                    /* a cancellation point: fq_vcpu_threads_stop ends it */
    return NULL;
}

fq_vcpu_threads *fq_vcpu_threads_start(unsigned n)
{
    fq_vcpu_threads *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->threads = calloc(n ? n : 1, sizeof(*t->threads));
    t->tids = calloc(n ? n : 1, sizeof(*t->tids));
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->ready, NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, VCPU_STACK);
    /* the threads take no signals: SIGTERM and the rest stay the main loop's (signalfd) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 0; t->threads && t->tids && i < n; i++) {
        vcpu_arg *a = malloc(sizeof(*a));
        if (!a)
            break;
        *a = (vcpu_arg){ t, i };
        if (pthread_create(&t->threads[i], &attr, vcpu_main, a) != 0) {
            free(a);
            break;
        }
        t->n++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    pthread_mutex_lock(&t->lock);
    while (t->started < t->n)
        pthread_cond_wait(&t->ready, &t->lock);
    pthread_mutex_unlock(&t->lock);
    if (t->n < n) {
        fq_vcpu_threads_stop(t);
        return NULL;
    }
    return t;
}

pid_t fq_vcpu_threads_tid(const fq_vcpu_threads *t, unsigned i)
{
    return t && i < t->n ? t->tids[i] : getpid();
}

void fq_vcpu_threads_stop(fq_vcpu_threads *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < t->n; i++) {
        pthread_cancel(t->threads[i]);
        pthread_join(t->threads[i], NULL);
    }
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->ready);
    free(t->threads);
    free(t->tids);
    free(t);
}
