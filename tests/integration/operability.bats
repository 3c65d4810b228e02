#!/usr/bin/env bats
# What an operator sees and what is left behind, with podman, runc and crun: a refused container
# names seccomp-hook and the reason where podman shows it (it drops a precreate hook's standard
# error), with plain runc and with the wrapper; each refusal and warning reaches syslog; hooks.d in
# init mode under plain runc falls back to runtime mode, and the wrapper applies init mode; the
# wrapper's override replaces podman's own profile; --version names both; the loader says why a
# listener did not reach listenerPath; the wrapper runs a bundle it rewrote again; and no record,
# mount point or agent outlives its container, whichever command ends it. Needs root.
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and podman runc crun jq busybox python3
}

setup() {
	T=$(mktemp -d /tmp/sh-ops.XXXXXX)
	mkdir -p "$T/profiles" "$T/runc-state" "$T/var"
	deny_mkdir_profile "$T/profiles/deny-mkdir.json"
	cp "$SH_SRCDIR/profiles/default.json" "$T/profiles/default.json"
	cp "$UPSTREAM/docker-default.json" "$T/docker-default.json"
	PRIV=(--seal-key="$T/key" --cache-dir="$T/cache" --loader-store="$T/store" --agents-dir="$T/agents"
		--recordings-dir="$T/rec")
	WRAP=("$SH_BUILDDIR/seccomp-hook-runtime" --profiles-dir="$T/profiles" --loader="$LOADER" --state-dir="$T/state"
		"${PRIV[@]}")
	# The wrapper as podman's runtime: its options in a config file, since podman passes
	# --runtime-flag to create and start but not to delete.
	{
		echo "runtime-path = $(command -v runc)"
		echo "profiles-dir = $T/profiles"
		echo "loader = $LOADER"
		echo "state-dir = $T/state"
		for o in "${PRIV[@]}"; do o=${o#--}; echo "${o%%=*} = ${o#*=}"; done
	} > "$T/runtime.conf"
	printf '#!/bin/sh\nexec %s --config=%s "$@"\n' "$SH_BUILDDIR/seccomp-hook-runtime" "$T/runtime.conf" > "$T/rt"
	chmod +x "$T/rt"
}

teardown() {
	[ ! -d "$T/podman" ] || teardown_podman
	for c in $(runc --root "$T/runc-state" list -q 2>/dev/null); do
		runc --root "$T/runc-state" delete -f "$c" >/dev/null 2>&1 || true
	done
	local p m
	for p in $(agents); do kill "$p" 2>/dev/null || true; done
	for m in "$T"/store/*; do umount "$m" 2>/dev/null || true; done
	rm -rf "$T"
}

# agents: the pids of this test's detached helpers: its agents, and the relays and watchers of its
# containers (seccomp-hook's processes whose command line names the test's directory).
agents() {
	local p exe
	for p in $(pgrep -f -- "$T/" || true); do
		exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
		[ "$exe" = "$BIN" ] || [ "$exe" = "$SH_BUILDDIR/seccomp-hook-runtime" ] || continue
		echo "$p"
	done
}

# gone_agents: wait (up to 5 s) until no agent of this test is left.
gone_agents() {
	for _ in $(seq 100); do [ -z "$(agents)" ] && return 0; sleep 0.05; done
	ps -o pid,args -p "$(agents | tr '\n' ,)0" || true
	return 1
}

sockets() {
	find "$T/agents" -type s 2>/dev/null | wc -l
}

records() {
	find "$T/state" -name '*.json' 2>/dev/null | wc -l
}

# shipped_hooks ARG...: hooks.d made from the shipped definitions as they are (their arguments
# included), pointed at this build and at this test's directories (ARGs added to each).
shipped_hooks() {
	local extra stage
	extra=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	for stage in precreate prestart poststart; do
		jq --arg path "$BIN" --arg var "$T/var" --argjson extra "$extra" --arg stage "$stage" \
			'.hook.path = $path | .hook.args = ([.hook.args[] | sub("@localstatedir@"; $var)] + ($extra | map(select(startswith("--seal-key") or ($stage == "precreate")))))' \
			"$SH_SRCDIR/hook/oci-hooks/seccomp-hook-$stage.json.in" > "$T/podman/hooks.d/seccomp-hook-$stage.json"
	done
}

# pod RUNTIME PODMAN-RUN-ARG...: podman run with this test's hooks.d (and global options PODG).
PODG=()
pod() {
	local rt=$1
	shift
	podman --runtime "$rt" "${PODG[@]}" --hooks-dir "$T/podman/hooks.d" run --rm --pull=never "$@" < /dev/null
}

# logged LOG RUNTIME PODMAN-RUN-ARG...: the same, with syslog's lines in LOG (with_syslog).
logged() {
	local log=$1 rt=$2
	shift 2
	with_syslog "$log" podman --runtime "$rt" --hooks-dir "$T/podman/hooks.d" run --rm --pull=never "$@"
}

@test "podman: a refused profile is named with its reason where podman shows it, with runc and with the wrapper; refusals and warnings reach syslog" {
	setup_podman
	shipped_hooks "${PRIV[@]}" --profiles-dir="$T/profiles"
	jq -e '.hook.args | index("--on-refusal=config")' "$T/podman/hooks.d/seccomp-hook-precreate.json"
	run logged "$T/log1" runc --annotation org.seccomp-hook.profile=nonexistent localhost/sh-busybox true
	echo "$output"
	[ "$status" -eq 126 ]
	[[ "$output" == *"seccomp-hook refused this container: profile 'nonexistent': no profile named 'nonexistent' in $T/profiles"* ]]
	[[ "$output" == *"journalctl -t seccomp-hook"* ]]
	cat "$T/log1"
	# LOG_DAEMON | LOG_ERR; the hook is not told the container's id.
	grep -E "^<27>.* seccomp-hook\[[0-9]+\]: container=- profile=nonexistent precreate: seccomp-hook: error: profile 'nonexistent': no profile named" "$T/log1"
	# With the wrapper as the runtime too, the hook's refusal is the first and only one, and names it.
	run logged "$T/log2" "$T/rt" --annotation org.seccomp-hook.profile=nonexistent localhost/sh-busybox true
	echo "$output"
	[ "$status" -eq 126 ]
	[[ "$output" == *"seccomp-hook-runtime: error: seccomp-hook's precreate hook refused this container: profile 'nonexistent': no profile named"* ]]
	grep -E "^<27>.* container=[0-9a-f]{64} profile=- seccomp-hook-runtime create: seccomp-hook: error: seccomp-hook's precreate hook refused this container" "$T/log2"
	# The wrapper alone: its own refusal, with the container's id and the profile.
	rm "$T/podman/hooks.d/"*
	run logged "$T/log3" "$T/rt" --annotation org.seccomp-hook.profile=nonexistent localhost/sh-busybox true
	[ "$status" -eq 126 ]
	[[ "$output" == *"seccomp-hook-runtime: error: profile 'nonexistent': no profile named"* ]]
	grep -E "^<27>.* container=[0-9a-f]{64} profile=nonexistent seccomp-hook-runtime create: " "$T/log3"
	# A warning (LOG_WARNING): the wrapper's init mode falls back for a root podman leaves writable.
	run logged "$T/log4" "$T/rt" --annotation org.seccomp-hook.profile=deny-mkdir localhost/sh-busybox true
	[ "$status" -eq 0 ]
	grep -E "^<28>.* container=[0-9a-f]{64} profile=deny-mkdir seccomp-hook-runtime create: .*warning: init mode: its root filesystem is writable" "$T/log4"
}

@test "hooks.d with org.seccomp-hook.mode=init under podman's runc: runtime mode with a warning; with the wrapper: init mode" {
	setup_podman
	shipped_hooks "${PRIV[@]}" --profiles-dir="$T/profiles" --loader="$LOADER"
	script='grep "^Seccomp:" /proc/self/status; grep -c " /.seccomp-hook " /proc/self/mountinfo; mkdir /tmp/d; echo "mkdir=$?"'
	run --separate-stderr logged "$T/log" runc --read-only --annotation org.seccomp-hook.profile=deny-mkdir \
		--annotation org.seccomp-hook.mode=init localhost/sh-busybox sh -c "$script"
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Seccomp:	2" ]
	[ "${lines[1]}" = 0 ] # no loader: runc installed the filter
	[ "${lines[2]}" = mkdir=1 ]
	grep -E "^<28>.* profile=deny-mkdir precreate: .*warning: init mode: a precreate hook cannot tell which runtime runs the container.*--runtime seccomp-hook-runtime" "$T/log"
	# The wrapper as the runtime: init mode, from the annotation, over the hook's runtime-mode config.
	run --separate-stderr pod "$T/rt" --read-only --annotation org.seccomp-hook.profile=deny-mkdir \
		--annotation org.seccomp-hook.mode=init localhost/sh-busybox sh -c "$script"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Seccomp:	2" ]
	[ "${lines[1]}" = 1 ] # the loader's place
	[ "${lines[2]}" = mkdir=1 ]
}

@test "podman's own profile: --runtime-flag default-profile leaves it, override-profile replaces it" {
	setup_podman
	flags=(--runtime-flag "profiles-dir=$T/profiles" --runtime-flag "state-dir=$T/state" --runtime-flag "loader=$LOADER")
	for o in "${PRIV[@]}"; do flags+=(--runtime-flag "${o#--}"); done
	script='unshare -U true 2>/dev/null; echo "unshare-U=$?"'
	# podman writes its default profile (which allows unshare to root) into every container.
	# podman passes the runtime's warnings on (a writable root: runtime mode) only at times: stdout alone.
	PODG=("${flags[@]}" --runtime-flag default-profile=default)
	run --separate-stderr pod "$SH_BUILDDIR/seccomp-hook-runtime" localhost/sh-busybox sh -c "$script"
	[ "$status" -eq 0 ]
	[ "$output" = unshare-U=0 ]
	PODG=("${flags[@]}" --runtime-flag override-profile=default)
	run --separate-stderr pod "$SH_BUILDDIR/seccomp-hook-runtime" localhost/sh-busybox sh -c "$script"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = unshare-U=1 ]
	# A container that names its profile keeps it (this one lets unshare run).
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' \
		> "$T/profiles/mkdir-only.json"
	run --separate-stderr pod "$SH_BUILDDIR/seccomp-hook-runtime" --annotation org.seccomp-hook.profile=mkdir-only \
		localhost/sh-busybox sh -c "$script; mkdir /tmp/d 2>/dev/null; echo mkdir=\$?"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'unshare-U=0\nmkdir=1')" ]
}

@test "--version: the wrapper's first, then the runtime's own" {
	run "${WRAP[@]}" --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "seccomp-hook-runtime version $("$BIN" --version | head -1 | cut -d' ' -f2)" ]
	[ "$(printf '%s\n' "${lines[@]:1}")" = "$(runc --version)" ]
	run "${WRAP[@]}" --runtime-path="$(command -v crun)" -v
	[ "${lines[0]}" = "seccomp-hook-runtime version $("$BIN" --version | head -1 | cut -d' ' -f2)" ]
	[ "$(printf '%s\n' "${lines[@]:1}")" = "$(crun --version)" ]
}

@test "the wrapper runs a bundle it rewrote from the engine's linux.seccomp again, with the same program; a foreground run leaves no record" {
	make_bundle "$T/b" '["sh", "-c", "grep ^Seccomp: /proc/self/status; sysprobe unshare getppid"]'
	# shellcheck disable=SC2016 # jq's variable: set_config runs jq
	set_config "$T/b" '.linux.seccomp = $p[0]' --slurpfile p "$T/docker-default.json"
	for n in 1 2 3; do
		run --separate-stderr "${WRAP[@]}" --root "$T/runc-state" run -b "$T/b" "again$n" < /dev/null
		echo "run $n: $status $output $stderr"
		[ "$status" -eq 0 ]
		[[ "$output" == *"Seccomp:	2"* ]]
		[[ "$output" == *"unshare=1"* ]]
		applied[n]=$(jq -r '.annotations["org.seccomp-hook.applied"]' "$T/b/config.json")
		[[ "${applied[n]}" == "(linux.seccomp) init sha256:"* ]]
		[ "${applied[n]}" = "${applied[1]}" ]
		jq -e '.linux | has("seccomp") | not' "$T/b/config.json"
		# The foreground run's record goes when the run ends (a watcher waits for it).
		for _ in $(seq 100); do [ "$(records)" -eq 0 ] && break; sleep 0.05; done
		[ "$(records)" -eq 0 ]
	done
	# The engine's text it keeps is under the sealed digest; a changed digest is no longer sealed.
	d=$(jq -r '.annotations["org.seccomp-hook.engine-seccomp"]' "$T/b/config.json")
	[ -f "$T/cache/oci/${d#sha256:}.json" ]
	set_config "$T/b" '.annotations["org.seccomp-hook.engine-seccomp"] = "sha256:" + ("0" * 64)'
	run --separate-stderr "${WRAP[@]}" --root "$T/runc-state" run -b "$T/b" forged < /dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no valid seal"* ]]
}

@test "records, the loader's mount point and agents go with the container: failed create, run -d and delete, create and delete" {
	make_bundle "$T/b" '["sleep", "60"]'
	set_config "$T/b" '.annotations["org.seccomp-hook.record"] = "r"'
	# A create that fails (runc cannot write the sysctl, after it set up the root), in runtime mode: no
	# record, no agent.
	set_config "$T/b" '.linux.sysctl = {"kernel.msgmax": "notanumber"}'
	run "${WRAP[@]}" --mode=runtime --default-profile=default --root "$T/runc-state" create -b "$T/b" f1 < /dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"msgmax"* ]]
	[ "$(records)" -eq 0 ]
	gone_agents
	# In init mode through the loader: runc made the loader's mount point before it failed.
	run "${WRAP[@]}" --mode=init --default-profile=default --root "$T/runc-state" create -b "$T/b" f2 < /dev/null
	[ "$status" -eq 1 ]
	[ "$(records)" -eq 0 ]
	[ ! -e "$T/b/rootfs/.seccomp-hook" ]
	gone_agents
	# Created and deleted without a start: the relay sees the container go and releases the agent.
	set_config "$T/b" 'del(.linux.sysctl)'
	"${WRAP[@]}" --mode=init --default-profile=default --root "$T/runc-state" create -b "$T/b" c1 < /dev/null
	[ "$(records)" -eq 1 ]
	[ -d "$T/b/rootfs/.seccomp-hook" ]
	[ -n "$(agents)" ]
	"${WRAP[@]}" --root "$T/runc-state" delete -f c1
	[ "$(records)" -eq 0 ]
	[ ! -e "$T/b/rootfs/.seccomp-hook" ]
	gone_agents
	# Started and deleted: the same, and a place the image had stays.
	mkdir "$T/b/rootfs/.seccomp-hook"
	"${WRAP[@]}" --mode=init --default-profile=default --root "$T/runc-state" run -d -b "$T/b" c2 < /dev/null
	[ "$(jq -r .place "$(find "$T/state" -name c2.json)")" = null ]
	"${WRAP[@]}" --root "$T/runc-state" delete -f c2
	[ "$(records)" -eq 0 ]
	[ -d "$T/b/rootfs/.seccomp-hook" ]
	gone_agents
	# A delete the runtime refuses (running, no --force) keeps everything.
	rmdir "$T/b/rootfs/.seccomp-hook"
	"${WRAP[@]}" --mode=init --default-profile=default --root "$T/runc-state" run -d -b "$T/b" c3 < /dev/null
	run "${WRAP[@]}" --root "$T/runc-state" delete c3
	[ "$status" -ne 0 ]
	[ "$(records)" -eq 1 ]
	[ -d "$T/b/rootfs/.seccomp-hook" ]
	"${WRAP[@]}" --root "$T/runc-state" delete -f c3
	[ "$(records)" -eq 0 ]
	[ ! -e "$T/b/rootfs/.seccomp-hook" ]
}

@test "a listener that cannot reach listenerPath: the loader says why (connect failed) and the workload never runs" {
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "%s/none.sock", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}, %s]}' \
		"$T" "$NO_ESCAPE_RULES" > "$T/profiles/notify.json"
	make_bundle "$T/b" '["sh", "-c", "echo ran > /out/ran"]'
	# 127: the loader's status when it does not start the workload.
	run -127 "${WRAP[@]}" --default-profile=notify --root "$T/runc-state" run -b "$T/b" n1 < /dev/null
	echo "$output"
	[[ "$output" == *"seccomp-hook-init: error: the listener could not be handed on: listenerPath: $T/none.sock: No such file or directory (seccomp-hook-runtime's connect failed)"* ]]
	[ ! -e "$T/b/out/ran" ]
}

@test "agents whose container never came end: a start that failed under podman, a hook's agent the wrapper replaced, SIGTERM" {
	setup_podman
	shipped_hooks "${PRIV[@]}" --profiles-dir="$T/profiles" --mode=runtime
	# runc fails the create after the hook started the agent (the sysctl cannot be written).
	run pod runc --annotation org.seccomp-hook.profile=default --annotation org.seccomp-hook.record=r \
		--sysctl kernel.msgmax=notanumber localhost/sh-busybox true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"msgmax"* ]]
	gone_agents
	# hooks.d and the wrapper: the wrapper's agent records, the hook's is told to go at once.
	pod "$T/rt" -d --name rec --annotation org.seccomp-hook.profile=default --annotation org.seccomp-hook.record=r \
		localhost/sh-busybox sleep 60
	for _ in $(seq 100); do [ "$(sockets)" -eq 1 ] && break; sleep 0.05; done
	[ "$(sockets)" -eq 1 ]
	podman rm -f -t 0 rec
	for _ in $(seq 100); do [ -s "$T/rec/r.json" ] && break; sleep 0.05; done
	[ -s "$T/rec/r.json" ]
	gone_agents
	# An agent that waits for a container nobody starts ends on SIGTERM, its socket with it.
	make_bundle "$T/b" '["true"]'
	set_config "$T/b" '.annotations["org.seccomp-hook.record"] = "never"'
	"$BIN" inject --mode=runtime --profiles-dir="$T/profiles" --profile=default "${PRIV[@]}" "$T/b"
	[ -n "$(agents)" ]
	# (A hook podman ran for the container removed above may still be ending: gone before its signal.)
	for p in $(agents); do kill -TERM "$p" 2>/dev/null || true; done
	gone_agents
	[ "$(sockets)" -eq 0 ]
	[ ! -e "$T/rec/never.json" ]
}
