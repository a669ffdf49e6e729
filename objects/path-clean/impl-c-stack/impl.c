/* impl.c - an implementation of the pg interface path::clean
 *
 * Fill in the functions below; clean.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "clean.h"

#include <string.h>

/* one element of the path: a slice of the argument */
typedef struct elem {
	const char *ptr;
	size_t len;
} elem;

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
	/* The textbook way, in three steps: split the path at its slashes,
	 * push each element on a stack (.. pops one, unless there is nothing
	 * to pop), then join the stack.  Two passes over the path and an
	 * array of slices: simpler to check than the single pass, and more
	 * work. */
	const char *p = path.ptr;
	size_t n = path.len, top = 0;
	bool rooted = n > 0 && p[0] == '/';
	elem *stack = pg_alloc_n(n / 2 + 1, sizeof(*stack)); /* elements are at most (n+1)/2 */

	/* 1. split and push */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		elem e = { p + i, j - i };
		i = j + 1;
		if (e.len == 0 || (e.len == 1 && e.ptr[0] == '.'))
			continue;                       /* empty or . */
		if (e.len == 2 && e.ptr[0] == '.' && e.ptr[1] == '.') {
			bool top_is_dotdot = top > 0 && stack[top - 1].len == 2 &&
				!memcmp(stack[top - 1].ptr, "..", 2);
			if (top > 0 && !top_is_dotdot)
				top--;                  /* .. cancels the element before it */
			else if (!rooted)
				stack[top++] = e;       /* a leading .. of a relative path */
			continue;                       /* /.. is / */
		}
		stack[top++] = e;
	}

	/* 2. measure, 3. join */
	size_t len = rooted;
	for (size_t k = 0; k < top; k++)
		len += stack[k].len + (k > 0);
	if (len == 0)
		return pg_cstr(".");
	char *out = pg_alloc(len), *q = out;
	if (rooted)
		*q++ = '/';
	for (size_t k = 0; k < top; k++) {
		if (k > 0)
			*q++ = '/';
		memcpy(q, stack[k].ptr, stack[k].len);
		q += stack[k].len;
	}
	return (pg_str){ out, len };
}
