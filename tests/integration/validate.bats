#!/usr/bin/env bats
# What people run in CI before a profile ships, and when a container dies with EPERM or SIGSYS:
# check's lints and output formats (golden files), explain and diff (tables of known answers).
bats_require_minimum_version 1.5.0

setup() {
	BIN="$SH_BUILDDIR/seccomp-hook"
	L="$SH_SRCDIR/tests/lint"
	UP="${SH_UPSTREAM:-$SH_BUILDDIR/tests/fixtures}"
	D="$UP/docker-default.json"
	T=$(mktemp -d)
}

teardown() {
	rm -rf "$T"
}

@test "every lint: golden text output, exit 0 as warnings, exit 1 with --strict" {
	cd "$L"
	for f in *.json; do
		n=${f%.json}
		run --separate-stderr "$BIN" check "$f"
		[ "$status" -eq 0 ]
		# shellcheck disable=SC2154 # set by bats' run --separate-stderr
		[ "$stderr" = "$(cat "$n.expected")" ] || { echo "$n: got: $stderr"; false; }
		run --separate-stderr "$BIN" check --strict "$f"
		# --strict fails on warnings; notes alone (af-alg) pass
		if grep -q ': warning: ' "$n.expected"; then [ "$status" -eq 1 ]; else [ "$status" -eq 0 ]; fi
	done
	profiles=(./*.json)
	[ "${#profiles[@]}" -ge 12 ]
	grep -q ': note: ' af-alg.expected
	run ! grep -q ': warning: ' af-alg.expected
}

@test "json and github formats: golden output" {
	cd "$L"
	run --separate-stderr "$BIN" check --format=json open-escape.json
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat open-escape.format-json.out)" ]
	echo "$output" | jq -e '[.[] | select(.code == "open-escape")] | length == 3 and all(.[]; .severity == "warning" and .line > 0)'
	echo "$output" | jq -e '[.[] | select(.code == "io-uring" and .severity == "warning")] | length == 1'
	echo "$output" | jq -e '[.[] | select(.code == "af-alg" and .severity == "note")] | length == 1'
	run --separate-stderr "$BIN" check --format=github open-escape.json
	[ "$output" = "$(cat open-escape.format-github.out)" ]
	run --separate-stderr "$BIN" check --strict --format=github open-escape.json
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "^::error file=open-escape.json,line=4,col=5,title=open-escape::"
}

@test "a syntax error in json format is one finding with its location" {
	cd "$SH_SRCDIR/tests/bad"
	run --separate-stderr "$BIN" check --format=json arg-unknown-op.json
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.[0] | .severity == "error" and .line == 13 and .column == 17 and (.message | contains("SCMP_CMP_FOO"))'
}

@test "Docker's and podman's default profiles: no error-level finding" {
	for p in "$D" "$UP/podman-default.json"; do
		run --separate-stderr "$BIN" check --format=json "$p"
		[ "$status" -eq 0 ]
		echo "$output" | jq -e '[.[] | select(.severity == "error")] | length == 0'
	done
}

explain() { "$BIN" explain "$@" 2>/dev/null | head -n 1 | sed -E 's/^([^:]+:[^-]*) - .*/\1/'; }

@test "explain: known answers on a small profile, for every kind of decision" {
	cat > "$T/p.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
 "syscalls": [
  {"names": ["read", "write", "openat"], "action": "SCMP_ACT_ALLOW", "comment": "basic I/O"},
  {"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"},
  {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
  {"names": ["close"], "action": "SCMP_ACT_TRACE", "errnoRet": 9}]}
JSON
	[ "$(explain "$T/p.json" read)" = "read (SCMP_ARCH_X86_64 #0): SCMP_ACT_ALLOW" ]
	[[ "$("$BIN" explain "$T/p.json" read)" == *"rule syscalls[0] ($T/p.json:4:3): basic I/O"$'\n'"  resolved for: "* ]]
	[ "$(explain "$T/p.json" getppid)" = "getppid (SCMP_ARCH_X86_64 #110): SCMP_ACT_KILL_PROCESS" ]
	[ "$(explain "$T/p.json" close)" = "close (SCMP_ARCH_X86_64 #3): SCMP_ACT_TRACE(9)" ]
	[ "$(explain "$T/p.json" personality 8)" = "personality (SCMP_ARCH_X86_64 #135): SCMP_ACT_ALLOW" ]
	[ "$(explain "$T/p.json" personality 9)" = "personality (SCMP_ARCH_X86_64 #135): SCMP_ACT_ERRNO(1) EPERM" ]
	[[ "$("$BIN" explain "$T/p.json" personality 9)" == *"default action ($T/p.json:1:19)"* ]]
	[[ "$("$BIN" explain "$T/p.json" 300)" == *"SCMP_ACT_ERRNO(38) ENOSYS - ENOSYS: newer than every syscall"* ]]
	[ "$(explain --arch=x86 "$T/p.json" read)" = "read (SCMP_ARCH_X86 #3): SCMP_ACT_ALLOW" ]
	[[ "$("$BIN" explain --arch=aarch64 "$T/p.json" read)" == *"SCMP_ACT_KILL - architecture SCMP_ARCH_AARCH64 is not in the filter"* ]]
	run --separate-stderr "$BIN" explain --format=json "$T/p.json" getppid
	echo "$output" | jq -e '.action == "SCMP_ACT_KILL_PROCESS" and .nr == 110 and .instructions > 0'
	run --separate-stderr "$BIN" explain "$T/p.json" no_such_call
	[ "$status" -eq 2 ]
}

@test "explain: Docker's profile with and without CAP_SYS_ADMIN" {
	[ "$(explain "$D" mount)" = "mount (SCMP_ARCH_X86_64 #165): SCMP_ACT_ERRNO(1) EPERM" ]
	[ "$(explain --caps=CAP_SYS_ADMIN "$D" mount)" = "mount (SCMP_ARCH_X86_64 #165): SCMP_ACT_ALLOW" ]
	[ "$(explain "$D" clone3)" = "clone3 (SCMP_ARCH_X86_64 #435): SCMP_ACT_ERRNO(38) ENOSYS" ]
	[ "$(explain --caps=CAP_SYS_ADMIN "$D" clone3)" = "clone3 (SCMP_ARCH_X86_64 #435): SCMP_ACT_ALLOW" ]
	[ "$(explain "$D" clone 0x10000000)" = "clone (SCMP_ARCH_X86_64 #56): SCMP_ACT_ERRNO(1) EPERM" ]
	[ "$(explain "$D" clone 0x11)" = "clone (SCMP_ARCH_X86_64 #56): SCMP_ACT_ALLOW" ]
	[ "$(explain "$D" socket 40)" = "socket (SCMP_ARCH_X86_64 #41): SCMP_ACT_ALLOW" ] # Docker 20.10: every family
	[ "$(explain "$D" socket 2)" = "socket (SCMP_ARCH_X86_64 #41): SCMP_ACT_ALLOW" ]
}

@test "diff: identical profiles print nothing and exit 0" {
	run "$BIN" diff "$D" "$D"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$BIN" diff "$SH_SRCDIR/profiles/default.json" "$SH_SRCDIR/profiles/default.json"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "diff: Docker without and with CAP_SYS_ADMIN lists exactly what its CAP_SYS_ADMIN rules add" {
	"$BIN" compile --format=oci --caps=none "$D" > "$T/none.json" 2>/dev/null
	"$BIN" compile --format=oci --caps=CAP_SYS_ADMIN "$D" > "$T/admin.json" 2>/dev/null
	run "$BIN" diff "$T/none.json" "$T/admin.json"
	[ "$status" -eq 1 ]
	# The names on x86_64's lines: "NAME:", "NAME when ...:" or a range's "N-M (NAME NAME ...):".
	echo "$output" | sed -n 's/^SCMP_ARCH_X86_64 \([^:]*\):.*/\1/p' | sed -e 's/ when .*//' -e 's/^[0-9]*-[0-9]* (\(.*\))$/\1/' |
		tr ' ' '\n' | sort -u > "$T/changed"
	jq -r '.syscalls[] | select(.includes.caps == ["CAP_SYS_ADMIN"]) | .names[]' "$D" | sort -u | while read -r n; do
		if scmp_sys_resolver -a x86_64 "$n" | grep -qv '^-'; then echo "$n"; fi
	done > "$T/want"
	diff "$T/want" "$T/changed"
	echo "$output" | grep -q '^SCMP_ARCH_X86_64 clone when arg0=0x20000: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW$'
	echo "$output" | grep -q '^SCMP_ARCH_X86_64 clone3: SCMP_ACT_ERRNO(38) -> SCMP_ACT_ALLOW$'
	echo "$output" | grep -q '^SCMP_ARCH_X86 21-22 (mount umount): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW$'
}

@test "diff: an argument-only change is reported with the argument" {
	printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}' > "$T/a.json"
	printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 9, "op": "SCMP_CMP_EQ"}]}]}' > "$T/b.json"
	run "$BIN" diff --kernel=6.1 "$T/a.json" "$T/b.json"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "diff: 1 syscall differs on 1 architecture (1 now allowed, 1 now denied) for caps: docker default (0xa80425fb); kernel 6.1" ]
	[ "${lines[1]}" = "SCMP_ARCH_X86_64 personality when arg0=0x8: SCMP_ACT_ALLOW when arg0==8 -> SCMP_ACT_ERRNO(1)" ]
	[ "${lines[2]}" = "SCMP_ARCH_X86_64 personality when arg0=0x9: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW when arg0==9" ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "check goes on past a missing or broken file and ends with a summary line" {
	printf '{"defaultAction": "SCMP_ACT_ALOW"}' > "$T/typo.json"
	run --separate-stderr "$BIN" check "$T/missing.json" "$SH_SRCDIR/profiles/default.json" "$T/typo.json"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"$T/missing.json: error: No such file or directory"* ]]
	[[ "$stderr" == *"typo.json:1:19: error: defaultAction: unknown action 'SCMP_ACT_ALOW'"* ]]
	[ "$output" = "check: 3 profiles, 2 with errors; 2 errors, 0 warnings, 2 notes" ]
	run --separate-stderr "$BIN" check "$SH_SRCDIR/profiles/default.json" "$T/typo.json"
	[ "$status" -eq 1 ]
	[ "$output" = "check: 2 profiles, 1 with errors; 1 error, 0 warnings, 2 notes" ]
	run --separate-stderr "$BIN" check --format=json "$T/typo.json"
	echo "$output" | jq -e 'length == 1'
}
