# nul.sh - U+0000 is an ordinary character of an element.  cases.yaml
# cannot hold U+0000 (pg refuses it in a YAML value), so this script sends
# the requests by hand (docs/wire.md) and reads the answers, in TAP.
# An implementation that stops at the first NUL, as a C string would,
# fails: "a<NUL>/../b" would look like "a".
echo 1..3
answers=$(printf '%s\n' \
	'{"id":1,"call":"clean","args":["a\u0000/../b"]}' \
	'{"id":2,"call":"clean","args":["/x/\u0000y/../../z/."]}' \
	'{"id":3,"call":"clean","args":["a//\u0000/./"]}' | sh -c "$PG_IMPL")
check() { # N DESCRIPTION PATTERN: answer N matches PATTERN
	if printf '%s\n' "$answers" | grep -q "^{\"id\": *$1, *\"ok\": *\"$3\" *}$"; then
		printf 'ok %s - %s\n' "$1" "$2"
	else
		printf 'not ok %s - %s\n' "$1" "$2"
		printf '%s\n' "$answers" | sed -n "$1p" | sed 's/^/# got: /'
	fi
}
check 1 'a<NUL>/../b is b' 'b'
check 2 '/x/<NUL>y/../../z/. is /z' '/z'
check 3 'a//<NUL>/./ is a/<NUL>' 'a\/\\u0000'
