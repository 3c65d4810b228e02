#!/usr/bin/env bats
# check --within on the engines' own profiles (Docker 20.10's, podman's) and the shipped ones, and
# its counterexamples run in containers under both profiles: the base's filter refuses each with the
# base's answer, the profile's lets it reach the kernel. This kernel has no IA32 entry and no x32
# ABI, so the calls run are the native x86_64 ones. The containers hold no capabilities, and the
# proofs are asked for none (--caps=none): the same target. Needs root.
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and runc jq busybox
}

setup() {
	T=$(mktemp -d /tmp/sh-within.XXXXXX)
	DOCKER="$UPSTREAM/docker-default.json"
	PODMAN="$UPSTREAM/podman-default.json"
}

teardown() {
	rm -rf "$T"
}

# run_under PROFILE PROBE...: sysprobe's probes in a runc container without capabilities whose
# filter is PROFILE's (runtime mode: runc loads it); their lines in $output.
run_under() {
	local profile=$1 b
	shift
	b="$T/b$RANDOM"
	make_bundle "$b" "$(printf '%s\n' sysprobe "$@" | jq -R . | jq -sc .)"
	set_config "$b" '.process.capabilities = {"bounding": [], "effective": [], "permitted": [], "ambient": []}'
	"$BIN" inject --mode=runtime --profile="$profile" --seal-key="$T/seal.key" --cache-dir="$T/cache" "$b" 2>/dev/null
	run run_runc "$b" "c$RANDOM"
	[ "$status" -eq 0 ]
}

# cex_probes JSON: "call:NR:A0:...:A5" for each x86_64 counterexample, in order.
cex_probes() {
	jq -r '.[0].counterexamples[] | select(.arch == "SCMP_ARCH_X86_64") | "call:\(.nr):\(.args | join(":"))"' <<< "$1"
}

# cex_base_errnos JSON: the errno of the base's answer for each of them.
cex_base_errnos() {
	jq -r '.[0].counterexamples[] | select(.arch == "SCMP_ARCH_X86_64") | .base | capture("ERRNO\\((?<e>[0-9]+)\\)").e' <<< "$1"
}

@test "check --within: Docker 20.10's default is not within podman's; each native counterexample gets podman's errno in a container" {
	run --separate-stderr "$BIN" check --within="$PODMAN" --caps=none --format=json "$DOCKER"
	[ "$status" -eq 1 ]
	json=$output
	jq -e '.[0].verdict == "fails" and .[0].profile == $p and .[0].base == $b' --arg p "$DOCKER" --arg b "$PODMAN" <<< "$json"
	# An argument-level one: podman refuses socket(AF_NETLINK, *, NETLINK_AUDIT) without CAP_AUDIT_WRITE
	jq -e '.[0].counterexamples[0] | .arch == "SCMP_ARCH_X86_64" and .syscall == "socket" and .nr == 41 and
		.args == [16, 0, 9, 0, 0, 0] and .profile == "SCMP_ACT_ALLOW" and .base == "SCMP_ACT_ERRNO(22)"' <<< "$json"
	jq -e '[.[0].counterexamples[] | select(.arch == "SCMP_ARCH_X86_64") | .syscall] ==
		["socket", "vmsplice", "io_pgetevents", "io_uring_setup", "io_uring_enter", "io_uring_register", "futex_waitv"]' <<< "$json"
	mapfile -t probes < <(cex_probes "$json")
	mapfile -t errnos < <(cex_base_errnos "$json")
	run_under "$PODMAN" "${probes[@]}"
	[ "${#lines[@]}" -eq "${#probes[@]}" ]
	for i in "${!probes[@]}"; do
		[ "${lines[$i]}" = "${probes[$i]}=${errnos[$i]}" ]
	done
	# under Docker's filter the socket call reaches the kernel, which answers it otherwise
	run_under "$DOCKER" "${probes[0]}"
	[ "$output" != "${probes[0]}=22" ]
	[[ "$output" == "${probes[0]}="* ]]
}

