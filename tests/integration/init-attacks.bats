#!/usr/bin/env bats
# Init mode trusts nothing the container controls. Each test performs an attack the way a hostile
# image, pod author, exec user or container would, with the real runtime and engine it needs (runc,
# crun, podman 4.3, a private Docker 20.10 daemon, all through seccomp-hook-runtime or the hooks.d
# precreate hook), shows it fails, and shows the legitimate path still works:
# - an image whose command imitates the loader's call (with every capability in its --caps), and an
#   org.seccomp-hook.applied annotation a pod sets: neither is believed;
# - a filter that lets the workload make a mount namespace of its own (podman's default) gets runtime
#   mode, so a container that swaps its mount namespace changes nothing an exec runs;
# - startContainer hooks and execs run with exactly the capability sets they ask for; an exec asking
#   for CAP_SYS_ADMIN (runc exec --cap, a process file, podman/docker exec --privileged) is refused;
# - a process file Go reads otherwise, capability names runc does not grant;
# - a loader file or runtime.conf others can write; the loader's read-only copy, which no container
#   can write through.
# Needs root.
bats_require_minimum_version 1.5.0
load lib

IMG=shtest-busybox:latest
FORGED=shtest-forged:latest
STATUS='grep -E "^(NoNewPrivs|Cap[A-Za-z]+|Seccomp|Seccomp_filters):" /proc/self/status'
# A loader call with every capability in its --caps, as an image or a pod spec could write it.
FORGED_CALL='["/.seccomp-hook/init", "--sha256=0000000000000000000000000000000000000000000000000000000000000000", "--flags=0", "--caps=ffffffffff:ffffffffff:ffffffffff:ffffffffff:ffffffffff", "/.seccomp-hook/filter.bpf", "--", "sh", "-c", "grep CapEff /proc/self/status > /out/caps"]'
DOCKER_CAPS=00000000a80425fb

dk() { timeout 60 /usr/bin/docker "$@"; }

setup_file() {
	require_root_and dockerd containerd runc crun podman jq busybox
	ENG=$(mktemp -d /tmp/sh-ia.XXXXXX)
	export ENG DOCKER_HOST="unix://$ENG/sock" DOCKER_CONFIG="$ENG/client"
	mkdir -p "$ENG/cache" "$ENG/profiles" "$ENG/client" "$ENG/out"
	echo '{}' > "$ENG/client/config.json" # podman reads DOCKER_CONFIG too
	jq -n --arg path "$SH_BUILDDIR/seccomp-hook-runtime" --arg loader "$LOADER" --arg d "$ENG" '
		{"storage-driver": "vfs",
		 "runtimes": {"seccomp-hook": {"path": $path, "runtimeArgs": ["--loader=\($loader)", "--cache-dir=\($d)/cache",
			"--profiles-dir=\($d)/profiles", "--state-dir=\($d)/wrapper-state", "--seal-key=\($d)/key/seal.key"]}}}' \
		> "$ENG/daemon.json"
	start_dockerd "$ENG"
	make_rootfs "$ENG/rootfs"
	tar -C "$ENG/rootfs" -cf "$ENG/rootfs.tar" .
	dk import "$ENG/rootfs.tar" "$IMG" > /dev/null
	dk import --change "ENTRYPOINT $FORGED_CALL" "$ENG/rootfs.tar" "$FORGED" > /dev/null
}

teardown_file() {
	[ -n "${ENG:-}" ] && [ -d "$ENG" ] || return 0
	dk ps -aq 2>/dev/null | xargs -r /usr/bin/docker rm -f > /dev/null 2>&1 || true
	stop_dockerd "$ENG"
}

setup() {
	T=$(mktemp -d /tmp/sh-ia.XXXXXX)
	mkdir -p "$T/profiles" "$T/runc-state" "$T/crun-state" "$T/out"
	deny_mkdir_profile "$T/profiles/deny-mkdir.json"
	cp "$SH_SRCDIR/profiles/default.json" "$T/profiles/default.json"
	cp "$UPSTREAM/docker-default.json" "$T/profiles/docker-default.json"
	cp "$UPSTREAM/podman-default.json" "$T/profiles/podman-default.json"
	KEY="$T/key/seal.key"
	WRAP=("$SH_BUILDDIR/seccomp-hook-runtime" --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER"
		--state-dir="$T/wrapper-state" --seal-key="$KEY")
}

