#!/usr/bin/env bats
# Parity with the runtimes' own seccomp tests: every case of runc 1.1.5's
# tests/integration/seccomp*.bats and of crun's tests/test_seccomp.py (the twelve cases of crun 1.26's
# file, run against crun 1.8.1), written for this project and named after the upstream case, run
# through seccomp-hook-runtime as Docker and containerd run it (the engine's linux.seccomp is the
# profile), in runtime mode and in init mode. Each case also checks the mode it ran in: under runc a
# profile keeps init mode only if it denies what the loader needs denied, so the runc cases add those
# rules (GUARD). docs/parity.md says how the upstream suites themselves were run and what they gave.
# Needs root.
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and runc crun jq busybox
}

# What keeps init mode under runc (lib.bash's rules, and the 32-bit umount for the profiles that
# list SCMP_ARCH_X86 as runc's own tests do).
GUARD="$NO_ESCAPE_RULES, {\"names\": [\"umount\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}"
MODES="runtime init"
# What Go's runtime in runc's init may call after the filter is in (hook/lib/compile/startcalls.c): an
# allowlist without them fails a start now and then.
RUNC_GO='"epoll_ctl", "gettid", "madvise", "nanosleep", "rt_sigreturn", "sched_yield", "sigaltstack", "tgkill"'

setup() {
	T=$(mktemp -d /tmp/sh-parity.XXXXXX)
	mkdir -p "$T/runc-state" "$T/crun-state"
	W=("$SH_BUILDDIR/seccomp-hook-runtime" --cache-dir="$T/cache" --loader="$LOADER" --loader-store="$T/store"
		--state-dir="$T/wrapper-state" --seal-key="$T/seal.key" --agents-dir="$T/agents")
	AGENT_SOCK="$T/agent.sock"
}

