#!/usr/bin/env bats
# seccomp-hook check as a profile author meets it: every error of a file at once, past a missing
# file, a summary line, the no-rules lint, nearest-name suggestions, and a real syscall this
# libseccomp does not know told apart from a misspelling.
bats_require_minimum_version 1.5.0
load lib

setup() {
	T=$(mktemp -d)
	cd "$T"
}

teardown() {
	rm -rf "$T"
}

@test "every error in a file is reported, each with its line and the nearest name; the load still fails" {
	cat > typos.json <<'EOF'
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {"names": ["write"], "action": "SCMP_ACT_ALOW"},
    {"names": ["close"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQQ"}]},
    {"names": ["open"], "action": "SCMP_ACT_ERRNO", "errno": "EPRM"},
    {"names": ["read"], "action": "SCMP_ACT_BOGUS"}
  ]
}
EOF
	run --separate-stderr "$BIN" check typos.json
	[ "$status" -eq 1 ]
	[ "$stderr" = "typos.json:4:36: error: syscalls[0].action: unknown action 'SCMP_ACT_ALOW' (did you mean 'SCMP_ACT_ALLOW'?)
typos.json:5:94: error: syscalls[1].args[0].op: unknown operator 'SCMP_CMP_EQQ' (did you mean 'SCMP_CMP_EQ'?)
typos.json:6:62: error: syscalls[2].errno: unknown errno name 'EPRM' (did you mean 'EPERM'?)
typos.json:7:35: error: syscalls[3].action: unknown action 'SCMP_ACT_BOGUS'" ]
	[ "$output" = "check: 1 profile, 1 with errors; 4 errors, 0 warnings" ]
	# compile, which installs nothing from a broken profile, names them all too, and writes nothing
	run --separate-stderr "$BIN" compile -o out.bpf typos.json
	[ "$status" -eq 1 ]
	[ "$(echo "$stderr" | grep -c ': error: ')" -eq 4 ]
	[ ! -e out.bpf ]
}

@test "check goes on past a missing file and a broken one, and sums up on standard output" {
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]}' > good.json
	printf '{"defaultAction": "SCMP_ACT_ALOW"}' > bad.json
	run --separate-stderr "$BIN" check missing.json bad.json good.json
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"missing.json"*"No such file"* ]]
	[[ "$stderr" == *"bad.json:1:19: error: defaultAction: unknown action 'SCMP_ACT_ALOW' (did you mean 'SCMP_ACT_ALLOW'?)"* ]]
	[ "$output" = "check: 3 profiles, 2 with errors; 2 errors, 0 warnings" ]
	run --separate-stderr "$BIN" check good.json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "check: 1 profile, 0 with errors; 0 errors, 0 warnings" ]
}

@test "a profile with no rules: a warning for a denying or allowing default, none for complain mode" {
	for d in ERRNO KILL_PROCESS ALLOW LOG; do
		printf '{"defaultAction": "SCMP_ACT_%s", "syscalls": []}' "$d" > p.json
		run --separate-stderr "$BIN" check --strict p.json
		case $d in
		ALLOW) [ "$stderr" = "p.json:1:19: error: profile: no rules, every syscall is allowed: it filters nothing (SCMP_ACT_ALLOW)" ] ;;
		LOG) [ "$status" -eq 0 ] && [ -z "$stderr" ] ;;
		*) [ "$status" -eq 1 ]
		   [ "$stderr" = "p.json:1:19: error: profile: no rules, every syscall gets the default action: nothing can run (SCMP_ACT_$d)" ] ;;
		esac
	done
}

@test "a misspelt syscall is a warning with the nearest name; a real one newer than libseccomp is a note --strict passes" {
	cat > names.json <<'EOF'
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {"names": ["raed", "mseal", "statmount", "frobnicate", "mseall"], "action": "SCMP_ACT_ALLOW"}
  ]
}
EOF
	v=$(pkg-config --modversion libseccomp)
	run --separate-stderr "$BIN" check names.json
	[ "$status" -eq 0 ]
	[ "$stderr" = "names.json:4:16: warning: syscalls[0]: unknown syscall 'raed' (skipped; did you mean 'read'?)
names.json:4:24: note: syscalls[0]: 'mseal' (Linux 6.10) is not known to this libseccomp $v (skipped, as runc and crun skip it)
names.json:4:33: note: syscalls[0]: 'statmount' (Linux 6.8) is not known to this libseccomp $v (skipped, as runc and crun skip it)
names.json:4:46: warning: syscalls[0]: unknown syscall 'frobnicate' (skipped)
names.json:4:60: warning: syscalls[0]: unknown syscall 'mseall' (skipped; did you mean 'mseal'?)" ]
	run --separate-stderr "$BIN" check --format=json names.json
	echo "$output" | jq -e '[.[] | .code] == ["unknown-syscall", "syscall-unknown-to-libseccomp",
		"syscall-unknown-to-libseccomp", "unknown-syscall", "unknown-syscall"]'
	echo "$output" | jq -e '[.[] | .severity] | .[1] == "note" and .[0] == "warning"'
	printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "mseal"], "action": "SCMP_ACT_ALLOW"}]}' > real.json
	run --separate-stderr "$BIN" check --strict real.json
	[ "$status" -eq 0 ]
	printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "mseall"], "action": "SCMP_ACT_ALLOW"}]}' > typo.json
	run --separate-stderr "$BIN" check --strict typo.json
	[ "$status" -eq 1 ]
}

@test "check --strict on the engines' own profiles: podman's passes; Docker 20.10's fails only on its one arch typo" {
	run --separate-stderr "$BIN" check --strict "$UPSTREAM/podman-default.json"
	[ "$status" -eq 0 ]
	run --separate-stderr "$BIN" check --strict --format=json "$UPSTREAM/docker-default.json"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e 'length == 2 and all(.[]; .code == "unknown-architecture" and (.message | test("mips3l64n32")))'
	# the same profile with Docker's later spelling passes
	sed 's/"mips3l64n32"/"mipsel64n32"/' "$UPSTREAM/docker-default.json" > fixed.json
	run --separate-stderr "$BIN" check --strict fixed.json
	[ "$status" -eq 0 ]
}
