#!/usr/bin/env bats
# End to end with the real runtimes: runc and crun bundles through `inject`, podman through a
# hooks.d precreate hook, in both apply modes. Each test checks /proc/1/status in the container,
# a denied syscall's errno, and that ordinary work still runs. Needs root.
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and runc crun podman jq busybox
}

setup() {
	T=$(mktemp -d /tmp/sh-rt.XXXXXX)
	mkdir -p "$T/profiles" "$T/runc-state" "$T/crun-state"
	deny_mkdir_profile "$T/profiles/deny-mkdir.json"
	cp "$UPSTREAM/docker-default.json" "$T/profiles/docker-default.json"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "BOGUS"}]}' \
		> "$T/profiles/broken.json"
	SCRIPT='grep -E "^Seccomp:" /proc/1/status; echo work > /out/marker; cat /out/marker; mkdir /tmp/d 2>&1; sysprobe mkdir unshare getppid'
}

teardown() {
	runc --root "$T/runc-state" delete -f c1 >/dev/null 2>&1 || true
	[ -d "$T/podman" ] && teardown_podman
	rm -rf "$T"
}

# inject BUNDLE MODE PROFILE: for the plain runtimes these tests run, which start PID 1 and nothing
# else (an init-mode config refuses execve to a runtime that is not seccomp-hook-runtime; the
# wrapper's tests cover exec).
inject() {
	"$BIN" inject --mode="$2" --profiles-dir="$T/profiles" --profile="$3" --cache-dir="$T/cache" \
		--loader="$LOADER" --allow-unfiltered-exec "$1"
}

# start_detached RUNTIME BUNDLE NAME: start the container in the background under runc or crun and
# wait until its PID 1 runs a filter; sets $pid.
start_detached() {
	if [ "$1" = crun ]; then
		# shellcheck disable=SC2016 # the inner shell expands them
		unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root "$1" --cgroup-manager=disabled run -d -b "$2" "$3"' \
			sh "$T/crun-state" "$2" "$3" < /dev/null > /dev/null 2>&1
	else
		runc --root "$T/runc-state" run -d -b "$2" "$3" < /dev/null > /dev/null 2>&1
	fi
	pid=$("$1" --root "$T/$1-state" state "$3" | jq .pid)
	for _ in $(seq 100); do grep -q "Seccomp:	2" "/proc/$pid/status" && break; sleep 0.05; done
	grep -q "Seccomp:	2" "/proc/$pid/status"
}

assert_deny_mkdir_applied() {
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	[[ "$output" == *"getppid=ok"* ]]
	[ "$(cat "$T/b/out/marker")" = work ]
}

# poststart_check BUNDLE [OPTION...]: a poststart hook running state --stage=poststart --require OPTION...
poststart_check() {
	local b=$1 extra='[]' a
	shift
	for a; do extra=$(jq -c --arg a "$a" '. + [$a]' <<< "$extra"); done
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$b" '.hooks.poststart = [{"path": $bin, "args": (["seccomp-hook", "state", "--stage=poststart", "--require"] + $extra)}]' \
		--arg bin "$BIN" --argjson extra "$extra"
}

@test "runc, runtime mode: the profile is enforced in PID 1 and work runs" {
	make_bundle "$T/b" "$(jq -nc --arg s "$SCRIPT" '["sh","-c",$s]')"
	inject "$T/b" runtime deny-mkdir
	jq -e '.linux.seccomp.syscalls[0].errnoRet == 13' "$T/b/config.json"
	run run_runc "$T/b" c1
	assert_deny_mkdir_applied
}

@test "runc, init mode: the loader is PID 1's first program and the filter equals the cache" {
	make_bundle "$T/b" "$(jq -nc --arg s "$SCRIPT" '["sh","-c",$s]')"
	inject "$T/b" init deny-mkdir
	jq -e '.linux.seccomp == null and .process.args[0] == "/.seccomp-hook/init"' "$T/b/config.json"
	run run_runc "$T/b" c1
	assert_deny_mkdir_applied
}

@test "runc, init mode: the BPF PID 1 runs is byte-identical to compile --format=bpf" {
	make_bundle "$T/b" '["sleep", "30"]'
	inject "$T/b" init deny-mkdir
	caps=$(jq -r '.process.capabilities.bounding | join(",")' "$T/b/config.json")
	start_detached runc "$T/b" c1
	"$BIN" dump --format=raw -o "$T/got.bpf" "$pid"
	"$BIN" compile --caps="$caps" "$T/profiles/deny-mkdir.json" > "$T/want.bpf"
	cmp "$T/want.bpf" "$T/got.bpf"
	src=$(jq -r '.mounts[] | select(.destination == "/.seccomp-hook/filter.bpf") | .source' "$T/b/config.json")
	cmp "$src" "$T/got.bpf"
}