teardown() {
	for c in a1 a2 a3 r1; do
		runc --root "$T/runc-state" delete -f $c >/dev/null 2>&1 || true
	done
	dk ps -aq 2>/dev/null | xargs -r /usr/bin/docker rm -f > /dev/null 2>&1 || true
	[ ! -d "$T/podman" ] || teardown_podman
	rm -rf "$T"
}

wrap() { # WRAPPER-OR-RUNTIME-ARGS...: the wrapper in front of runc with this test's state
	"${WRAP[@]}" --root "$T/runc-state" "$@" < /dev/null
}

pid_of() {
	runc --root "$T/runc-state" state "$1" | jq .pid
}

# sleeper BUNDLE [JQ_FILTER [JQ_ARGS...]]: a bundle whose PID 1 sleeps, for exec tests.
sleeper() {
	make_bundle "$1" '["sleep", "60"]'
	[ -z "${2:-}" ] || set_config "$@"
}

@test "attack: an image whose command imitates the loader's call, --caps all, does not start (Docker, podman, runc); Docker's own images keep init mode" {
	# Docker: the image's ENTRYPOINT is the forged call. With Docker's default profile and unconfined.
	for opt in "" "--security-opt seccomp=unconfined"; do
		# shellcheck disable=SC2086
		run dk run --rm --network none --runtime=seccomp-hook -v "$ENG/out:/out" $opt "$FORGED"
		echo "docker [$opt]: $status $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"seccomp-hook-runtime: error: config: process.args"*"no valid seal"* ]]
		[ ! -e "$ENG/out/caps" ]
	done
	# The same image's legitimate neighbour: init mode, Docker's 14 capabilities, Docker's filter.
	run dk run --rm --network none --runtime=seccomp-hook --read-only "$IMG" sh -c "$STATUS; unshare -U true; echo unshare=\$?"
	echo "docker, plain image: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapEff:	$DOCKER_CAPS"* ]]
	[[ "$output" == *"CapBnd:	$DOCKER_CAPS"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"unshare=1"* ]]
	id=$(dk run -d --network none --runtime=seccomp-hook --read-only "$IMG" sleep 30)
	cfg="$ENG/exec/containerd/daemon/io.containerd.runtime.v2.task/shtest/$id/config.json"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("(linux.seccomp) init sha256:")' "$cfg"
	# podman through the precreate hook, and runc through the wrapper: refused the same way.
	setup_podman
	podman_hook --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" --default-profile=default \
		--seal-key="$KEY"
	podman import --change "ENTRYPOINT $FORGED_CALL" "$T/podman/rootfs.tar" localhost/sh-forged > /dev/null
	mkdir -p "$T/podman/out"
	# The hooks.d entry fires on the profile annotation; without it nothing puts a loader there.
	run -127 run_podman localhost/sh-forged
	echo "podman, no annotation: $status $output"
	[[ "$output" == *'"/.seccomp-hook/init": stat /.seccomp-hook/init: no such file or directory'* ]]
	# With it, the hook refuses the config (podman shows only that the hook failed).
	run run_podman --annotation org.seccomp-hook.profile=default localhost/sh-forged
	echo "podman: $status $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"executing [seccomp-hook precreate"*"exit status 1"* ]]
	[ ! -e "$T/podman/out/caps" ]
	# What the hook said, run as podman ran it on such a config.
	mkdir "$T/spec"
	runc spec -b "$T/spec"
	jq --argjson a "$FORGED_CALL" '.process.args = $a | .annotations["org.seccomp-hook.profile"] = "default"' \
		"$T/spec/config.json" > "$T/forged.json"
	run --separate-stderr "$BIN" precreate --profiles-dir="$T/profiles" --seal-key="$KEY" < "$T/forged.json"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[[ "$stderr" == *"no valid seal"* ]]
	make_bundle "$T/b" "$FORGED_CALL"
	run wrap --default-profile=deny-mkdir run -b "$T/b" a1
	[ "$status" -eq 1 ]
	[[ "$output" == *"no valid seal"* ]]
	[ ! -e "$T/b/out/caps" ]
}

