# impl.py - an implementation of the pg interface codec::base64
#
# Fill in the functions below; base64_.py has the types and says how values
# are passed.  Raise an exception to refuse an input.
#
# Pure Python, on purpose without the base64 and binascii modules: an
# independent implementation, so that the majority that judges the
# spec's random cases is not the C code twice.
import sys

from base64_ import serve

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
VALUE = {c: i for i, c in enumerate(ALPHABET)}


def encode(data: bytes) -> str:
    # The base64 text of data: 4 characters for every 3 bytes, the last
    # group padded with = to 4 characters; "" for no bytes.
    out = []
    for i in range(0, len(data), 3):
        group = data[i:i + 3]
        v = int.from_bytes(group.ljust(3, b"\0"), "big")
        chars = [ALPHABET[v >> 18 & 63], ALPHABET[v >> 12 & 63],
                 ALPHABET[v >> 6 & 63], ALPHABET[v & 63]]
        for k in range(len(group) + 1, 4):
            chars[k] = "="
        out.append("".join(chars))
    return "".join(out)


def decode(text: str) -> bytes | None:
    # The bytes whose encode is text; None unless text is exactly what encode
    # would give for some bytes: a length that is a multiple of 4, only
    # characters of the alphabet, = only as the last one or two characters,
    # and the bits a padded group leaves unused all 0.  No whitespace, no
    # line breaks, no URL-safe alphabet.
    if len(text) % 4:
        return None
    pad = len(text) - len(text.rstrip("="))
    if pad > 2:
        return None
    out = bytearray()
    for i in range(0, len(text), 4):
        group = text[i:i + 4]
        if i + 4 == len(text) and pad:
            group = group[:4 - pad]
        v = 0
        for c in group:
            x = VALUE.get(c)
            if x is None:  # outside the alphabet, a = inside the text too
                return None
            v = v << 6 | x
        v <<= 6 * (4 - len(group))
        nbytes = len(group) - 1
        if v & (1 << 8 * (3 - nbytes)) - 1:
            return None  # bits no byte takes are not 0
        out += (v >> 8 * (3 - nbytes)).to_bytes(nbytes, "big")
    return bytes(out)


if __name__ == "__main__":
    serve(sys.modules[__name__])