teardown() {
	[ -z "${agent:-}" ] || kill "$agent" 2>/dev/null || true
	for c in $(runc --root "$T/runc-state" list -q 2>/dev/null); do
		runc --root "$T/runc-state" delete -f "$c" >/dev/null 2>&1 || true
	done
	for c in $(crun --root "$T/crun-state" list -q 2>/dev/null); do
		crun --root "$T/crun-state" delete -f "$c" >/dev/null 2>&1 || true
	done
	for m in "$T"/store/*; do umount "$m" 2>/dev/null || true; done
	rm -rf "$T"
}

# bundle NAME ARGS_JSON SECCOMP_JSON [JQ_FILTER]: $T/NAME (lib.bash's busybox bundle: a read-only
# root, /out bound to $T/NAME/out) running ARGS with SECCOMP as the engine's linux.seccomp, GUARD's
# rules added.
bundle() {
	make_bundle "$T/$1" "$2"
	for a in stat wc chmod touch; do ln -sf busybox "$T/$1/rootfs/bin/$a"; done
	# shellcheck disable=SC2016 # jq expands them
	set_config "$T/$1" '.linux.seccomp = ($s | .syscalls = ((.syscalls // []) + $g))' --argjson s "$3" --argjson g "[$GUARD]"
	[ -z "${4:-}" ] || set_config "$T/$1" "$4"
}

# runc_through MODE NAME [RUN ARGS...]: `run` of $T/NAME as container NAME, through the wrapper.
runc_through() {
	local mode=$1 b=$2
	shift 2
	timeout -k 5 60 "${W[@]}" --mode="$mode" --root "$T/runc-state" run "$@" -b "$T/$b" "$b" < /dev/null
}

# wrap_runc MODE ARGS...: another runc command through the wrapper.
wrap_runc() {
	local mode=$1
	shift
	timeout -k 5 60 "${W[@]}" --mode="$mode" --root "$T/runc-state" "$@" < /dev/null
}

# crun_through MODE NAME [RUN ARGS...]: the same under crun (real-runtimes.md: a private mount
# namespace without the cgroup2 mount).
crun_through() {
	local mode=$1 b=$2
	shift 2
	# shellcheck disable=SC2016 # sh expands them
	timeout -k 5 60 unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "${W[@]}" --mode="$mode" \
		--runtime-path=crun --cgroup-manager=disabled --root "$T/crun-state" run "$@" -b "$T/$b" "$b" < /dev/null
}

# plain_crun NAME: the bundle under crun itself, for the cases whose upstream result is crun's.
plain_crun() {
	# shellcheck disable=SC2016 # sh expands them
	timeout -k 5 60 unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --cgroup-manager=disabled --root "$1" run -b "$2" "$3"' \
		sh "$T/crun-state" "$T/$1" "$1" < /dev/null
}

# The mode the transform applied to $T/NAME (its sealed org.seccomp-hook.applied: "PROFILE MODE ...").
mode_of() {
	jq -r '.annotations["org.seccomp-hook.applied"] // "none none"' "$T/$1/config.json" | cut -d' ' -f2
}

# start_agent VALUE COUNT: tests/notify_listener on $AGENT_SOCK (VALUE: what it answers, -N an errno,
# "continue"), accepting COUNT listeners; $agent is its pid, $T/agent.log what it got.
start_agent() {
	"$SH_BUILDDIR/tests/notify_listener" "$AGENT_SOCK" "$1" "$2" > "$T/agent.log" 3>&- &
	agent=$!
	for _ in $(seq 100); do grep -q listening "$T/agent.log" && break; sleep 0.05; done
	grep -q listening "$T/agent.log"
}

# agent_state N: the Nth state message the agent got (-1: the last); fails if there is none.
agent_state() {
	local all
	all=$(grep '^state: ' "$T/agent.log" | cut -c8-)
	[ -n "$all" ]
	if [ "$1" -lt 0 ]; then tail -n 1 <<< "$all"; else sed -n "$1p" <<< "$all" | grep .; fi
}

stop_agent() {
	kill "$agent" 2>/dev/null || true
	wait "$agent" 2>/dev/null || true
	agent=
}

# notify_profile SYSCALLS_JSON_LIST: runc's scmp_act_notify_template's profile.
notify_profile() {
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "%s", "listenerMetadata": "bar",
		"architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64"],
		"syscalls": [{"names": [%s], "action": "SCMP_ACT_NOTIFY"}]}' "$AGENT_SOCK" "$1"
}

# runc_mkdir_case NAME RULE: runc's mkdir cases: no_new_privs off, mkdir answered by RULE.
runc_mkdir_case() {
	bundle "$1" '["sh", "-c", "mkdir /dev/shm/foo"]' \
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"syscalls\": [$2]}" \
		'.process.noNewPrivileges = false'
}

# notify_case NAME COMMAND NO_NEW_PRIVS SYSCALLS_JSON_LIST
notify_case() {
	bundle "$1" "[\"sh\", \"-c\", \"$2\"]" "$(notify_profile "$4")" ".process.noNewPrivileges = $3"
}

# runc_exec_notify NO_NEW_PRIVS: runc's exec cases; the exec's own listener reaches the agent too.
runc_exec_notify() {
	for mode in $MODES; do
		start_agent -123 2
		notify_case "x-$mode" "sleep 60" "$1" '"mkdir"'
		set_config "$T/x-$mode" '.annotations["com.example.team"] = "blue"'
		wrap_runc "$mode" run -d -b "$T/x-$mode" "x-$mode" > "$T/x.out" 2>&1
		[ "$(mode_of "x-$mode")" = "$mode" ]
		run wrap_runc "$mode" exec "x-$mode" sh -c "mkdir /dev/shm/foo"
		echo "$mode: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"No medium found"* ]]
		for _ in $(seq 100); do [ "$(grep -c '^state: ' "$T/agent.log")" -ge 2 ] && break; sleep 0.05; done
		# The exec's state names the running container, its absolute bundle and its annotations.
		st=$(agent_state -1)
		jq -e --arg b "$T/x-$mode" '.state.status == "running" and .state.bundle == $b
			and .state.annotations["com.example.team"] == "blue"' <<< "$st"
		runc --root "$T/runc-state" delete -f "x-$mode"
		stop_agent
	done
}

# The calls runc (and the loader) make after the filter is in, notified: the agent lets them run,
# and the container starts (the transform must not refuse them as calls the profile denies).
runc_important() {
	for mode in $MODES; do
		start_agent continue 1
		notify_case "i-$mode" "true" "$1" '"execve", "openat", "open", "read", "close"'
		set_config "$T/i-$mode" '.process.args = ["/bin/true"]'
		run runc_through "$mode" "i-$mode"
		echo "$mode: $output"
		stop_agent
		[ "$status" -eq 0 ]
		[ "$(mode_of "i-$mode")" = "$mode" ]
		grep -q "^notified: syscall 59 " "$T/agent.log"
	done
}

# runc_bad_listener NAME PATH: a notifying profile whose listenerPath is PATH fails the container.
runc_bad_listener() {
	for mode in $MODES; do
		notify_case "$1-$mode" "echo ran > /out/ran" false '"mkdir"'
		# shellcheck disable=SC2016 # jq expands them
		set_config "$T/$1-$mode" '.linux.seccomp.listenerPath = $p' --arg p "$2"
		run ! runc_through "$mode" "$1-$mode"
		echo "$mode: $output"
		[ ! -e "$T/$1-$mode/out/ran" ]
	done
}

# crun_case NAME ARGS_JSON SECCOMP_JSON [JQ_FILTER]: crun's base config runs with no_new_privs.
crun_case() {
	make_bundle "$T/$1" "$2"
	# shellcheck disable=SC2016 # jq expands them
	set_config "$T/$1" '.linux.seccomp = $s | .process.noNewPrivileges = true' --argjson s "$3"
	[ -z "${4:-}" ] || set_config "$T/$1" "$4"
}

# crun_as_crun NAME SECCOMP_JSON: the crun cases whose upstream test accepts either outcome (a denying
# default with a short allowlist): through the wrapper the container ends as it ends under crun
# itself, in both modes (the wrapper may refuse it first only where crun would fail it too).
crun_as_crun() {
	crun_case "$1-plain" '["true"]' "$2"
	run plain_crun "$1-plain"
	want=$status
	echo "crun: $want: $output"
	for mode in $MODES; do
		crun_case "$1-$mode" '["true"]' "$2"
		run crun_through "$mode" "$1-$mode"
		echo "$mode: $status: $output"
		if [ "$want" -eq 0 ]; then
			[ "$status" -eq 0 ]
			[ "$(mode_of "$1-$mode")" = "$mode" ]
		else
			[ "$status" -ne 0 ]
		fi
	done
}

# ---- runc 1.1.5: tests/integration/seccomp.bats ----------------------------------------------------

@test "runc seccomp.bats: runc run [seccomp -ENOSYS handling]" {
	# A denying default with an allowlist: a known call it does not list gets the default errno, a
	# number above every listed one ENOSYS (glibc's fallbacks rely on it).
	p='{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["execve", "arch_prctl", "brk", "mmap", "munmap", "mprotect", "set_tid_address",
		"set_robust_list", "rseq", "prlimit64", "readlink", "write", "writev", "exit", "exit_group", "fstat",
		"newfstatat", "ioctl", "getrandom", "close", "capget", "capset", "prctl", "openat", "read", "fstatfs",
		"getdents64", "futex", "rt_sigaction", "rt_sigprocmask", "setresuid", "setresgid", "setgroups",
		"getuid", "geteuid", "getgid", "getegid", "uname", "getpid", "fcntl", "dup2", "lseek", "access",
		'"$RUNC_GO"'], "action": "SCMP_ACT_ALLOW"}]}'
	for mode in $MODES; do
		bundle "e-$mode" '["sysprobe", "getppid", "newest"]' "$p"
		run runc_through "$mode" "e-$mode"
		echo "$mode: $output"
		[ "$status" -eq 0 ]
		[ "$(mode_of "e-$mode")" = "$mode" ]
		[[ "$output" == *"getppid=1"* ]]
		[[ "$output" == *"newest=38"* ]]
	done
}

@test "runc seccomp.bats: runc run [seccomp defaultErrnoRet=ENXIO]" {
	p='{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 6, "syscalls": [{"names": ["execve", "arch_prctl",
		"brk", "mmap", "munmap", "mprotect", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "readlink",
		"write", "writev", "exit", "exit_group", "fstat", "newfstatat", "ioctl", "getrandom", "close", "capget",
		"capset", "prctl", "openat", "read", "fstatfs", "getdents64", "futex", "rt_sigaction", "rt_sigprocmask",
		"setresuid", "setresgid", "setgroups", "getuid", "geteuid", "getgid", "getegid", "uname", "getpid",
		"fcntl", "dup2", "lseek", "access", '"$RUNC_GO"'], "action": "SCMP_ACT_ALLOW"}]}'
	for mode in $MODES; do
		bundle "x-$mode" '["sysprobe", "chdir"]' "$p"
		run runc_through "$mode" "x-$mode"
		echo "$mode: $output"
		[ "$status" -eq 0 ]
		[ "$(mode_of "x-$mode")" = "$mode" ]
		[[ "$output" == *"chdir=6"* ]]
	done
}

@test "runc seccomp.bats: runc run [seccomp] (SCMP_ACT_ERRNO default)" {
	for mode in $MODES; do
		runc_mkdir_case "d-$mode" '{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}'
		run runc_through "$mode" "d-$mode"
		echo "$mode: $output"
		[ "$status" -ne 0 ]
		[ "$(mode_of "d-$mode")" = "$mode" ]
		[[ "$output" == *"mkdir:"*"/dev/shm/foo"*"Operation not permitted"* ]]
	done
}

@test "runc seccomp.bats: runc run [seccomp] (SCMP_ACT_ERRNO explicit errno)" {
	for mode in $MODES; do
		runc_mkdir_case "n-$mode" '{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 100}'
		run runc_through "$mode" "n-$mode"
		echo "$mode: $output"
		[ "$status" -ne 0 ]
		[ "$(mode_of "n-$mode")" = "$mode" ]
		[[ "$output" == *"Network is down"* ]]
	done
}

@test "runc seccomp.bats: runc run [seccomp] (SCMP_ACT_KILL)" {
	for mode in $MODES; do
		runc_mkdir_case "k-$mode" '{"names": ["mkdir"], "action": "SCMP_ACT_KILL"}'
		# The shell goes on after mkdir: its status says the kernel killed it with SIGSYS (128 + 31).
		set_config "$T/k-$mode" '.process.args = ["sh", "-c", "mkdir /dev/shm/foo; echo mkdir ended $?"]'
		run runc_through "$mode" "k-$mode"
		echo "$mode: $output"
		[ "$(mode_of "k-$mode")" = "$mode" ]
		[[ "$output" == *"mkdir ended 159"* ]]
	done
}

@test "runc seccomp.bats: runc run [seccomp] (startContainer hook)" {
	for mode in $MODES; do
		runc_mkdir_case "h-$mode" '{"names": ["mkdir"], "action": "SCMP_ACT_KILL"}'
		set_config "$T/h-$mode" '.process.args = ["true"] | .process.noNewPrivileges = true
			| .hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /dev/shm/foo"]}]}'
		run runc_through "$mode" "h-$mode"
		echo "$mode: $output"
		[ "$status" -ne 0 ]
		[ "$(mode_of "h-$mode")" = "$mode" ]
		[[ "$output" == *"error running hook"* ]]
		[[ "$output" == *"bad system call"* ]]
	done
}

# ---- runc 1.1.5: tests/integration/seccomp-notify.bats ---------------------------------------------
# runc's agent (contrib/cmd/seccompagent) makes the directory itself and fails chmod with ENOMEDIUM;
# tests/notify_listener answers every notified call one way: here with ENOMEDIUM (123, "No medium
# found"), which only the agent can have given.

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY noNewPrivileges false)" {
	for mode in $MODES; do
		start_agent -123 1
		notify_case "f-$mode" "mkdir /dev/shm/foo" false '"mkdir"'
		run runc_through "$mode" "f-$mode"
		echo "$mode: $output"
		stop_agent
		[ "$(mode_of "f-$mode")" = "$mode" ]
		[[ "$output" == *"mkdir:"*"No medium found"* ]]
		grep -q "^notified: syscall 83 " "$T/agent.log"
	done
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY noNewPrivileges true)" {
	for mode in $MODES; do
		start_agent -123 1
		notify_case "t-$mode" "mkdir /dev/shm/foo" true '"mkdir"'
		run runc_through "$mode" "t-$mode"
		echo "$mode: $output"
		stop_agent
		[ "$(mode_of "t-$mode")" = "$mode" ]
		[[ "$output" == *"mkdir:"*"No medium found"* ]]
	done
}

@test "runc seccomp-notify.bats: runc exec [seccomp] (SCMP_ACT_NOTIFY noNewPrivileges false)" {
	runc_exec_notify false
}

@test "runc seccomp-notify.bats: runc exec [seccomp] (SCMP_ACT_NOTIFY noNewPrivileges true)" {
	runc_exec_notify true
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY important syscalls noNewPrivileges false)" {
	runc_important false
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY important syscalls noNewPrivileges true)" {
	runc_important true
}

@test "runc seccomp-notify.bats: runc run [seccomp] (empty listener path)" {
	# A listenerPath with no notifying rule: runc hands no listener over, and the container runs.
	for mode in $MODES; do
		bundle "l-$mode" '["sh", "-c", "mkdir /dev/shm/foo && stat /dev/shm/foo"]' \
			"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$AGENT_SOCK\", \"listenerMetadata\": \"bar\"}"
		run runc_through "$mode" "l-$mode"
		echo "$mode: $output"
		[ "$status" -eq 0 ]
		[ "$(mode_of "l-$mode")" = "$mode" ]
	done
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY empty listener path)" {
	runc_bad_listener e ""
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY wrong listener path)" {
	runc_bad_listener w /some-non-existing-listener-path.sock
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY abstract listener path)" {
	runc_bad_listener a @mysocketishere
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY kill seccompagent)" {
	# With nobody left holding the listener a notified call fails with ENOSYS, not for ever.
	for mode in $MODES; do
		start_agent -123 1
		notify_case "g-$mode" "while [ ! -e /out/go ]; do sleep 0.05; done; mkdir /dev/shm/foo" false '"mkdir"'
		(set +e; runc_through "$mode" "g-$mode" > "$T/g.out" 2>&1; echo $? > "$T/g.rc") 3>&- &
		for _ in $(seq 200); do grep -q '^state: ' "$T/agent.log" && break; sleep 0.05; done
		stop_agent
		touch "$T/g-$mode/out/go"
		for _ in $(seq 200); do [ -s "$T/g.rc" ] && break; sleep 0.05; done
		echo "$mode: $(cat "$T/g.out")"
		[ "$(cat "$T/g.rc")" -ne 0 ]
		[ "$(mode_of "g-$mode")" = "$mode" ]
		grep -q "mkdir:.*/dev/shm/foo.*Function not implemented" "$T/g.out"
		rm -f "$T/g.rc" "$T/g.out"
	done
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY no seccompagent)" {
	# runc's test also greps runc's own words ("failed to connect with seccomp agent"); in init mode the
	# loader's line says it.
	for mode in $MODES; do
		notify_case "o-$mode" "echo ran > /out/ran" false '"mkdir"'
		run ! runc_through "$mode" "o-$mode"
		echo "$mode: $output"
		[ ! -e "$T/o-$mode/out/ran" ]
		[[ "${output,,}" == *"${AGENT_SOCK,,}"*"no such file or directory"* ]]
	done
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY error chmod)" {
	for mode in $MODES; do
		start_agent -123 1
		notify_case "c-$mode" "touch /dev/shm/foo && chmod 777 /dev/shm/foo" false '"chmod", "fchmod", "fchmodat"'
		run runc_through "$mode" "c-$mode"
		echo "$mode: $output"
		stop_agent
		[ "$status" -ne 0 ]
		[ "$(mode_of "c-$mode")" = "$mode" ]
		[[ "$output" == *"chmod:"*"/dev/shm/foo"*"No medium found"* ]]
	done
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY write)" {
	# runc refuses it in its own words; the wrapper refuses it first, in both modes, in its own.
	for mode in $MODES; do
		notify_case "r-$mode" "true" false '"write"'
		run runc_through "$mode" "r-$mode"
		echo "$mode: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"SCMP_ACT_NOTIFY cannot be used for 'write'"* ]]
	done
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY startContainer hook)" {
	# The hook holds no descriptor runc would not give it (0-2, and ls's own: 4 entries).
	for mode in $MODES; do
		start_agent -123 2
		# shellcheck disable=SC2016 # jq expands them
		bundle "s-$mode" '["true"]' "$(notify_profile '"mkdir"')" \
			'.hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c",
				"n=$(ls /proc/self/fd/ | wc -l); [ $n -eq 4 ] || { echo \"File descriptors: $n\"; ls -l /proc/self/fd; exit 1; }"]}]}'
		run runc_through "$mode" "s-$mode"
		echo "$mode: $output"
		stop_agent
		[ "$status" -eq 0 ]
		[ "$(mode_of "s-$mode")" = "$mode" ]
	done
}