@test "attack: an org.seccomp-hook.applied annotation a pod sets does not choose the profile, nor make a state hook believe one was applied" {
	make_bundle "$T/b" '["sysprobe", "mkdir"]'
	set_config "$T/b" '.annotations["org.seccomp-hook.applied"] = "unconfined init sha256:" + ("0" * 64)'
	run wrap --default-profile=deny-mkdir run -b "$T/b" a1
	echo "$output"
	[[ "$output" == *"mkdir=13"* ]]
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("deny-mkdir init sha256:")' "$T/b/config.json"
	# A state hook asked to require the profile the config claims, when nothing sealed it, refuses.
	make_bundle "$T/c" '["true"]'
	set_config "$T/c" '.annotations["org.seccomp-hook.applied"] = "deny-mkdir runtime sha256:" + ("0" * 64)'
	state=$(jq -nc --arg b "$T/c" '{ociVersion: "1.0.2", id: "c", status: "creating", pid: 1, bundle: $b}')
	run "$BIN" state --stage=prestart --require --seal-key="$KEY" <<< "$state"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no valid seal vouches for it"* ]]
}

@test "init mode follows what the filter allows: podman's default lets the workload swap its mount namespace, so it gets runtime mode and execs stay filtered" {
	# PID 1 makes a user and mount namespace of its own and bind-mounts its own file over the place the
	# loader would be, then waits; every exec afterwards joins that mount namespace.
	swap='mkdir -p /.seccomp-hook; unshare -Urm sh -c "mount -t tmpfs x /.seccomp-hook && printf \"#!/bin/sh\necho UNFILTERED; grep Seccomp: /proc/self/status\n\" > /.seccomp-hook/init && chmod +x /.seccomp-hook/init && echo swapped > /out/swapped; exec sleep 60"'
	# Through an annotation asking for podman's profile in init mode:
	# (With Docker's capabilities, so that the user namespace can map root.)
	sleeper "$T/p" ".process.args = [\"sh\", \"-c\", $(jq -n --arg s "$swap" '$s')]
		| .process.capabilities = {\"bounding\": \$c, \"effective\": \$c, \"permitted\": \$c}
		| .annotations = {\"org.seccomp-hook.profile\": \"podman-default\", \"org.seccomp-hook.mode\": \"init\"}" \
		--argjson c '["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
	mkdir "$T/p/rootfs/.seccomp-hook" # a read-only root: the image has the directory the tmpfs goes on
	wrap run -d -b "$T/p" a2 > /dev/null 2> "$T/err"
	cat "$T/err"
	grep -q "init mode: its filter lets it call unshare(CLONE_NEWUSER) (SCMP_ARCH_X86_64), with which it could put another file at the loader's path; the runtime installs the filter instead (runtime mode)" "$T/err"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("podman-default runtime sha256:")' "$T/p/config.json"
	for _ in $(seq 100); do [ -e "$T/p/out/swapped" ] && break; sleep 0.05; done
	[ -e "$T/p/out/swapped" ]
	# The swap happened, and an exec (through the wrapper or plain runc) is filtered by runc.
	for how in wrap runc; do
		if [ $how = wrap ]; then run wrap exec a2 sh -c 'ls /.seccomp-hook; grep Seccomp: /proc/self/status; sysprobe personality1'
		else run runc --root "$T/runc-state" exec a2 sh -c 'ls /.seccomp-hook; grep Seccomp: /proc/self/status; sysprobe personality1'; fi
		echo "$how exec: $output"
		[[ "$output" == *"init"* ]] # the planted file is what the exec sees at that path
		[[ "$output" == *"Seccomp:	2"* ]]
		[[ "$output" == *"personality1=38"* ]]
		[[ "$output" != *"UNFILTERED"* ]]
	done
	# podman itself (hooks.d precreate, init mode asked for): runtime mode too, podman exec filtered.
	setup_podman
	mkdir -p "$T/podman/out"
	podman_hook --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" --seal-key="$KEY"
	wrapped=(podman --runtime "$SH_BUILDDIR/seccomp-hook-runtime" --runtime-flag runtime-path=runc
		--runtime-flag "profiles-dir=$T/profiles" --runtime-flag "cache-dir=$T/cache" --runtime-flag "loader=$LOADER"
		--runtime-flag "seal-key=$KEY" --runtime-flag "state-dir=$T/wrapper-state" --hooks-dir "$T/podman/hooks.d")
	"${wrapped[@]}" run -d --name pswap --pull=never -v "$T/podman/out:/out" \
		--annotation org.seccomp-hook.profile=podman-default --annotation org.seccomp-hook.mode=init \
		localhost/sh-busybox sh -c "$swap" < /dev/null
	for _ in $(seq 100); do [ -e "$T/podman/out/swapped" ] && break; sleep 0.05; done
	[ -e "$T/podman/out/swapped" ]
	run "${wrapped[@]}" exec pswap sh -c 'grep Seccomp: /proc/self/status; sysprobe personality1'
	echo "podman exec: $output"
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"personality1=38"* ]]
	[[ "$output" != *"UNFILTERED"* ]]
	"${wrapped[@]}" rm -f pswap > /dev/null 2>&1 || true
}

