#!/usr/bin/env bats
# Live denial reports on the real kernel (exec --report): a denied mount under Docker's default
# profile is reported once per (syscall, rule) with pid, comm, arguments and the deciding rule as
# explain names it, on stderr, to syslog and to a JSON-lines file, with Prometheus counts; enforce
# answers with the profile's errno, complain lets the call through; allowed calls are not reported.
bats_require_minimum_version 1.5.0
load lib

setup() {
	T=$(mktemp -d)
	D="$UPSTREAM/docker-default.json"
}

teardown() {
	rm -rf "$T"
}

@test "enforce: mount under Docker's profile is denied with EPERM and reported once with its arguments and the default action's line" {
	run --separate-stderr unshare -m "$BIN" exec --report=enforce --report-log="$T/r.jsonl" --report-metrics="$T/m.prom" \
		--caps=docker --profile="$D" -- "$PROBE" mount mount getppid
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = mount=1 ]
	[ "${lines[1]}" = mount=1 ]
	[[ "${lines[2]}" == getppid=ok:* ]]
	why=$("$BIN" explain --caps=docker "$D" mount | head -1 | sed 's/.* - //')
	[[ "$why" == "default action ($D:"*")" ]]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[ "$(grep -c 'denied: mount(' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"comm=sysprobe denied: mount(0x"*") on SCMP_ARCH_X86_64: SCMP_ACT_ERRNO(1) EPERM by $why [enforce]"* ]]
	[[ "$stderr" == *"seccomp-hook exec: 1 denials reported (2 calls, enforce)"* ]]
	run ! grep -q getppid <<<"$stderr"
	[ "$(wc -l < "$T/r.jsonl")" -eq 1 ]
	[ "$(jq -r '[.syscall, .action, .errno_name, .decided_by, .reason, .mode, .comm, (.let_through|tostring), (.args|length|tostring)] | join("|")' "$T/r.jsonl")" = \
	  "mount|SCMP_ACT_ERRNO(1)|EPERM|default|$why|enforce|sysprobe|false|6" ]
	# The probe mounts "none" on /tmp as tmpfs: its third argument points at the type.
	[ "$(jq '.pid' "$T/r.jsonl")" -gt 0 ]
	grep -qx 'seccomp_hook_denied_calls_total{container="exec:'"$PROBE"'",syscall="mount",action="SCMP_ACT_ERRNO(1)",mode="enforce"} 2' "$T/m.prom"
	grep -q '^# TYPE seccomp_hook_denied_calls_total counter$' "$T/m.prom"
}

@test "a rule's own errno and its FILE:LINE: clone3 gets ENOSYS from Docker's rule, reported with that rule" {
	run --separate-stderr "$BIN" exec --report=enforce --caps=docker --profile="$D" -- "$PROBE" clone3
	[ "$output" = clone3=38 ]
	why=$("$BIN" explain --caps=docker "$D" clone3 | head -1 | sed 's/.* - //')
	[[ "$why" == "rule syscalls["*"] ($D:"*")"* ]]
	[[ "$stderr" == *"denied: clone3("*"SCMP_ACT_ERRNO(38) ENOSYS by ${why%%:*}:"* ]]
}

@test "overlapping rules: socket(AF_NETLINK), allowed by one rule and denied by a later one, is denied with EACCES and reported with the later rule, as the plain program decides" {
	netlink_profile "$T/netlink.json"
	# The plain profile's program denies it; AF_UNIX is allowed.
	run "$BIN" exec -q --caps=docker --profile="$T/netlink.json" -- "$PROBE" socket_netlink socket_unix
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' socket_netlink=13 socket_unix=ok:0)" ]
	run --separate-stderr "$BIN" exec --report=enforce --report-log="$T/r.jsonl" --caps=docker --profile="$T/netlink.json" -- \
		"$PROBE" socket_netlink socket_unix
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' socket_netlink=13 socket_unix=ok:0)" ]
	why=$("$BIN" explain --caps=docker "$T/netlink.json" socket 16 | head -1 | sed 's/.* - //')
	last=$(($(jq '.syscalls | length' "$T/netlink.json") - 1))
	[[ "$why" == "rule syscalls[$last] ($T/netlink.json:"*")" ]]
	[[ "$stderr" == *"denied: socket(0x10, "*") on SCMP_ARCH_X86_64: SCMP_ACT_ERRNO(13) EACCES by $why [enforce]"* ]]
	[[ "$stderr" == *"seccomp-hook exec: 1 denials reported (1 calls, enforce)"* ]]
	[ "$(jq -r '[.syscall, (.args[0]|tostring), .action, .decided_by, (.rule|tostring), (.let_through|tostring)] | join("|")' "$T/r.jsonl")" = \
	  "socket|16|SCMP_ACT_ERRNO(13)|rule|$last|false" ]
}

