#!/usr/bin/env bats
# libseccomp 2.5.4, which seccomp-hook, runc and crun link here, builds programs weaker than their
# rules from 64-bit comparisons, and loops for ever on some rule sets. Every program seccomp-hook
# installs or hands to a runtime is checked against the rules first (docs/verification.md): these
# tests run the real kernel, runc and crun on the profiles that show it. Needs root.
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and runc crun jq busybox
}

setup() {
	T=$(mktemp -d /tmp/sh-verify.XXXXXX)
	mkdir -p "$T/profiles" "$T/runc-state" "$T/crun-state"
	# personality(10) must be killed: 10 <= 0x200000001 and not < 10. libseccomp compares the low
	# word with a high-word constant and lets it through.
	cat > "$T/profiles/wrong-half.json" <<-'EOF'
	{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
	{"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":13,"args":[{"index":0,"value":10,"op":"SCMP_CMP_LT"}]},
	{"names":["personality"],"action":"SCMP_ACT_KILL_PROCESS","args":[{"index":0,"value":8589934593,"op":"SCMP_CMP_LE"}]}]}
	EOF
	# Three conditional rules on which seccomp_rule_add never returns.
	cat > "$T/profiles/endless.json" <<-'EOF'
	{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
	{"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[{"index":0,"value":4294967299,"op":"SCMP_CMP_GE"},{"index":1,"value":0,"op":"SCMP_CMP_GE"}]},
	{"names":["personality"],"action":"SCMP_ACT_KILL_PROCESS","args":[{"index":0,"value":8589934592,"op":"SCMP_CMP_EQ"},{"index":1,"value":4294967296,"op":"SCMP_CMP_LE"}]},
	{"names":["personality"],"action":"SCMP_ACT_KILL_PROCESS","args":[{"index":0,"value":4294967299,"op":"SCMP_CMP_GE"},{"index":1,"value":4294967299,"op":"SCMP_CMP_EQ"}]}]}
	EOF
	SCRIPT='sysprobe getppid; sysprobe personality10; echo "personality10 status=$?"'
}

teardown() {
	runc --root "$T/runc-state" delete -f c1 >/dev/null 2>&1 || true
	rm -rf "$T"
}

# cpu_seconds CMD...: runs CMD; $cpu is the user+system CPU time it and its children took.
cpu_seconds() {
	local TIMEFORMAT='%3U %3S' t
	cpu_status=0
	t=$({ time "$@" > "$T/cpu.out" 2> "$T/cpu.err"; } 2>&1) || cpu_status=$?
	cpu=$(awk '{print $1 + $2}' <<< "$t")
}

@test "exec: personality(10) is killed as the rules say; the note names the call libseccomp gets wrong" {
	run --separate-stderr "$BIN" exec --profile="$T/profiles/wrong-half.json" -- "$PROBE" getppid personality10
	[ "$status" -eq 159 ] # 128 + SIGSYS: SCMP_ACT_KILL_PROCESS
	[[ "$output" != *"personality10="* ]]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[[ "$stderr" == *"note: libseccomp 2.5.4: personality(arg0="*") on SCMP_ARCH_X86_64 gets SCMP_ACT_ALLOW where the rules say SCMP_ACT_KILL_PROCESS"*"seccomp-hook builds this call's checks itself"* ]]
	# Below 10 both rules hold: the more restrictive wins, in the kernel too.
	run "$BIN" exec --profile="$T/profiles/wrong-half.json" -- "$PROBE" personality1
	[ "$status" -eq 159 ]
}

@test "runc installs what libseccomp builds from the OCI form: personality(10) runs there, so runtime mode refuses it" {
	make_bundle "$T/b" "$(jq -nc --arg s "$SCRIPT" '["sh","-c",$s]')"
	cp "$T/b/config.json" "$T/config.orig"
	# The control: plain runc with the profile as linux.seccomp.
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$T/b" '.linux.seccomp = $p[0]' --slurpfile p "$T/profiles/wrong-half.json"
	run run_runc "$T/b" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"personality10=ok:0"* ]]
	runc --root "$T/runc-state" delete -f c1 >/dev/null 2>&1 || true
	# The hook refuses to hand it to runc: one line naming the call, a value and the cause.
	cp "$T/config.orig" "$T/b/config.json"
	run --separate-stderr "$BIN" inject --profiles-dir="$T/profiles" --profile=wrong-half --cache-dir="$T/cache" "$T/b"
	[ "$status" -eq 1 ]
	[ "$(grep -c error: <<< "$stderr")" -eq 1 ]
	[[ "$stderr" == *"error: profile 'wrong-half': runtime mode"*"runc and crun compile linux.seccomp with libseccomp 2.5.4: personality(arg0="*") on SCMP_ARCH_X86_64 gets SCMP_ACT_ALLOW where the rules say SCMP_ACT_KILL_PROCESS"*"64-bit comparisons"* ]]
	cmp "$T/config.orig" "$T/b/config.json"
	[ ! -e "$T/cache/oci" ] || [ -z "$(ls "$T/cache/oci")" ]
}

