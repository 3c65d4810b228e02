#!/usr/bin/env bats
# seccomp-hook-init on its own, as PID 1 of real runc and crun containers with a busybox-only
# rootfs: a hand-assembled filter (tests/mkbpf: mkdir/mkdirat -> EACCES, no libseccomp, no
# translator) is installed before the workload, the workload is PID 1 after the exec, and every
# broken input stops the container with one loader line before the workload runs. Needs root.
bats_require_minimum_version 1.5.0
load lib

MKBPF="$SH_BUILDDIR/tests/mkbpf"
BPF_IN=/.seccomp-hook/filter.bpf
# The workload: leaves a marker on the host, shows PID 1's seccomp state, tries a denied mkdir.
WORK='echo ran > /out/marker; echo hello; grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/1/status; cat /proc/1/comm; mkdir /tmp/x 2>&1; echo "mkdir=$?"'

setup_file() {
	require_root_and runc crun jq busybox sha256sum
	for f in "$LOADER" "$MKBPF" "$PROBE"; do
		[ -x "$f" ] || { echo "not built: $f (run make check)" >&2; return 1; }
	done
}

setup() {
	T=$(mktemp -d /tmp/sh-init.XXXXXX)
	CT="sh-init-${T##*.}" # unique: concurrent test files must not share a container or cgroup name
	mkdir -p "$T/runc-state" "$T/crun-state"
	"$MKBPF" "$T/filter.bpf"
}

teardown() {
	runc --root "$T/runc-state" delete -f "$CT" >/dev/null 2>&1 || true
	crun --root "$T/crun-state" delete -f "$CT" >/dev/null 2>&1 || true
	rm -rf "$T"
}

sh_cmd() { jq -nc --arg s "$1" '["sh", "-c", $s]'; }

# add_bind BUNDLE HOST_PATH CONTAINER_PATH: read-only bind mount; runc and crun create the mount
# point in the rootfs themselves.
add_bind() {
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$1" '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": ["bind", "ro"]}]' \
		--arg s "$2" --arg d "$3"
}

# loader_bundle CMD_JSON [LOADER_OPTION...]: $T/b runs the loader as PID 1 with BPF_IN (default:
# $T/filter.bpf mounted at /.seccomp-hook/filter.bpf), then CMD.
loader_bundle() {
	local cmd=$1 opts='[]' args
	shift
	[ $# -eq 0 ] || opts=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	args=$(jq -nc --argjson cmd "$cmd" --argjson opts "$opts" --arg bpf "$BPF_IN" \
		'["/.seccomp-hook/init"] + $opts + [$bpf, "--"] + $cmd')
	make_bundle "$T/b" "$args"
	add_bind "$T/b" "$LOADER" /.seccomp-hook/init
	add_bind "$T/b" "$T/filter.bpf" /.seccomp-hook/filter.bpf
}

# The container ran the workload under exactly the loader's filter.
assert_filtered_workload() {
	[ "$status" -eq 0 ]
	[[ "$output" == *hello* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"Seccomp_filters:	1"* ]]
	[[ "$output" == *$'\nsh\n'* ]] # PID 1 is the workload's shell, the loader is gone
	[[ "$output" == *"can't create directory '/tmp/x': Permission denied"* ]]
	[[ "$output" == *"mkdir=1"* ]]
	[ "$(cat "$T/b/out/marker")" = ran ]
	[ ! -d "$T/b/rootfs/tmp/x" ]
}

# The container stopped with the loader's one error line containing TEXT; the workload never ran.
assert_refused() {
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	echo "exit $status; stdout: $output; stderr: $stderr"
	[ "$status" -eq "${2:-127}" ]
	[ "$(grep -c '^seccomp-hook-init: error: ' <<< "$stderr")" -eq 1 ]
	[[ "$stderr" == *"seccomp-hook-init: error: "*"$1"* ]]
	[ -z "$output" ]
	[ ! -e "$T/b/out/marker" ]
}

