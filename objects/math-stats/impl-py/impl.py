# impl.py - an implementation of the pg interface math::stats
#
# Fill in the functions below; stats.py has the types and says how values
# are passed.  Raise an exception to refuse an input.
import math
import sys

from stats import serve


def mean(values: list[float]) -> float | None:
    # The arithmetic mean of values; None for an empty list.
    return math.fsum(values) / len(values) if values else None


def median(values: list[float]) -> float | None:
    # The median: the middle value of the sorted list, or the mean of the
    # two middle values when the count is even; None for an empty list.
    if not values:
        return None
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def count_above(values: list[float], threshold: float) -> int:
    # How many values are strictly greater than threshold.
    return sum(1 for x in values if x > threshold)


if __name__ == "__main__":
    serve(sys.modules[__name__])