@test "under a filter that keeps init mode the swap itself fails, and Docker's default keeps init mode" {
	sleeper "$T/b" '.process.args = ["sh", "-c", "unshare -Urm true; echo unshare=$? > /out/unshare; exec sleep 60"]'
	wrap --default-profile=docker-default run -d -b "$T/b" a1
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("docker-default init sha256:")' "$T/b/config.json"
	for _ in $(seq 100); do [ -s "$T/b/out/unshare" ] && break; sleep 0.05; done
	[ "$(cat "$T/b/out/unshare")" = "unshare=1" ]
	run wrap exec a1 sh -c 'grep Seccomp: /proc/self/status; sysprobe unshare mount'
	echo "$output"
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"unshare=1"* ]]
	[[ "$output" == *"mount=1"* ]]
}

# hook_lines MODE: the status lines a startContainer hook ran with, in runtime mode (inject + runc)
# or init mode (the wrapper), for a container with Docker's capabilities.
hook_lines() {
	local b="$T/h-$1"
	make_bundle "$b" '["true"]'
	# shellcheck disable=SC2016 # jq's variables
	set_config "$b" '.hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", $s]}]}
		| .process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c}' --arg s "$STATUS > /out/hook" \
		--argjson c '["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
	if [ "$1" = runtime ]; then
		"$BIN" inject --profiles-dir="$T/profiles" --profile=docker-default --seal-key="$KEY" "$b"
		runc --root "$T/runc-state" run -b "$b" h1 < /dev/null > /dev/null
	else
		wrap --default-profile=docker-default run -b "$b" h1 > /dev/null
	fi
	cat "$b/out/hook"
}

@test "startContainer hooks run with the container's own capabilities in init mode, as in runtime mode; a hook cannot write the loader" {
	rt=$(hook_lines runtime)
	in=$(hook_lines init)
	echo "runtime: $rt"
	echo "init: $in"
	jq -e '.hooks.startContainer[0].path == "/.seccomp-hook/init"' "$T/h-init/config.json"
	diff <(echo "$rt") <(echo "$in")
	[[ "$in" == *"CapEff:	$DOCKER_CAPS"* ]]
	[[ "$in" == *"Seccomp:	2"* ]]
	# A hook that tries to make the loader writable and write it.
	copy=$(jq -r '.mounts[] | select(.destination == "/.seccomp-hook") | .source' "$T/h-init/config.json")/init
	sha=$(sha256sum < "$copy")
	make_bundle "$T/w" '["true"]'
	set_config "$T/w" '.hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "mount -o remount,rw,bind /.seccomp-hook/init; echo remount=$? > /out/w; echo evil > /.seccomp-hook/init; echo write=$? >> /out/w"]}]}'
	wrap --default-profile=deny-mkdir run -b "$T/w" h2 > /dev/null 2>&1 || true
	cat "$T/w/out/w"
	grep -q "remount=[1-9]" "$T/w/out/w"
	grep -q "write=[1-9]" "$T/w/out/w"
	[ "$(sha256sum < "$copy")" = "$sha" ]
	cmp "$copy" "$LOADER"
}

