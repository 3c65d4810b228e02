#!/usr/bin/env bats
# seccomp-hook-runtime under the real engines: a private Docker 20.10 daemon (one for the whole
# file) with the wrapper as a `runtimes` entry, and the containerd that daemon started, driven by
# ctr with --runc-binary (the path a Kubernetes RuntimeClass takes). It proves that:
# - Docker's default profile, as dockerd writes it into linux.seccomp, is enforced in PID 1 and in
#   `docker exec`, through the precompiled path (the bundle's config.json runs the loader, carries
#   no linux.seccomp, and the kernel's filter is the cached program);
# - what a process runs with (capabilities, no_new_privs, Seccomp, filter count) is identical to
#   Docker's own runc, for PID 1 and for an exec'd process, with default options, --cap-add
#   SYS_ADMIN (runtime mode), no-new-privileges and --user;
# - --security-opt seccomp=FILE is compiled and enforced likewise, and a broken profile (from FILE
#   or from --default-profile) makes `docker run` fail before the workload runs;
# - under containerd alone, the wrapper reads its options from --config: containerd's default
#   profile (ctr --seccomp) or the configured default-profile is enforced in PID 1 and in
#   `ctr task exec`.
# Needs root.
bats_require_minimum_version 1.5.0
load lib

IMG=shtest-busybox:latest
CTR_IMG=docker.io/library/shtest-busybox:latest
STATUS_RE='^(NoNewPrivs|Cap[A-Za-z]+|Seccomp|Seccomp_filters):'

dk() { timeout 60 /usr/bin/docker "$@"; }
kctr() { timeout 60 ctr --address "$ENG/exec/containerd/containerd.sock" -n shtest2 "$@"; }

# bundle_config NAMESPACE ID: the config.json containerd's shim handed to the runtime.
bundle_config() {
	echo "$ENG/exec/containerd/daemon/io.containerd.runtime.v2.task/$1/$2/config.json"
}

applied() { # NAMESPACE ID
	jq -r '.annotations["org.seccomp-hook.applied"] // "none"' "$(bundle_config "$1" "$2")"
}

# wait_comm PID NAME: until PID runs NAME (in init mode PID 1 starts as the loader).
wait_comm() {
	for _ in $(seq 100); do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# Init mode's loader needs a read-only root (a writable one gets runtime mode: hook/lib/oci/initsafe.h).
RO=(--read-only --tmpfs /tmp)

# start_sleeper DOCKER_RUN_OPTION...: a detached `sleep 60` with a read-only root; sets $id, and $pid
# (PID 1 on the host).
start_sleeper() {
	id=$(dk run -d --network none "${RO[@]}" "$@" "$IMG" sleep 60)
	pid=$(dk inspect -f '{{.State.Pid}}' "$id")
	wait_comm "$pid" sleep
}

# $output of a process under Docker's default profile (its script ran grep Seccomp, `unshare -U
# true; echo unshare-U=$?` and sysprobe unshare getppid): filtered, user namespaces refused with
# EPERM, ordinary syscalls allowed.
assert_docker_default_applied() {
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"unshare-U=1"* ]]
	[[ "$output" == *"unshare=1"* ]]
	[[ "$output" == *"getppid=ok"* ]]
}

# Leftovers in the ctr namespace (task first: a container with a live task cannot be removed).
ctr_cleanup() {
	local c
	for c in $(kctr containers ls -q 2>/dev/null); do
		kctr tasks rm -f "$c" >/dev/null 2>&1 || true
		kctr containers rm "$c" >/dev/null 2>&1 || true
	done
}

setup_file() {
	require_root_and dockerd containerd containerd-shim-runc-v2 ctr runc jq busybox
	ENG=$(mktemp -d /tmp/she.XXXXXX)
	export ENG DOCKER_HOST="unix://$ENG/sock" DOCKER_CONFIG="$ENG/client"
	mkdir -p "$ENG/cache" "$ENG/profiles" "$ENG/client" "$ENG/out"
	deny_mkdir_profile "$ENG/profiles/deny-mkdir.json"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_BOGUS"}]}' \
		> "$ENG/profiles/broken.json"
	jq -n --arg path "$SH_BUILDDIR/seccomp-hook-runtime" --arg loader "$LOADER" --arg d "$ENG" '
		["--loader=\($loader)", "--cache-dir=\($d)/cache", "--profiles-dir=\($d)/profiles"] as $args
		| {"storage-driver": "vfs",
		   "runtimes": {"seccomp-hook": {"path": $path, "runtimeArgs": $args},
		                "seccomp-hook-broken": {"path": $path, "runtimeArgs": ($args + ["--default-profile=broken"])}}}' \
		> "$ENG/daemon.json"
	start_dockerd "$ENG"
	make_rootfs "$ENG/rootfs"
	tar -C "$ENG/rootfs" -cf "$ENG/rootfs.tar" .
	dk import "$ENG/rootfs.tar" "$IMG" > /dev/null
}

