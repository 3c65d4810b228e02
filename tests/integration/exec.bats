#!/usr/bin/env bats
# seccomp-hook exec in the real kernel: the command runs under the filter, /proc shows it, the
# kernel's copy of the program equals `compile --format=bpf`, and nothing runs when it can't apply.
bats_require_minimum_version 1.5.0

setup() {
	BIN="$SH_BUILDDIR/seccomp-hook"
	T=$(mktemp -d)
	cat > "$T/deny-mkdir.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "flags": [],
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
JSON
}

teardown() {
	rm -rf "$T"
}

# Wait until PID has exec'd its command (no longer seccomp-hook) under a filter.
wait_exec_filtered() {
	for _ in $(seq 100); do
		grep -q "Seccomp:	2" "/proc/$1/status" 2>/dev/null && [ "$(readlink "/proc/$1/exe")" != "$BIN" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "the command runs filtered: Seccomp 2, one filter, denied mkdir, normal work" {
	# shellcheck disable=SC2016 # the inner shell expands them
	run --separate-stderr "$BIN" exec --profile="$T/deny-mkdir.json" -- \
		sh -c 'grep -E "^(Seccomp|Seccomp_filters):" /proc/self/status; mkdir "$0/x" 2>&1; echo ok > "$0/file"; cat "$0/file"' "$T"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"Seccomp_filters:	1"* ]]
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" == *"ok"* ]]
	[ ! -d "$T/x" ]
}

@test "no_new_privs is set only without CAP_SYS_ADMIN" {
	run "$BIN" exec --profile="$T/deny-mkdir.json" -- grep NoNewPrivs /proc/self/status
	[ "$status" -eq 0 ]
	[[ "$output" == *"NoNewPrivs:	0"* ]]
	run setpriv --inh-caps=-all --bounding-set=-all "$BIN" exec --profile="$T/deny-mkdir.json" -- grep NoNewPrivs /proc/self/status
	[ "$status" -eq 0 ]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
}

@test "the filter the process runs equals compile --format=bpf byte for byte" {
	"$BIN" compile "$T/deny-mkdir.json" > "$T/want.bpf"
	"$BIN" exec --profile="$T/deny-mkdir.json" -- sleep 30 &
	pid=$!
	wait_exec_filtered $pid
	"$BIN" dump --format=raw -o "$T/got.bpf" "$pid"
	kill $pid
	cmp "$T/want.bpf" "$T/got.bpf"
}

@test "Docker's default profile: the kernel's filter equals compile for the same caps" {
	prof="$SH_UPSTREAM/docker-default.json"
	"$BIN" compile --caps=all "$prof" > "$T/want.bpf"
	"$BIN" exec --caps=all --profile="$prof" -- sleep 30 &
	pid=$!
	wait_exec_filtered $pid
	"$BIN" dump --format=raw -o "$T/got.bpf" "$pid"
	kill $pid
	cmp "$T/want.bpf" "$T/got.bpf"
}

@test "Docker's default as ranges: under a third of libseccomp's tree, and the kernel decides alike" {
	prof="$SH_UPSTREAM/docker-default.json"
	"$BIN" compile -o "$T/ranges.bpf" "$prof"
	"$BIN" compile --no-ranges -o "$T/tree.bpf" "$prof"
	[ $(( $(stat -c %s "$T/ranges.bpf") * 3 )) -lt "$(stat -c %s "$T/tree.bpf")" ]
	for f in ranges tree; do
		# unshare(2) needs CAP_SYS_ADMIN under Docker's profile: EPERM; ordinary work runs.
		run "$BIN" exec --bpf="$T/$f.bpf" -- unshare --user true
		[ "$status" -ne 0 ]
		[[ "$output" == *"Operation not permitted"* ]]
		# shellcheck disable=SC2016 # the inner shell expands them
		run "$BIN" exec --bpf="$T/$f.bpf" -- sh -c 'echo ok > "$0/$1.out" && cat "$0/$1.out"' "$T" "$f"
		[ "$status" -eq 0 ]
		[ "$output" = ok ]
	done
}

