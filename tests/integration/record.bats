#!/usr/bin/env bats
# record on the real kernel: what a command, its threads, its children and its x86 (int 0x80) calls
# used becomes a profile that passes check --strict and the schema, runs the command again (busybox
# httpd serving the same pages), and denies what it never used; --args keeps argument values; --base
# keeps what the base denies denied; a killed recorder leaves neither a running command nor a file.
bats_require_minimum_version 1.5.0
load lib

setup() {
	T=$(mktemp -d)
	PORT=$((20000 + RANDOM % 20000))
	BPFRUN="$SH_BUILDDIR/tests/bpfrun"
}

teardown() {
	if [ -n "${bg:-}" ]; then kill "$bg" 2>/dev/null || true; fi
	for m in "$T"/store/*; do umount "$m" 2>/dev/null || true; done
	rm -rf "$T"
}

# valid PROFILE: check --strict and the JSON Schema both accept it.
valid() {
	"$BIN" check --strict "$1"
	python3 -c 'import json, sys; from jsonschema import Draft202012Validator as V
V(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' "$SH_SRCDIR/schema/seccomp-profile.schema.json" "$1"
}

# allowed_names PROFILE: the names of its unconditional ALLOW rule, one per line.
allowed_names() {
	jq -r '.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and (.args // [] | length) == 0) | .names[]' "$1"
}

# serve PREFIX: busybox httpd in the foreground on $PORT, run by PREFIX (record or exec), in the
# background ($bg); returns once it answers.
serve() {
	mkdir -p "$T/www"
	echo "hello from httpd" > "$T/www/index.html"
	"$@" -- busybox httpd -f -p "127.0.0.1:$PORT" -h "$T/www" 3>&- &
	bg=$!
	for _ in $(seq 100); do
		busybox wget -q -O /dev/null "http://127.0.0.1:$PORT/index.html" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# recording_filter FILE: the filter a recording process runs, read back from the kernel into FILE.
recording_filter() {
	"$BIN" record -q -o "$T/sleep.json" -- sleep 30 3>&- &
	local rec=$! child=
	for _ in $(seq 100); do
		child=$(pgrep -P "$rec" || true)
		if [ -n "$child" ] && grep -q "Seccomp:	2" "/proc/$child/status" 2>/dev/null; then break; fi
		sleep 0.05
	done
	"$BIN" dump --format=raw -o "$1" "$child"
	kill "$child"
	wait "$rec" || true
}

requests() {
	busybox wget -q -O - "http://127.0.0.1:$PORT/index.html"
	busybox wget -q -O - "http://127.0.0.1:$PORT/missing.html" 2>&1 || echo "404 as expected"
}

@test "record /bin/true: a profile of what it used that passes check --strict and the schema" {
	run --separate-stderr "$BIN" record -o "$T/true.json" -- true
	[ "$status" -eq 0 ]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[[ "$stderr" == *"seccomp-hook record: "*" syscalls allowed ("*" calls) on SCMP_ARCH_X86_64 ("*"); profile written to $T/true.json"* ]]
	valid "$T/true.json"
	[ "$(jq -r .defaultAction "$T/true.json")" = SCMP_ACT_ERRNO ]
	[ "$(jq -c .archMap "$T/true.json")" = '[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]}]' ]
	names=$(allowed_names "$T/true.json")
	for n in execve exit_group; do grep -qx "$n" <<<"$names"; done
	run ! grep -qx mount <<<"$names"
	[ "$(sort <<<"$names")" = "$names" ]
	run "$BIN" exec -q --profile="$T/true.json" -- true
	[ "$status" -eq 0 ]
}

@test "busybox httpd recorded while it serves requests serves them again under its profile; unshare and mount fail with EPERM" {
	serve "$BIN" record -o "$T/httpd.json"
	want=$(requests)
	[[ "$want" == *"hello from httpd"* ]]
	kill -TERM "$bg"
	st=0
	wait "$bg" || st=$?
	[ "$st" -eq 143 ] # httpd ended by the SIGTERM the recorder passed on
	bg=
	valid "$T/httpd.json"
	grep -qx accept <<<"$(allowed_names "$T/httpd.json")" || grep -qx accept4 <<<"$(allowed_names "$T/httpd.json")"
	serve "$BIN" exec -q --profile="$T/httpd.json"
	[ "$(requests)" = "$want" ]
	grep -q "Seccomp:	2" /proc/$bg/status
	kill "$bg"; bg=
	run "$BIN" exec -q --profile="$T/httpd.json" -- busybox unshare -U true
	[ "$status" -ne 0 ]
	[[ "$output" == *"unshare"*"Operation not permitted"* ]]
	mkdir "$T/mnt"
	run "$BIN" exec -q --profile="$T/httpd.json" -- busybox mount -t tmpfs none "$T/mnt"
	[ "$status" -ne 0 ]
	run ! mountpoint -q "$T/mnt"
}

@test "every thread is recorded: a call only threads make is in the profile, and needed" {
	"$BIN" record -q -o "$T/threads.json" -- "$PROBE" threads
	"$BIN" record -q -o "$T/plain.json" -- "$PROBE" getppid
	grep -qx getrusage <<<"$(allowed_names "$T/threads.json")"
	run ! grep -qx getrusage <<<"$(allowed_names "$T/plain.json")"
	run "$BIN" exec -q --profile="$T/threads.json" -- "$PROBE" threads
	[ "$output" = "threads=ok:0" ]
	run "$BIN" exec -q --profile="$T/plain.json" -- "$PROBE" threads
	[ "$output" = "threads=1" ]
}

@test "x86 calls (int 0x80) of an x86_64 program: handed to the recorder, recorded on SCMP_ARCH_X86 where the kernel runs them, allowed only when recorded" {
	# The recorder's filter, read back from a recording process, hands x86 calls over like any other.
	recording_filter "$T/rec.bpf"
	[ "$("$BPFRUN" "$T/rec.bpf" x86 getppid)" = SCMP_ACT_NOTIFY ]
	[ "$("$BPFRUN" "$T/rec.bpf" x86 exit_group)" = SCMP_ACT_ALLOW ]
	# A profile's names hold on every arch: a recording of a native getppid allows the x86 one, a
	# recording with no getppid at all denies it.
	"$BIN" record -q -o "$T/native.json" -- "$PROBE" getppid
	"$BIN" compile -o "$T/native.bpf" "$T/native.json"
	[ "$("$BPFRUN" "$T/native.bpf" x86 getppid)" = SCMP_ACT_ALLOW ]
	"$BIN" record -q -o "$T/none.json" -- "$PROBE" personality_query
	"$BIN" compile -o "$T/none.bpf" "$T/none.json"
	[ "$("$BPFRUN" "$T/none.bpf" x86 getppid)" = "SCMP_ACT_ERRNO(1)" ]
	run "$PROBE" int80_entry
	if [ "$output" = int80_entry=ok:1 ]; then
		# The kernel runs int 0x80: the call is made, recorded on SCMP_ARCH_X86, and replayed.
		run --separate-stderr "$BIN" record -o "$T/int80.json" -- "$PROBE" int80_getppid
		[[ "$output" == "int80_getppid=ok:"* ]]
		[[ "$stderr" == *"SCMP_ARCH_X86 (1)"* ]]
		grep -qx getppid <<<"$(allowed_names "$T/int80.json")"
		run "$BIN" exec -q --profile="$T/int80.json" -- "$PROBE" int80_getppid
		[[ "$output" == "int80_getppid=ok:"* ]]
		run "$BIN" exec -q --profile="$T/none.json" -- "$PROBE" int80_getppid
		[ "$output" = "int80_getppid=1" ]
	else
		# No IA32 entry (ia32_emulation=false, or no IDT vector 0x80): int 0x80 faults (SIGSEGV)
		# before any syscall, so no filter sees it, and the recording invents no x86 call.
		[ "$output" = int80_entry=ok:0 ]
		run --separate-stderr "$BIN" record -o "$T/int80.json" -- "$PROBE" int80_getppid
		[ "$status" -eq 139 ]
		[ -z "$output" ]
		[[ "$stderr" == *"on SCMP_ARCH_X86_64 ("*"); profile written to $T/int80.json"* ]]
		[[ "$stderr" != *"SCMP_ARCH_X86 ("* ]]
		valid "$T/int80.json"
		run ! grep -qx getppid <<<"$(allowed_names "$T/int80.json")"
	fi
}

@test "x32 calls (the x32 bit on x86_64) are recorded on SCMP_ARCH_X32, also where the kernel has no x32 ABI" {
	run --separate-stderr "$BIN" record -o "$T/x32.json" -- "$PROBE" x32_getppid
	[[ "$stderr" == *"SCMP_ARCH_X32 (1)"* ]]
	grep -qx getppid <<<"$(allowed_names "$T/x32.json")"
	# Replayed, the filter answers the call as the profile says before the kernel's ABI check.
	"$BIN" record -q -o "$T/none.json" -- "$PROBE" personality_query
	run "$BIN" exec -q --profile="$T/none.json" -- "$PROBE" x32_getppid
	[ "$output" = "x32_getppid=1" ]
}

@test "children and grandchildren are recorded, also after the command itself has exited" {
	# shellcheck disable=SC2016 # the inner shell expands them
	"$BIN" record -q -o "$T/tree.json" -- sh -c '(sleep 0.2; "$0" getppid) & exit 0' "$PROBE"
	grep -qx getppid <<<"$(allowed_names "$T/tree.json")"
}

@test "--args: clone, personality and socket are allowed only with the values used" {
	"$BIN" record -q --args -o "$T/args.json" -- "$PROBE" clone_plain personality_query socket_unix
	valid "$T/args.json"
	[ "$(jq -c '[.syscalls[] | select(.args) | {n: .names[0], a: .args}]' "$T/args.json")" = \
	  '[{"n":"clone","a":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},{"n":"personality","a":[{"index":0,"value":4294967295,"valueTwo":0,"op":"SCMP_CMP_EQ"}]},{"n":"socket","a":[{"index":0,"value":1,"valueTwo":0,"op":"SCMP_CMP_EQ"}]},{"n":"socketcall","a":[{"index":0,"value":1,"valueTwo":0,"op":"SCMP_CMP_EQ"}]}]' ]
	# x86's socketcall(SYS_SOCKET), whose domain no filter reads, is said in a rule of its own.
	[[ "$(jq -r '.syscalls[] | select(.names == ["socketcall"]) | .comment' "$T/args.json")" == "x86's socketcall(SYS_SOCKET) passes"* ]]
	run "$BIN" exec -q --profile="$T/args.json" -- "$PROBE" clone_plain clone_newns personality_query personality1 socket_unix socket_inet
	[ "$output" = "$(printf '%s\n' clone_plain=ok:0 clone_newns=1 personality_query=ok:0 personality1=1 socket_unix=ok:0 socket_inet=1)" ]
	# Without --args the same names are allowed whatever the arguments.
	"$BIN" record -q -o "$T/whole.json" -- "$PROBE" clone_plain socket_unix
	run "$BIN" exec -q --profile="$T/whole.json" -- "$PROBE" clone_newns socket_inet
	[ "$output" = "$(printf '%s\n' clone_newns=ok:0 socket_inet=ok:0)" ]
}

@test "--base Docker's profile: what it denies stays denied, answered with its errno and listed with its rule" {
	D="$UPSTREAM/docker-default.json"
	run --separate-stderr "$BIN" record --base="$D" --caps=docker -o "$T/base.json" -- "$PROBE" mount clone_newns clone_plain getppid
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = mount=1 ]
	[ "${lines[1]}" = clone_newns=1 ]
	[ "${lines[2]}" = clone_plain=ok:0 ]
	[[ "${lines[3]}" == getppid=ok:* ]]
	[[ "$stderr" == *"denied by the base: "*"mount (1 call, SCMP_ACT_ERRNO(1) EPERM by default action ($D:"* ]]
	[[ "$stderr" == *"clone (1 call, SCMP_ACT_ERRNO(1) EPERM by default action"* ]]
	valid "$T/base.json"
	run ! grep -qx mount <<<"$(allowed_names "$T/base.json")"
	run ! grep -qx clone <<<"$(allowed_names "$T/base.json")"
	# clone keeps the base's condition: only the call without namespace flags is allowed.
	[ "$(jq -c '[.syscalls[] | select(.names == ["clone"]) | .args[0].value]' "$T/base.json")" = '[2114060288]' ]
	run "$BIN" exec -q --profile="$T/base.json" -- "$PROBE" clone_plain clone_newns mount
	[ "$output" = "$(printf '%s\n' clone_plain=ok:0 clone_newns=1 mount=1)" ]
}

@test "--base with overlapping socket rules: AF_NETLINK is denied with the base's EACCES and is not in the recording; with AF_UNIX used the recording still denies it" {
	netlink_profile "$T/netlink.json"
	run --separate-stderr "$BIN" record --base="$T/netlink.json" --caps=docker -o "$T/nl.json" -- "$PROBE" socket_netlink
	[ "$output" = socket_netlink=13 ]
	last=$(($(jq '.syscalls | length' "$T/netlink.json") - 1))
	[[ "$stderr" == *"socket (1 call, SCMP_ACT_ERRNO(13) EACCES by rule syscalls[$last] ($T/netlink.json:"* ]]
	valid "$T/nl.json"
	[ "$(jq '[.syscalls[] | select(.names | index("socket"))] | length' "$T/nl.json")" -eq 0 ]
	run "$BIN" explain "$T/nl.json" socket 16
	[[ "${lines[0]}" == "socket (SCMP_ARCH_X86_64 #41): SCMP_ACT_ERRNO(1) EPERM - default action"* ]]
	# AF_UNIX let through by the base's first socket rule: its condition is kept, and so is the rule
	# that denies AF_NETLINK, which it overlaps.
	run "$BIN" record -q --base="$T/netlink.json" --caps=docker -o "$T/both.json" -- "$PROBE" socket_netlink socket_unix
	[ "$output" = "$(printf '%s\n' socket_netlink=13 socket_unix=ok:0)" ]
	valid "$T/both.json"
	run "$BIN" exec -q --profile="$T/both.json" -- "$PROBE" socket_netlink socket_unix socket_vsock
	[ "$output" = "$(printf '%s\n' socket_netlink=13 socket_unix=ok:0 socket_vsock=1)" ]
}

@test "a base that denies with its own errno: the recorded command sees that errno" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}' > "$T/b.json"
	run --separate-stderr "$BIN" record --base="$T/b.json" -o "$T/out.json" -- "$PROBE" getppid
	[ "$output" = "getppid=38" ]
	[[ "$stderr" == *"getppid (1 call, SCMP_ACT_ERRNO(38) ENOSYS by rule syscalls[0] ($T/b.json:1:"* ]]
	[ "$(jq -r .defaultAction "$T/out.json")" = SCMP_ACT_ALLOW ]
}

@test "SIGKILL to the recorder stops the command and leaves no profile and no temporary file" {
	# shellcheck disable=SC2016 # the inner shell expands them
	"$BIN" record -o "$T/killed.json" -- sh -c 'while :; do "$0" getppid >/dev/null; done' "$PROBE" 2>/dev/null 3>&- &
	rec=$!
	# The command: the child running under the filter (not the short-lived one compiling it).
	child=
	for _ in $(seq 100); do
		child=$(pgrep -P "$rec" || true)
		if [ -n "$child" ] && grep -q "Seccomp:	2" "/proc/$child/status" 2>/dev/null; then break; fi
		sleep 0.05
	done
	[ -n "$child" ]
	grep -q "Seccomp:	2" "/proc/$child/status"
	kill -KILL "$rec"
	for _ in $(seq 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.05; done
	run ! kill -0 "$child"
	[ ! -e "$T/killed.json" ]
	[ -z "$(find "$T" -mindepth 1 -name '*tmp*')" ]
}

@test "fail closed: an invalid base, an unwritable output or a missing command run nothing" {
	echo '{"defaultAction": "SCMP_ACT_ALOW"}' > "$T/bad.json"
	run "$BIN" record --base="$T/bad.json" -o "$T/o.json" -- touch "$T/ran"
	[ "$status" -eq 1 ]
	[ ! -e "$T/ran" ]
	[ ! -e "$T/o.json" ]
	run "$BIN" record -o "$T/no-such-dir/o.json" -- touch "$T/ran"
	[ "$status" -eq 2 ]
	[[ "$output" == *"cannot write in $T/no-such-dir"* ]]
	[ ! -e "$T/ran" ]
	run -127 "$BIN" record -o "$T/o.json" -- no-such-command-here
	run "$BIN" record -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"-o OUT.json is required"* ]]
}

@test "the command's exit status is record's, and the profile is written also when it fails" {
	run "$BIN" record -q -o "$T/f.json" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	valid "$T/f.json"
}

@test "merge of two recordings runs both commands; what neither used (unshare, mount, ptrace) fails with EPERM" {
	"$BIN" record -q -o "$T/a.json" -- "$PROBE" getppid
	"$BIN" record -q -o "$T/b.json" -- "$PROBE" mkdir
	run ! grep -qx mkdirat <<<"$(allowed_names "$T/a.json")"
	run ! grep -qx getppid <<<"$(allowed_names "$T/b.json")"
	"$BIN" merge -q "$T/a.json" "$T/b.json" -o "$T/ab.json"
	rm -rf /tmp/sysprobe-dir
	run "$BIN" exec -q --profile="$T/ab.json" -- "$PROBE" getppid mkdir unshare mount ptrace
	rm -rf /tmp/sysprobe-dir
	[[ "${lines[0]}" == getppid=ok:* ]]
	[ "${lines[1]}" = mkdir=ok:0 ]
	[ "${lines[2]}" = unshare=1 ]
	[ "${lines[3]}" = mount=1 ]
	[ "${lines[4]}" = ptrace=1 ]
	"$BIN" merge -q "$T/a.json" "$T/b.json" --deny=getppid -o "$T/ab-.json"
	run "$BIN" exec -q --profile="$T/ab-.json" -- "$PROBE" getppid
	[ "$output" = getppid=1 ]
}

@test "record --args on a base: only the values used, within what the base allows; the base's target said" {
	run --separate-stderr "$BIN" record --base=default --profiles-dir="$SH_SRCDIR/profiles" --args -o "$T/r.json" -- \
		"$SH_BUILDDIR/tests/sysprobe" socket_unix
	[ "$status" -eq 0 ]
	[[ "$(echo "$stderr" | head -1)" == "seccomp-hook record: $SH_SRCDIR/profiles/default.json: resolved for SCMP_ARCH_X86_64,SCMP_ARCH_X86,SCMP_ARCH_X32; caps: docker default (0xa80425fb); kernel "* ]]
	# socket: AF_UNIX only, where the base allows every family below AF_VSOCK.
	[ "$(jq -c '[.syscalls[] | select(.names == ["socket"]) | .args]' "$T/r.json")" = '[[{"index":0,"value":1,"valueTwo":0,"op":"SCMP_CMP_EQ"}]]' ]
	run "$BIN" exec -q --profile="$T/r.json" -- "$SH_BUILDDIR/tests/sysprobe" socket_unix socket_inet
	[ "$status" -eq 0 ]
	[[ "$output" == *"socket_unix=ok"* ]]
	[[ "$output" == *"socket_inet=1"* ]]
	valid "$T/r.json"
}

@test "record --for: a profile recorded on the host starts a container; without it the wrapper refuses it at create, naming the calls" {
	mkdir -p "$T/profiles" "$T/runc-state"
	make_bundle "$T/b" '["true"]'
	cp "$T/b/config.json" "$T/config.orig.json"
	for r in plain runc init; do
		opt=--for=$r
		if [ $r = plain ]; then opt=; fi
		# shellcheck disable=SC2086 # no option for the plain recording
		"$BIN" record -q $opt -o "$T/profiles/$r.json" -- busybox true
	done
	wrap() { # each run on the bundle as made: the wrapper rewrites its config
		cp "$T/config.orig.json" "$T/b/config.json"
		timeout -k 5 120 "$SH_BUILDDIR/seccomp-hook-runtime" --profiles-dir="$T/profiles" --cache-dir="$T/cache" \
			--loader="$LOADER" --state-dir="$T/wstate" --seal-key="$T/key/seal.key" --loader-store="$T/store" \
			--root "$T/runc-state" "$@" < /dev/null
	}
	# check --for names what any configuration needs; the wrapper, what this one does (no_new_privs:
	# runc sets the user before the install), in the same words, before runc fails.
	run --separate-stderr "$BIN" check --for=runc "$T/profiles/plain.json"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *": warning: runc calls "*"fstatfs"*"setuid"*"the container cannot start; allow them (record --for=runc adds them)"* ]]
	run wrap --mode=runtime --default-profile=plain run -b "$T/b" r1
	[ "$status" -ne 0 ]
	[[ "$output" == *"profile 'plain': runc calls close, fstatfs, getdents64, openat and write in the container after it installs the filter, which does not allow them: the container cannot start; allow them (record --for=runc adds them)"* ]]
	run wrap --mode=runtime --default-profile=runc run -b "$T/b" r2
	[ "$status" -eq 0 ]
	# Init mode: the loader lowers its borrowed capabilities after the install.
	run wrap --mode=init --default-profile=plain run -b "$T/b" r3
	[ "$status" -ne 0 ]
	[[ "$output" == *"profile 'plain': init calls capset"*"the container cannot start; allow "*" (record --for=init adds "* ]]
	run wrap --mode=init --default-profile=init run -b "$T/b" r4
	[ "$status" -eq 0 ]
	run --separate-stderr "$BIN" check --for=init "$T/profiles/init.json"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}
