#!/usr/bin/env bats
# Recordings that travel to arm64: `record --target-arch=aarch64` and `merge --target-arch` write an
# archMap entry for aarch64 and a rule limited to it with the calls the same libc functions make there;
# the profile compiled for aarch64 allows every call Debian's static busybox for arm64 makes, run
# under qemu-user, for the steps recorded with the x86_64 one, and not what it never used; check
# names calls with no counterpart. Needs root, qemu-user, busybox-static, and Debian's arm64 package
# of it (scripts/arm64-busybox.sh downloads it with apt-get).
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and busybox qemu-aarch64 dpkg-deb apt-get jq
	"$SH_SRCDIR/scripts/arm64-busybox.sh" "$SH_BUILDDIR/tests/arm64"
}

setup() {
	T=$(mktemp -d /tmp/sh-xarch.XXXXXX)
	A64="$SH_BUILDDIR/tests/arm64/busybox"
	BPFRUN="$SH_BUILDDIR/tests/bpfrun"
	# The steps, one busybox applet each, run from $T/w: files made, read, listed, copied, moved,
	# linked, changed and removed, a redirection and a pipe in the shell.
	mkdir -p "$T/w"
	cat > "$T/steps.sh" <<'EOF'
$BB mkdir -p d/sub
$BB sh -c 'echo x > d/f'
$BB cat d/f
$BB ls -l d
$BB cp d/f d/g
$BB mv d/g d/h
$BB ln -s f d/l
$BB readlink d/l
$BB stat d/f
$BB chmod 600 d/f
$BB touch d/f
$BB sh -c 'echo a | read v'
$BB rm -r d
EOF
}

teardown() {
	rm -rf "$T"
}

# record_steps OUT [record options...]: the steps under x86_64's busybox, recorded.
record_steps() {
	local out=$1
	shift
	(cd "$T/w" && BB=busybox "$BIN" record -q -o "$out" "$@" -- busybox sh "$T/steps.sh" > /dev/null)
}

# aarch64_calls: the steps under the arm64 busybox in qemu-user, each guest call's name (or number,
# for one qemu has no name for) once, into $T/calls.
aarch64_calls() {
	(cd "$T/w" && BB="qemu-aarch64 -strace $A64" busybox sh "$T/steps.sh" > /dev/null 2> "$T/qemu.log")
	{
		sed -nE 's/^[0-9]+ ([a-z_0-9]+)\(.*/\1/p' "$T/qemu.log"
		sed -nE 's/^[0-9]+ Unknown syscall ([0-9]+).*/\1/p' "$T/qemu.log"
	} | sort -u > "$T/calls"
	[ "$(wc -l < "$T/calls")" -gt 20 ]
}

@test "record --target-arch=aarch64: an aarch64 archMap entry and a rule limited to it with the calls busybox makes there for what it did on x86_64" {
	record_steps "$T/rec.json" --target-arch=aarch64
	"$BIN" check --strict "$T/rec.json"
	[ "$(jq -c '[.archMap[].architecture]' "$T/rec.json")" = '["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"]' ]
	[ "$(jq -c '.archMap[1].subArchitectures' "$T/rec.json")" = '[]' ]
	rule=$(jq -c '.syscalls[] | select(.includes.arches == ["arm64"])' "$T/rec.json")
	[ -n "$rule" ]
	# busybox's glibc calls unlink, rmdir and mkdir on x86_64, their *at forms on aarch64.
	names=$(jq -r '.names[]' <<<"$rule")
	for n in unlinkat mkdirat; do grep -qx "$n" <<<"$names"; done
	[[ "$(jq -r .comment <<<"$rule")" == *"unlinkat ("*"unlink"* ]]
	# On x86_64 the profile allows nothing more: mkdirat was not called there.
	run "$BIN" explain "$T/rec.json" mkdirat
	[[ "$output" == *"SCMP_ACT_ERRNO(1)"* ]]
}

