#!/usr/bin/env bats
# Recording and live reports for real containers (org.seccomp-hook.record / .report): busybox httpd
# recorded while serving requests inside a runc container serves the same responses under its
# recording in runtime and init mode, under runc and crun, while what it never used fails with EPERM;
# reports name the container, the call and the deciding rule; and the attacks a bundle could make on
# where the recording goes fail. Needs root.
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and runc crun jq busybox
}

setup() {
	T=$(mktemp -d /tmp/sh-rec.XXXXXX)
	mkdir -p "$T/profiles" "$T/runc-state" "$T/crun-state" "$T/rec"
	cp "$UPSTREAM/docker-default.json" "$T/profiles/docker.json"
	DIRS=(--recordings-dir="$T/rec" --agents-dir="$T/agents" --reports-log="$T/reports.jsonl" --metrics-dir="$T/metrics")
	WANT=$(printf 'hello from the container\nwget: server returned error: HTTP/1.1 404 Not Found\nno missing.html')
	WRAP=("$SH_BUILDDIR/seccomp-hook-runtime" --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER"
		--state-dir="$T/wrapper-state" "${DIRS[@]}")
}

teardown() {
	[ ! -d "$T/podman" ] || teardown_podman
	[ ! -f "$T/hog.pid" ] || kill "$(cat "$T/hog.pid")" 2>/dev/null || true
	# A run the bound stopped leaves its container (runc init stuck in a notified call) behind.
	for c in $(runc --root "$T/runc-state" list -q 2>/dev/null); do
		runc --root "$T/runc-state" delete -f "$c" >/dev/null 2>&1 || true
	done
	# Agents of containers a test never started wait an hour for them: not beyond the test.
	pkill -f -- "--agents-dir=$T/agents" || true
	rm -rf "$T"
}

# web BUNDLE [PROBE ARGS...]: busybox httpd (it daemonizes: a child the recording must follow) serves
# two requests inside the container; then, if asked, the probe runs; everything goes to /out.
web() {
	local b=$1
	shift
	# shellcheck disable=SC2016 # the container's shell expands them
	make_bundle "$b" '["sh", "-c", "mkdir -p /tmp/www && echo hello from the container > /tmp/www/index.html && httpd -p 127.0.0.1:8080 -h /tmp/www && for p in index.html missing.html; do wget -q -O - http://127.0.0.1:8080/$p >> /out/responses 2>&1 || echo no $p >> /out/responses; done; kill $(pidof httpd); grep ^Seccomp: /proc/self/status > /out/status; [ $# -eq 0 ] || sysprobe \"$@\" > /out/probe", "sh"]'
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$b" '.process.args += $extra' --argjson extra "$(jq -cn '$ARGS.positional' --args "$@")"
	for a in httpd wget pidof; do ln -sf busybox "$b/rootfs/bin/$a"; done
}

# annotate BUNDLE KEY=VALUE...
annotate() {
	local b=$1
	shift
	for kv in "$@"; do
		# shellcheck disable=SC2016 # jq's variables: set_config runs jq
		set_config "$b" '.annotations[$k] = $v' --arg k "${kv%%=*}" --arg v "${kv#*=}"
	done
}

# wait_for FILE: the agent writes when the container's last process is gone, just after runc returns.
wait_for() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done
	return 1
}

# The recording of httpd made under runc in init mode (through the wrapper), and of the probe alone,
# merged into $T/profiles/web.json. The test's own client, wget, polls only when an answer is not there
# yet, which depends on timing: poll is added, as a run that did not exercise a call would be.
record_web() {
	web "$T/rec-web"
	annotate "$T/rec-web" org.seccomp-hook.record=web
	"${WRAP[@]}" --mode=init --root "$T/runc-state" run -b "$T/rec-web" recweb < /dev/null
	wait_for "$T/rec/web.json"
	make_bundle "$T/rec-probe" '["sysprobe"]'
	annotate "$T/rec-probe" org.seccomp-hook.record=probe
	"$BIN" inject --mode=runtime "${DIRS[@]}" "$T/rec-probe"
	run_runc "$T/rec-probe" recprobe
	wait_for "$T/rec/probe.json"
	"$BIN" merge -q "$T/rec/web.json" "$T/rec/probe.json" --allow=poll -o "$T/profiles/web.json"
}

