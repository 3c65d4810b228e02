#!/usr/bin/env bats
# merge: the union of recordings (exact names, checked by explain and on the real kernel), --allow and
# --deny, the conflicts it refuses (nothing written), and Docker's default merged with a recording
# keeping every conditional rule (its OCI form is Docker's plus the added names).
bats_require_minimum_version 1.5.0
load lib

setup() {
	T=$(mktemp -d)
	D="$UPSTREAM/docker-default.json"
	# Two small recordings, as `record` writes them: default ERRNO, one unconditional ALLOW rule.
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],' \
		' "syscalls": [{"names": ["write", "read", "exit_group", "openat"], "action": "SCMP_ACT_ALLOW"}]}' > "$T/a.json"
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],' \
		' "syscalls": [{"names": ["close", "read", "fstat"], "action": "SCMP_ACT_ALLOW"},' \
		'  {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}' > "$T/b.json"
}

teardown() {
	rm -rf "$T"
}

# allowed PROFILE NAME: explain says SCMP_ACT_ALLOW, by a rule.
allowed() {
	run "$BIN" explain "$1" "$2"
	[ "$status" -eq 0 ] && [[ "${lines[0]}" == "$2 (SCMP_ARCH_X86_64 #"*"): SCMP_ACT_ALLOW - rule syscalls["* ]]
}

# denied_by_default PROFILE NAME: explain says EPERM, by the default action.
denied_by_default() {
	run "$BIN" explain "$1" "$2"
	[ "$status" -eq 0 ] && [[ "${lines[0]}" == "$2 (SCMP_ARCH_X86_64 #"*"): SCMP_ACT_ERRNO(1) EPERM - default action ("* ]]
}

@test "merge of two recordings: exactly the union, sorted, one ALLOW rule; other rules kept; arches united" {
	run --separate-stderr "$BIN" merge "$T/a.json" "$T/b.json" -o "$T/out.json"
	[ "$status" -eq 0 ]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[ "$stderr" = "merge: 2 inputs, 6 syscalls allowed (0 added by --allow, 0 removed by --deny), 1 other rules -> $T/out.json" ]
	[ -z "$output" ]
	[ "$(jq -c . "$T/out.json")" = '{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["close","exit_group","fstat","openat","read","write"],"action":"SCMP_ACT_ALLOW"},{"names":["getpid"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}' ]
	for s in close exit_group fstat openat read write; do allowed "$T/out.json" "$s"; done
	for s in mkdir socket ptrace; do denied_by_default "$T/out.json" "$s"; done
	run "$BIN" explain "$T/out.json" getpid
	[[ "${lines[0]}" == "getpid (SCMP_ARCH_X86_64 #39): SCMP_ACT_ERRNO(38) ENOSYS - rule syscalls[1] ("* ]]
	# Two-space indentation, the project's JSON writer; without -o the same bytes go to stdout.
	run sed -n 2p "$T/out.json"
	[ "$output" = '  "defaultAction": "SCMP_ACT_ERRNO",' ]
	"$BIN" merge -q "$T/a.json" "$T/b.json" > "$T/stdout.json"
	cmp "$T/out.json" "$T/stdout.json"
}

@test "the merged profile passes check --strict and the JSON Schema" {
	"$BIN" merge -q "$T/a.json" "$T/b.json" --allow=mseal --deny=getpid -o "$T/out.json"
	run "$BIN" check --strict "$T/out.json"
	[ "$status" -eq 0 ]
	run python3 -c '
import json, sys
from jsonschema import Draft202012Validator
v = Draft202012Validator(json.load(open(sys.argv[1])))
errs = list(v.iter_errors(json.load(open(sys.argv[2]))))
print("\n".join(e.message for e in errs)); sys.exit(1 if errs else 0)' "$SH_SRCDIR/schema/seccomp-profile.schema.json" "$T/out.json"
	[ "$status" -eq 0 ]
}