run_refused() { # TEXT [STATUS]: run the bundle under runc and expect a refusal
	run -"${2:-127}" --separate-stderr run_runc "$T/b" "$CT"
	assert_refused "$@"
	runc --root "$T/runc-state" delete -f "$CT" >/dev/null 2>&1 || true
	rm -rf "$T/b"
}

@test "runc: PID 1 runs the workload under the loader's filter" {
	loader_bundle "$(sh_cmd "$WORK")"
	run run_runc "$T/b" "$CT"
	echo "$output"
	assert_filtered_workload
	[[ "$output" == *"NoNewPrivs:	1"* ]] # runc spec's default noNewPrivileges
}

@test "crun: PID 1 runs the workload under the loader's filter" {
	loader_bundle "$(sh_cmd "$WORK")"
	run run_crun "$T/b" "$CT"
	echo "$output"
	assert_filtered_workload
}

@test "no_new_privs: the loader sets it without CAP_SYS_ADMIN and leaves it off with it" {
	loader_bundle "$(sh_cmd "$WORK")"
	set_config "$T/b" '.process.noNewPrivileges = false'
	run run_runc "$T/b" "$CT"
	echo "$output"
	assert_filtered_workload
	[[ "$output" == *"NoNewPrivs:	1"* ]]

	runc --root "$T/runc-state" delete -f "$CT" >/dev/null 2>&1 || true
	rm -rf "$T/b"
	loader_bundle "$(sh_cmd "$WORK")"
	set_config "$T/b" '.process.noNewPrivileges = false
		| .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	run run_runc "$T/b" "$CT"
	echo "$output"
	assert_filtered_workload
	[[ "$output" == *"NoNewPrivs:	0"* ]]
}

@test "a recorded digest and a supported flag (LOG) are accepted" {
	sum=$(sha256sum "$T/filter.bpf" | cut -d' ' -f1)
	loader_bundle "$(sh_cmd "$WORK")" --flags=2 --sha256="$sum"
	run run_runc "$T/b" "$CT"
	echo "$output"
	assert_filtered_workload
}

@test "PATH lookup as runc does it, and the environment reaches the workload unchanged" {
	# No PATH in the environment: the default search path finds cat (PID 1 after the exec, so
	# /proc/self/environ is exactly what the loader passed on), and no PATH is added.
	loader_bundle '["cat", "/proc/self/environ"]'
	set_config "$T/b" '.process.env = ["HOME=/", "MARK=kept"]'
	run_runc "$T/b" "$CT" > "$T/environ"
	od -c "$T/environ"
	[ "$(od -An -c "$T/environ" | tr -d ' \n')" = 'HOME=/\0MARK=kept\0' ]

	runc --root "$T/runc-state" delete -f "$CT" >/dev/null 2>&1 || true
	rm -rf "$T/b"
	# The container's PATH is searched in order, skipping entries without the command.
	loader_bundle '["echo", "via-path"]'
	set_config "$T/b" '.process.env = ["PATH=/nowhere:/out:/bin"]'
	run run_runc "$T/b" "$CT"
	[ "$status" -eq 0 ]
	[ "$output" = via-path ]
}

@test "a command that is missing (127) or not executable (126) is one loader line" {
	loader_bundle '["no-such-command"]'
	run_refused "no-such-command: executable file not found in PATH" 127

	loader_bundle '["/no/such/file"]'
	run_refused "cannot execute /no/such/file: No such file or directory" 127

	loader_bundle '["/out/plain"]'
	printf 'echo ran > /out/marker\n' > "$T/b/out/plain"
	chmod 644 "$T/b/out/plain"
	run -126 --separate-stderr run_runc "$T/b" "$CT"
	echo "$stderr"
	[[ "$stderr" == "seccomp-hook-init: error: cannot execute /out/plain: Permission denied" ]]
	[ ! -e "$T/b/out/marker" ]
}