@test "runc seccomp-notify.bats: a startContainer hook's notified calls reach the agent, as under runc" {
	# The agent answers mkdir with success (0) without making anything: the hook's mkdir succeeds only
	# if the agent answered it (a filter with nobody holding its listener would fail it with ENOSYS).
	for mode in $MODES; do
		start_agent 0 2
		bundle "y-$mode" '["true"]' "$(notify_profile '"mkdir"')" \
			'.hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /dev/shm/hook"]}]}'
		run runc_through "$mode" "y-$mode"
		echo "$mode: $output"
		cat "$T/agent.log"
		stop_agent
		[ "$status" -eq 0 ]
		[ "$(mode_of "y-$mode")" = "$mode" ]
		grep -q "^notified: syscall 83 " "$T/agent.log"
	done
}

@test "runc seccomp-notify.bats: runc run [seccomp] (SCMP_ACT_NOTIFY example config)" {
	# runc's example (contrib/cmd/seccompagent): mkdir and the chmod family notified, metadata "foo".
	for mode in $MODES; do
		start_agent -123 1
		bundle "m-$mode" '["sh", "-c", "cd /dev/shm; touch test-file; chmod 777 test-file"]' \
			"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$AGENT_SOCK\", \"listenerMetadata\": \"foo\",
			  \"architectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\", \"SCMP_ARCH_X86_64\"],
			  \"syscalls\": [{\"names\": [\"chmod\", \"fchmod\", \"fchmodat\", \"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
		run runc_through "$mode" "m-$mode"
		echo "$mode: $output"
		stop_agent
		[ "$status" -ne 0 ]
		[ "$(mode_of "m-$mode")" = "$mode" ]
		[[ "$output" == *"chmod:"*"test-file"*"No medium found"* ]]
		st=$(agent_state 1)
		jq -e '.metadata == "foo"' <<< "$st"
	done
}