@test "--bpf installs a precompiled program" {
	"$BIN" compile -o "$T/f.bpf" "$T/deny-mkdir.json"
	run "$BIN" exec --bpf="$T/f.bpf" -- mkdir "$T/y"
	[ "$status" -ne 0 ]
	[ ! -d "$T/y" ]
	run "$BIN" exec --bpf="$T/f.bpf" -- true
	[ "$status" -eq 0 ]
}

@test "fail closed: the command never runs when the filter cannot be applied" {
	printf '{"defaultAction": "SCMP_ACT_NOPE"}' > "$T/bad.json"
	head -c 12 /dev/urandom > "$T/short.bpf"
	: > "$T/empty.bpf"
	for args in "--profile=$T/bad.json" "--profile=$T/missing.json" "--bpf=$T/short.bpf" "--bpf=$T/empty.bpf" \
		    "--bpf=$T/missing.bpf" "--profile=no-such-name"; do
		run --separate-stderr "$BIN" exec "$args" -- touch "$T/ran"
		[ "$status" -eq 1 ] || [ "$status" -eq 2 ]
		[ ! -e "$T/ran" ]
		[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	done
}

@test "a missing command is exit 127 after the filter is in place" {
	run -127 "$BIN" exec --profile="$T/deny-mkdir.json" -- /no/such/command
}

@test "dump shows the filter of a running process as JSON and disassembly" {
	"$BIN" exec --profile="$T/deny-mkdir.json" -- sleep 30 &
	pid=$!
	for _ in $(seq 100); do grep -q "Seccomp:	2" /proc/$pid/status 2>/dev/null && break; sleep 0.05; done
	run "$BIN" dump "$pid"
	[ "$status" -eq 0 ]
	# The summary: mode, no_new_privs, each filter's length and SHA-256 (compile's program's).
	[ "${lines[0]}" = "pid $pid: Seccomp: 2 (filter), NoNewPrivs: 0, 1 filter(s)" ]
	"$BIN" compile -q -o "$T/want.bpf" "$T/deny-mkdir.json"
	[ "${lines[1]}" = "filter 0: $(( $(stat -c %s "$T/want.bpf") / 8 )) instructions, sha256:$(sha256sum < "$T/want.bpf" | cut -d' ' -f1)" ]
	run "$BIN" dump --format=json "$pid"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg d "$(sha256sum < "$T/want.bpf" | cut -d' ' -f1)" '.seccomp == 2 and (.filters | length) == 1
		and (.filters[0].length > 3) and .filters[0].sha256 == $d'
	run "$BIN" dump --format=disasm "$pid"
	kill $pid
	[ "$status" -eq 0 ]
	[[ "$output" == *"mkdir"* ]]
	[[ "$output" == *"ret ERRNO(13)"* ]]
}

@test "NOTIFY: exec hands the listener fd to listenerPath and the agent's answer is the result" {
	cat > "$T/notify.json" <<JSON
{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "$T/agent.sock", "listenerMetadata": "meta-1",
 "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}]}
JSON
	"$SH_BUILDDIR/tests/notify_listener" "$T/agent.sock" 4242 > "$T/agent.log" &
	agent=$!
	for _ in $(seq 100); do grep -q listening "$T/agent.log" && break; sleep 0.05; done
	run --separate-stderr "$BIN" exec --profile="$T/notify.json" -- "$SH_BUILDDIR/tests/sysprobe" getppid mkdir
	wait $agent
	cat "$T/agent.log"
	[ "$status" -eq 0 ]
	[[ "$output" == *"getppid=ok:4242"* ]]
	grep -q '"metadata":"meta-1"' "$T/agent.log"
	grep -q '"fds":\["seccompFd"\]' "$T/agent.log"
	grep -q "notified: syscall 110" "$T/agent.log"
}

@test "-q silences the warnings compile and exec print on every run with Docker's profile; errors still print" {
	p="$SH_UPSTREAM/docker-default.json"
	run --separate-stderr "$BIN" compile "$p"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"warning: syscalls[16].excludes.arches[0]: unknown architecture 'mips3l64n32'"* ]]
	run --separate-stderr "$BIN" compile -q "$p"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr "$BIN" exec --quiet --profile="$p" -- true
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '{"defaultAction": "SCMP_ACT_BOGUS"}' > "$T/bad.json"
	run --separate-stderr "$BIN" compile -q "$T/bad.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"unknown action 'SCMP_ACT_BOGUS'"* ]]
}