@test "httpd recorded in a runc container: the recording appears when it stops and passes check --strict" {
	web "$T/b"
	annotate "$T/b" org.seccomp-hook.record=web
	"$BIN" inject --mode=runtime "${DIRS[@]}" "$T/b"
	[ "$(jq -r '.linux.seccomp.listenerPath' "$T/b/config.json")" = "$(ls "$T"/agents/*.sock)" ]
	[ "$(stat -c %a "$T/agents")" = 700 ]
	run_runc "$T/b" c1
	wait_for "$T/rec/web.json"
	[ "$(cat "$T/b/out/responses")" = "$WANT" ]
	"$BIN" check --strict "$T/rec/web.json"
	names=$(jq -r '.syscalls[0].names[]' "$T/rec/web.json")
	for n in accept bind listen execve; do grep -qx "$n" <<<"$names" || grep -qx "${n}4" <<<"$names"; done
	run ! grep -qx mount <<<"$names"
	# The agent is gone and its socket with it.
	for _ in $(seq 50); do [ -z "$(ls "$T/agents")" ] && break; sleep 0.05; done
	[ -z "$(ls "$T/agents")" ]
}

@test "the recording runs the container again in runtime and init mode under runc and crun; unshare, mount and ptrace fail with EPERM" {
	record_web
	for how in runc-runtime crun-runtime runc-init crun-init; do
		rm -rf "$T/b"
		web "$T/b" unshare mount ptrace
		annotate "$T/b" org.seccomp-hook.profile=web
		case $how in
		runc-runtime) "$BIN" inject --mode=runtime --profiles-dir="$T/profiles" "$T/b"; run_runc "$T/b" "r-$how" ;;
		crun-runtime) "$BIN" inject --mode=runtime --runtime=crun --profiles-dir="$T/profiles" "$T/b"; run_crun "$T/b" "r-$how" ;;
		runc-init) "${WRAP[@]}" --mode=init --root "$T/runc-state" run -b "$T/b" "r-$how" < /dev/null ;;
		crun-init) "$BIN" inject --mode=init --runtime=crun --profiles-dir="$T/profiles" --cache-dir="$T/cache" "$T/b"; run_crun "$T/b" "r-$how" ;;
		esac
		echo "$how: $(cat "$T/b/out/responses" "$T/b/out/probe" 2>&1)"
		[ "$(cat "$T/b/out/responses")" = "$WANT" ]
		[ "$(cat "$T/b/out/probe")" = "$(printf '%s\n' unshare=1 mount=1 ptrace=1)" ]
		[ "$(cat "$T/b/out/status")" = "Seccomp:	2" ]
	done
}

@test "a recording made in init mode through the wrapper runs the container in runtime mode" {
	make_bundle "$T/b" '["sysprobe", "getppid"]'
	# On Docker's terms (a recording without a base lets anything run: that one gets runtime mode).
	annotate "$T/b" org.seccomp-hook.record=init-made org.seccomp-hook.profile=docker
	run --separate-stderr "${WRAP[@]}" --mode=init --root "$T/runc-state" run -b "$T/b" i1 < /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == getppid=ok:* ]]
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("docker init sha256:")' "$T/b/config.json"
	wait_for "$T/rec/init-made.json"
	cp "$T/rec/init-made.json" "$T/profiles/"
	rm -rf "$T/b2"
	make_bundle "$T/b2" '["sysprobe", "getppid", "unshare"]'
	annotate "$T/b2" org.seccomp-hook.profile=init-made
	"$BIN" inject --mode=runtime --profiles-dir="$T/profiles" "$T/b2"
	run run_runc "$T/b2" i2
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == getppid=ok:* ]] && [ "${lines[1]}" = unshare=1 ]
}