@test "fail closed: missing, truncated, malformed or foreign BPF files stop the container" {
	BPF_IN=/.seccomp-hook/missing.bpf loader_bundle "$(sh_cmd "$WORK")"
	run_refused "/.seccomp-hook/missing.bpf: No such file or directory"

	head -c 12 "$T/filter.bpf" > "$T/short.bpf"
	loader_bundle "$(sh_cmd "$WORK")"
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$T/b" '(.mounts[] | select(.destination == "/.seccomp-hook/filter.bpf") | .source) = $s' --arg s "$T/short.bpf"
	run_refused "not a multiple of 8 bytes"

	: > "$T/empty.bpf"
	loader_bundle "$(sh_cmd "$WORK")"
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$T/b" '(.mounts[] | select(.destination == "/.seccomp-hook/filter.bpf") | .source) = $s' --arg s "$T/empty.bpf"
	run_refused "the program is empty"

	# Two whole instructions of the real filter: a jump that leaves the program, no final return.
	head -c 16 "$T/filter.bpf" > "$T/cut.bpf"
	loader_bundle "$(sh_cmd "$WORK")"
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$T/b" '(.mounts[] | select(.destination == "/.seccomp-hook/filter.bpf") | .source) = $s' --arg s "$T/cut.bpf"
	run_refused "a jump past the end"

	mkdir "$T/dir.bpf"
	loader_bundle "$(sh_cmd "$WORK")"
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$T/b" '(.mounts[] | select(.destination == "/.seccomp-hook/filter.bpf") | .source) = $s' --arg s "$T/dir.bpf"
	run_refused "not a regular file"

	loader_bundle "$(sh_cmd "$WORK")" --sha256="$(printf '0%.0s' $(seq 64))"
	run_refused "does not match the recorded SHA-256"
}

@test "fail closed: flags the kernel or the loader cannot honour are never dropped" {
	loader_bundle "$(sh_cmd "$WORK")" --flags=0x40000000
	run_refused "the kernel refused the filter: Invalid argument (with flags 0x40000000"

	loader_bundle "$(sh_cmd "$WORK")" --flags=8
	run_refused "NEW_LISTENER needs --listener-fd"

	loader_bundle "$(sh_cmd "$WORK")" --flags=8 --listener-fd=0
	run_refused "invalid --listener-fd value '0'"

	loader_bundle "$(sh_cmd "$WORK")" --flags=8 --listener-fd=2
	run_refused "invalid --listener-fd value '2'"

	loader_bundle "$(sh_cmd "$WORK")" --flags=8 --listener-fd=9
	run_refused "--listener-fd=9: not a socket"

	loader_bundle "$(sh_cmd "$WORK")" --flags=-1
	run_refused "invalid --flags value '-1'"

	loader_bundle "$(sh_cmd "$WORK")" --bogus
	run_refused "unknown option '--bogus'"
}

@test "--help, --version and usage errors" {
	run "$LOADER" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "seccomp-hook-init "[0-9]* ]]
	run "$LOADER" --help
	[ "$status" -eq 0 ]
	[[ "$output" == Usage:* ]]
	run -127 --separate-stderr "$LOADER" "$T/filter.bpf" true
	[[ "$stderr" == "seccomp-hook-init: error: usage: "* ]]
	run -127 --separate-stderr "$LOADER" "$T/filter.bpf" --
}

@test "--caps: the sets are read from /proc only when it is a procfs; a status file planted there is not believed" {
	# A private mount namespace whose /proc is a tmpfs with a status file claiming every set already
	# lowered to Docker's; the real procfs stays visible at $T/realproc for the check.
	mkdir -p "$T/realproc"
	cat > "$T/run.sh" <<'SH'
set -e
mount -t proc proc "$1/realproc"
mount -t tmpfs none /proc
mkdir /proc/self
printf 'Name:\tx\nCapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n' > /proc/self/status
exec "$2" --caps=a80425fb:a80425fb:a80425fb:0:0 "$1/filter.bpf" -- sh -c 'grep -E "^Cap(Bnd|Eff)" "$0/realproc/self/status"' "$1"
SH
	run unshare -m --propagation private sh "$T/run.sh" "$T" "$LOADER"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapBnd:	00000000a80425fb"* ]]
	[[ "$output" == *"CapEff:	00000000a80425fb"* ]]
}