teardown() {
	dk ps -aq 2>/dev/null | xargs -r /usr/bin/docker rm -f > /dev/null 2>&1 || true
	rm -f "$ENG/out/"*
}

teardown_file() {
	[ -n "${ENG:-}" ] && [ -d "$ENG" ] || return 0
	if [ -S "$ENG/sock" ]; then
		dk ps -aq 2>/dev/null | xargs -r /usr/bin/docker rm -f > /dev/null 2>&1 || true
		ctr_cleanup
	fi
	stop_dockerd "$ENG"
}

@test "docker run --runtime=seccomp-hook, Docker's default profile: enforced in PID 1 through the loader" {
	script='grep -E "^Seccomp:" /proc/1/status; echo work > /tmp/w; cat /tmp/w; unshare -U true 2>&1; echo "unshare-U=$?"; sysprobe mkdir unshare getppid'
	run --separate-stderr dk run --rm --network none --runtime=seccomp-hook "$IMG" sh -c "$script"
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	echo "default: $status $output $stderr"
	[ "$status" -eq 0 ]
	assert_docker_default_applied
	[[ "$output" == *"work"* ]]
	[[ "$output" == *"mkdir=ok"* ]]
	# The EPERM is the profile's: unconfined (no linux.seccomp, no default profile) lets it through.
	run --separate-stderr dk run --rm --network none --runtime=seccomp-hook --security-opt seccomp=unconfined "$IMG" sh -c "$script"
	echo "unconfined: $status $output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	0"* ]]
	[[ "$output" == *"unshare-U=0"* ]]
	# The precompiled path: the loader is PID 1's first program and installs the cached program.
	start_sleeper --runtime=seccomp-hook
	cfg=$(bundle_config shtest "$id")
	jq -c '{args: .process.args, annotations, seccomp: .linux.seccomp}' "$cfg"
	jq -e '.process.args[0] == "/.seccomp-hook/init"' "$cfg"
	jq -e '.process.args[-2:] == ["sleep", "60"]' "$cfg"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("(linux.seccomp) init sha256:")' "$cfg"
	jq -e '.linux | has("seccomp") | not' "$cfg"
	grep -q "Seccomp:	2" "/proc/$pid/status"
	src=$(jq -r '.mounts[] | select(.destination == "/.seccomp-hook/filter.bpf") | .source' "$cfg")
	"$BIN" dump --format=raw -o "$ENG/pid1.bpf" "$pid"
	cmp "$src" "$ENG/pid1.bpf"
	digest=$(sha256sum "$src" | cut -d' ' -f1)
	[ "$(applied shtest "$id")" = "(linux.seccomp) init sha256:$digest" ]
}

@test "docker exec goes through the loader; PID 1 and exec'd processes match Docker's own runc" {
	start_sleeper --runtime=seccomp-hook
	[[ "$(applied shtest "$id")" == "(linux.seccomp) init sha256:"* ]]
	run --separate-stderr dk exec "$id" sh -c 'grep -E "^Seccomp:" /proc/self/status; unshare -U true 2>&1; echo "unshare-U=$?"; sysprobe unshare getppid'
	echo "exec: $status $output $stderr"
	[ "$status" -eq 0 ]
	assert_docker_default_applied
	dk rm -f "$id" > /dev/null
	for opts in "" "--cap-add SYS_ADMIN" "--security-opt no-new-privileges" "--user 1000"; do
		for rt in wrapper runc; do
			# shellcheck disable=SC2086
			if [ $rt = wrapper ]; then start_sleeper --runtime=seccomp-hook $opts; else start_sleeper $opts; fi
			[ $rt = runc ] || mode=$(applied shtest "$id")
			grep -E "$STATUS_RE" "/proc/$pid/status" > "$ENG/$rt.pid1"
			dk exec "$id" grep -E "$STATUS_RE" /proc/self/status > "$ENG/$rt.exec"
			dk rm -f "$id" > /dev/null
		done
		echo "[$opts] wrapper: $mode"
		cat "$ENG/wrapper.pid1"
		diff "$ENG/runc.pid1" "$ENG/wrapper.pid1"
		diff "$ENG/runc.exec" "$ENG/wrapper.exec"
		grep -q "Seccomp:	2" "$ENG/wrapper.pid1"
		grep -q "Seccomp:	2" "$ENG/wrapper.exec"
		grep -q "Seccomp_filters:	1" "$ENG/wrapper.exec"
		# CAP_SYS_ADMIN: the wrapper leaves the filter to runc (runtime mode); else the loader's.
		if [ "$opts" = "--cap-add SYS_ADMIN" ]; then
			[[ "$mode" == "(linux.seccomp) runtime sha256:"* ]]
		else
			[[ "$mode" == "(linux.seccomp) init sha256:"* ]]
		fi
	done
}