@test "recording on top of Docker's profile: what it denies stays denied in the container and out of the recording" {
	make_bundle "$T/b" '["sysprobe", "getppid", "personality1", "clone_newns"]'
	annotate "$T/b" org.seccomp-hook.record=on-docker org.seccomp-hook.profile=docker
	"$BIN" inject --mode=runtime --profiles-dir="$T/profiles" "${DIRS[@]}" "$T/b"
	run run_runc "$T/b" d1
	[[ "${lines[0]}" == getppid=ok:* ]]
	[ "${lines[1]}" = personality1=1 ]
	[ "${lines[2]}" = clone_newns=1 ]
	wait_for "$T/rec/on-docker.json"
	"$BIN" check --strict "$T/rec/on-docker.json"
	run "$BIN" explain "$T/rec/on-docker.json" personality 1
	[[ "${lines[0]}" == *"SCMP_ACT_ERRNO(1) EPERM - default action"* ]]
}

@test "reports from a container: the denied call, its container and the deciding rule; enforce denies, complain lets through" {
	for mode in enforce complain; do
		rm -rf "$T/b"
		make_bundle "$T/b" '["sysprobe", "keyctl", "getppid", "keyctl"]'
		annotate "$T/b" org.seccomp-hook.report=$mode org.seccomp-hook.profile=docker
		"$BIN" inject --mode=runtime --profiles-dir="$T/profiles" "${DIRS[@]}" "$T/b"
		run run_runc "$T/b" "rep-$mode"
		if [ $mode = enforce ]; then [ "${lines[0]}" = keyctl=1 ]; else [[ "${lines[0]}" = keyctl=ok:* ]]; fi
		wait_for "$T/metrics/seccomp-hook-rep-$mode.prom"
	done
	why=$("$BIN" explain "$T/profiles/docker.json" keyctl | head -1 | sed 's/.* - //')
	[[ "$why" == "default action ($T/profiles/docker.json:"* ]]
	[ "$(jq -sr 'map([.container, .syscall, (.args[1]|tostring), .action, .reason, .mode, (.let_through|tostring)] | join("|")) | join("\n")' "$T/reports.jsonl")" = \
	  "$(printf '%s\n' "rep-enforce|keyctl|4294967292|SCMP_ACT_ERRNO(1)|$why|enforce|false" "rep-complain|keyctl|4294967292|SCMP_ACT_ERRNO(1)|$why|complain|true")" ]
	grep -qx 'seccomp_hook_denied_calls_total{container="rep-enforce",syscall="keyctl",action="SCMP_ACT_ERRNO(1)",mode="enforce"} 2' "$T/metrics/seccomp-hook-rep-enforce.prom"
}

@test "reports in init mode and under crun also name a call no condition of a conditional rule matches (personality 1)" {
	for how in runc-init crun-runtime; do
		rm -rf "$T/b"
		make_bundle "$T/b" '["sysprobe", "personality1", "personality_query"]'
		annotate "$T/b" org.seccomp-hook.report=enforce org.seccomp-hook.profile=docker
		if [ $how = runc-init ]; then
			run --separate-stderr "${WRAP[@]}" --mode=init --root "$T/runc-state" run -b "$T/b" "pi-$how" < /dev/null
		else
			"$BIN" inject --mode=runtime --runtime=crun --profiles-dir="$T/profiles" "${DIRS[@]}" "$T/b"
			run run_crun "$T/b" "pi-$how"
		fi
		[ "${lines[0]}" = personality1=1 ]
		[ "${lines[1]}" = personality_query=ok:0 ]
		wait_for "$T/metrics/seccomp-hook-pi-$how.prom"
		[ "$(jq -r 'select(.container == "pi-'$how'") | "\(.syscall) \(.args[0]) \(.decided_by)"' "$T/reports.jsonl")" = "personality 1 default" ]
	done
}