@test "on the real kernel: a syscall only the second recording has is allowed by the union, --deny takes it away" {
	# Recording 1: Docker's unconditional list without mkdir/mkdirat (a shell runs under it); 2: only those.
	jq '{defaultAction, syscalls: [{names: (.syscalls[0].names - ["mkdir", "mkdirat"] + ["arch_prctl"]), action: "SCMP_ACT_ALLOW"}]}' "$D" > "$T/r1.json"
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO",' \
		' "syscalls": [{"names": ["mkdirat", "mkdir"], "action": "SCMP_ACT_ALLOW"}]}' > "$T/r2.json"
	"$BIN" merge -q "$T/r1.json" "$T/r2.json" -o "$T/u.json"
	# shellcheck disable=SC2016 # the inner shell expands them
	run "$BIN" exec -q --profile="$T/r1.json" -- sh -c 'mkdir "$0/x1" 2>&1 || echo failed' "$T"
	[[ "$output" == *"Operation not permitted"*"failed" ]]
	[ ! -d "$T/x1" ]
	# shellcheck disable=SC2016 # the inner shell expands them
	run "$BIN" exec -q --profile="$T/u.json" -- sh -c 'mkdir "$0/x2" && echo made' "$T"
	[ "$status" -eq 0 ]
	[ "$output" = made ]
	[ -d "$T/x2" ]
	run --separate-stderr "$BIN" merge "$T/r1.json" "$T/r2.json" --deny=mkdir,mkdirat -o "$T/d.json"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *" (0 added by --allow, 2 removed by --deny), 0 other rules -> $T/d.json" ]]
	# shellcheck disable=SC2016 # the inner shell expands them
	run "$BIN" exec -q --profile="$T/d.json" -- sh -c 'mkdir "$0/x3" 2>&1 || echo failed' "$T"
	[[ "$output" == *"Operation not permitted"*"failed" ]]
	[ ! -d "$T/x3" ]
}

@test "--allow adds names to the ALLOW rule, --deny removes them: explain shows ALLOW and the default's errno" {
	run --separate-stderr "$BIN" merge "$T/a.json" "$T/b.json" --allow=getppid,uname --allow=read --deny=fstat,write -o "$T/out.json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "merge: 2 inputs, 6 syscalls allowed (2 added by --allow, 2 removed by --deny), 1 other rules -> $T/out.json" ]
	[ "$(jq -c '.syscalls[0].names' "$T/out.json")" = '["close","exit_group","getppid","openat","read","uname"]' ]
	allowed "$T/out.json" getppid
	allowed "$T/out.json" uname
	denied_by_default "$T/out.json" fstat
	denied_by_default "$T/out.json" write
	# A syscall newer than this libseccomp is a right name, not a typo.
	run "$BIN" merge -q "$T/a.json" --allow=mseal
	[ "$status" -eq 0 ]
	[ "$(jq -c '.syscalls[0].names' <<<"$output")" = '["exit_group","mseal","openat","read","write"]' ]
}

@test "--deny under an allowing default: removed from the rules that allow it, one ERRNO(EPERM) rule added" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [' \
		' {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},' \
		' {"names": ["personality", "mkdir"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}' > "$T/allow.json"
	run --separate-stderr "$BIN" merge "$T/allow.json" --deny=mkdir,ptrace,kexec_load -o "$T/out.json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "merge: 1 inputs, 0 syscalls allowed (0 added by --allow, 1 removed by --deny), 3 other rules -> $T/out.json" ]
	# ptrace keeps its own EACCES rule; mkdir leaves the argument rule; both others get EPERM.
	[ "$(jq -c '.syscalls' "$T/out.json")" = '[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","errnoRet":13},{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"valueTwo":0,"op":"SCMP_CMP_EQ"}]},{"names":["mkdir","kexec_load"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]' ]
	run "$BIN" explain "$T/out.json" mkdir 8
	[[ "${lines[0]}" == "mkdir (SCMP_ARCH_X86_64 #83): SCMP_ACT_ERRNO(1) EPERM - rule syscalls[2] ("* ]]
	run "$BIN" explain "$T/out.json" ptrace
	[[ "${lines[0]}" == "ptrace (SCMP_ARCH_X86_64 #101): SCMP_ACT_ERRNO(13) EACCES - rule syscalls[0] ("* ]]
}

@test "unknown --allow/--deny names: exit 2 with the nearest name, nothing written" {
	run --separate-stderr "$BIN" merge "$T/a.json" --allow=opne -o "$T/out.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "seccomp-hook: error: --allow: unknown syscall 'opne' (did you mean 'open'?)" ]
	run --separate-stderr "$BIN" merge "$T/a.json" --deny=getpdi -o "$T/out.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "seccomp-hook: error: --deny: unknown syscall 'getpdi' (did you mean 'getpid'?)" ]
	run --separate-stderr "$BIN" merge "$T/a.json" --allow=read --deny=read -o "$T/out.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "seccomp-hook: error: 'read' is in both --allow and --deny" ]
	[ ! -e "$T/out.json" ]
	run --separate-stderr "$BIN" merge -o "$T/out.json"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "seccomp-hook merge: error: expected at least one PROFILE"* ]]
}

