/* impl.c - an implementation of the pg interface path::clean
 *
 * Fill in the functions below; clean.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "clean.h"

#include <string.h>

/* The shortest path that names the same file as path, by these rules,
 * applied until nothing changes:
 *   1. replace multiple slashes by one;
 *   2. eliminate each . element (the current directory);
 *   3. eliminate each inner .. element (the parent directory) and the
 *      non-.. element before it;
 *   4. eliminate .. elements that begin a rooted path: /.. becomes /;
 *   5. keep the leading .. elements of a relative path.
 * The result has no trailing slash unless it is "/", and the empty
 * result is ".".  Only "/" and "." are special: every other character,
 * U+0000 and multi-byte ones included, is part of an element, and an
 * element such as "..." or ".a" is an ordinary name. */
pg_str clean(pg_str path)
{
	/* cleanname's single pass, as Go's path.Clean writes it: r reads the
	 * path, w writes the result, which is never longer than the path
	 * (but for "" -> "."), and dotdot is where a .. can no longer back
	 * up: after the root, or after the leading ..s of a relative path.
	 * The argument is the runtime's and const, so the pass writes into
	 * a new buffer instead of over its input. */
	const char *p = path.ptr;
	size_t n = path.len, r = 0, w = 0, dotdot = 0;
	char *out = pg_alloc(n + 1);
	bool rooted = n > 0 && p[0] == '/';

	if (rooted)
		out[w++] = '/', r = dotdot = 1;
	while (r < n) {
		if (p[r] == '/') {
			r++;                            /* empty element */
		} else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
			r++;                            /* . element */
		} else if (p[r] == '.' && r + 1 < n && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
			r += 2;                         /* .. element */
			if (w > dotdot) {
				/* back up over the last element */
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				/* a leading .. of a relative path stays */
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}                               /* else /.. is / */
		} else {
			/* a real element: copy it up to the next slash */
			const char *end = memchr(p + r, '/', n - r);
			size_t k = end ? (size_t)(end - (p + r)) : n - r;
			if (w != (rooted ? 1u : 0u))
				out[w++] = '/';
			memcpy(out + w, p + r, k);
			w += k, r += k;
		}
	}
	if (w == 0)
		out[w++] = '.';
	return (pg_str){ out, w };
}