@test "runc seccomp-notify.bats: the agent receives what runc sends (bundle, annotations, metadata)" {
	# The state message runc itself sends, from a bundle run as engines run it (its own directory, no
	# --bundle), against the wrapper's in both modes; pid and ociVersion aside, and the annotations
	# the transform adds.
	start_agent -123 1
	notify_case plain "true" false '"mkdir"'
	set_config "$T/plain" '.annotations["com.example.team"] = "blue"'
	(cd "$T/plain" && timeout -k 5 60 runc --root "$T/runc-state" run plain < /dev/null)
	stop_agent
	st=$(agent_state 1)
	want=$(jq -cS 'del(.pid, .ociVersion, .state.pid, .state.ociVersion) | .state.id = "-"' <<< "$st")
	echo "runc: $want"
	[[ "$want" == *"\"bundle\":\"$T/plain\""* ]]
	[[ "$want" == *"com.example.team"* ]]
	for mode in $MODES; do
		start_agent -123 1
		notify_case "p-$mode" "true" false '"mkdir"'
		set_config "$T/p-$mode" '.annotations["com.example.team"] = "blue"'
		(cd "$T/p-$mode" && timeout -k 5 60 "${W[@]}" --mode="$mode" --root "$T/runc-state" run "p-$mode" < /dev/null)
		stop_agent
		[ "$(mode_of "p-$mode")" = "$mode" ]
		st=$(agent_state 1)
		got=$(jq -cS --arg b "$T/plain" 'del(.pid, .ociVersion, .state.pid, .state.ociVersion) | .state.id = "-"
			| .state.bundle = $b | .state.annotations |= with_entries(select(.key | startswith("org.seccomp-hook.") | not))' <<< "$st")
		echo "$mode: $got"
		[ "$got" = "$want" ]
		jq -e --arg b "$T/p-$mode" '.state.bundle == $b' <<< "$st"
	done
}

# runc's seccomp-notify-compat.bats (a kernel older than 5.6) is skipped on this kernel, as upstream.

# ---- crun: tests/test_seccomp.py -----------------------------------------------------------------------

@test "crun test_seccomp.py: seccomp-listener" {
	# A listenerPath with no notifying rule: crun hands a listener over all the same.
	for mode in $MODES; do
		start_agent 0 1
		crun_case "l-$mode" '["true"]' "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$AGENT_SOCK\",
			\"listenerMetadata\": \"SOME-RANDOM-METADATA\"}"
		run crun_through "$mode" "l-$mode" --detach
		[ "$status" -eq 0 ]
		[ "$(mode_of "l-$mode")" = "$mode" ]
		for _ in $(seq 100); do grep -q '^state: ' "$T/agent.log" && break; sleep 0.05; done
		stop_agent
		cat "$T/agent.log"
		st=$(agent_state 1)
		jq -e --arg id "l-$mode" '(.fds | length) == 1 and has("pid") and .metadata == "SOME-RANDOM-METADATA"
			and .state.status == "creating" and .state.id == $id' <<< "$st"
	done
}

@test "crun test_seccomp.py: seccomp-block-syscall" {
	for mode in $MODES; do
		crun_case "b-$mode" '["sysprobe", "getpid", "getppid"]' \
			'{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
		run crun_through "$mode" "b-$mode"
		echo "$mode: $output"
		[ "$status" -eq 0 ]
		[ "$(mode_of "b-$mode")" = "$mode" ]
		[[ "$output" == *"getpid=1"* ]]
		[[ "$output" == *"getppid=ok"* ]]
	done
}

@test "crun test_seccomp.py: seccomp-allow-default" {
	for mode in $MODES; do
		crun_case "a-$mode" '["sysprobe", "getpid"]' '{"defaultAction": "SCMP_ACT_ALLOW"}'
		run crun_through "$mode" "a-$mode"
		[ "$status" -eq 0 ]
		[ "$(mode_of "a-$mode")" = "$mode" ]
		[[ "$output" == *"getpid=ok"* ]]
	done
}

@test "crun test_seccomp.py: seccomp-architectures" {
	for mode in $MODES; do
		crun_case "r-$mode" '["sysprobe", "getpid"]' \
			'{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
			  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
		set_config "$T/r-$mode" '.process.args = ["sysprobe", "getpid", "mkdir"]'
		run crun_through "$mode" "r-$mode"
		echo "$mode: $output"
		[ "$status" -eq 0 ]
		[ "$(mode_of "r-$mode")" = "$mode" ]
		[[ "$output" == *"getpid=ok"* ]]
		[[ "$output" == *"mkdir=1"* ]]
	done
}

@test "crun test_seccomp.py: seccomp-log-action" {
	for mode in $MODES; do
		crun_case "g-$mode" '["sysprobe", "getcwd"]' \
			'{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_LOG"}]}'
		run crun_through "$mode" "g-$mode"
		[ "$status" -eq 0 ]
		[ "$(mode_of "g-$mode")" = "$mode" ]
		[[ "$output" == *"getcwd=ok"* ]]
	done
}

@test "crun test_seccomp.py: seccomp-kill-action" {
	crun_as_crun k '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read", "write", "exit", "exit_group",
		"rt_sigreturn", "brk", "mmap", "munmap", "mprotect", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
		"prlimit64", "futex", "getrandom", "close", "execve", "openat", "newfstatat", "fstat", "access", "readlink",
		"getuid", "getgid", "geteuid", "getegid"], "action": "SCMP_ACT_ALLOW"}]}'
}