@test "crun, runtime and init mode, with the poststart check" {
	for mode in runtime init; do
		rm -rf "$T/b"
		make_bundle "$T/b" "$(jq -nc --arg s "$SCRIPT" '["sh","-c",$s]')"
		inject "$T/b" "$mode" deny-mkdir
		poststart_check "$T/b"
		run run_crun "$T/b" "c-$mode"
		echo "$mode: $output"
		assert_deny_mkdir_applied
	done
}

@test "runtime mode: crun runs the hook's compiled program, runc compiles linux.seccomp" {
	make_bundle "$T/b" '["sleep", "30"]'
	inject "$T/b" runtime docker-default
	caps=$(jq -r '.process.capabilities.bounding | join(",")' "$T/b/config.json")
	"$BIN" compile --caps="$caps" "$T/profiles/docker-default.json" > "$T/want.bpf"
	for rt in crun runc; do
		if [ $rt = crun ]; then start_detached crun "$T/b" c-rt; else start_detached runc "$T/b" c1; fi
		"$BIN" dump --format=raw -o "$T/$rt.bpf" "$pid"
		kill -9 "$pid"
	done
	crun --root "$T/crun-state" delete -f c-rt > /dev/null 2>&1 || true
	cmp "$T/want.bpf" "$T/crun.bpf"   # crun took the program from the annotation, as compiled
	! cmp -s "$T/want.bpf" "$T/runc.bpf" || false # runc built its own from linux.seccomp
	[ "$(stat -c %s "$T/runc.bpf")" -gt "$(stat -c %s "$T/want.bpf")" ]
}

@test "init mode --runtime=crun: crun installs the compiled program itself; runc refuses the config" {
	make_bundle "$T/b" "$(jq -nc --arg s "$SCRIPT" '["sh","-c",$s]')"
	"$BIN" inject --mode=init --runtime=crun --profiles-dir="$T/profiles" --profile=deny-mkdir \
		--cache-dir="$T/cache" "$T/b"
	jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_KILL_PROCESS" and .process.args[0] == "sh"' "$T/b/config.json"
	run run_crun "$T/b" c-init
	assert_deny_mkdir_applied
	# The kernel's copy of the filter is the compiled program, and it is PID 1's only filter.
	cp "$T/b/config.json" "$T/crun-config.json"
	set_config "$T/b" '.process.args = ["sleep", "30"]'
	caps=$(jq -r '.process.capabilities.bounding | join(",")' "$T/b/config.json")
	"$BIN" compile --caps="$caps" "$T/profiles/deny-mkdir.json" > "$T/want.bpf"
	start_detached crun "$T/b" c-sleep
	grep -q "Seccomp_filters:	1" "/proc/$pid/status"
	"$BIN" dump --format=raw -o "$T/got.bpf" "$pid"
	kill -9 "$pid"
	crun --root "$T/crun-state" delete -f c-sleep > /dev/null 2>&1 || true
	cmp "$T/want.bpf" "$T/got.bpf"
	# runc ignores the annotation: the placeholder stops the start before the workload runs.
	cp "$T/crun-config.json" "$T/b/config.json"
	rm -f "$T/b/out/marker"
	run run_runc "$T/b" c1
	[ "$status" -ne 0 ]
	[ ! -e "$T/b/out/marker" ]
}

@test "init mode: a missing or truncated BPF file stops the container before the workload" {
	for damage in remove truncate; do
		rm -rf "$T/b" "$T/cache"
		make_bundle "$T/b" '["sh", "-c", "echo ran > /out/marker"]'
		inject "$T/b" init deny-mkdir
		src=$(jq -r '.mounts[] | select(.destination == "/.seccomp-hook/filter.bpf") | .source' "$T/b/config.json")
		if [ $damage = remove ]; then rm -f "$src"; else chmod u+w "$src"; truncate -s 16 "$src"; fi
		rc=0
		output=$(run_runc "$T/b" c1 2>&1) || rc=$?
		echo "$damage: exit $rc: $output"
		[ "$rc" -ne 0 ]
		[ ! -e "$T/b/out/marker" ]
		runc --root "$T/runc-state" delete -f c1 >/dev/null 2>&1 || true
	done
	[ "$rc" -eq 127 ]
	[[ "$output" == *"seccomp-hook-init: error:"*"SHA-256"* ]]
}

