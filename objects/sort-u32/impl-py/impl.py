# impl.py - an implementation of the pg interface sort::u32
#
# Fill in the functions below; u32.py has the types and says how values
# are passed.  Raise an exception to refuse an input.
import sys

from u32 import serve


def sort(values: list[int]) -> list[int]:
    # The values in ascending order: equal values are all kept, so the
    # result has the same length as the input and holds the same values.
    return sorted(values)


if __name__ == "__main__":
    serve(sys.modules[__name__])