@test "reports with overlapping rules: socket(AF_NETLINK) is denied with EACCES and reported with the rule that denies it, in runtime and init mode under runc" {
	netlink_profile "$T/profiles/netlink.json"
	last=$(($(jq '.syscalls | length' "$T/profiles/netlink.json") - 1))
	for mode in runtime init; do
		rm -rf "$T/b"
		make_bundle "$T/b" '["sysprobe", "socket_netlink", "socket_unix"]'
		annotate "$T/b" org.seccomp-hook.report=enforce org.seccomp-hook.profile=netlink
		if [ $mode = runtime ]; then
			"$BIN" inject --mode=runtime --profiles-dir="$T/profiles" "${DIRS[@]}" "$T/b"
			run run_runc "$T/b" "nl-$mode"
		else
			# (the profile's warnings, as the wrapper compiles it, on stderr)
			run --separate-stderr "${WRAP[@]}" --mode=init --root "$T/runc-state" run -b "$T/b" "nl-$mode" < /dev/null
		fi
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = socket_netlink=13 ]
		[ "${lines[1]}" = socket_unix=ok:0 ]
		wait_for "$T/metrics/seccomp-hook-nl-$mode.prom"
		[ "$(jq -r 'select(.container == "nl-'$mode'") | [.syscall, (.args[0]|tostring), .action, .decided_by, (.rule|tostring), (.let_through|tostring)] | join("|")' "$T/reports.jsonl")" = \
		  "socket|16|SCMP_ACT_ERRNO(13)|rule|$last|false" ]
	done
}

@test "a reporter that cannot start leaves the plain profile, with a warning; a recording that cannot start stops the start" {
	make_bundle "$T/b" '["sysprobe", "personality1"]'
	annotate "$T/b" org.seccomp-hook.report=enforce org.seccomp-hook.profile=docker
	touch "$T/file"
	run --separate-stderr "$BIN" inject --mode=runtime --profiles-dir="$T/profiles" --reports-log="$T/file/x.jsonl" --agents-dir="$T/agents" "$T/b"
	[ "$status" -eq 0 ]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[[ "$stderr" == *"warning: live reports could not start ("*": not a directory); the profile applies without them"* ]]
	[ "$(jq -r '.linux.seccomp.listenerPath' "$T/b/config.json")" = null ]
	run run_runc "$T/b" p1
	[ "$output" = personality1=1 ]
	rm -rf "$T/b2"
	make_bundle "$T/b2" '["touch", "/out/ran"]'
	annotate "$T/b2" org.seccomp-hook.record=x
	cp "$T/b2/config.json" "$T/before.json"
	run "$BIN" inject --mode=runtime --agents-dir="$T/file/agents" "$T/b2"
	[ "$status" -ne 0 ]
	cmp "$T/before.json" "$T/b2/config.json"
}

@test "hostile bundles: a recording name with a path is refused, and a symlink planted at the recording is replaced, not followed" {
	make_bundle "$T/b" '["true"]'
	for bad in ../x /etc/passwd .hidden "a/b" ""; do
		annotate "$T/b" "org.seccomp-hook.record=$bad"
		run "$BIN" inject --mode=runtime "${DIRS[@]}" "$T/b"
		[ "$status" -eq 1 ]
		[[ "$output" == *"org.seccomp-hook.record: invalid name"* ]]
	done
	[ ! -e "$T/agents" ] || [ -z "$(ls "$T/agents")" ]
	annotate "$T/b" org.seccomp-hook.record=web org.seccomp-hook.report=enforce
	run "$BIN" inject --mode=runtime "${DIRS[@]}" "$T/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot be combined"* ]]
	rm -rf "$T/b"
	make_bundle "$T/b" '["true"]'
	echo keep > "$T/victim"
	ln -s "$T/victim" "$T/rec/planted.json"
	annotate "$T/b" org.seccomp-hook.record=planted
	"$BIN" inject --mode=runtime "${DIRS[@]}" "$T/b"
	run_runc "$T/b" h1
	for _ in $(seq 100); do [ -L "$T/rec/planted.json" ] || break; sleep 0.05; done
	[ ! -L "$T/rec/planted.json" ]
	[ -f "$T/rec/planted.json" ]
	[ "$(cat "$T/victim")" = keep ]
}