@test "runtime mode --runtime=crun: crun installs seccomp-hook's checked program, runc cannot start the config" {
	make_bundle "$T/b" "$(jq -nc --arg s "$SCRIPT" '["sh","-c",$s]')"
	run --separate-stderr "$BIN" inject --runtime=crun --profiles-dir="$T/profiles" --profile=wrong-half \
		--cache-dir="$T/cache" "$T/b"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"warning:"*"personality(arg0="*"crun installs seccomp-hook's checked program instead"* ]]
	jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_KILL_PROCESS" and (.linux.seccomp | has("syscalls") | not)
		and (.annotations["run.oci.seccomp_bpf_data"] | length > 0)' "$T/b/config.json"
	jq -r '.annotations["run.oci.seccomp_bpf_data"]' "$T/b/config.json" | base64 -d > "$T/crun.bpf"
	"$BIN" compile -q -o "$T/want.bpf" "$T/profiles/wrong-half.json"
	cmp "$T/want.bpf" "$T/crun.bpf"
	cp "$T/b/config.json" "$T/crun-config.json"
	run run_crun "$T/b" c-crun
	[ "$status" -eq 0 ]
	[[ "$output" == *"getppid=ok"* ]]
	[[ "$output" == *"personality10 status=159"* ]]
	[[ "$output" != *"personality10=ok"* ]]
	# runc compiles linux.seccomp, the placeholder: nothing of the workload runs.
	cp "$T/crun-config.json" "$T/b/config.json"
	run run_runc "$T/b" c1
	[ "$status" -ne 0 ]
	[[ "$output" != *"getppid=ok"* ]]
}

@test "three rules libseccomp never finishes: compile and exec finish within a second of CPU time; runtime mode refuses" {
	cpu_seconds timeout -k 5 20 "$BIN" compile -o "$T/endless.bpf" "$T/profiles/endless.json"
	[ "$cpu_status" -eq 0 ]
	awk -v c="$cpu" 'BEGIN { exit !(c < 1.0) }' || { echo "compile took $cpu s of CPU time"; false; }
	grep -q "libseccomp 2.5.4 does not finish adding the rules of personality: seccomp-hook builds that call's checks itself" "$T/cpu.err"
	[ "$(stat -c %s "$T/endless.bpf")" -gt 0 ]
	run timeout -k 5 20 "$BIN" exec --profile="$T/profiles/endless.json" -- "$PROBE" getppid personality10
	[ "$status" -eq 0 ]
	[[ "$output" == *"personality10=ok:0"* ]] # arg0 10 is below every rule's range
	# The OCI form would hang runc at the start: refused, within a second too.
	cpu_seconds timeout -k 5 20 "$BIN" compile --format=oci -o "$T/endless.oci" "$T/profiles/endless.json"
	[ "$cpu_status" -eq 1 ]
	awk -v c="$cpu" 'BEGIN { exit !(c < 1.0) }' || { echo "compile --format=oci took $cpu s of CPU time"; false; }
	grep -q "error: .*runc and crun compile linux.seccomp, and libseccomp 2.5.4 does not finish adding the rules of personality" "$T/cpu.err"
	[ ! -e "$T/endless.oci" ]
	make_bundle "$T/b" '["true"]'
	cp "$T/b/config.json" "$T/config.orig"
	run timeout -k 5 20 "$BIN" inject --profiles-dir="$T/profiles" --profile=endless --cache-dir="$T/cache" "$T/b"
	[ "$status" -eq 1 ]
	cmp "$T/config.orig" "$T/b/config.json"
}

@test "Docker's and podman's default profiles: libseccomp builds them right, nothing is repaired or refused" {
	for p in docker-default podman-default; do
		"$BIN" compile --caps=docker -o "$T/$p.bpf" "$UPSTREAM/$p.json" 2> "$T/err"
		run grep -c "own-checks\|seccomp-hook builds" "$T/err"
		[ "$output" -eq 0 ]
		"$BIN" compile --format=oci --caps=docker -o "$T/$p.oci" "$UPSTREAM/$p.json" 2> "$T/err"
		run grep -c "error:\|runtime-differs" "$T/err"
		[ "$output" -eq 0 ]
		jq -e '.syscalls | length > 10' "$T/$p.oci"
	done
}