@test "check --within: podman's default is not within Docker's; unshare(0) is refused by Docker's filter and runs under podman's" {
	run --separate-stderr "$BIN" check --within="$DOCKER" --caps=none --format=json "$PODMAN"
	[ "$status" -eq 1 ]
	json=$output
	jq -e '.[0].counterexamples | map(select(.arch == "SCMP_ARCH_X86_64")) | length == 27' <<< "$json"
	cex=$(jq -c '.[0].counterexamples[] | select(.arch == "SCMP_ARCH_X86_64" and .syscall == "unshare")' <<< "$json")
	jq -e '.nr == 272 and .args == [0, 0, 0, 0, 0, 0] and .profile == "SCMP_ACT_ALLOW" and .base == "SCMP_ACT_ERRNO(1)"' <<< "$cex"
	# every native counterexample, in a container under Docker's filter: the base's errno (clone3's
	# is ENOSYS, the others' EPERM)
	mapfile -t probes < <(cex_probes "$json")
	mapfile -t errnos < <(cex_base_errnos "$json")
	[ "${#errnos[@]}" -eq 27 ]
	run_under "$DOCKER" "${probes[@]}"
	[ "${#lines[@]}" -eq "${#probes[@]}" ]
	for i in "${!probes[@]}"; do
		[ "${lines[$i]}" = "${probes[$i]}=${errnos[$i]}" ]
	done
	run_under "$PODMAN" call:272:0:0:0:0:0:0
	[ "$output" = "call:272:0:0:0:0:0:0=ok:0" ]
}

@test "check --within, the shipped profiles: web-server.json stays within Docker 20.10's default and default.json; Docker's is not within default.json (AF_ALG)" {
	run --separate-stderr "$BIN" check --within="$DOCKER" --caps=none "$SH_SRCDIR/profiles/web-server.json"
	[ "$status" -eq 0 ]
	[ "$output" = "$SH_SRCDIR/profiles/web-server.json: within $DOCKER: holds for every call and argument value" ]
	run "$BIN" check --within="$SH_SRCDIR/profiles/default.json" --caps=none "$SH_SRCDIR/profiles/web-server.json" \
		"$SH_SRCDIR/profiles/default.json"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	# the other way: Docker 20.10 allows socket(AF_ALG), default.json refuses it
	run --separate-stderr "$BIN" check --within="$SH_SRCDIR/profiles/default.json" --caps=none --format=json "$DOCKER"
	[ "$status" -eq 1 ]
	jq -e '.[0].counterexamples[0] | .syscall == "socket" and .args == [38, 0, 0, 0, 0, 0] and
		.base == "SCMP_ACT_ERRNO(1)"' <<< "$output"
	run_under "$SH_SRCDIR/profiles/default.json" call:41:38:5:0:0:0:0
	[ "$output" = "call:41:38:5:0:0:0:0=1" ]
	run_under "$DOCKER" call:41:38:5:0:0:0:0
	[ "$output" != "call:41:38:5:0:0:0:0=1" ]
}

@test "check --within: a text verdict per profile; --allowed-only leaves ERRNO against KILL out; trouble is 2" {
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO"}]}' > "$T/errno.json"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_KILL_PROCESS"}]}' > "$T/kill.json"
	run "$BIN" check --within="$T/kill.json" "$T/errno.json"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$T/errno.json: not within $T/kill.json: 1 syscall answered less restrictively; counterexamples:" ]
	[ "${lines[1]}" = "  SCMP_ARCH_X86_64 getpid (39) arg0=0 arg1=0 arg2=0 arg3=0 arg4=0 arg5=0: profile SCMP_ACT_ERRNO(1), base SCMP_ACT_KILL_PROCESS" ]
	run "$BIN" check --within="$T/kill.json" --allowed-only "$T/errno.json"
	[ "$status" -eq 0 ]
	# every profile gets its verdict; one that cannot be read is trouble, whatever the others'
	run --separate-stderr "$BIN" check --within="$T/kill.json" "$T/errno.json" "$T/missing.json"
	[ "$status" -eq 2 ]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[[ "$stderr" == *"missing.json"* ]]
	run --separate-stderr "$BIN" check --within="$T/kill.json"
	[ "$status" -eq 2 ]
	run --separate-stderr "$BIN" check --within="$T/kill.json" --format=yaml "$T/errno.json"
	[ "$status" -eq 2 ]
	# shellcheck disable=SC2154 # likewise
	[ "${#stderr_lines[@]}" -eq 1 ]
}