@test "crun test_seccomp.py: seccomp-syscall-args" {
	for mode in $MODES; do
		crun_case "s-$mode" '["true"]' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ioctl"],
			"action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 1, "value": 21505, "op": "SCMP_CMP_EQ"}]}]}'
		run crun_through "$mode" "s-$mode"
		[ "$status" -eq 0 ]
		[ "$(mode_of "s-$mode")" = "$mode" ]
	done
}

@test "crun test_seccomp.py: seccomp-multiple-syscalls" {
	for mode in $MODES; do
		crun_case "m-$mode" '["sysprobe", "getpid", "getppid"]' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names":
			["getpid", "getppid", "getuid", "getgid"], "action": "SCMP_ACT_LOG"}]}'
		run crun_through "$mode" "m-$mode"
		[ "$status" -eq 0 ]
		[ "$(mode_of "m-$mode")" = "$mode" ]
		[[ "$output" == *"getpid=ok"* ]]
		[[ "$output" == *"getppid=ok"* ]]
	done
}

@test "crun test_seccomp.py: seccomp-errno-default" {
	crun_as_crun e '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [{"names": ["read", "write",
		"exit", "exit_group", "rt_sigreturn", "brk", "mmap", "munmap", "mprotect", "arch_prctl", "set_tid_address",
		"set_robust_list", "rseq", "prlimit64", "futex", "getrandom", "close", "execve", "openat", "newfstatat", "fstat",
		"access", "readlink", "getuid", "getgid", "geteuid", "getegid", "prctl", "uname", "readlinkat", "fcntl", "dup",
		"dup2", "dup3", "lseek", "ioctl", "getcwd", "chdir", "rt_sigaction", "rt_sigprocmask", "sigaltstack",
		"clock_gettime", "gettid", "tgkill", "getpid", "getppid", "wait4"], "action": "SCMP_ACT_ALLOW"}]}'
}