@test "attack: an exec asking for CAP_SYS_ADMIN into an init-mode container is refused (runc exec --cap, a process file, podman and docker exec --privileged); ordinary execs run filtered" {
	sleeper "$T/b"
	jq '.process | .args = ["sh", "-c", "grep CapEff /proc/self/status"]' "$T/b/config.json" > "$T/proc.json"
	jq '.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])' "$T/proc.json" > "$T/proc-admin.json"
	wrap --default-profile=deny-mkdir run -d -b "$T/b" a1
	for form in "--cap CAP_SYS_ADMIN" "--cap=CAP_SYS_ADMIN" "--cap CAP_SYS_PTRACE" "--process $T/proc-admin.json"; do
		# shellcheck disable=SC2086
		run wrap exec $form a1 sh -c 'echo RAN; grep CapEff /proc/self/status'
		echo "[$form] $status: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "seccomp-hook-runtime: error: exec: container a1 starts its processes through the init loader, and this one may hold CAP_SYS_"* ]]
		[[ "$output" != *"RAN"* ]]
	done
	# Ordinary ones: --cap of another capability is granted exactly, and the filter holds.
	run wrap exec --cap CAP_NET_ADMIN a1 sh -c "$STATUS; sysprobe mkdir"
	echo "$output"
	[ "$status" -eq 0 ]
	# runc spec's CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE, and CAP_NET_ADMIN, exactly.
	[[ "$output" == *"CapEff:	0000000020001420"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	run wrap exec --process "$T/proc.json" a1
	[ "$status" -eq 0 ]
	# docker exec --privileged
	id=$(dk run -d --network none --runtime=seccomp-hook --read-only "$IMG" sleep 30)
	run dk exec --privileged "$id" sh -c 'echo RAN'
	echo "docker exec --privileged: $status $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"may hold CAP_SYS_ADMIN"* ]]
	[[ "$output" != *"RAN"* ]]
	run dk exec "$id" sh -c 'grep Seccomp: /proc/self/status; unshare -U true; echo unshare=$?'
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"unshare=1"* ]]
	# podman exec --privileged through the wrapper (the container made in init mode by the hook)
	setup_podman
	podman_hook --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" --seal-key="$KEY"
	wrapped=(podman --runtime "$SH_BUILDDIR/seccomp-hook-runtime" --runtime-flag runtime-path=runc
		--runtime-flag "profiles-dir=$T/profiles" --runtime-flag "cache-dir=$T/cache" --runtime-flag "loader=$LOADER"
		--runtime-flag "seal-key=$KEY" --runtime-flag "state-dir=$T/wrapper-state" --hooks-dir "$T/podman/hooks.d")
	"${wrapped[@]}" run -d --name ppriv --pull=never --read-only --annotation org.seccomp-hook.profile=deny-mkdir \
		--annotation org.seccomp-hook.mode=init localhost/sh-busybox sleep 30 < /dev/null
	run "${wrapped[@]}" exec --privileged ppriv sh -c 'echo RAN'
	echo "podman exec --privileged: $status $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"may hold CAP_SYS_ADMIN"* ]]
	[[ "$output" != *"RAN"* ]]
	run "${wrapped[@]}" exec ppriv sh -c 'grep Seccomp: /proc/self/status; sysprobe mkdir'
	echo "podman exec: $output"
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	"${wrapped[@]}" rm -f ppriv > /dev/null 2>&1 || true
}

