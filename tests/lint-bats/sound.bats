#!/usr/bin/env bats
# Assertions that can fail: every one is false, and bats fails every test. scripts/lint-bats.sh must
# report nothing here: not these forms, and not the quoted, here-document, condition and retry-loop
# uses of ! and && in the last test.
bats_require_minimum_version 1.5.0

@test "run ! before the end" {
	run ! true
	true
}

@test "a negated command on the last line" {
	true
	! true
}

@test "an && list on the last line" {
	true
	[ 1 = 2 ] && [ 1 = 1 ]
}

@test "a list whose last operator is ||" {
	[ 1 = 2 ] || [ 2 = 3 ]
	true
}

@test "a negated command with || false" {
	! true || false
	true
}

@test "an && list whose last operator is ||" {
	true && [ 1 = 2 ] || false
	true
}

@test "an && list in a subshell" {
	(false && true)
	true
}

@test "an && list in a command substitution" {
	x=$(false && true)
	true
}

@test "&& inside [[ ]]" {
	[[ 1 = 2 && 1 = 1 ]]
	true
}

@test "quotes, here-documents, conditions and retry loops" {
	sh -c 'false && true; ! true; echo "&&"' > /dev/null
	echo "! not a command && not a list" > /dev/null
	cat > /dev/null <<EOS
! true
false && true
EOS
	cat > /dev/null <<-'EOS'
	! true && true
	EOS
	grep -c x <<<"a && b" > /dev/null || true
	if ! true && false; then echo never; fi
	while ! true && false; do :; done
	for _ in 1 2; do [ -e /nonexistent ] && break; done
	n=$(( 1 && 0 ))
	(( n || 1 ))
	# a comment: ! true && false
	x=$(echo "$(false && true)")
	[ "$x$n" = "never" ]
	true
}
