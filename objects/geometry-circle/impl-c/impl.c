/* impl.c - an implementation of the pg interface geometry::circle
 *
 * Fill in the functions below; circle.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "circle.h"

/* Returns whether or not the given circle intersects this one:
 * true when the two closed discs share at least one point, so circles
 * that touch at a single point intersect, and so does a circle with
 * itself. */
bool Circle_intersects_circle(const Circle *self, Circle b)
{
	/* closed discs: they meet when the centers are at most r1 + r2 apart;
	 * squares keep it exact for the integers and halves specs like to use */
	double dx = self->center._0 - b.center._0, dy = self->center._1 - b.center._1;
	double r = self->radius + b.radius;
	if (self->radius < 0 || b.radius < 0)
		pg_fail("a radius must not be negative");
	return dx * dx + dy * dy <= r * r;
}