@test "podman through hooks.d: a recording by annotation alone, and reports under a named profile" {
	require_root_and podman
	setup_podman
	mkdir -p "$T/podman/out"
	podman_hook --profiles-dir="$T/profiles" "${DIRS[@]}"
	run run_podman --name pod-rec --annotation org.seccomp-hook.record=pod localhost/sh-busybox sysprobe getppid
	[ "$status" -eq 0 ]
	[[ "$output" == getppid=ok:* ]]
	wait_for "$T/rec/pod.json"
	"$BIN" check --strict "$T/rec/pod.json"
	grep -qx getppid <<<"$(jq -r '.syscalls[0].names[]' "$T/rec/pod.json")"
	run run_podman --name pod-rep --annotation org.seccomp-hook.report=enforce --annotation org.seccomp-hook.profile=docker \
		localhost/sh-busybox sysprobe keyctl
	[ "$output" = keyctl=1 ]
	for _ in $(seq 100); do grep -q '"container":"[0-9a-f]\{64\}"' "$T/reports.jsonl" 2>/dev/null && break; sleep 0.05; done
	cat "$T/reports.jsonl"
	[ "$(jq -r '"\(.syscall) \(.action) \(.comm)"' "$T/reports.jsonl")" = "keyctl SCMP_ACT_ERRNO(1) sysprobe" ]
	teardown_podman
}

@test "hostile directories: an agents or recordings directory others can write is refused, and nothing starts" {
	make_bundle "$T/b" '["touch", "/out/ran"]'
	annotate "$T/b" org.seccomp-hook.record=x
	cp "$T/b/config.json" "$T/before.json"
	mkdir -m 0777 "$T/open-agents"
	run "$BIN" inject --mode=runtime --agents-dir="$T/open-agents" --recordings-dir="$T/rec" "$T/b"
	[ "$status" -ne 0 ]
	[[ "$output" == *"agent directory $T/open-agents"*"writable by group or others"* ]]
	[ -z "$(ls "$T/open-agents")" ]
	cmp "$T/before.json" "$T/b/config.json"
	mkdir -m 0777 "$T/open-rec"
	run "$BIN" inject --mode=runtime --agents-dir="$T/agents" --recordings-dir="$T/open-rec" "$T/b"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/open-rec"*"writable by group or others"* ]]
	cmp "$T/before.json" "$T/b/config.json"
}

@test "SIGKILL to a recording container's agent: the container stops, and no recording is written" {
	# A loop that ignores failing calls: without its agent every call but exit fails, so only the
	# watchdog's SIGKILL ends it.
	make_bundle "$T/b" '["sh", "-c", "while :; do sysprobe getppid > /dev/null; done"]'
	annotate "$T/b" org.seccomp-hook.record=killed
	"$BIN" inject --mode=runtime "${DIRS[@]}" "$T/b"
	runc --root "$T/runc-state" run -d -b "$T/b" k1 < /dev/null > /dev/null 2>&1 3>&-
	[ "$(runc --root "$T/runc-state" state k1 | jq -r .status)" = running ]
	# The agent holds a listener: a seccomp notify fd among its descriptors. (It is a fork of the
	# inject above, so its command line names this test's agents directory, and no other test's.)
	agent=
	for p in $(pgrep -f -- "--agents-dir=$T/agents"); do
		if [ -n "$(find "/proc/$p/fd" -lname 'anon_inode:seccomp notify' 2>/dev/null)" ]; then agent=$p; fi
	done
	[ -n "$agent" ]
	kill -KILL "$agent"
	for _ in $(seq 100); do [ "$(runc --root "$T/runc-state" state k1 | jq -r .status)" = stopped ] && break; sleep 0.1; done
	[ "$(runc --root "$T/runc-state" state k1 | jq -r .status)" = stopped ]
	runc --root "$T/runc-state" delete -f k1
	[ ! -e "$T/rec/killed.json" ]
}