docker_probe() { # MODE CAPS_JQ -> output of sysprobe in a container under Docker's default profile
	rm -rf "$T/b"
	make_bundle "$T/b" '["sh", "-c", "sysprobe unshare mount clone3 personality1 socket_vsock newest getppid && echo script-ran"]'
	[ -z "$2" ] || set_config "$T/b" "$2"
	inject "$T/b" "$1" docker-default
	run_runc "$T/b" c1
}

@test "Docker's default profile through the hook: EPERM, ENOSYS for clone3 and new syscalls, scripts run" {
	for mode in runtime init; do
		run docker_probe "$mode" ""
		echo "$mode: $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"unshare=1"* ]]
		[[ "$output" == *"mount=1"* ]]
		[[ "$output" == *"clone3=38"* ]]
		[[ "$output" == *"personality1=1"* ]]
		[[ "$output" == *"socket_vsock=ok"* ]] # Docker 20.10 allows every socket family
		[[ "$output" == *"newest=38"* ]]
		[[ "$output" == *"getppid=ok"* ]]
		[[ "$output" == *"script-ran"* ]]
	done
}

@test "Docker's default profile with CAP_SYS_ADMIN: the includes flip as Docker's do" {
	add='.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	for mode in runtime init; do
		run docker_probe "$mode" "$add"
		echo "$mode: $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"unshare=ok"* ]]
		[[ "$output" != *"clone3=38"* ]]
		[[ "$output" == *"script-ran"* ]]
	done
}

@test "state --require as a prestart hook stops a container whose config was not filtered" {
	make_bundle "$T/b" '["sh", "-c", "echo ran > /out/marker"]'
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$T/b" '.annotations["org.seccomp-hook.profile"] = "deny-mkdir"
		| .hooks.prestart = [{"path": $bin, "args": ["seccomp-hook", "state", "--require"]}]' --arg bin "$BIN"
	run run_runc "$T/b" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not carry it"* ]]
	[ ! -e "$T/b/out/marker" ]
	runc --root "$T/runc-state" delete -f c1 >/dev/null 2>&1 || true
	"$BIN" inject --profiles-dir="$T/profiles" "$T/b"
	run run_runc "$T/b" c1
	[ "$status" -eq 0 ]
	[ "$(cat "$T/b/out/marker")" = ran ]
}

@test "state --require at poststart kills a container whose PID 1 has no filter" {
	make_bundle "$T/b" '["sh", "-c", "sleep 2; echo survived > /out/marker"]'
	# The annotation asks for a profile, but the config carries none: poststart must catch it.
	set_config "$T/b" '.annotations["org.seccomp-hook.profile"] = "deny-mkdir"'
	poststart_check "$T/b"
	run run_runc "$T/b" c1
	[ "$status" -ne 0 ]
	[ ! -e "$T/b/out/marker" ]
	run run_crun "$T/b" c2
	echo "crun: $status $output"
	[ "$status" -eq 137 ]
	[ ! -e "$T/b/out/marker" ]
}

@test "state --verify-filter at poststart: init mode PID 1 runs the compiled program; a config naming another is killed" {
	for rt in runc crun; do
		# The loader (runc) or crun itself installs the cached program: the check lets it run.
		rm -rf "$T/b"
		make_bundle "$T/b" "$(jq -nc --arg s "$SCRIPT" '["sh","-c",$s]')"
		if [ $rt = runc ]; then
			inject "$T/b" init deny-mkdir
		else
			"$BIN" inject --mode=init --runtime=crun --profiles-dir="$T/profiles" --profile=deny-mkdir \
				--cache-dir="$T/cache" "$T/b"
		fi
		poststart_check "$T/b" --verify-filter
		run run_$rt "$T/b" c-$rt
		echo "$rt: $output"
		assert_deny_mkdir_applied
		# The same config claiming another program: its seal no longer holds, so what it claims is not
		# believed and PID 1 is killed before its 2 s of work are done.
		rm -f "$T/b/out/marker"
		set_config "$T/b" '.process.args |= (.[0:-1] + ["sleep 2; echo ran > /out/marker"])
			| .annotations["org.seccomp-hook.applied"] |= sub("sha256:[0-9a-f]+"; "sha256:" + ("0" * 64))'
		run run_$rt "$T/b" c-$rt-2
		echo "$rt, another digest: $status $output"
		[ "$status" -ne 0 ]
		[ $rt = crun ] || [[ "$output" == *"no valid seal vouches for it"* ]]
		[ ! -e "$T/b/out/marker" ]
		runc --root "$T/runc-state" delete -f c-runc-2 >/dev/null 2>&1 || true
	done
}

