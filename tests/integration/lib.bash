# Shared helpers for the runtime tests (sourced by bats files): a busybox-static bundle, and
# running it under runc, crun or podman as real-runtimes.md describes. Needs root.
# shellcheck shell=bash

BIN="$SH_BUILDDIR/seccomp-hook"
# shellcheck disable=SC2034 # for the files that load this one
LOADER="$SH_BUILDDIR/seccomp-hook-init"
PROBE="$SH_BUILDDIR/tests/sysprobe"
# shellcheck disable=SC2034 # likewise
UPSTREAM="${SH_UPSTREAM:-$SH_BUILDDIR/tests/fixtures}"

require_root_and() {
	[ "$(id -u)" -eq 0 ] || { echo "these tests need root" >&2; return 1; }
	for p in "$@"; do
		command -v "$p" >/dev/null || { echo "missing program: $p (scripts/deps.sh installs it)" >&2; return 1; }
	done
}

# The calls init mode's loader needs denied (hook/lib/oci/initsafe.h): every way to another mount
# namespace or a mount, as EPERM (clone only with CLONE_NEWUSER or CLONE_NEWNS; clone3 as ENOSYS, so
# that libc falls back to clone).
NO_ESCAPE_RULES='{"names": ["unshare", "setns", "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
 {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
 {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 0, "value": 268435456, "valueTwo": 268435456, "op": "SCMP_CMP_MASKED_EQ"}]},
 {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 0, "value": 131072, "valueTwo": 131072, "op": "SCMP_CMP_MASKED_EQ"}]}'

# deny_mkdir_profile FILE: allow everything but mkdir and mkdirat, which fail with EACCES (13), and
# what init mode needs denied (NO_ESCAPE_RULES).
deny_mkdir_profile() {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ALLOW",' \
		' "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},' \
		" $NO_ESCAPE_RULES]}" > "$1"
}

# make_rootfs DIR: busybox-static with its applets, plus the syscall probe.
make_rootfs() {
	local r=$1
	mkdir -p "$r/bin" "$r/tmp" "$r/proc" "$r/dev" "$r/sys" "$r/mnt" "$r/etc" "$r/out"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh echo cat grep mkdir ls unshare mount rm true false sleep touch id; do
		ln -sf busybox "$r/bin/$a"
	done
	cp "$PROBE" "$r/bin/sysprobe"
	echo "root:x:0:0:root:/:/bin/sh" > "$r/etc/passwd"
}

# make_bundle DIR ARGS_JSON: a runc spec bundle running ARGS (a JSON array) with the host dir
# DIR/out bind-mounted at /out so a test can see what ran. Its root is read-only (runc spec's
# default, and what init mode's loader needs), with a tmpfs at /tmp for the workloads' files.
make_bundle() {
	local b=$1 args=$2
	mkdir -p "$b/out"
	make_rootfs "$b/rootfs"
	(cd "$b" && runc spec)
	jq --argjson args "$args" --arg root "$b/rootfs" --arg out "$b/out" '
		.process.terminal = false | .process.args = $args | .root.path = $root | .root.readonly = true
		| .mounts += [{"destination": "/out", "type": "bind", "source": $out, "options": ["rbind", "rw"]},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}]' \
		"$b/config.json" > "$b/config.tmp" && mv "$b/config.tmp" "$b/config.json"
}

# set_config BUNDLE JQ_FILTER [jq args...]
set_config() {
	local b=$1 f=$2
	shift 2
	jq "$@" "$f" "$b/config.json" > "$b/config.tmp" && mv "$b/config.tmp" "$b/config.json"
}

# run_runc BUNDLE NAME: foreground run; stdout+stderr in $output, exit in $status (use with bats `run`).
# Bounded: runc 1.1 waits for ever when a listenerPath has nobody listening, which must fail a test,
# not hang the suite.
run_runc() {
	timeout -k 5 120 runc --root "$T/runc-state" run -b "$1" "$2" < /dev/null
}

run_crun() {
	# shellcheck disable=SC2016 # sh expands them
	timeout -k 5 120 unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root "$1" --cgroup-manager=disabled run -b "$2" "$3"' \
		sh "$T/crun-state" "$1" "$2" < /dev/null
}

# Podman configured by files only, in private directories (no registry, cgroupfs, vfs).
setup_podman() {
	local p="$T/podman"
	mkdir -p "$p/hooks.d" "$p/run" "$p/graph" "$p/tmp"
	cat > "$p/containers.conf" <<EOC
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$p/events.log"
tmp_dir = "$p/tmp"
[containers]
netns = "none"
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
EOC
	printf '[storage]\ndriver = "vfs"\nrunroot = "%s/run"\ngraphroot = "%s/graph"\n' "$p" "$p" > "$p/storage.conf"
	echo 'unqualified-search-registries = []' > "$p/registries.conf"
	export CONTAINERS_CONF="$p/containers.conf" CONTAINERS_STORAGE_CONF="$p/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$p/registries.conf"
	make_rootfs "$p/rootfs"
	tar -C "$p/rootfs" -cf "$p/rootfs.tar" .
	podman import "$p/rootfs.tar" localhost/sh-busybox >/dev/null
}

