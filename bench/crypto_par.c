/* crypto_par.c - the cryptography a store's contents need, on T threads: the reference of pg fsck, clone and publish
 *
 * usage: crypto_par sign|verify THREADS < SIZES
 *
 * For bench/scale.sh.  SIZES has one line per item of a store, as
 * scale.sh lists them from git (rev-list --objects | cat-file --batch-check):
 *
 *   o SIZE    an object (o/xx/<id>): signed, and hashed for its id
 *   m SIZE    a log entry's manifest (a commit; SIZE is the commit's, a
 *             little more than the manifest): signed, and hashed for the
 *             next entry's prev
 *   p SIZE    a payload (p/xx/<id>): hashed for its id
 *
 * For every item it makes a message of that size shaped like a pg object
 * (text lines), and then, timed, on THREADS threads (items dealt out
 * round-robin):
 *   verify   BLAKE2b-256 + Ed25519 crypto_sign_verify_detached of each
 *            object and manifest, BLAKE2b-256 of each payload: what pg fsck
 *            and sync must do at the least (docs/format.md 2.5, 7.3);
 *   sign     Ed25519 crypto_sign_detached + BLAKE2b-256 of each object and
 *            manifest, BLAKE2b-256 of each payload: what pg publish must do.
 * The signatures verify was given are made first, untimed.  It prints one
 * line:  MODE THREADS SIGNATURES HASHED-BYTES SECONDS SIGNATURES-PER-SECOND
 * and exits 1 if a signature does not verify (it cannot measure), 2 on a
 * usage error.
 *
 * Built by scale.sh:  cc -O2 -std=c11 -pthread -o crypto_par crypto_par.c $(pkg-config --cflags --libs libsodium)
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIZE_MAX_ITEM (64u << 20)

struct item {
	char kind; /* 'o', 'm' or 'p' */
	size_t size;
	unsigned char *msg;
	unsigned char sig[crypto_sign_BYTES];
};

static struct item *items;
static size_t nitems;
static int signing;
static unsigned nthreads;
static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

struct work {
	unsigned t;
	size_t bad;
	unsigned char acc;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct work *w = arg;
	unsigned char h[32];
	for (size_t i = w->t; i < nitems; i += nthreads) {
		struct item *it = &items[i];
		if (it->kind != 'p') {
			if (signing)
				crypto_sign_detached(it->sig, NULL, it->msg, it->size, sk);
			else if (crypto_sign_verify_detached(it->sig, it->msg, it->size, pk) != 0)
				w->bad++;
		}
		crypto_generichash(h, sizeof(h), it->msg, it->size, NULL, 0);
		w->acc ^= h[0];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "sign") && strcmp(argv[1], "verify")) || atoi(argv[2]) < 1 ||
	    atoi(argv[2]) > 1024) {
		fprintf(stderr, "usage: crypto_par sign|verify THREADS < SIZES\n");
		return 2;
	}
	signing = !strcmp(argv[1], "sign");
	nthreads = (unsigned)atoi(argv[2]);
	if (sodium_init() < 0) {
		fprintf(stderr, "crypto_par: sodium_init failed\n");
		return 1;
	}
	crypto_sign_keypair(pk, sk);

	char kind;
	size_t size, cap = 0, nsig = 0, bytes = 0;
	while (scanf(" %c %zu", &kind, &size) == 2) {
		if ((kind != 'o' && kind != 'm' && kind != 'p') || size < 1 || size > SIZE_MAX_ITEM) {
			fprintf(stderr, "crypto_par: bad line: %c %zu\n", kind, size);
			return 2;
		}
		if (nitems == cap) {
			cap = cap ? 2 * cap : 1024;
			items = realloc(items, cap * sizeof(*items));
		}
		struct item *it = &items[nitems];
		it->kind = kind;
		it->size = size;
		it->msg = malloc(size);
		if (!items || !it->msg) {
			fprintf(stderr, "crypto_par: out of memory\n");
			return 1;
		}
		/* text lines like an object's, different in every item */
		for (size_t j = 0; j < size; j++)
			it->msg[j] = (unsigned char)((j + 1) % 72 == 0 ? '\n' : 'a' + (j * 7 + nitems) % 26);
		snprintf((char *)it->msg, size, "pg 1\ntype result\nitem %zu\n", nitems);
		if (kind != 'p') {
			if (!signing)
				crypto_sign_detached(it->sig, NULL, it->msg, size, sk);
			nsig++;
		}
		bytes += size;
		nitems++;
	}
	if (!nitems) {
		fprintf(stderr, "crypto_par: no sizes on stdin\n");
		return 2;
	}

	pthread_t *th = calloc(nthreads, sizeof(*th));
	struct work *w = calloc(nthreads, sizeof(*w));
	double t0 = now();
	for (unsigned t = 0; t < nthreads; t++) {
		w[t].t = t;
		if (pthread_create(&th[t], NULL, run, &w[t]) != 0) {
			fprintf(stderr, "crypto_par: cannot start a thread\n");
			return 1;
		}
	}
	size_t bad = 0;
	for (unsigned t = 0; t < nthreads; t++) {
		pthread_join(th[t], NULL);
		bad += w[t].bad;
	}
	double secs = now() - t0;
	printf("%s %u %zu %zu %.6f %.1f\n", argv[1], nthreads, nsig, bytes, secs, (double)nsig / secs);
	if (bad) {
		fprintf(stderr, "crypto_par: %zu signatures did not verify\n", bad);
		return 1;
	}
	for (size_t i = 0; i < nitems; i++)
		free(items[i].msg);
	free(items);
	free(th);
	free(w);
	return 0;
}