@test "podman with a precreate hook, runtime and init mode; no annotation changes nothing" {
	setup_podman
	mkdir -p "$T/podman/out"
	podman_hook --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER"
	run run_podman --annotation org.seccomp-hook.profile=deny-mkdir localhost/sh-busybox sh -c "$SCRIPT"
	echo "runtime: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	[[ "$output" == *"getppid=ok"* ]]
	run run_podman localhost/sh-busybox sh -c "$SCRIPT"
	echo "no annotation: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mkdir=ok"* ]]
}

@test "podman, init mode: plain runc gets runtime mode from the hook; through seccomp-hook-runtime PID 1 and podman exec are filtered" {
	setup_podman
	mkdir -p "$T/podman/out"
	podman_hook --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER"
	# (A read-only root: the loader is used only where no one can change what its path names.)
	ann=(--read-only --annotation org.seccomp-hook.profile=deny-mkdir --annotation org.seccomp-hook.mode=init)
	# The hook cannot see that the runtime is plain runc, which could not run the loader's config
	# safely: runtime mode, the same filter, installed by runc (no loader's place in the container).
	run run_podman "${ann[@]}" localhost/sh-busybox sh -c "$SCRIPT; grep -c ' /.seccomp-hook ' /proc/self/mountinfo || true"
	echo "plain runc: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	[ "${lines[-1]}" = 0 ]
	# Told that the wrapper runs every container, the hook writes the loader's config, which plain
	# runc refuses to run.
	podman_hook --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" --runtime=wrapper
	run ! run_podman "${ann[@]}" localhost/sh-busybox sh -c 'echo ran > /out/plain'
	echo "plain runc, --runtime=wrapper: $output"
	[ ! -e "$T/podman/out/plain" ]
	wrapped=(podman --runtime "$SH_BUILDDIR/seccomp-hook-runtime" --runtime-flag runtime-path=runc
		--runtime-flag "profiles-dir=$T/profiles" --runtime-flag "cache-dir=$T/cache" --runtime-flag "loader=$LOADER"
		--hooks-dir "$T/podman/hooks.d")
	run "${wrapped[@]}" run --rm --pull=never -v "$T/podman/out:/out" "${ann[@]}" localhost/sh-busybox sh -c "$SCRIPT" < /dev/null
	echo "wrapped: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	"${wrapped[@]}" run -d --name pe --pull=never "${ann[@]}" localhost/sh-busybox sleep 30 < /dev/null
	run "${wrapped[@]}" exec pe sh -c 'grep -E "^Seccomp:" /proc/self/status; sysprobe mkdir getppid'
	"${wrapped[@]}" rm -f pe >/dev/null 2>&1 || true
	echo "exec: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	[[ "$output" == *"getppid=ok"* ]]
}

@test "podman: bad names, a ../ name, a broken profile and an unwritable cache stop the container" {
	setup_podman
	mkdir -p "$T/podman/out" "$T/ro-cache"
	mount -t tmpfs -o ro,size=64k,mode=755 tmpfs "$T/ro-cache"
	# (--runtime=wrapper: the hook writes init mode's config, which needs the cache.)
	podman_hook --profiles-dir="$T/profiles" --cache-dir="$T/ro-cache" --loader="$LOADER" --runtime=wrapper
	for case in "nope runtime" "../profiles/deny-mkdir runtime" "a/b runtime" "broken runtime" "deny-mkdir init"; do
		read -r profile mode <<<"$case"
		rm -f "$T/podman/out/marker"
		# (A read-only root: init mode, which needs the cache.)
		run run_podman --read-only --annotation org.seccomp-hook.profile="$profile" --annotation org.seccomp-hook.mode="$mode" \
			localhost/sh-busybox sh -c 'echo ran > /out/marker'
		echo "$case: $status $output"
		[ "$status" -ne 0 ]
		[ ! -e "$T/podman/out/marker" ]
	done
	umount "$T/ro-cache"
}