@test "the arm64 busybox under qemu-user: every call it makes for the recorded steps is allowed by the profile compiled for aarch64, and without the translation some are not; socket, ptrace and mount stay denied" {
	record_steps "$T/rec.json" --target-arch=aarch64
	"$BIN" compile --arch=aarch64 --format=bpf -o "$T/a64.bpf" "$T/rec.json"
	aarch64_calls
	while read -r c; do
		run "$BPFRUN" "$T/a64.bpf" aarch64 "$c"
		echo "$c: $output"
		[ "$output" = SCMP_ACT_ALLOW ]
	done < "$T/calls"
	for c in socket ptrace mount; do
		run "$BPFRUN" "$T/a64.bpf" aarch64 "$c"
		[ "$output" = "SCMP_ACT_ERRNO(1)" ]
	done
	# The same recording without --target-arch, compiled for aarch64: its x86_64 names alone.
	jq 'del(.syscalls[] | select(.includes.arches == ["arm64"]))' "$T/rec.json" > "$T/plain.json"
	"$BIN" compile --arch=aarch64 --format=bpf -o "$T/plain.bpf" "$T/plain.json"
	denied=0
	while read -r c; do
		run "$BPFRUN" "$T/plain.bpf" aarch64 "$c"
		[ "$output" = SCMP_ACT_ALLOW ] || denied=$((denied + 1))
	done < "$T/calls"
	[ "$denied" -gt 0 ]
}

@test "merge --target-arch: two recordings' union for aarch64, one archMap entry, and a recording translated already adds nothing twice" {
	record_steps "$T/a.json" --target-arch=aarch64
	(cd "$T/w" && "$BIN" record -q -o "$T/b.json" -- busybox sh -c 'busybox mkdir x && busybox rmdir x && busybox dd if=/dev/zero of=/dev/null count=1 2>/dev/null')
	"$BIN" merge -q "$T/a.json" "$T/b.json" --target-arch=aarch64 -o "$T/m.json"
	"$BIN" check --strict "$T/m.json"
	[ "$(jq '[.archMap[] | select(.architecture == "SCMP_ARCH_AARCH64")] | length' "$T/m.json")" -eq 1 ]
	# Every name allowed on aarch64 once: no counterpart rule repeats another's names.
	[ -z "$(jq -r '[.syscalls[] | select(.includes.arches == ["arm64"]) | .names[]] | group_by(.) | map(select(length > 1)) | .[][0]' "$T/m.json")" ]
	"$BIN" compile --arch=aarch64 --format=bpf -o "$T/m.bpf" "$T/m.json"
	for c in mkdirat unlinkat openat; do
		run "$BPFRUN" "$T/m.bpf" aarch64 "$c"
		[ "$output" = SCMP_ACT_ALLOW ]
	done
}

@test "check names the calls with no counterpart on an architecture the profile lists, and --strict fails on them" {
	cat > "$T/p.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ERRNO",
 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
	     {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": []}],
 "syscalls": [{"names": ["read", "open", "iopl", "arch_prctl"], "action": "SCMP_ACT_ALLOW"}]}
EOF
	run --separate-stderr "$BIN" check "$T/p.json"
	[ "$status" -eq 0 ]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[[ "$stderr" == *"p.json:4:34: warning: syscalls[0]: 'open' is allowed, but on SCMP_ARCH_AARCH64 libc calls 'openat' for it, which the profile does not allow there"* ]]
	[[ "$stderr" == *"p.json:4:42: warning: syscalls[0]: 'iopl' has no counterpart on SCMP_ARCH_AARCH64"* ]]
	run ! grep -q arch_prctl <<<"$stderr"
	run "$BIN" check --strict "$T/p.json"
	[ "$status" -eq 1 ]
	"$BIN" merge -q "$T/p.json" --deny=iopl -o "$T/q.json" --target-arch=aarch64
	"$BIN" check --strict "$T/q.json"
}

@test "--target-arch fails closed: an unknown name, an architecture the table does not cover, the recording's own; nothing runs, nothing is written" {
	for bad in bogus riscv64 x86_64; do
		run --separate-stderr "$BIN" record -o "$T/r.json" --target-arch="$bad" -- touch "$T/ran"
		[ "$status" -eq 2 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
		[[ "$stderr" == "seccomp-hook: error: --target-arch"* ]]
		[ ! -e "$T/ran" ]
		[ ! -e "$T/r.json" ]
		run "$BIN" merge -q "$UPSTREAM/docker-default.json" --target-arch="$bad" -o "$T/m.json"
		[ "$status" -eq 2 ]
		[ ! -e "$T/m.json" ]
	done
}