@test "an exec with --cap runs with the same status lines in init mode as runc gives it in runtime mode" {
	for mode in runtime init; do
		sleeper "$T/s-$mode"
		if [ $mode = runtime ]; then
			"$BIN" inject --profiles-dir="$T/profiles" --profile=default --seal-key="$KEY" "$T/s-$mode"
			runc --root "$T/runc-state" run -d -b "$T/s-$mode" a3 < /dev/null
			runc --root "$T/runc-state" exec --cap CAP_NET_ADMIN --cap CAP_SYS_TIME a3 sh -c "$STATUS" > "$T/$mode.out"
		else
			wrap --default-profile=default run -d -b "$T/s-$mode" a3
			wrap exec --cap CAP_NET_ADMIN --cap CAP_SYS_TIME a3 sh -c "$STATUS" > "$T/$mode.out"
		fi
		runc --root "$T/runc-state" delete -f a3 > /dev/null
	done
	cat "$T/init.out"
	diff "$T/runtime.out" "$T/init.out"
	grep -q "CapEff:	0000000022001420" "$T/init.out"
	grep -q "Seccomp:	2" "$T/init.out"
}

@test "attack: a process file Go reads otherwise is refused; capability names runc does not grant are granted by neither mode" {
	sleeper "$T/b"
	wrap --default-profile=deny-mkdir run -d -b "$T/b" a1
	# Go takes the last of "args" and "Args": the wrapper would wrap one command and runc run the other.
	jq -c '.process | .args = ["sysprobe", "mkdir"]' "$T/b/config.json" | sed 's/}$/, "Args": ["sh", "-c", "echo RAN"]}/' > "$T/folded.json"
	run wrap exec --process "$T/folded.json" a1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Go matches member names without regard to case"* ]]
	[[ "$output" != *"RAN"* ]]
	runc --root "$T/runc-state" delete -f a1
	# "net_admin" and "cap_sys_admin" are no capabilities to runc: neither mode grants them, and the
	# profile is resolved as for a process without CAP_SYS_ADMIN (Docker's default denies mount).
	caps='["CAP_KILL", "net_admin", "cap_sys_admin", "CAP_sys_ptrace"]'
	for mode in runtime init; do
		b="$T/c-$mode"
		sleeper "$b" ".process.capabilities = {\"bounding\": $caps, \"effective\": $caps, \"permitted\": $caps}"
		if [ $mode = runtime ]; then
			"$BIN" inject --profiles-dir="$T/profiles" --profile=docker-default --seal-key="$KEY" "$b"
			runc --root "$T/runc-state" run -d -b "$b" a2 < /dev/null
			runc --root "$T/runc-state" exec a2 sh -c "$STATUS; sysprobe mount" > "$T/$mode.out"
		else
			wrap --default-profile=docker-default run -d -b "$b" a2
			wrap exec a2 sh -c "$STATUS; sysprobe mount" > "$T/$mode.out"
		fi
		runc --root "$T/runc-state" delete -f a2 > /dev/null
	done
	cat "$T/init.out"
	diff "$T/runtime.out" "$T/init.out"
	grep -q "CapEff:	0000000000000020" "$T/init.out"
	grep -q "mount=1" "$T/init.out"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("docker-default init sha256:")' "$T/c-init/config.json"
}

@test "attack: a loader file or runtime.conf others can write is refused, as the cache and profiles directories are" {
	make_bundle "$T/b" '["true"]'
	mkdir -p "$T/open" "$T/conf"
	cp "$LOADER" "$T/open/seccomp-hook-init"
	chmod 0777 "$T/open/seccomp-hook-init"
	run wrap --loader="$T/open/seccomp-hook-init" --default-profile=deny-mkdir run -b "$T/b" a1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"init loader $T/open/seccomp-hook-init: writable by group or others"* ]]
	chmod 0755 "$T/open/seccomp-hook-init"
	chmod 0777 "$T/open"
	run wrap --loader="$T/open/seccomp-hook-init" --default-profile=deny-mkdir run -b "$T/b" a1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"init loader $T/open: a directory on its path writable by group or others, not sticky"* ]]
	printf 'default-profile = unconfined\n' > "$T/conf/runtime.conf"
	chmod 0666 "$T/conf/runtime.conf"
	run wrap --config="$T/conf/runtime.conf" run -b "$T/b" a1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"wrapper config $T/conf/runtime.conf: writable by group or others"* ]]
	chmod 0644 "$T/conf/runtime.conf"
	chmod 0777 "$T/conf"
	run wrap --config="$T/conf/runtime.conf" run -b "$T/b" a1
	[ "$status" -ne 0 ]
	[[ "$output" == *"wrapper config $T/conf: a directory on its path writable by group or others, not sticky"* ]]
	# As they should be: the container runs.
	chmod 0755 "$T/conf" "$T/open"
	run wrap --config="$T/conf/runtime.conf" --loader="$T/open/seccomp-hook-init" run -b "$T/b" a1
	[ "$status" -eq 0 ]
}

