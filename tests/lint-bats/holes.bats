#!/usr/bin/env bats
# Assertions that cannot fail: every one is false, yet bats passes every test (bash's errexit ignores
# them). scripts/lint-bats.sh must name each line holes.expected lists.

@test "a negated command before the end" {
	! true
	true
}

@test "an && list before the end" {
	[ 1 = 2 ] && [ 1 = 1 ]
	true
}

@test "a false command inside an && list" {
	true && false && true
	true
}

@test "an && list continued on the next line" {
	false &&
		true
	true
}

@test "an && list in a brace group" {
	{ false && true; }
	true
}

@test "a negated command in a loop's body, even on the last line (only the last round counts)" {
	for x in 1 2; do ! [ "$x" -eq 1 ]; done
}

@test "an && list in a branch" {
	if true; then
		false && true
	fi
	true
}

@test "a negated command after a semicolon" {
	echo one; ! grep -q one <<<"one"
	true
}

@test "an && list after an assertion that can fail" {
	[ 1 = 1 ]
	[ "$(echo a)" = b ] && echo never
	true
}
