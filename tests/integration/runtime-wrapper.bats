#!/usr/bin/env bats
# seccomp-hook-runtime with real runc and crun: init mode filters every process the runtime starts
# in the container (PID 1, exec in both of runc's forms, startContainer hooks); the workload sees the
# same NoNewPrivs, capability and seccomp lines in both modes; plain runtimes refuse a config that
# only the wrapper can run safely; and the attacks a container could make on the loader's place
# fail. Needs root.
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and runc crun jq busybox
}

setup() {
	T=$(mktemp -d /tmp/sh-rw.XXXXXX)
	mkdir -p "$T/profiles" "$T/runc-state" "$T/crun-state"
	deny_mkdir_profile "$T/profiles/deny-mkdir.json"
	cp "$SH_SRCDIR/profiles/default.json" "$T/profiles/default.json"
	WRAP=("$SH_BUILDDIR/seccomp-hook-runtime" --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER"
		--state-dir="$T/wrapper-state")
	STATUS='grep -E "^(NoNewPrivs|Cap[A-Za-z]+|Seccomp|Seccomp_filters):" /proc/self/status'
}

teardown() {
	[ -z "${agent:-}" ] || kill "$agent" 2>/dev/null || true
	for c in w1 w2 r1 r2; do
		runc --root "$T/runc-state" delete -f $c >/dev/null 2>&1 || true
	done
	rm -rf "$T"
}

wrap() { # WRAPPER-OR-RUNTIME-ARGS...: the wrapper in front of runc with this test's state
	"${WRAP[@]}" --root "$T/runc-state" "$@" < /dev/null
}

# sleeper BUNDLE [JQ_FILTER]: a bundle whose PID 1 sleeps, for exec tests.
sleeper() {
	make_bundle "$1" '["sleep", "60"]'
	[ -z "${2:-}" ] || set_config "$1" "$2"
}

