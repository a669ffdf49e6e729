/* crypto_rate.c - raw libsodium rates on one core, the ceiling for pg fsck and pg publish
 *
 * usage: crypto_rate [N [SIZE]]      (default N = 10000 objects of SIZE = 300 bytes)
 *
 * For N messages of SIZE bytes, shaped like pg objects, it times:
 *   hash         BLAKE2b-256 (crypto_generichash, 32-byte output) alone
 *   hash+verify  BLAKE2b-256 + Ed25519 crypto_sign_verify_detached   (what fsck must do)
 *   sign+hash    Ed25519 crypto_sign_detached + BLAKE2b-256          (what publish must do)
 * and prints one line per measure:  NAME OBJECTS SECONDS OBJECTS_PER_SECOND
 * Single-threaded: libsodium does not spawn threads.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile unsigned char sink; /* keeps the hashes from being optimized away */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *name, size_t n, double secs)
{
	printf("%-12s %zu %.6f %.1f\n", name, n, secs, (double)n / secs);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 10) : 300;
	if (n == 0 || size < 16 || size > 1 << 20) {
		fprintf(stderr, "usage: crypto_rate [N [SIZE]]\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "crypto_rate: sodium_init failed\n");
		return 1;
	}

	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(pk, sk);

	/* N distinct messages that look like pg objects: text with a counter */
	unsigned char *msg = malloc(n * size);
	unsigned char *sig = malloc(n * crypto_sign_BYTES);
	if (!msg || !sig) {
		fprintf(stderr, "crypto_rate: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char *m = msg + i * size;
		for (size_t j = 0; j < size; j++)
			m[j] = (unsigned char)('a' + (j * 7 + i) % 26);
		snprintf((char *)m, size, "pg 1\ntype interface\nname bench::obj%05zu\n", i);
	}

	unsigned char h[32], acc = 0;
	double t;

	/* warm up caches and the CPU clock */
	for (size_t i = 0; i < (n < 200 ? n : 200); i++)
		crypto_sign_detached(sig, NULL, msg, size, sk);

	t = now();
	for (size_t i = 0; i < n; i++) {
		crypto_generichash(h, sizeof h, msg + i * size, size, NULL, 0);
		acc ^= h[0];
	}
	report("hash", n, now() - t);

	t = now();
	for (size_t i = 0; i < n; i++) {
		crypto_sign_detached(sig + i * crypto_sign_BYTES, NULL, msg + i * size, size, sk);
		crypto_generichash(h, sizeof h, msg + i * size, size, NULL, 0);
		acc ^= h[0];
	}
	report("sign+hash", n, now() - t);

	size_t bad = 0;
	t = now();
	for (size_t i = 0; i < n; i++) {
		crypto_generichash(h, sizeof h, msg + i * size, size, NULL, 0);
		acc ^= h[0];
		if (crypto_sign_verify_detached(sig + i * crypto_sign_BYTES, msg + i * size, size, pk) != 0)
			bad++;
	}
	report("hash+verify", n, now() - t);

	sink = acc;
	free(msg);
	free(sig);
	if (bad) {
		fprintf(stderr, "crypto_rate: %zu signatures did not verify\n", bad);
		return 1;
	}
	return 0;
}
