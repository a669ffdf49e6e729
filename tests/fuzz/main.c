/* main.c - run a fuzz target without libFuzzer: replay inputs, then mutate them
 *
 *     fuzz_NAME [-v] [-n MUTANTS] [-s SEED] [-t SECONDS] [-o DIR] PATH...
 *
 * Each PATH is a file, or a directory whose files (not its subdirectories)
 * are read in name order.  Every input is run once; -v prints a line for
 * each, "accept PATH" or "refuse PATH: message".  Then -n runs that many
 * mutants of them (flipped, cut, repeated and spliced bytes), the same
 * mutants for the same -s on every machine, so a failure can be replayed.
 * The last line counts: "fuzz_NAME: N inputs, A accepted, R refused".
 *
 * A target that crashes, trips a sanitizer, breaks one of its checks or
 * runs longer than -t seconds (default 10) on one input leaves that input
 * in DIR (-o, default .) as crash-NAME-K, says so on stderr, and the
 * driver exits non-zero.  This is what `make test` runs, in the plain and
 * the sanitizer build; `make fuzz` builds the same targets with libFuzzer
 * for open-ended runs (tests/fuzz/run).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

extern int fuzz_outcome;
extern char fuzz_message[512];

/* The sanitizers' hook for "about to die"; absent from a plain build. */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));
/* A target's one-time setup, if it has one (libFuzzer's convention). */
extern int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define INPUT_MAX (1u << 20)

static const char *name = "fuzz";
static const char *outdir = ".";
static unsigned timeout_s = 10;
static const uint8_t *cur;      /* the input being run */
static size_t cur_len;
static const char *cur_from;    /* its file, or NULL for a mutant */
static unsigned long cur_k;

static void put(int fd, const char *s)
{
	ssize_t r = write(fd, s, strlen(s));
	(void)r;
}

/* On the way down: keep the input that did it.  Async-signal-safe. */
static void save_input(void)
{
	static volatile sig_atomic_t once;
	char path[4096], num[24];
	size_t i = sizeof(num) - 1;
	if (once || !cur)
		return;
	once = 1;
	num[i] = '\0';
	unsigned long k = cur_k;
	do
		num[--i] = (char)('0' + k % 10);
	while ((k /= 10) && i > 0);
	if (strlen(outdir) + strlen(name) + 40 > sizeof(path))
		return;
	strcpy(path, outdir);
	strcat(path, "/crash-");
	strcat(path, name);
	strcat(path, "-");
	strcat(path, num + i);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		for (size_t off = 0; off < cur_len;) {
			ssize_t w = write(fd, cur + off, cur_len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(fd);
	}
	put(2, "fuzz: ");
	put(2, name);
	put(2, ": failed on ");
	put(2, cur_from ? cur_from : "a mutant");
	put(2, fd >= 0 ? "; the input is in " : "; cannot save the input to ");
	put(2, path);
	put(2, "\n");
}

static void on_signal(int sig)
{
	if (sig == SIGALRM)
		put(2, "fuzz: an input ran longer than the time limit\n");
	save_input();
	signal(sig, SIG_DFL);
	if (sig == SIGALRM)
		_exit(70);
	raise(sig);
}

static void run(const uint8_t *data, size_t len, const char *from, unsigned long k, int verbose,
		unsigned long counts[3])
{
	/* a private copy, so reading past the end is the sanitizer's to see */
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, data, len);
	cur = copy, cur_len = len, cur_from = from, cur_k = k;
	fuzz_outcome = 0;
	fuzz_message[0] = '\0';
	pg_error_clear();
	alarm(timeout_s);
	LLVMFuzzerTestOneInput(copy, len);
	alarm(0);
	counts[fuzz_outcome + 1]++;
	if (verbose && from) {
		if (fuzz_outcome > 0)
			printf("accept %s\n", from);
		else if (fuzz_outcome < 0)
			printf("refuse %s: %s\n", from, fuzz_message);
		else
			printf("neither %s\n", from);
		fflush(stdout);
	}
	cur = NULL;
	free(copy);
}

struct input {
	char *path;
	uint8_t *data;
	size_t len;
};

static int read_input(struct input *in, const char *path)
{
	pg_buf b = PG_BUF_INIT;
	if (pg_read_file(&b, path, INPUT_MAX) < 0) {
		fprintf(stderr, "fuzz: %s\n", pg_error_last());
		return -1;
	}
	in->path = pg_strdup(path);
	in->len = b.len;
	in->data = b.len ? (uint8_t *)pg_buf_detach(&b) : pg_calloc(1, 1);
	pg_buf_free(&b);
	return 0;
}