@test "runc through the wrapper, init mode: PID 1 and both forms of exec run the program; the bundle carries the loader" {
	sleeper "$T/b"
	# The process an engine execs is its own spec of the container's (not the rewritten one).
	jq '.process | .args = ["sysprobe", "mkdir", "getppid"]' "$T/b/config.json" > "$T/proc.json"
	wrap --default-profile=deny-mkdir run -d -b "$T/b" w1
	jq -e '.process.args[0] == "/.seccomp-hook/init" and .linux.seccomp == null' "$T/b/config.json"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("deny-mkdir init sha256:")' "$T/b/config.json"
	pid=$(runc --root "$T/runc-state" state w1 | jq .pid)
	grep -q "Seccomp:	2" "/proc/$pid/status"
	[ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "sleep 60 " ]
	run wrap exec w1 sysprobe mkdir getppid
	[ "$status" -eq 0 ]
	[[ "$output" == *"mkdir=13"* ]]
	[[ "$output" == *"getppid=ok"* ]]
	run wrap exec --process "$T/proc.json" w1
	[ "$status" -eq 0 ]
	[[ "$output" == *"mkdir=13"* ]]
	run wrap exec --process="$T/proc.json" w1
	[[ "$output" == *"mkdir=13"* ]]
	# The process file the engine wrote is left as it was.
	jq -e '.args == ["sysprobe", "mkdir", "getppid"]' "$T/proc.json"
	# exec reads the wrapper's record of the container: the runtime is started once, for the exec.
	run strace -f -qq -e trace=execve -o "$T/trace" "${WRAP[@]}" --root "$T/runc-state" exec w1 true
	[ "$status" -eq 0 ]
	[ "$(grep -c 'execve("/usr/sbin/runc' "$T/trace")" -eq 1 ]
	! grep -q '"state"' "$T/trace" || false
	rec=$(ls "$T"/wrapper-state/runtime/*/w1.json)
	jq -e '.process.args[0] == "/.seccomp-hook/init" and .bundle == $b' --arg b "$T/b" "$rec"
	# A record others could have written is refused; delete removes it.
	chmod g+w "$(dirname "$rec")"
	run --separate-stderr wrap exec w1 true
	[ "$status" -eq 1 ]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[[ "$stderr" == *"wrapper state directory"*"writable by group or others"* ]]
	chmod g-w "$(dirname "$rec")"
	wrap delete -f w1
	[ ! -e "$rec" ]
}

# until_exec PID: `run -d` returns once the container is started, which can be before PID 1 has
# exec'd its program (runc init may still be dropping capabilities): wait for the program.
until_exec() {
	for _ in $(seq 100); do [ "$(cat "/proc/$1/comm" 2>/dev/null)" = sleep ] && return 0; sleep 0.02; done
	return 1
}

# status_lines MODE NNP CAPS: the status lines of PID 1 and of an exec'd process, the container
# started in runtime mode by inject + runc (runc installs the filter, runc exec applies it) or in
# init mode by the wrapper.
status_lines() {
	local mode=$1 nnp=$2 caps=$3 b="$T/s-$1-$2-$RANDOM"
	sleeper "$b" ".process.noNewPrivileges = $nnp | .process.capabilities = $caps"
	if [ "$mode" = runtime ]; then
		"$BIN" inject --profiles-dir="$T/profiles" --profile=default "$b"
		runc --root "$T/runc-state" run -d -b "$b" st < /dev/null
		pid=$(runc --root "$T/runc-state" state st | jq .pid)
		until_exec "$pid"
		grep -E "^(NoNewPrivs|Cap[A-Za-z]+|Seccomp|Seccomp_filters):" "/proc/$pid/status"
		runc --root "$T/runc-state" exec st sh -c "$STATUS"
	else
		wrap --default-profile=default run -d -b "$b" st
		pid=$(runc --root "$T/runc-state" state st | jq .pid)
		until_exec "$pid"
		grep -E "^(NoNewPrivs|Cap[A-Za-z]+|Seccomp|Seccomp_filters):" "/proc/$pid/status"
		wrap exec st sh -c "$STATUS"
	fi
	runc --root "$T/runc-state" delete -f st > /dev/null
}

@test "the workload cannot tell init mode from runtime mode: NoNewPrivs, capability and seccomp lines, PID 1 and exec" {
	docker_caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
	for nnp in true false; do
		for caps in "{\"bounding\": $docker_caps, \"effective\": $docker_caps, \"permitted\": $docker_caps}" \
			"{\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\"], \"inheritable\": [\"CAP_KILL\"], \"ambient\": [\"CAP_KILL\"]}" \
			"{\"bounding\": [\"CAP_SYS_ADMIN\", \"CAP_KILL\"], \"effective\": [\"CAP_SYS_ADMIN\"], \"permitted\": [\"CAP_SYS_ADMIN\"]}"; do
			rt=$(status_lines runtime $nnp "$caps")
			in=$(status_lines init $nnp "$caps")
			echo "nnp=$nnp caps=$caps"
			diff <(echo "$rt") <(echo "$in")
			[ "$(echo "$in" | grep -c "Seccomp:	2")" -eq 2 ]
			[ "$(echo "$in" | grep -c "Seccomp_filters:	1")" -eq 2 ]
		done
	done
}

@test "the same for a workload that is not root (uid 1000, ambient capabilities)" {
	user='.process.user = {"uid": 1000, "gid": 1000}'
	caps='{"bounding": ["CAP_KILL", "CAP_CHOWN"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL", "CAP_CHOWN"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
	for nnp in true false; do
		for mode in runtime init; do
			b="$T/u-$mode-$nnp"
			sleeper "$b" "$user | .process.noNewPrivileges = $nnp | .process.capabilities = $caps"
			if [ $mode = runtime ]; then
				"$BIN" inject --profiles-dir="$T/profiles" --profile=default "$b"
				runc --root "$T/runc-state" run -d -b "$b" u < /dev/null
				runc --root "$T/runc-state" exec u sh -c "$STATUS" > "$T/$mode.out"
			else
				wrap --default-profile=default run -d -b "$b" u
				wrap exec u sh -c "$STATUS" > "$T/$mode.out"
			fi
			grep -E "^(NoNewPrivs|Cap[A-Za-z]+|Seccomp|Seccomp_filters):" \
				"/proc/$(runc --root "$T/runc-state" state u | jq .pid)/status" >> "$T/$mode.out"
			runc --root "$T/runc-state" delete -f u > /dev/null
		done
		cat "$T/init.out"
		diff "$T/runtime.out" "$T/init.out"
		grep -q "CapAmb:	0000000000000020" "$T/init.out"
	done
}

@test "a KILL rule on mkdir stops a startContainer hook that runs mkdir, in runtime and in init mode" {
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]}' \
		> "$T/profiles/kill-mkdir.json"
	hook='.hooks.startContainer = [{"path": "/bin/mkdir", "args": ["mkdir", "/out/from-hook"]}]'
	make_bundle "$T/b" '["echo", "workload ran"]'
	set_config "$T/b" "$hook"
	cp "$T/b/config.json" "$T/plain.json"
	"$BIN" inject --profiles-dir="$T/profiles" --profile=kill-mkdir "$T/b"
	run ! runc --root "$T/runc-state" run -b "$T/b" r1 < /dev/null
	echo "runtime mode: $output"
	[ ! -e "$T/b/out/from-hook" ]
	[[ "$output" != *"workload ran"* ]]
	cp "$T/plain.json" "$T/b/config.json"
	run ! wrap --default-profile=kill-mkdir run -b "$T/b" w1
	echo "init mode: $output"
	[ ! -e "$T/b/out/from-hook" ]
	[[ "$output" != *"workload ran"* ]]
	# Without the rule the hook runs and so does the workload: the failures above are the filter's.
	cp "$T/plain.json" "$T/b/config.json"
	run wrap --default-profile=default run -b "$T/b" r2
	echo "default: $output"
	[ "$status" -eq 0 ]
	[ -d "$T/b/out/from-hook" ]
	[[ "$output" == *"workload ran"* ]]
}

@test "plain runc refuses an init-mode config made for the wrapper: neither run nor exec runs anything unfiltered" {
	sleeper "$T/b"
	"$BIN" inject --mode=init --profiles-dir="$T/profiles" --profile=deny-mkdir --cache-dir="$T/cache" \
		--loader="$LOADER" "$T/b"
	run ! runc --root "$T/runc-state" run -b "$T/b" r1 < /dev/null
	[[ "$output" == *"exec /.seccomp-hook/init: operation not permitted"* ]]
	# The wrapper runs the same bundle (the earlier changes are replaced, the profile kept).
	wrap run -d -b "$T/b" w1
	run wrap exec w1 sysprobe mkdir
	[[ "$output" == *"mkdir=13"* ]]
	# Started by plain runc with --allow-unfiltered-exec, runc exec is unfiltered, as that name says.
	sleeper "$T/u"
	"$BIN" inject --mode=init --allow-unfiltered-exec --profiles-dir="$T/profiles" --profile=deny-mkdir \
		--cache-dir="$T/cache" --loader="$LOADER" "$T/u"
	runc --root "$T/runc-state" run -d -b "$T/u" r2 < /dev/null
	run runc --root "$T/runc-state" exec r2 sysprobe mkdir
	[[ "$output" == *"mkdir=ok"* ]]
}

@test "attack: the container renames the loader's directory away and plants its own loader; the next exec is still filtered" {
	sleeper "$T/b" '.process.capabilities.bounding += ["CAP_DAC_OVERRIDE", "CAP_FOWNER"] | .process.capabilities.effective += ["CAP_DAC_OVERRIDE", "CAP_FOWNER"] | .process.capabilities.permitted += ["CAP_DAC_OVERRIDE", "CAP_FOWNER"]'
	wrap --default-profile=deny-mkdir run -d -b "$T/b" w1
	run wrap exec w1 sh -c 'mv /.seccomp-hook /moved; echo "mv: $?"; rm -f /.seccomp-hook/init; echo "rm: $?";
		cp /bin/busybox /.seccomp-hook/init; echo "cp: $?"; mount -t tmpfs none /.seccomp-hook; echo "mount: $?";
		umount /.seccomp-hook; echo "umount: $?"; mount -o remount,rw /.seccomp-hook/init; echo "remount: $?"'
	echo "$output"
	for step in mv rm cp mount umount remount; do
		[[ "$output" == *"$step: 1"* ]] || [[ "$output" == *"$step: 255"* ]]
	done
	cmp "$LOADER" "/proc/$(runc --root "$T/runc-state" state w1 | jq .pid)/root/.seccomp-hook/init"
	run wrap exec w1 sysprobe mkdir
	[[ "$output" == *"mkdir=13"* ]]
}

@test "attack: a process that may hold CAP_SYS_ADMIN could remount the loader, so it gets runtime mode; its exec is filtered by runc" {
	sleeper "$T/b" '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' \
		> "$T/profiles/mkdir-only.json"
	# (not under bats' run: the detached container would hold its output pipe open)
	wrap --default-profile=mkdir-only run -d -b "$T/b" w1 > /dev/null 2> "$T/err"
	grep -q "its process may hold CAP_SYS_ADMIN" "$T/err"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("mkdir-only runtime sha256:")' "$T/b/config.json"
	run runc --root "$T/runc-state" exec w1 sh -c 'ls /.seccomp-hook 2>&1; sysprobe mkdir'
	echo "runc exec: $output"
	[[ "$output" == *"No such file or directory"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	sha=$(sha256sum < "$LOADER")
	run wrap exec w1 sh -c 'mount -t tmpfs none /mnt && echo mounted'
	[[ "$output" == *"mounted"* ]] # it can mount: the reason it got runtime mode
	[ "$(sha256sum < "$LOADER")" = "$sha" ]
}

@test "crun through the wrapper: crun installs the compiled program in PID 1 and in exec, no loader" {
	sleeper "$T/b"
	crunw() {
		unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "${WRAP[@]}" --runtime-path=crun \
			--default-profile=deny-mkdir --root "$T/crun-state" --cgroup-manager=disabled "$@" < /dev/null
	}
	crunw run -d -b "$T/b" k1
	jq -e '.process.args == ["sleep", "60"] and (.annotations | has("run.oci.seccomp_bpf_data"))' "$T/b/config.json"
	run crunw exec k1 sh -c 'grep "^Seccomp:" /proc/self/status; sysprobe mkdir getppid'
	crunw delete -f k1 || true
	echo "$output"
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	[[ "$output" == *"getppid=ok"* ]]
}

@test "wrapper options from a config file; a broken file or profile stops create and exec, but delete and state still pass" {
	sleeper "$T/b"
	printf '# seccomp-hook-runtime\nprofiles-dir = %s\ncache-dir=%s\n  loader = %s\ndefault-profile = deny-mkdir\n' \
		"$T/profiles" "$T/cache" "$LOADER" > "$T/runtime.conf"
	W=("$SH_BUILDDIR/seccomp-hook-runtime" --config="$T/runtime.conf" --root "$T/runc-state")
	"${W[@]}" run -d -b "$T/b" w1 < /dev/null
	run "${W[@]}" exec w1 sysprobe mkdir
	[[ "$output" == *"mkdir=13"* ]]
	echo "bogus = 1" >> "$T/runtime.conf"
	run --separate-stderr "${W[@]}" exec w1 true
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"runtime.conf:6:1: error: expected NAME = VALUE"* ]]
	run "${W[@]}" state w1
	[ "$status" -eq 0 ]
	run "${W[@]}" delete -f w1
	[ "$status" -eq 0 ]
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "BOGUS"}]}' > "$T/profiles/broken.json"
	sleeper "$T/c"
	set_config "$T/c" '.process.args = ["sh", "-c", "echo ran > /out/ran"]'
	run --separate-stderr wrap --default-profile=broken run -b "$T/c" w2
	[ "$status" -eq 1 ]
	[ ! -e "$T/c/out/ran" ]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
}

@test "wrapper: --help, a runtime that is the wrapper itself, and the runtime's own exit status and output" {
	run "$SH_BUILDDIR/seccomp-hook-runtime" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--runtime-path=PATH"* ]]
	run --separate-stderr "$SH_BUILDDIR/seccomp-hook-runtime" --runtime-path="$SH_BUILDDIR/seccomp-hook-runtime" state x
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"is this wrapper itself"* ]]
	run "$SH_BUILDDIR/seccomp-hook-runtime" --version
	[[ "${lines[0]}" == "seccomp-hook-runtime version "* ]]
	[ "$(printf '%s\n' "${lines[@]:1}")" = "$(runc --version)" ]
	run wrap state no-such-container
	[ "$status" -eq "$(runc --root "$T/runc-state" state no-such-container > /dev/null 2>&1; echo $?)" ]
}

@test "SCMP_ACT_NOTIFY in init mode: the listener reaches listenerPath from the loader (runc, PID 1 and exec) and from crun" {
	cat > "$T/profiles/notify.json" <<EOF2
{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "$T/agent.sock", "listenerMetadata": "meta-1",
 "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}, $NO_ESCAPE_RULES]}
EOF2
	"$SH_BUILDDIR/tests/notify_listener" "$T/agent.sock" 4242 2 > "$T/agent.log" 3>&- &
	agent=$!
	for _ in $(seq 100); do grep -q listening "$T/agent.log" && break; sleep 0.05; done
	sleeper "$T/b" '.process.args = ["sh", "-c", "sysprobe getppid > /out/pid1; exec sleep 60"]'
	wrap --default-profile=notify run -d -b "$T/b" w1 > /dev/null
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("notify init sha256:")' "$T/b/config.json"
	jq -e '[.process.args[] | select(startswith("--listener-fd="))] == ["--listener-fd=3"]' "$T/b/config.json"
	for _ in $(seq 100); do [ -s "$T/b/out/pid1" ] && break; sleep 0.05; done
	cat "$T/b/out/pid1" "$T/agent.log"
	[ "$(cat "$T/b/out/pid1")" = "getppid=ok:4242" ]
	pid=$(runc --root "$T/runc-state" state w1 | jq .pid)
	state=$(grep -m1 '^state: ' "$T/agent.log" | cut -c8-)
	echo "PID 1: $pid; agent got: $state"
	echo "$state" | jq -e --argjson p "$pid" --arg b "$T/b" '.fds == ["seccompFd"] and .metadata == "meta-1" and .pid == $p
		and .state.id == "w1" and .state.bundle == $b and .state.status == "creating"'
	# The workload holds neither the listener nor the channel it came by.
	[ -z "$(find "/proc/$pid/fd" \( -lname 'socket:*' -o -lname '*seccomp*' \) -printf '%l\n')" ]
	run wrap exec w1 sh -c 'sysprobe getppid; ls -l /proc/self/fd | grep -c -E "socket:|seccomp"'
	echo "$output"
	[[ "$output" == *"getppid=ok:4242"* ]]
	[[ "$output" == *$'\n0'* ]]
	[ "$(grep -c '^state: ' "$T/agent.log")" -eq 2 ]
	grep '^state: ' "$T/agent.log" | tail -1 | cut -c8- | jq -e '.state.status == "running" and .state.id == "w1"'
	runc --root "$T/runc-state" delete -f w1
	kill $agent 2>/dev/null || true
	# crun installs the program with a listener itself and hands it to listenerPath.
	"$SH_BUILDDIR/tests/notify_listener" "$T/agent.sock" 77 > "$T/agent-crun.log" 3>&- &
	agent=$!
	for _ in $(seq 100); do grep -q listening "$T/agent-crun.log" && break; sleep 0.05; done
	make_bundle "$T/c" '["sysprobe", "getppid"]'
	run unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "${WRAP[@]}" --runtime-path=crun \
		--default-profile=notify --root "$T/crun-state" --cgroup-manager=disabled run -b "$T/c" k1 < /dev/null
	echo "$output"
	cat "$T/agent-crun.log"
	[[ "$output" == *"getppid=ok:77"* ]]
	jq -e '.annotations | has("run.oci.seccomp_bpf_data")' "$T/c/config.json"
	jq -e '.linux.seccomp.listenerPath == $p' --arg p "$T/agent.sock" "$T/c/config.json"
	grep -q '"metadata": *"meta-1"' "$T/agent-crun.log"
}

@test "SCMP_ACT_NOTIFY in init mode without the wrapper's relay is refused; with no agent listening the workload never runs" {
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "%s/none.sock", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}, %s]}' \
		"$T" "$NO_ESCAPE_RULES" > "$T/profiles/notify.json"
	make_bundle "$T/b" '["sh", "-c", "echo ran > /out/ran"]'
	run --separate-stderr "$BIN" inject --mode=init --profiles-dir="$T/profiles" --profile=notify \
		--cache-dir="$T/cache" --loader="$LOADER" "$T/b"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"SCMP_ACT_NOTIFY in init mode needs seccomp-hook-runtime"* ]]
	run ! wrap --default-profile=notify run -b "$T/b" w1
	echo "$output"
	[[ "$output" == *"the listener could not be handed on: listenerPath: $T/none.sock: No such file or directory (seccomp-hook-runtime's connect failed)"* ]]
	[ ! -e "$T/b/out/ran" ]
}