@test "a writable root gets runtime mode, said in the runtime's log; PID 1 and docker exec are filtered by runc" {
	local cid cpid
	cid=$(dk run -d --network none --runtime=seccomp-hook "$IMG" sleep 60)
	cpid=$(dk inspect -f '{{.State.Pid}}' "$cid")
	wait_comm "$cpid" sleep
	[[ "$(applied shtest "$cid")" == "(linux.seccomp) runtime sha256:"* ]]
	grep -q "Seccomp:	2" "/proc/$cpid/status"
	run --separate-stderr dk exec "$cid" sh -c 'grep -E "^Seccomp:" /proc/self/status; unshare -U true 2>&1; echo "unshare-U=$?"; sysprobe unshare getppid'
	echo "exec: $status $output $stderr"
	[ "$status" -eq 0 ]
	assert_docker_default_applied
}

@test "--security-opt seccomp=FILE: mkdir gets errno 13 in PID 1 and in docker exec, in init mode" {
	prof="$ENG/profiles/deny-mkdir.json"
	# sysprobe is PID 1 itself here: its parent is outside the container (getppid 0).
	run --separate-stderr dk run --rm --network none --runtime=seccomp-hook "${RO[@]}" --security-opt "seccomp=$prof" \
		"$IMG" sysprobe mkdir unshare getppid
	echo "pid 1: $status $output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mkdir=13"* ]]
	[[ "$output" == *"getppid=ok:0"* ]]
	start_sleeper --runtime=seccomp-hook --security-opt "seccomp=$prof"
	cfg=$(bundle_config shtest "$id")
	jq -e '.process.args[0] == "/.seccomp-hook/init"' "$cfg"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("(linux.seccomp) init sha256:")' "$cfg"
	jq -e '.linux | has("seccomp") | not' "$cfg"
	grep -q "Seccomp:	2" "/proc/$pid/status"
	run --separate-stderr dk exec "$id" sh -c 'grep -E "^Seccomp:" /proc/self/status; mkdir /tmp/d 2>&1; sysprobe mkdir getppid'
	echo "exec: $status $output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	[[ "$output" == *"getppid=ok"* ]]
	run dk exec "$id" ls -d /tmp/d
	[ "$status" -ne 0 ]
}

@test "a broken profile makes docker run fail before the workload runs" {
	# Docker passes an unknown action through to the runtime (its own runc rejects it at create),
	# so the wrapper is the one that sees it here.
	bind=(-v "$ENG/out:/out")
	run --separate-stderr dk run --rm --network none --runtime=seccomp-hook "${bind[@]}" \
		--security-opt "seccomp=$ENG/profiles/deny-mkdir.json" "$IMG" sh -c 'echo ran > /out/marker'
	[ "$status" -eq 0 ]
	[ "$(cat "$ENG/out/marker")" = ran ]
	rm -f "$ENG/out/marker"
	run ! --separate-stderr dk run --rm --network none --runtime=seccomp-hook "${bind[@]}" \
		--security-opt "seccomp=$ENG/profiles/broken.json" "$IMG" sh -c 'echo ran > /out/marker'
	echo "seccomp=broken.json: $status $output $stderr"
	[ ! -e "$ENG/out/marker" ]
	# The reason reaches the user: the wrapper writes it where the shim looks (runc's --log file).
	# It names the engine's profile and the value's JSON path (Docker wrote the file's text again).
	[[ "$stderr" == *"seccomp-hook-runtime: linux.seccomp (the engine's profile: its default, or the file given with --security-opt seccomp=): error: profile '(linux.seccomp)': syscalls[0].action: unknown action 'SCMP_ACT_BOGUS'"* ]]
	# No linux.seccomp at all (unconfined): the wrapper's --default-profile=broken applies.
	run --separate-stderr dk run --rm --network none --runtime=seccomp-hook "${bind[@]}" \
		--security-opt seccomp=unconfined "$IMG" sh -c 'echo ran > /out/marker'
	[ "$status" -eq 0 ]
	[ "$(cat "$ENG/out/marker")" = ran ]
	rm -f "$ENG/out/marker"
	run ! --separate-stderr dk run --rm --network none --runtime=seccomp-hook-broken "${bind[@]}" \
		--security-opt seccomp=unconfined "$IMG" sh -c 'echo ran > /out/marker'
	echo "--default-profile=broken: $status $output $stderr"
	[ ! -e "$ENG/out/marker" ]
	[[ "$stderr" == *"broken.json"*"unknown action"* ]]
}