@test "defaultAction conflict: every file and its value, exit 1, no output file" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": []}' > "$T/c.json"
	printf '%s\n' '{"defaultAction": "SCMP_ACT_KILL_PROCESS"}' > "$T/k.json"
	run --separate-stderr "$BIN" merge "$T/a.json" "$T/c.json" "$T/k.json" -o "$T/out.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$T/c.json:1:19: error: the inputs disagree on defaultAction ($T/a.json SCMP_ACT_ERRNO(1), $T/c.json SCMP_ACT_ERRNO(38), $T/k.json SCMP_ACT_KILL_PROCESS): merge does not choose one; make them agree" ]
	[ ! -e "$T/out.json" ]
	# An absent defaultErrnoRet is EPERM: no conflict with an explicit 1, which the result keeps.
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": []}' > "$T/e.json"
	"$BIN" merge -q "$T/a.json" "$T/e.json" -o "$T/out.json"
	[ "$(jq -c '[.defaultAction, .defaultErrnoRet]' "$T/out.json")" = '["SCMP_ACT_ERRNO",1]' ]
}

@test "allow/deny conflict: the syscall, both files and the actions, exit 1, no output file; --deny settles it" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["getpid", "read"], "action": "SCMP_ACT_ALLOW"}]}' > "$T/g.json"
	run --separate-stderr "$BIN" merge "$T/b.json" "$T/g.json" -o "$T/out.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$T/b.json:3:3: error: syscalls[1]: 'getpid' is SCMP_ACT_ERRNO(38) here but allowed unconditionally by $T/g.json:1:61: merge does not choose (--deny=getpid keeps it denied)" ]
	[ ! -e "$T/out.json" ]
	run --separate-stderr "$BIN" merge "$T/b.json" --allow=getpid -o "$T/out.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'getpid' is SCMP_ACT_ERRNO(38) here but allowed unconditionally by --allow: merge does not choose (drop it from --allow)" ]]
	[ ! -e "$T/out.json" ]
	"$BIN" merge -q "$T/b.json" "$T/g.json" --deny=getpid -o "$T/out.json"
	[ "$(jq -c '.syscalls' "$T/out.json")" = '[{"names":["close","fstat","read"],"action":"SCMP_ACT_ALLOW"},{"names":["getpid"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]' ]
}

@test "an invalid input is its one error line, exit 1; an unreadable one exit 2; nothing written" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALOW"}]}' > "$T/bad.json"
	run --separate-stderr "$BIN" merge "$T/a.json" "$T/bad.json" -o "$T/out.json"
	[ "$status" -eq 1 ]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "$T/bad.json:1:"*": error: syscalls[0].action: unknown action 'SCMP_ACT_ALOW' (did you mean 'SCMP_ACT_ALLOW'?)" ]]
	[ ! -e "$T/out.json" ]
	run --separate-stderr "$BIN" merge "$T/a.json" "$T/missing.json" -o "$T/out.json"
	[ "$status" -eq 2 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == *"missing.json"* ]]
	[ ! -e "$T/out.json" ]
}

