# impl.py - an implementation of the pg interface checksum::crc32
#
# Fill in the functions below; crc32.py has the types and says how values
# are passed.  Raise an exception to refuse an input.
import sys

from crc32 import serve


def _make_table() -> list[int]:
    # _TABLE[b] is what the byte b does to the register: eight steps of
    # shift right, xoring in the polynomial when a 1 is shifted out.
    table = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _make_table()


def crc32(data: bytes) -> int:
    # The CRC-32 of data (IEEE 802.3): the reflected polynomial 0xEDB88320,
    # the register started at 0xFFFFFFFF and the result xored with
    # 0xFFFFFFFF, as zlib's crc32(0, data, len).  Empty data gives 0;
    # "123456789" gives 0xCBF43926.
    # A byte at a time by table, in pure Python (not zlib: an answer of
    # its own).
    table = _TABLE
    crc = 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


if __name__ == "__main__":
    serve(sys.modules[__name__])