@test "exec decides as docker run does, also as root: unshare denied unless --caps=caller; docker,CAP_SYS_ADMIN adds one" {
	p="$SH_UPSTREAM/docker-default.json"
	run "$BIN" exec -q --profile="$p" -- "$SH_BUILDDIR/tests/sysprobe" unshare
	[[ "$output" == *"unshare=1"* ]]
	run "$BIN" exec -q --caps=docker --profile="$p" -- "$SH_BUILDDIR/tests/sysprobe" unshare
	[[ "$output" == *"unshare=1"* ]]
	run "$BIN" exec -q --caps=caller --profile="$p" -- "$SH_BUILDDIR/tests/sysprobe" unshare
	[[ "$output" == *"unshare=ok"* ]]
	[ "$("$BIN" compile -q --caps=docker,CAP_SYS_ADMIN "$p" | sha256sum)" = \
	  "$("$BIN" compile -q --caps=CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,CAP_SETGID,CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL,CAP_AUDIT_WRITE,CAP_SYS_ADMIN "$p" | sha256sum)" ]
}

@test "dump --format=disasm names each syscall number for the architecture the program's flow compared, x86 as x86" {
	"$BIN" exec -q --profile="$SH_UPSTREAM/docker-default.json" -- sleep 30 &
	pid=$!
	for _ in $(seq 100); do grep -q "Seccomp:	2" /proc/$pid/status 2>/dev/null && break; sleep 0.05; done
	run "$BIN" dump --format=disasm "$pid"
	kill $pid
	[ "$status" -eq 0 ]
	# After the i386 check (AUDIT_ARCH_I386 0x40000003), 60 is umask (exit on x86_64). libseccomp's
	# tree compares the arch there with A still holding it after an argument load, so the listing's
	# last `ld [4]` would name it from the x86_64 table.
	x86=$(echo "$output" | awk '/jeq #0x40000003/ {on = 1} on' | grep -m1 -E '#0x3c ')
	echo "x86 branch: $x86"
	[[ "$x86" == *"#0x3c umask"* ]]
}

@test "compile --format=disasm lists the program that is installed, the same listing dump reads back; raw BPF is refused on a terminal" {
	p="$SH_UPSTREAM/docker-default.json"
	"$BIN" compile -q --format=disasm "$p" > "$T/compiled.txt"
	"$BIN" compile -q -o "$T/prog.bpf" "$p"
	"$BIN" exec --bpf="$T/prog.bpf" -- sleep 30 &
	pid=$!
	for _ in $(seq 100); do grep -q "Seccomp:	2" /proc/$pid/status 2>/dev/null && break; sleep 0.05; done
	"$BIN" dump --format=disasm "$pid" > "$T/live.txt"
	kill $pid
	diff <(grep -E '^  [0-9]{4}: ' "$T/compiled.txt") <(grep -E '^  [0-9]{4}: ' "$T/live.txt")
	grep -q "ret ERRNO(1)" "$T/compiled.txt"
	# On a pseudo-terminal of its own (util-linux script(1) can flood and be killed when its own
	# standard input is not a terminal).
	run python3 -c 'import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' "$BIN" compile -q "$p"
	[ "$status" -eq 2 ]
	[[ "$output" == *"refusing to write binary BPF to a terminal"* ]]
}