static int add_path(pg_vec *v, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "fuzz: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return read_input(pg_vec_push(v), path);
	char **names;
	size_t n;
	if (pg_dir_list(&names, &n, path) < 0) {
		fprintf(stderr, "fuzz: %s\n", pg_error_last());
		return -1;
	}
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		char *p = pg_path_join(path, names[i]);
		if (names[i][0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
			err = read_input(pg_vec_push(v), p);
		free(p);
	}
	pg_dir_list_free(names, n);
	return err;
}

/* --- mutation: a small deterministic mutator -------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static size_t below(uint64_t *s, size_t n)
{
	return n ? (size_t)(rnd(s) % n) : 0;
}

static void insert(pg_buf *b, size_t at, const void *p, size_t n)
{
	if (b->len + n > INPUT_MAX)
		return;
	pg_buf_grow(b, n);
	memmove(b->ptr + at + n, b->ptr + at, b->len - at);
	memcpy(b->ptr + at, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

static void cut(pg_buf *b, size_t at, size_t n)
{
	memmove(b->ptr + at, b->ptr + at + n, b->len - at - n);
	b->len -= n;
	b->ptr[b->len] = '\0';
}

/* Bytes and words that parsers treat specially. */
static const char special[] = "\0\n\r \t:-\"'{}[](),#&*!|>%@`\\/.019<>;=~_\x7f\x80\xc3\xff";
static const char *const words[] = {
	"0", "-1", "-0", "1e308", "-1e308", "1e-320", "nan", ".nan", "inf", "-.inf", "NaN", "Infinity",
	"127", "128", "255", "256", "-129", "32768", "65536", "2147483648", "4294967296", "-2147483649",
	"9007199254740993", "9223372036854775807", "9223372036854775808", "18446744073709551615",
	"18446744073709551616", "99999999999999999999", "null", "~", "true", "false", "\"\"", "[]", "{}",
	"&a", "*a", "!!str", "- ", ": ", "? ", "---\n", "...\n", "\\u0000", "\xf0\x9f\x98\x80", "\xed\xa0\x80",
	"\x1b[31m", "../", "/", "//", "./", "\xc2\x85", "0x", "0x7fffffff", "1_000",
};

static void mutate_once(pg_buf *b, const struct input *in, size_t nin, uint64_t *s)
{
	size_t at = below(s, b->len + 1), n;
	switch (below(s, 10)) {
	case 0: /* flip a bit */
		if (b->len)
			b->ptr[below(s, b->len)] ^= (char)(1u << below(s, 8));
		break;
	case 1: /* a random byte */
		if (b->len)
			b->ptr[below(s, b->len)] = (char)rnd(s);
		break;
	case 2: /* a special byte, in place or inserted */
		if (b->len && below(s, 2))
			b->ptr[below(s, b->len)] = special[below(s, sizeof(special) - 1)];
		else
			insert(b, at, &special[below(s, sizeof(special) - 1)], 1);
		break;
	case 3: /* cut a range */
		n = 1 + below(s, below(s, 2) ? 8 : b->len - at + 1);
		if (at + n <= b->len)
			cut(b, at, n);
		break;
	case 4: { /* repeat a range of itself somewhere */
		if (!b->len)
			break;
		size_t from = below(s, b->len);
		n = 1 + below(s, b->len - from < 64 ? b->len - from : 64);
		char tmp[64];
		memcpy(tmp, b->ptr + from, n);
		insert(b, at, tmp, n);
		break;
	}
	case 5: { /* a special word */
		const char *w = words[below(s, sizeof(words) / sizeof(*words))];
		insert(b, at, w, strlen(w));
		break;
	}
	case 6: { /* replace a number with a special word */
		size_t i = at;
		while (i < b->len && !(b->ptr[i] >= '0' && b->ptr[i] <= '9'))
			i++;
		size_t j = i;
		while (j < b->len && ((b->ptr[j] >= '0' && b->ptr[j] <= '9') || b->ptr[j] == '.'))
			j++;
		if (i < b->len) {
			const char *w = words[below(s, 27)];
			cut(b, i, j - i);
			insert(b, i, w, strlen(w));
		}
		break;
	}
	case 7: { /* splice in a range of another input */
		const struct input *o = &in[below(s, nin)];
		if (!o->len)
			break;
		size_t from = below(s, o->len);
		n = 1 + below(s, o->len - from);
		if (n > 4096)
			n = 4096;
		insert(b, at, o->data + from, n);
		break;
	}
	case 8: /* truncate */
		if (b->len) {
			b->len = below(s, b->len);
			b->ptr[b->len] = '\0';
		}
		break;
	default: { /* a few random bytes */
		char r[8];
		n = 1 + below(s, sizeof(r));
		for (size_t i = 0; i < n; i++)
			r[i] = (char)rnd(s);
		insert(b, at, r, n);
		break;
	}
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: %s [-v] [-n MUTANTS] [-s SEED] [-t SECONDS] [-o DIR] PATH...\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long mutants = 0, counts[3] = { 0, 0, 0 };
	uint64_t seed = 1;
	int verbose = 0, c;
	const char *slash = strrchr(argv[0], '/');
	name = slash ? slash + 1 : argv[0];
	if (!strncmp(name, "fuzz_", 5))
		name += 5;
	while ((c = getopt(argc, argv, "vn:s:t:o:")) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 'n':
			mutants = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 't':
			timeout_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			outdir = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind == argc)
		return usage();
	pg_vec v = PG_VEC_INIT(sizeof(struct input));
	for (int i = optind; i < argc; i++)
		if (add_path(&v, argv[i]) < 0)
			return 2;
	struct input *in = v.p;
	if (!v.n) {
		fprintf(stderr, "fuzz: no inputs\n");
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(save_input);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);

	unsigned long k = 0;
	for (size_t i = 0; i < v.n; i++)
		run(in[i].data, in[i].len, in[i].path, k++, verbose, counts);

	/* each mutant starts from an input and takes 1 to 8 mutations; the
	 * seed is never 0, where xorshift would stay */
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
	pg_buf b = PG_BUF_INIT;
	for (unsigned long m = 0; m < mutants; m++) {
		const struct input *from = &in[m % v.n];
		pg_buf_clear(&b);
		pg_buf_put(&b, from->data, from->len);
		for (size_t j = 1 + below(&s, 8); j > 0; j--)
			mutate_once(&b, in, v.n, &s);
		run((const uint8_t *)(b.len ? b.ptr : ""), b.len, NULL, k++, 0, counts);
	}
	pg_buf_free(&b);

	printf("fuzz_%s: %lu inputs, %lu accepted, %lu refused\n", name, k, counts[2], counts[0]);
	for (size_t i = 0; i < v.n; i++) {
		free(in[i].path);
		free(in[i].data);
	}
	free(v.p);
	return 0;
}