@test "containerd alone (ctr --runc-binary): containerd's default profile or the configured default, in PID 1 and task exec" {
	cat > "$ENG/runtime.conf" <<EOF
# seccomp-hook-runtime options: ctr's --runc-binary passes no arguments
loader = $LOADER
cache-dir = $ENG/cache
profiles-dir = $ENG/profiles
default-profile = deny-mkdir
EOF
	printf '#!/bin/sh\nexec %s --config=%s "$@"\n' "$SH_BUILDDIR/seccomp-hook-runtime" "$ENG/runtime.conf" > "$ENG/runc-wrapper"
	chmod +x "$ENG/runc-wrapper"
	dk save "$IMG" -o "$ENG/image.tar"
	kctr images import "$ENG/image.tar"
	n=${ENG##*/}
	script='grep -E "^Seccomp:" /proc/1/status; unshare -U true 2>&1; echo "unshare-U=$?"; sysprobe mkdir getppid'
	run --separate-stderr kctr run --rm --seccomp --runc-binary "$ENG/runc-wrapper" "$CTR_IMG" "$n-a" sh -c "$script" < /dev/null
	echo "--seccomp: $status $output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"unshare-U=1"* ]]
	[[ "$output" == *"mkdir=ok"* ]]
	run --separate-stderr kctr run --rm --runc-binary "$ENG/runc-wrapper" "$CTR_IMG" "$n-b" sh -c "$script" < /dev/null
	echo "default-profile: $status $output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	# Without the wrapper nothing filters this container: the errno above is the wrapper's doing.
	run --separate-stderr kctr run --rm "$CTR_IMG" "$n-c" sysprobe mkdir < /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"mkdir=ok"* ]]
	# Running containers with read-only roots: both through the loader, and so is what `ctr task exec`
	# starts.
	kctr run -d --read-only --seccomp --runc-binary "$ENG/runc-wrapper" "$CTR_IMG" "$n-d" sleep 60 < /dev/null
	kctr run -d --read-only --runc-binary "$ENG/runc-wrapper" "$CTR_IMG" "$n-e" sleep 60 < /dev/null
	a_d=$(applied shtest2 "$n-d")
	a_e=$(applied shtest2 "$n-e")
	echo "applied: $a_d / $a_e"
	[[ "$a_d" == "(linux.seccomp) init sha256:"* ]]
	[[ "$a_e" == "deny-mkdir init sha256:"* ]]
	jq -e '.process.args[0] == "/.seccomp-hook/init" and (.linux | has("seccomp") | not)' "$(bundle_config shtest2 "$n-d")"
	jq -e '.process.args[0] == "/.seccomp-hook/init" and (.linux | has("seccomp") | not)' "$(bundle_config shtest2 "$n-e")"
	run --separate-stderr kctr tasks exec --exec-id x1 "$n-d" sh -c 'grep -E "^Seccomp:" /proc/self/status; unshare -U true 2>&1; echo "unshare-U=$?"'
	echo "exec --seccomp: $status $output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"unshare-U=1"* ]]
	run --separate-stderr kctr tasks exec --exec-id x2 "$n-e" sh -c 'grep -E "^Seccomp:" /proc/self/status; sysprobe mkdir getppid'
	echo "exec default-profile: $status $output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	[[ "$output" == *"getppid=ok:0"* ]]
	ctr_cleanup
}