@test "nothing in a container can write the loader another container runs: its copy sits on a read-only tmpfs, even bound read-write" {
	make_bundle "$T/b" '["true"]'
	wrap --default-profile=deny-mkdir run -b "$T/b" a1
	copy=$(jq -r '.mounts[] | select(.destination == "/.seccomp-hook") | .source' "$T/b/config.json")/init
	[[ "$copy" == /run/seccomp-hook/loader/*/init ]]
	cmp "$copy" "$LOADER"
	stat -f -c %T "$(dirname "$copy")" | grep -qx tmpfs
	sha=$(sha256sum < "$copy")
	# What a process holding CAP_SYS_ADMIN over a bind mount of it does (a privileged exec would):
	# make the bind mount read-write, then write. The superblock stays read-only.
	touch "$T/target"
	mount --bind "$copy" "$T/target"
	mount -o remount,rw,bind "$T/target"
	run sh -c "echo evil > '$T/target'"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	umount "$T/target"
	# And with CAP_SYS_ADMIN in a user namespace of its own: not even the bind mount can change.
	run unshare -Urm sh -c "mount --bind '$copy' '$T/target' && mount -o remount,rw,bind '$T/target' && echo evil > '$T/target'; echo rc=\$?"
	echo "$output"
	[[ "$output" != *"rc=0"* ]]
	run unshare -Urm sh -c "mount -o remount,rw '$(dirname "$copy")' && echo evil > '$copy'; echo rc=\$?"
	echo "$output"
	[[ "$output" != *"rc=0"* ]]
	[ "$(sha256sum < "$copy")" = "$sha" ]
}

# A file that, run in place of the loader, shows that it ran and with what.
PLANT='printf "#!/bin/sh\necho PLANTED > /out/planted; grep -E \"^(CapEff|Seccomp):\" /proc/self/status >> /out/planted\n"'

@test "attack: a container sharing another's PID namespace cannot replace the loader that container's execs run" {
	# Two containers sharing a PID namespace (Kubernetes' shareProcessNamespace, docker run
	# --pid=container:A), A in init mode. B reaches A's root through /proc/1/root, where the
	# loader's place is no mount point of B's: rename(2) would let it move the place away and put a
	# directory of its own there. A's root is read-only, so nothing under it can be renamed.
	make_bundle "$T/a" '["sleep", "60"]'
	wrap --default-profile=deny-mkdir run -d -b "$T/a" a1
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("deny-mkdir init sha256:")' "$T/a/config.json"
	pid=$(pid_of a1)
	swap="mv /proc/1/root/.seccomp-hook /proc/1/root/.moved; echo mv=\$?; mv /proc/1/root/.seccomp-hook/init /proc/1/root/.seccomp-hook/x; echo mv-init=\$?;
		$PLANT > /proc/1/root/.seccomp-hook/init; echo write=\$?"
	make_bundle "$T/b" "$(jq -n --arg s "$swap" '["sh", "-c", $s]')"
	# shellcheck disable=SC2016 # jq's variables
	set_config "$T/b" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' --arg p "/proc/$pid/ns/pid"
	run wrap --default-profile=deny-mkdir run -b "$T/b" a2
	echo "B: $status $output"
	[[ "$output" == *"mv=1"* ]]
	[[ "$output" == *"mv-init=1"* ]]
	[[ "$output" == *"write=1"* ]]
	run wrap exec a1 sh -c "$STATUS; sysprobe mkdir"
	echo "exec into A: $output"
	[ ! -e "$T/a/out/planted" ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
	# A container whose root is writable gets runtime mode: its execs never go through the loader's
	# path, whatever is put there (here by its own PID 1).
	make_bundle "$T/w" "$(jq -n --arg s "$PLANT > /.seccomp-hook/init && chmod +x /.seccomp-hook/init; exec sleep 60" '["sh", "-c", $s]')"
	set_config "$T/w" '.root.readonly = false'
	mkdir "$T/w/rootfs/.seccomp-hook" # in its image
	wrap --default-profile=deny-mkdir run -d -b "$T/w" a3 2> "$T/err"
	grep -q "init mode: its root filesystem is writable" "$T/err"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("deny-mkdir runtime sha256:")' "$T/w/config.json"
	run wrap exec a3 sh -c "ls /.seccomp-hook; $STATUS; sysprobe mkdir"
	echo "exec into W: $output"
	[[ "$output" == *"init"* ]]
	[ ! -e "$T/w/out/planted" ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
}

@test "attack: an image whose /.seccomp-hook is a symbolic link gets runtime mode, and its execs stay filtered" {
	# runc resolves mount destinations through links inside the root: the loader's mounts would land
	# where the link points, and the name would stay the container's.
	make_bundle "$T/b" '["sleep", "60"]'
	mkdir "$T/b/rootfs/hk"
	ln -s /hk "$T/b/rootfs/.seccomp-hook"
	wrap --default-profile=deny-mkdir run -d -b "$T/b" a1 2> "$T/err"
	cat "$T/err"
	grep -q "init mode: its image has /.seccomp-hook as something other than a directory" "$T/err"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("deny-mkdir runtime sha256:")' "$T/b/config.json"
	run wrap exec a1 sh -c "$STATUS; sysprobe mkdir"
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
}

@test "attack: a mount namespace entry Go reads as joining another (\"Path\") is refused" {
	runc spec -b "$T"
	jq '.linux.namespaces = [.linux.namespaces[] | select(.type != "mount")] + [{"type": "mount", "Path": "/proc/1/ns/mnt"}]
		| .annotations = {"org.seccomp-hook.profile": "deny-mkdir", "org.seccomp-hook.mode": "init"}' \
		"$T/config.json" > "$T/ns.json"
	run --separate-stderr "$BIN" precreate --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" \
		--seal-key="$KEY" < "$T/ns.json"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"member 'Path' would be read by the runtime as 'path'"* ]]
}

@test "attack: runtime.conf and the loader reached through a directory another user owns are refused" {
	# A link in a directory another user owns passes a check of the file it points at; its owner can
	# repoint it between the check and the read, or at any root-owned program as "the loader".
	mkdir -p "$T/conf" "$T/user"
	printf 'default-profile = deny-mkdir\n' > "$T/conf/runtime.conf"
	cp "$LOADER" "$T/conf/seccomp-hook-init"
	chmod 0755 "$T" "$T/conf"
	chown 65534 "$T/user"
	ln -s "$T/conf/runtime.conf" "$T/user/runtime.conf"
	ln -s "$T/conf/seccomp-hook-init" "$T/user/seccomp-hook-init"
	make_bundle "$T/b" '["true"]'
	run wrap --config="$T/user/runtime.conf" run -b "$T/b" a1
	echo "config: $status $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"wrapper config $T/user: a directory or link on its path not owned by root"* ]]
	run wrap --loader="$T/user/seccomp-hook-init" --default-profile=deny-mkdir run -b "$T/b" a2
	echo "loader: $status $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"init loader $T/user: a directory or link on its path not owned by root"* ]]
	# Through root's own directory, the same files are taken.
	run wrap --config="$T/conf/runtime.conf" --loader="$T/conf/seccomp-hook-init" run -b "$T/b" a3
	[ "$status" -eq 0 ]
}