@test "crun test_seccomp.py: seccomp-comparison-ops" {
	for mode in $MODES; do
		crun_case "c-$mode" '["sysprobe", "getpid"]' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{"names": ["ioctl"], "action": "SCMP_ACT_LOG", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_NE"}]},
			{"names": ["write"], "action": "SCMP_ACT_LOG", "args": [{"index": 2, "value": 1024, "op": "SCMP_CMP_GT"}]}]}'
		run crun_through "$mode" "c-$mode"
		[ "$status" -eq 0 ]
		[ "$(mode_of "c-$mode")" = "$mode" ]
		[[ "$output" == *"getpid=ok"* ]]
	done
}

@test "crun test_seccomp.py: seccomp-flags" {
	for mode in $MODES; do
		crun_case "f-$mode" '["sysprobe", "getpid"]' '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
			"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
		run crun_through "$mode" "f-$mode"
		[ "$status" -eq 0 ]
		[ "$(mode_of "f-$mode")" = "$mode" ]
		[[ "$output" == *"getpid=ok"* ]]
	done
}

@test "crun test_seccomp.py: annotation-seccomp-fail-unknown-syscall" {
	# An unknown name is skipped; with run.oci.seccomp_fail_unknown_syscall it fails the container, as
	# crun fails it (under runc too: the annotation can only make a start stricter).
	p='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["this_syscall_does_not_exist_12345"],
		"action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	for mode in $MODES; do
		crun_case "u-$mode" '["sh", "-c", "echo ran > /out/ran"]' "$p"
		run crun_through "$mode" "u-$mode"
		[ "$status" -eq 0 ]
		[ -e "$T/u-$mode/out/ran" ]
		crun_case "v-$mode" '["sh", "-c", "echo ran > /out/ran"]' "$p" '.annotations["run.oci.seccomp_fail_unknown_syscall"] = "1"'
		run crun_through "$mode" "v-$mode"
		echo "$mode: $output"
		[ "$status" -ne 0 ]
		[ ! -e "$T/v-$mode/out/ran" ]
		[[ "$output" == *"unknown syscall 'this_syscall_does_not_exist_12345'"* ]]
		bundle "w-$mode" '["sh", "-c", "echo ran > /out/ran"]' "$p" '.annotations["run.oci.seccomp_fail_unknown_syscall"] = "1"'
		run runc_through "$mode" "w-$mode"
		[ "$status" -ne 0 ]
		[ ! -e "$T/w-$mode/out/ran" ]
	done
}