@test "the agent's door: 0600 socket in a 0700 directory; forged connections (not a listener, several fds) change nothing" {
	make_bundle "$T/b" '["sysprobe", "getppid"]'
	annotate "$T/b" org.seccomp-hook.record=door
	"$BIN" inject --mode=runtime "${DIRS[@]}" "$T/b"
	sock=$(jq -r '.linux.seccomp.listenerPath' "$T/b/config.json")
	[ "$(stat -c %a "$sock")" = 600 ]
	[ "$(stat -c %a "$T/agents")" = 700 ]
	run setpriv --reuid=65534 --regid=65534 --clear-groups python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$sock"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	# The agent: the fork of the inject above that holds the listening socket (its watchdog holds
	# another one).
	ino=$(awk -v s="$sock" '$NF == s { print $7 }' /proc/net/unix)
	[ -n "$ino" ]
	agent=
	for p in $(pgrep -f -- "--agents-dir=$T/agents"); do
		if [ -n "$(find "/proc/$p/fd" -lname "socket:\\[$ino\\]" 2>/dev/null)" ]; then agent=$p; fi
	done
	[ -n "$agent" ]
	before=$(find "/proc/$agent/fd" -mindepth 1 | wc -l)
	# As root: a pipe for a listener with a forged state, then eight descriptors in one message.
	python3 - "$sock" <<'PY'
import os, socket, sys
for fds in ([os.pipe()[0]], [os.open("/dev/null", os.O_RDONLY) for _ in range(8)]):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    socket.send_fds(s, [b'{"pid": 1, "state": {"id": "forged"}}'], fds)
    s.close()
PY
	sleep 0.3
	[ "$(find "/proc/$agent/fd" -mindepth 1 | wc -l)" -eq "$before" ]
	kill -0 "$agent"
	run run_runc "$T/b" door1
	[[ "$output" == getppid=ok:* ]]
	wait_for "$T/rec/door.json"
	grep -qx getppid <<<"$(jq -r '.syscalls[0].names[]' "$T/rec/door.json")"
}

@test "a recording config transformed again keeps its base profile" {
	make_bundle "$T/b" '["true"]'
	annotate "$T/b" org.seccomp-hook.record=twice
	"$BIN" inject --mode=runtime --profiles-dir="$T/profiles" --profile=docker "${DIRS[@]}" "$T/b"
	[ "$(jq -r '.linux.seccomp.defaultAction' "$T/b/config.json")" = SCMP_ACT_ERRNO ]
	"$BIN" inject --mode=runtime --profiles-dir="$T/profiles" "${DIRS[@]}" "$T/b"
	[ "$(jq -r '.linux.seccomp.defaultAction' "$T/b/config.json")" = SCMP_ACT_ERRNO ]
	[[ "$(jq -r '.annotations["org.seccomp-hook.applied"]' "$T/b/config.json")" == "docker runtime sha256:"*" record=twice" ]]
}

@test "a start that fails before the container's program runs does not replace an earlier recording" {
	make_bundle "$T/b" '["/no/such/program"]'
	annotate "$T/b" org.seccomp-hook.record=kept
	echo '{"kept": true}' > "$T/rec/kept.json"
	"$BIN" inject --mode=runtime "${DIRS[@]}" "$T/b"
	run run_runc "$T/b" f1
	[ "$status" -ne 0 ]
	runc --root "$T/runc-state" delete -f f1 2>/dev/null || true
	# Its agent got no listener (runc failed before the filter), or one whose program never ran.
	pkill -KILL -f -- "--agents-dir=$T/agents" || true
	sleep 0.2
	[ "$(cat "$T/rec/kept.json")" = '{"kept": true}' ]
}

@test "init mode for a recording falls back as init mode does: a CAP_SYS_ADMIN container gets runtime mode; no way to hand the listener on is refused before any agent starts" {
	make_bundle "$T/b" '["true"]'
	annotate "$T/b" org.seccomp-hook.record=admin org.seccomp-hook.mode=init
	set_config "$T/b" '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
	run --separate-stderr "$BIN" inject --loader="$LOADER" --cache-dir="$T/cache" "${DIRS[@]}" "$T/b"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"init mode: "*"the runtime installs the filter instead (runtime mode)"* ]]
	[ "$(jq -r '.linux.seccomp.listenerPath' "$T/b/config.json")" = "$(ls "$T"/agents/*.sock)" ]
	[ "$(jq -r '.process.args[0]' "$T/b/config.json")" = true ]
	rm -rf "$T/b2" "$T/agents"
	make_bundle "$T/b2" '["true"]'
	annotate "$T/b2" org.seccomp-hook.record=plain org.seccomp-hook.mode=init
	run "$BIN" inject --loader="$LOADER" --cache-dir="$T/cache" "${DIRS[@]}" "$T/b2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"org.seccomp-hook.record in init mode needs seccomp-hook-runtime"* ]]
	[ ! -e "$T/agents" ] || [ -z "$(ls "$T/agents")" ]
}

