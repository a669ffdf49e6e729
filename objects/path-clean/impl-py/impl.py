# impl.py - an implementation of the pg interface path::clean
#
# Fill in the functions below; clean.py has the types and says how values
# are passed.  Raise an exception to refuse an input.
import sys

from clean import serve


def clean(path: str) -> str:
    # The shortest path that names the same file as path, by these rules,
    # applied until nothing changes:
    #   1. replace multiple slashes by one;
    #   2. eliminate each . element (the current directory);
    #   3. eliminate each inner .. element (the parent directory) and the
    #      non-.. element before it;
    #   4. eliminate .. elements that begin a rooted path: /.. becomes /;
    #   5. keep the leading .. elements of a relative path.
    # The result has no trailing slash unless it is "/", and the empty
    # result is ".".  Only "/" and "." are special: every other character,
    # U+0000 and multi-byte ones included, is part of an element, and an
    # element such as "..." or ".a" is an ordinary name.
    rooted = path.startswith("/")
    stack = []
    for e in path.split("/"):
        if e == "" or e == ".":
            continue
        if e == "..":
            if stack and stack[-1] != "..":
                stack.pop()  # .. cancels the element before it
            elif not rooted:
                stack.append(e)  # a leading .. of a relative path stays
            continue  # /.. is /
        stack.append(e)
    s = "/".join(stack)
    if rooted:
        return "/" + s
    return s or "."


if __name__ == "__main__":
    serve(sys.modules[__name__])
