#!/usr/bin/env bats
# What Docker users see of the wrapper and what it leaves behind, with a private Docker 20.10
# daemon: the wrapper's warnings are in the runtime's log file in the JSON format containerd's shim
# asks for, never in the container's output (docker logs), and they name the engine's profile by
# the JSON path of the value, not by positions in a text the user never wrote; the loader's mount
# point is gone from the container's root once the container is (docker diff, docker commit), and
# so is the wrapper's record of it. Needs root.
bats_require_minimum_version 1.5.0
load lib

IMG=shtest-ops:latest

dk() { timeout 60 /usr/bin/docker "$@"; }

# log_json ID: the runtime's log file containerd's shim gave the wrapper for container ID.
log_json() {
	echo "$ENG/exec/containerd/daemon/io.containerd.runtime.v2.task/shtest/$1/log.json"
}

applied() {
	jq -r '.annotations["org.seccomp-hook.applied"] // "none"' \
		"$ENG/exec/containerd/daemon/io.containerd.runtime.v2.task/shtest/$1/config.json"
}

records() {
	find "$ENG/state" -name '*.json' 2>/dev/null | wc -l
}

setup_file() {
	require_root_and dockerd containerd containerd-shim-runc-v2 runc jq busybox
	ENG=$(mktemp -d /tmp/sh-opsd.XXXXXX)
	export ENG DOCKER_HOST="unix://$ENG/sock" DOCKER_CONFIG="$ENG/client"
	mkdir -p "$ENG/profiles" "$ENG/client"
	jq -n --arg path "$SH_BUILDDIR/seccomp-hook-runtime" --arg loader "$LOADER" --arg d "$ENG" '
		{"storage-driver": "vfs",
		 "runtimes": {"seccomp-hook": {"path": $path, "runtimeArgs": [
			"--loader=\($loader)", "--cache-dir=\($d)/cache", "--profiles-dir=\($d)/profiles",
			"--state-dir=\($d)/state", "--seal-key=\($d)/key", "--loader-store=\($d)/store"]}}}' > "$ENG/daemon.json"
	start_dockerd "$ENG"
	make_rootfs "$ENG/rootfs"
	tar -C "$ENG/rootfs" -cf "$ENG/rootfs.tar" .
	dk import "$ENG/rootfs.tar" "$IMG" > /dev/null
}

teardown() {
	dk ps -aq 2>/dev/null | xargs -r /usr/bin/docker rm -f > /dev/null 2>&1 || true
}

teardown_file() {
	[ -n "${ENG:-}" ] && [ -d "$ENG" ] || return 0
	if [ -S "$ENG/sock" ]; then
		dk ps -aq 2>/dev/null | xargs -r /usr/bin/docker rm -f > /dev/null 2>&1 || true
		dk rmi -f shtest-ops-committed:latest > /dev/null 2>&1 || true
	fi
	stop_dockerd "$ENG"
}

@test "docker: the wrapper's warnings go to the runtime's log as JSON, not to docker logs; the profile's values are named by JSON path" {
	# Docker's default profile with a name no kernel has (a typo of rmdir), given as a file.
	jq '.syscalls[0].names += ["rmdirr"]' "$UPSTREAM/docker-default.json" > "$ENG/typo.json"
	# A writable root: init mode falls back to runtime mode, which is a warning too.
	id=$(dk run -d --network none --runtime=seccomp-hook --security-opt "seccomp=$ENG/typo.json" "$IMG" \
		sh -c 'echo app-line; exec sleep 60')
	for _ in $(seq 100); do [ -n "$(dk logs "$id" 2>&1)" ] && break; sleep 0.05; done
	run --separate-stderr dk logs "$id"
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	echo "logs: [$output] [$stderr]"
	[ "$output" = app-line ]
	[ -z "$stderr" ]
	log=$(log_json "$id")
	cat "$log"
	# shellcheck disable=SC2016 # jq's variable
	warned() { jq -e -s --arg m "$1" '[.[] | select(.level == "warning") | .msg | select(contains($m))] | length == 1' "$log"; }
	warned "seccomp-hook-runtime: linux.seccomp (the engine's profile: its default, or the file given with --security-opt seccomp=): warning: syscalls[0]: unknown syscall 'rmdirr' (skipped; did you mean 'rmdir'?)"
	warned "warning: init mode: its root filesystem is writable"
	# Every line is JSON, as the shim parses it, and no position in the engine's text is given.
	jq -e . "$log" > /dev/null
	run grep -E 'seccomp=\):[0-9]+:[0-9]+:' "$log"
	[ "$status" -eq 1 ]
	[[ "$(applied "$id")" == "(linux.seccomp) runtime sha256:"* ]]
}

@test "docker: the loader's mount point is gone once the container is (docker diff, docker commit), and so is the wrapper's record" {
	id=$(dk run -d --network none --read-only --runtime=seccomp-hook "$IMG" sleep 60)
	[[ "$(applied "$id")" == "(linux.seccomp) init sha256:"* ]]
	# While it runs the runtime's mount point is in its root; it is the only change.
	[ "$(dk diff "$id")" = "A /.seccomp-hook" ]
	[ "$(records)" -eq 1 ]
	dk stop -t 0 "$id" > /dev/null
	for _ in $(seq 100); do [ "$(records)" -eq 0 ] && break; sleep 0.05; done
	[ "$(records)" -eq 0 ]
	[ -z "$(dk diff "$id")" ]
	dk commit "$id" shtest-ops-committed:latest > /dev/null
	run dk run --rm --network none shtest-ops-committed:latest ls -a /
	[ "$status" -eq 0 ]
	[[ "$output" == *"bin"* ]]
	[[ "$output" != *".seccomp-hook"* ]]
	dk rm "$id" > /dev/null
	# Containers that ran to their end, with --rm: nothing left either.
	for n in 1 2 3; do
		dk run --rm --network none --read-only --runtime=seccomp-hook "$IMG" true
		echo "$n"
	done
	[ "$(records)" -eq 0 ]
}