@test "crun: run --config naming another file than the bundle's config.json is refused" {
	# crun's own tests pass --config config.json, which is the bundle's; any other file would reach
	# crun without the profile.
	for mode in $MODES; do
		crun_case "o-$mode" '["sh", "-c", "echo ran > /out/ran"]' '{"defaultAction": "SCMP_ACT_ALLOW"}'
		jq 'del(.linux.seccomp)' "$T/o-$mode/config.json" > "$T/o-$mode/other.json"
		run crun_through "$mode" "o-$mode" --config "$T/o-$mode/other.json"
		echo "$mode: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"--config '$T/o-$mode/other.json': the profile is applied to the bundle's config.json"* ]]
		[ ! -e "$T/o-$mode/out/ran" ]
		run crun_through "$mode" "o-$mode" --config config.json
		[ "$status" -eq 0 ]
		[ -e "$T/o-$mode/out/ran" ]
	done
}

@test "runc and crun, init mode: a notified sendmsg is refused, not a start that never ends" {
	# The loader and crun hand the listener over with sendmsg once the filter is in; runc's runtime
	# mode takes it with pidfd_getfd and runs.
	start_agent continue 1
	notify_case ns-init "echo ran > /out/ran" true '"sendmsg"'
	run runc_through init ns-init
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sendmsg is SCMP_ACT_NOTIFY: the loader hands the listener over with sendmsg"* ]]
	[ ! -e "$T/ns-init/out/ran" ]
	crun_case ns-crun '["sh", "-c", "echo ran > /out/ran"]' "$(notify_profile '"sendmsg"')"
	run crun_through init ns-crun
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sendmsg is SCMP_ACT_NOTIFY: crun hands the listener over"* ]]
	notify_case ns-runtime "echo ran > /out/ran" true '"sendmsg"'
	run runc_through runtime ns-runtime
	stop_agent
	[ "$status" -eq 0 ]
	[ -e "$T/ns-runtime/out/ran" ]
}

@test "crun test_seccomp.py, as crun runs it: a --root removed as soon as a foreground run returns stays removed" {
	# crun's harness removes its directory, the runtime's --root in it, when each case returns; the
	# wrapper's watch then asks the runtime about the container (in the root it held open), which
	# must neither make the root again nor keep the container's record.
	for mode in $MODES; do
		crun_case "q-$mode" '["true"]' '{"defaultAction": "SCMP_ACT_ALLOW"}'
		root="$T/q-root-$mode"
		# shellcheck disable=SC2016 # sh expands them
		timeout -k 5 60 unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "${W[@]}" --mode="$mode" \
			--runtime-path=crun --cgroup-manager=disabled --root "$root" run -b "$T/q-$mode" "q-$mode" < /dev/null
		rm -rf "$root"
		for _ in $(seq 100); do [ -z "$(find "$T/wrapper-state" -name "q-$mode.json")" ] && break; sleep 0.05; done
		[ -z "$(find "$T/wrapper-state" -name "q-$mode.json")" ]
		[ ! -e "$root" ]
	done
}
