/* pthreads as the capture core's workers (see host_workers.h). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/host_workers.h"

/* Polls before sleeping, about 0.3-1 ms: the caller's serial step between two
 * runs (placing pages, the filter's next piece) often takes longer than
 * 20 us, and a futex wake per run cost 40 % of the wall time at -d 31. */
#define SPINS	400000

struct pool {
	struct workers w;		/* first: the workers are the pool */
	pthread_mutex_t lock;
	pthread_cond_t start, done;
	atomic_uint gen;		/* bumped for each run, and to stop */
	atomic_uint pending;		/* threads still in fn */
	int stop;
	void (*fn)(void *arg, unsigned k);
	void *arg;
	unsigned nthreads;
	pthread_t *th;
	struct slot { struct pool *p; unsigned k; } *slots;
};

static unsigned wait_gen(struct pool *p, unsigned seen)
{
	unsigned g;

	for (int i = 0; i < SPINS; i++)
		if ((g = atomic_load(&p->gen)) != seen)
			return g;
	pthread_mutex_lock(&p->lock);
	while ((g = atomic_load(&p->gen)) == seen)
		pthread_cond_wait(&p->start, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return g;
}

static void *worker_main(void *arg)
{
	struct slot *s = arg;
	struct pool *p = s->p;
	unsigned seen = 0;

	for (;;) {
		seen = wait_gen(p, seen);
		if (p->stop)
			return NULL;
		p->fn(p->arg, s->k);
		if (atomic_fetch_sub(&p->pending, 1) == 1) {
			pthread_mutex_lock(&p->lock);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->lock);
		}
	}
}

static void kick(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	atomic_fetch_add(&p->gen, 1);
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->lock);
}

/* Threads do not hang in a pure function: no timeout needed on the host. */
static int pool_run(const struct workers *w, void (*fn)(void *arg, unsigned k), void *arg)
{
	struct pool *p = (struct pool *)w;
	int i;

	p->fn = fn;
	p->arg = arg;
	atomic_store(&p->pending, p->nthreads);
	kick(p);
	fn(arg, 0);
	for (i = 0; i < SPINS && atomic_load(&p->pending); i++)
		;
	if (atomic_load(&p->pending)) {
		pthread_mutex_lock(&p->lock);
		while (atomic_load(&p->pending))
			pthread_cond_wait(&p->done, &p->lock);
		pthread_mutex_unlock(&p->lock);
	}
	return 0;
}

const struct workers *host_workers_start(unsigned n)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->w.n = n ? n : 1;
	p->w.run = pool_run;
	p->nthreads = p->w.n - 1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->start, NULL);
	pthread_cond_init(&p->done, NULL);
	p->th = calloc(p->nthreads + 1, sizeof(*p->th));
	p->slots = calloc(p->nthreads + 1, sizeof(*p->slots));
	if (!p->th || !p->slots) {
		fprintf(stderr, "dumpling: out of memory for %u threads\n", p->w.n);
		p->nthreads = 0;
		host_workers_stop(&p->w);
		return NULL;
	}
	for (unsigned k = 1; k <= p->nthreads; k++) {
		int e;

		p->slots[k] = (struct slot){ p, k };
		e = pthread_create(&p->th[k], NULL, worker_main, &p->slots[k]);
		if (e) {
			fprintf(stderr, "dumpling: cannot start thread %u of %u: %s\n", k + 1,
				p->w.n, strerror(e));
			p->nthreads = k - 1;
			host_workers_stop(&p->w);
			return NULL;
		}
	}
	return &p->w;
}

void host_workers_stop(const struct workers *w)
{
	struct pool *p = (struct pool *)w;

	if (!p)
		return;
	p->stop = 1;
	kick(p);
	for (unsigned k = 1; k <= p->nthreads; k++)
		pthread_join(p->th[k], NULL);
	pthread_cond_destroy(&p->start);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p->th);
	free(p->slots);
	free(p);
}

unsigned host_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && (n = CPU_COUNT(&set)) > 0)
		return (unsigned)n;
	return 1;
}
