# impl.py - an implementation of the pg interface geometry::circle
#
# Fill in the functions below; circle.py has the types and says how values
# are passed.  Raise an exception to refuse an input.
import sys

from circle import Circle, serve


def Circle_intersects_circle(self: Circle, b: Circle) -> bool:
    # Returns whether or not the given circle intersects this one:
    # true when the two closed discs share at least one point, so circles
    # that touch at a single point intersect, and so does a circle with
    # itself.
    if self.radius < 0 or b.radius < 0:
        raise ValueError("a radius must not be negative")
    dx = self.center[0] - b.center[0]
    dy = self.center[1] - b.center[1]
    r = self.radius + b.radius
    return dx * dx + dy * dy <= r * r


if __name__ == "__main__":
    serve(sys.modules[__name__])
