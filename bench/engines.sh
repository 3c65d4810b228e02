#!/bin/bash
# make bench-engines (also the last part of make bench): container starts and execs through the real
# engines, each engine's own seccomp setup against seccomp-hook-runtime and against no filter, in
# one run. Docker 20.10 (a private daemon, busybox `true`, Docker's default profile, which dockerd
# writes into linux.seccomp and the wrapper runs in init mode), `docker exec true` into a running
# container of each kind, and podman (its default profile, runc). Needs root, dockerd, podman.
# ROUNDS (default 61) sets the number of runs per median; variants are interleaved in a random
# order each round.
set -euo pipefail
B=${SH_BUILDDIR:?}
S=${SH_SRCDIR:?}
ROUNDS=${ROUNDS:-61}
TIMED="$B/bench/timed"
# shellcheck source=tests/integration/lib.bash
. "$S/tests/integration/lib.bash"
W=$(mktemp -d /tmp/she-bench.XXXXXX)
T=$W # setup_podman's directory
cleanup() {
	DOCKER_HOST="unix://$W/sock" /usr/bin/docker ps -aq 2>/dev/null | xargs -r /usr/bin/docker -H "unix://$W/sock" rm -f > /dev/null 2>&1 || true
	teardown_podman > /dev/null 2>&1 || true
	stop_dockerd "$W" > /dev/null || true
}
trap cleanup EXIT
mkdir -p "$W/cache" "$W/profiles"
export DOCKER_HOST="unix://$W/sock"
WRAP_ARGS=("--loader=$B/seccomp-hook-init" "--cache-dir=$W/cache" "--profiles-dir=$W/profiles")
jq -n --arg path "$B/seccomp-hook-runtime" --argjson args "$(printf '%s\n' "${WRAP_ARGS[@]}" | jq -R . | jq -s .)" \
	'{"storage-driver": "vfs", "runtimes": {"seccomp-hook": {"path": $path, "runtimeArgs": $args}}}' > "$W/daemon.json"
# The daemon's exec root (its bundles and runtime state) on a tmpfs, as Docker's /run/docker is.
mkdir -p "$W/exec"
mount -t tmpfs -o size=256m,mode=0700 tmpfs "$W/exec"
start_dockerd "$W"
make_rootfs "$W/rootfs"
tar -C "$W/rootfs" -cf "$W/rootfs.tar" .
IMG=shbench-busybox:latest
/usr/bin/docker import "$W/rootfs.tar" "$IMG" > /dev/null

# Read-only roots throughout: init mode's loader is used only there (a writable root gets runtime
# mode: hook/lib/oci/initsafe.h), and the anchors run the same containers.
DOCKER_RUN=(/usr/bin/docker run --rm --network none --read-only)
declare -A CMD
CMD[docker-unconfined]="${DOCKER_RUN[*]} --security-opt seccomp=unconfined $IMG true"
CMD[docker-own]="${DOCKER_RUN[*]} $IMG true"
CMD[docker-wrapper]="${DOCKER_RUN[*]} --runtime=seccomp-hook $IMG true"
CMD[docker-wrapper-rw]="/usr/bin/docker run --rm --network none --runtime=seccomp-hook $IMG true"
for v in unconfined own wrapper; do
	case $v in
	unconfined) opt=(--security-opt seccomp=unconfined) ;;
	own) opt=() ;;
	wrapper) opt=(--runtime=seccomp-hook) ;;
	esac
	id=$(/usr/bin/docker run -d --network none --read-only "${opt[@]}" "$IMG" sleep 100000)
	CMD[exec-$v]="/usr/bin/docker exec $id true"
done

# Docker's own config for a container (linux.seccomp as dockerd writes it), for the part-by-part rows.
own_id=$(/usr/bin/docker run -d --network none --read-only "$IMG" sleep 100000)
cp "$W/exec/containerd/daemon/io.containerd.runtime.v2.task/shtest/$own_id/config.json" "$W/docker-config.json"