# podman_hook PRECREATE_ARGS...: hooks.d entries made from the shipped definitions
# (hook/oci-hooks/*.json.in: the same "when" and "stages"), pointed at the built binary.
podman_hook() {
	local args stage
	args=$(printf '%s\n' "seccomp-hook" precreate "$@" | jq -R . | jq -s .)
	jq --arg path "$BIN" --argjson args "$args" '.hook.path = $path | .hook.args = $args' \
		"$SH_SRCDIR/hook/oci-hooks/seccomp-hook-precreate.json.in" > "$T/podman/hooks.d/seccomp-hook-precreate.json"
	# The state hooks read the key the precreate hook seals with, and the overlays it names from its
	# profiles directory.
	local key
	key=$(printf '%s\n' "$@" | grep -E '^--(seal-key|profiles-dir)=' | jq -R . | jq -s .)
	for stage in prestart poststart; do
		jq --arg path "$BIN" --argjson key "$key" '.hook.path = $path | .hook.args += $key' \
			"$SH_SRCDIR/hook/oci-hooks/seccomp-hook-$stage.json.in" > "$T/podman/hooks.d/seccomp-hook-$stage.json"
	done
}

run_podman() {
	podman --runtime runc --hooks-dir "$T/podman/hooks.d" run --rm --pull=never \
		-v "$T/podman/out:/out" "$@" < /dev/null
}

teardown_podman() {
	podman rm -af >/dev/null 2>&1 || true
	podman rmi -af >/dev/null 2>&1 || true
	rm -rf "$T/podman/graph" 2>/dev/null || true
}

# start_dockerd DIR: a private Docker daemon (DIR/daemon.json, which the caller writes) with its data,
# exec root, socket and pid file in DIR, no networking set up; waits until it answers. Fails, with
# its log, if it does not come up. The caller exports DOCKER_HOST=unix://DIR/sock.
start_dockerd() {
	local d=$1 pid up=0
	/usr/sbin/dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" \
		-H "unix://$d/sock" --pidfile "$d/pid" --iptables=false --ip6tables=false --bridge=none \
		--containerd-namespace=shtest --containerd-plugins-namespace=shtestp \
		> "$d/dockerd.log" 2>&1 < /dev/null 3>&- &
	pid=$!
	for _ in $(seq 300); do
		if [ -S "$d/sock" ] && DOCKER_HOST="unix://$d/sock" /usr/bin/docker version > /dev/null 2>&1; then up=1; break; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$up" -ne 1 ]; then
		echo "dockerd did not come up on $d/sock; its log:"
		cat "$d/dockerd.log"
		return 1
	fi
}

# stop_dockerd DIR: stop the daemon start_dockerd started (its containers first, by the caller) and
# anything still running from DIR (found by its own path in the command line), unmount what is left
# below DIR and remove it. Fails if something had to be killed.
stop_dockerd() {
	local d=$1 pid left=
	pid=$(cat "$d/pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		! kill -0 "$pid" 2>/dev/null || kill -9 "$pid"
	fi
	for f in /proc/[0-9]*/cmdline; do
		[[ "$(tr '\0' ' ' 2>/dev/null < "$f")" == *"$d/"* ]] || continue
		pid=${f#/proc/}
		left+=" ${pid%/cmdline}"
		kill -9 "${pid%/cmdline}" 2>/dev/null || true
	done
	grep -F " $d/" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l || true
	rm -rf "$d"
	if [ -n "$left" ]; then
		echo "processes left running after dockerd stopped: $left"
		return 1
	fi
}

# netlink_profile OUT: Docker's default profile with socket allowed as Docker's current default allows
# it (every family but AF_ALG (38) and AF_VSOCK (40): three conditional rules, where Debian's 20.10
# allows it whole) and one rule appended that denies socket(AF_NETLINK) with EACCES. The rules overlap
# with different actions; the compiled program (and runc's) denies AF_NETLINK, which reading the rules
# in profile order would allow.
netlink_profile() {
	jq '(.syscalls[0].names) |= map(select(. != "socket")) | .syscalls += [
	  {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 38, "op": "SCMP_CMP_LT"}]},
	  {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 39, "op": "SCMP_CMP_EQ"}]},
	  {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_GT"}]},
	  {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}]}]' \
		"$UPSTREAM/docker-default.json" > "$1"
}

# with_syslog LOG CMD [ARG...]: CMD in a mount namespace of its own whose /dev/log is served by a
# listener that appends each message it receives, one per line, to LOG; the rest of /dev is the
# host's, bound in. The host's syslog (this machine runs none) is not touched. Exits as CMD does.
with_syslog() {
	local log=$1
	shift
	cat > "$log.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "a") as out:
    open(sys.argv[1] + ".ready", "w").close()
    while True:
        out.write(s.recv(65536).decode(errors="replace").rstrip("\n") + "\n")
        out.flush()
PY
	# shellcheck disable=SC2016 # the inner shell expands them
	unshare -m --propagation private bash -c '
		log=$1
		shift
		real=$(mktemp -d "$log.dev.XXXXXX") || exit 2
		mount --rbind /dev "$real" && mount -t tmpfs -o mode=755 tmpfs /dev || exit 2
		for e in "$real"/* "$real"/.[!.]*; do
			[ -e "$e" ] || [ -L "$e" ] || continue
			n=/dev/${e##*/}
			if [ -L "$e" ]; then cp -P "$e" "$n"
			elif [ -d "$e" ]; then mkdir "$n" && mount --rbind "$e" "$n"
			else touch "$n" && mount --bind "$e" "$n"; fi || exit 2
		done
		python3 "$log.py" "$log" < /dev/null 3>&- &
		listener=$!
		for _ in $(seq 100); do [ -e "$log.ready" ] && break; sleep 0.05; done
		[ -e "$log.ready" ] || exit 2
		"$@"
		st=$?
		# A last message: once it is in the file, so is everything sent before it (one queue).
		python3 -c "import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b\"-- end --\", \"/dev/log\")"
		for _ in $(seq 100); do grep -qx -- "-- end --" "$log" && break; sleep 0.05; done
		kill "$listener"
		exit $st' sh "$log" "$@"
}