@test "complain: the denied call goes through and is reported as would-be-denied" {
	# shellcheck disable=SC2016 # the inner shell expands them
	run --separate-stderr unshare -m sh -c '"$0" exec --report=complain --report-log="$1/r.jsonl" --caps=docker --profile="$2" -- "$3" mount && mountpoint -q /tmp && echo mounted' \
		"$BIN" "$T" "$D" "$PROBE"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = mount=ok:0 ]
	[ "${lines[1]}" = mounted ]
	[[ "$stderr" == *"would be denied: mount("*"[complain]"* ]]
	[ "$(jq -r '"\(.let_through) \(.mode)"' "$T/r.jsonl")" = "true complain" ]
}

@test "reports reach syslog (/dev/log)" {
	cat > "$T/syslogd.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(20)
with open(sys.argv[1], "w") as out:
    while True:
        msg = s.recv(4096).decode()
        out.write(msg + "\n"); out.flush()
        if "denied: mount(" in msg:
            break
PY
	# A private /dev with its own /dev/log: the host's syslog is not touched.
	# shellcheck disable=SC2016 # the inner shell expands them
	run unshare -m bash -c 'mount -t tmpfs none /dev && { python3 "$1" "$2/log" < "$1" & } &&
		for _ in $(seq 100); do [ -e "$2/log.ready" ] && break; sleep 0.05; done &&
		"$3" exec -q --report=enforce --caps=docker --profile="$4" -- "$5" mount; wait' sh "$T/syslogd.py" "$T" "$BIN" "$D" "$PROBE"
	[ "$status" -eq 0 ]
	grep -q 'seccomp-hook\[[0-9]*\]: container=exec:.*denied: mount(.*SCMP_ACT_ERRNO(1) EPERM by default action' "$T/log"
	grep -q '^<12>' "$T/log" # LOG_USER | LOG_WARNING
}

@test "the process runs the report program: the profile's program with only its errno returns changed" {
	"$BIN" compile --caps=docker "$D" > "$T/plain.bpf"
	"$BIN" exec -q --report=enforce --caps=docker --profile="$D" -- sleep 30 &
	pid=$!
	# exec's children: a short-lived one compiling (libseccomp runs bounded in a child of its own), then
	# the command once it has exec'd sleep; a child gone by the time it is looked at is neither.
	for _ in $(seq 100); do
		child=$(pgrep -P "$pid" || true)
		[ -n "$child" ] && exe=$(readlink "/proc/$child/exe") && [ "$exe" != "$BIN" ] && break
		sleep 0.05
	done
	"$BIN" dump --format=raw -o "$T/got.bpf" "$child"
	kill "$child"; wait "$pid" || true
	[ "$(stat -c %s "$T/plain.bpf")" -eq "$(stat -c %s "$T/got.bpf")" ]
	# Byte by byte: every difference is a return (code 0x06) whose value went from ERRNO to USER_NOTIF.
	python3 - "$T/plain.bpf" "$T/got.bpf" <<'PY'
import struct, sys
a, b = (open(f, "rb").read() for f in sys.argv[1:3])
changed = 0
for i in range(0, len(a), 8):
    ca, _, _, ka = struct.unpack("<HBBI", a[i:i+8]); cb, _, _, kb = struct.unpack("<HBBI", b[i:i+8])
    if a[i:i+8] != b[i:i+8]:
        assert ca == cb == 0x06 and ka & 0xffff0000 == 0x00050000 and kb == 0x7fc00000, (i, hex(ka), hex(kb))
        changed += 1
assert changed > 0
PY
}

@test "usage: --report needs --profile and a known mode; an unwritable log runs nothing" {
	run "$BIN" exec --report=enforce --bpf=/dev/null -- true
	[ "$status" -eq 2 ]
	run "$BIN" exec --report=loud --profile="$D" -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"--report is enforce or complain"* ]]
	run "$BIN" exec --report-log="$T/x" --profile="$D" -- true
	[ "$status" -eq 2 ]
	run "$BIN" exec -q --report=enforce --report-log="$T/no/dir/r.jsonl" --profile="$D" -- touch "$T/ran"
	[ "$status" -eq 2 ]
	[ ! -e "$T/ran" ]
}

@test "a syslog that does not read holds up nothing: every denied call is answered" {
	cat > "$T/deaf.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1], "w").close()
time.sleep(60)
PY
	# A private /dev and network namespace: a /dev/log whose queue of 2 is full after two reports.
	# shellcheck disable=SC2016 # the inner shell expands them
	run timeout -s KILL 30 unshare -m -n bash -c 'mount -t tmpfs none /dev && sysctl -qw net.unix.max_dgram_qlen=2 &&
		{ python3 "$1" "$2/ready" < "$1" & } &&
		for _ in $(seq 100); do [ -e "$2/ready" ] && break; sleep 0.05; done &&
		"$3" exec -q --report=enforce --caps=docker --profile="$4" -- "$5" mount unshare keyctl personality1 clone3;
		st=$?; kill %1; exit $st' sh "$T/deaf.py" "$T" "$BIN" "$D" "$PROBE"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' mount=1 unshare=1 keyctl=1 personality1=1 clone3=38)" ]
}