# stormed RUNC_ARGS...: runc, bounded, while tests/sigstorm sends SIGURG (Go's preemption signal) about
# every 50 us to the runc init it starts, from the moment it appears until it execs the container's
# program: mostly one is pending when seccomp(2) returns, so the first call after the install is a
# signal's rt_sigreturn, before runc init has told its parent the listener's number (a loaded machine
# does not always run the storm in time: some starts get none there). The storm's line (signals sent,
# and how many of them once the filter was in) goes to $T/storm.
stormed() {
	timeout -k 5 30 runc --root "$T/runc-state" "$@" < /dev/null > "$T/runc.out" 2>&1 &
	local r=$!
	"$SH_BUILDDIR/tests/sigstorm" "$r" 'runc:[2:INIT]' "$(kill -l URG)" 20 >> "$T/storm"
	wait "$r"
}

# A busy loop on one of the CPUs for at most two minutes: what makes Go's sysmon preempt runc init
# with SIGURG by itself. Stopped by teardown.
cpu_hog() {
	timeout 120 sh -c 'while :; do :; done' &
	echo $! > "$T/hog.pid"
}

@test "signals while runc init installs a recording filter and hands the listener on: the container starts every time (runtime mode, 20 starts)" {
	make_bundle "$T/b" '["true"]'
	annotate "$T/b" org.seccomp-hook.record=sig
	cp "$T/b/config.json" "$T/config.orig"
	cpu_hog
	for i in $(seq 20); do
		cp "$T/config.orig" "$T/b/config.json"
		"$BIN" inject --mode=runtime "${DIRS[@]}" "$T/b"
		run stormed run -b "$T/b" "s$i"
		[ "$status" -eq 0 ]
		wait_for "$T/rec/sig.json"
		rm "$T/rec/sig.json"
	done
	cat "$T/storm"
	# Every start was stormed, and at least a quarter of them also after the filter was in.
	[ "$(grep -c '^signals=[1-9][0-9]* in_filter=' "$T/storm")" -eq 20 ]
	[ "$(grep -c '^signals=[1-9][0-9]* in_filter=[1-9]' "$T/storm")" -ge 5 ]
}

@test "signals while runc exec installs a recording container's filter: every exec runs, and the recording lists what Go's runtime may call before the hand-over" {
	make_bundle "$T/b" '["sleep", "60"]'
	annotate "$T/b" org.seccomp-hook.record=sigexec
	"$BIN" inject --mode=runtime "${DIRS[@]}" "$T/b"
	runc --root "$T/runc-state" run -d -b "$T/b" e1 < /dev/null > /dev/null 2>&1 3>&-
	cpu_hog
	for i in $(seq 10); do
		run stormed exec e1 true
		[ "$status" -eq 0 ]
	done
	cat "$T/storm"
	[ "$(grep -c '^signals=[1-9][0-9]* in_filter=' "$T/storm")" -eq 10 ]
	[ "$(grep -c '^signals=[1-9][0-9]* in_filter=[1-9]' "$T/storm")" -ge 3 ]
	runc --root "$T/runc-state" kill e1 KILL
	wait_for "$T/rec/sigexec.json"
	names=$(jq -r '.syscalls[0].names[]' "$T/rec/sigexec.json")
	for n in rt_sigreturn restart_syscall futex nanosleep sched_yield mmap munmap madvise getpid gettid tgkill \
		sigaltstack rt_sigprocmask rt_sigaction clock_gettime write; do
		grep -qx "$n" <<<"$names"
	done
}