@test "architectures into archMap: a list becomes entries for each of its arches, archMap entries united" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},' \
		' {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}], "syscalls": []}' > "$T/m.json"
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"], "syscalls": []}' > "$T/l.json"
	"$BIN" merge -q "$T/m.json" "$T/l.json" "$T/a.json" -o "$T/out.json"
	[ "$(jq -c '.archMap' "$T/out.json")" = '[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]},{"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]},{"architecture":"SCMP_ARCH_X32","subArchitectures":["SCMP_ARCH_X86_64"]}]' ]
	[ "$(jq 'has("architectures")' "$T/out.json")" = false ]
}

@test "Docker's default merged with a recording keeps its conditional rules: its OCI form is Docker's plus the added names" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO",' \
		' "syscalls": [{"names": ["read", "write", "syslog", "mount", "kexec_load"], "action": "SCMP_ACT_ALLOW"}]}' > "$T/rec.json"
	run --separate-stderr "$BIN" merge "$D" "$T/rec.json" "$D" -o "$T/out.json"
	[ "$status" -eq 0 ]
	n=$(jq '[.syscalls[0].names[], "syslog", "mount", "kexec_load"] | unique | length' "$D")
	others=$(jq '.syscalls | length - 1' "$D")
	[[ "$stderr" == *"merge: 3 inputs, $n syscalls allowed (0 added by --allow, 0 removed by --deny), $others other rules -> $T/out.json" ]]
	# clone's argument rule, the CAP_SYS_ADMIN include and clone3's ENOSYS exclude, as Docker writes them.
	[ "$(jq -c '.syscalls[] | select(.names == ["clone"] and .args[0].index == 0) | [.args, .excludes]' "$T/out.json")" = \
		'[[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}],{"caps":["CAP_SYS_ADMIN"],"arches":["s390","s390x"]}]' ]
	[ "$(jq -c '.syscalls[] | select(.includes.caps == ["CAP_SYS_ADMIN"]) | .names | index("mount") != null' "$T/out.json")" = true ]
	[ "$(jq -c '.archMap' "$T/out.json")" = "$(jq -c '.archMap' "$D")" ]
	for caps in docker docker,CAP_SYS_ADMIN none; do
		"$BIN" compile -q --format=oci --caps=$caps --kernel=6.1 "$D" |
			jq -S '.syscalls[0].names |= (. + ["syslog", "mount", "kexec_load"] | unique)' > "$T/want.json"
		"$BIN" compile -q --format=oci --caps=$caps --kernel=6.1 "$T/out.json" | jq -S '.syscalls[0].names |= unique' > "$T/got.json"
		diff "$T/want.json" "$T/got.json"
	done
	# Docker's own check findings (its 'mips3l64n32' arch name), no more and no fewer.
	run "$BIN" check --strict "$D"
	want=$(sed -E 's/^[^ ]+ (error|warning|note):/\1:/' <<<"$output")
	run "$BIN" check --strict "$T/out.json"
	[ "$(sed -E 's/^[^ ]+ (error|warning|note):/\1:/' <<<"$output")" = "$want" ]
}

@test "Docker's default with a recording that allows clone3: its ENOSYS rule conflicts; --deny=clone3 keeps it" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["clone3", "read"], "action": "SCMP_ACT_ALLOW"}]}' > "$T/rec.json"
	run --separate-stderr "$BIN" merge -q "$D" "$T/rec.json" -o "$T/out.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "$D:"*": error: syscalls[16]: 'clone3' is SCMP_ACT_ERRNO(38) here (when !CAP_SYS_ADMIN arch!=mips3l64n32|mips64|mips64n32|mipsel|mipsel64) but allowed unconditionally by $T/rec.json:1:61: merge does not choose (--deny=clone3 keeps it denied)" ]]
	[ ! -e "$T/out.json" ]
	"$BIN" merge -q "$D" "$T/rec.json" --deny=clone3 -o "$T/out.json"
	run "$BIN" explain --caps=docker "$T/out.json" clone3
	[[ "${lines[0]}" == "clone3 (SCMP_ARCH_X86_64 #435): SCMP_ACT_ERRNO(38) ENOSYS - rule syscalls["* ]]
}