setup_podman > /dev/null 2>&1
PODMAN_RUN=(podman --runtime runc run --rm --pull=never)
CMD[podman-unconfined]="${PODMAN_RUN[*]} --security-opt seccomp=unconfined localhost/sh-busybox true"
CMD[podman-own]="${PODMAN_RUN[*]} localhost/sh-busybox true"
CMD[podman-wrapper]="podman --runtime $B/seccomp-hook-runtime --runtime-flag runtime-path=runc $(printf -- '--runtime-flag %s ' "${WRAP_ARGS[@]#--}") run --rm --pull=never localhost/sh-busybox true"

for v in "${!CMD[@]}"; do # one untimed start each: images, caches and the page cache warm
	# shellcheck disable=SC2086 # the command's words are its arguments
	"$TIMED" ${CMD[$v]} > /dev/null
done
for _ in $(seq "$ROUNDS"); do
	for v in $(printf '%s\n' "${!CMD[@]}" | shuf); do
		sleep 0.05
		# shellcheck disable=SC2086
		"$TIMED" ${CMD[$v]} >> "$W/$v.runs"
	done
done

# What the wrapper adds to a docker run, part by part (far less noisy than the difference of two
# docker run medians): its create step on Docker's config (the transform, a warm cache, the config
# and its record written) with /bin/true as the runtime, less /bin/true alone; and the loader's exec,
# check, install of Docker's program and lowering of the capability sets, less exec'ing the command
# directly.
# On the tmpfs, as an engine's bundles and the wrapper's records (/run) are: on ext4, replacing a file
# by rename flushes its data first (auto_da_alloc), about 1 ms here.
mkdir -p "$W/exec/xb"
WRAP_CREATE=("$B/seccomp-hook-runtime" "${WRAP_ARGS[@]}" --state-dir="$W/exec/wstate" --runtime-path=/bin/true
	create --bundle "$W/exec/xb" part)
progs=("$W"/cache/bpf/*.bpf)
prog=${progs[0]}
# With --caps, as a container's loader runs: it also lowers the capability sets (here to Docker's).
LOADER_RUN=("$B/seccomp-hook-init" --sha256="$(sha256sum < "$prog" | cut -c1-64)" --flags=4
	--caps=a80425fb:a80425fb:a80425fb:0:0 "$prog" -- /bin/busybox true)
for _ in $(seq "$ROUNDS"); do
	cp "$W/docker-config.json" "$W/exec/xb/config.json"
	"$TIMED" "${WRAP_CREATE[@]}" >> "$W/part-wrapper.runs"
	"$TIMED" /bin/true >> "$W/part-true.runs"
	"$TIMED" "${LOADER_RUN[@]}" >> "$W/part-loader.runs"
	"$TIMED" /bin/busybox true >> "$W/part-direct.runs"
done

ms() { awk -v n="$1" 'BEGIN {printf "%.1f", n / 1e6}'; }
med() { sort -n "$W/$1.runs" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
row() { # LABEL VARIANT ANCHOR [NOTE]
	local st
	read -r -a st < <(python3 "$S/bench/stats.py" "$W" "$2" "$3")
	printf "  %-50s %7s ms  %5sx  [%s-%s] %s\n" "$1" "$(ms "${st[0]}")" "${st[1]}" "${st[2]}" "${st[3]}" "${4:-}"
}
echo
echo "Engines: median of $ROUNDS runs each (ratio to the same engine unfiltered, [95% confidence interval])"
echo "docker run --rm busybox true (Docker $(/usr/bin/docker version -f '{{.Server.Version}}'), Docker's default profile)"
row "unfiltered, seccomp=unconfined (anchor)" docker-unconfined docker-unconfined
row "Docker's own seccomp, runc (anchor)" docker-own docker-unconfined
row "seccomp-hook-runtime, init mode" docker-wrapper docker-unconfined "(target <= 1.01x)"
row "seccomp-hook-runtime, writable root: runtime mode" docker-wrapper-rw docker-unconfined
echo "docker exec true into a running container"
row "unfiltered (anchor)" exec-unconfined exec-unconfined
row "Docker's own seccomp, runc exec (anchor)" exec-own exec-unconfined
row "seccomp-hook-runtime: exec through the loader" exec-wrapper exec-unconfined "(target: below Docker's own)"
echo "podman run --rm busybox true (podman $(podman version -f '{{.Client.Version}}'), its default profile, runc)"
row "unfiltered, seccomp=unconfined (anchor)" podman-unconfined podman-unconfined
row "podman's own seccomp, runc (anchor)" podman-own podman-unconfined
row "seccomp-hook-runtime (runtime mode: podman's profile allows unshare)" podman-wrapper podman-unconfined
echo "what seccomp-hook-runtime adds to a docker run, part by part (medians of $ROUNDS)"
wrap_ns=$(( $(med part-wrapper) - $(med part-true) ))
load_ns=$(( $(med part-loader) - $(med part-direct) ))
base=$(med docker-unconfined)
printf "  %-50s %7.2f ms\n" "create step: Docker's config transformed, warm cache" "$(awk -v n=$wrap_ns 'BEGIN {print n / 1e6}')"
printf "  %-50s %7.2f ms\n" "loader: exec, check, install Docker's program" "$(awk -v n=$load_ns 'BEGIN {print n / 1e6}')"
printf "  %-50s %7.2f ms  %.2f%% of docker run unfiltered (target <= 1%%)\n" "sum" \
	"$(awk -v n=$((wrap_ns + load_ns)) 'BEGIN {print n / 1e6}')" "$(awk -v a=$((wrap_ns + load_ns)) -v b="$base" 'BEGIN {print 100 * a / b}')"
