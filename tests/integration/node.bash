# A Kubernetes node for the tests, without a kubelet: a directory standing in for the node's root
# file system, in which a private containerd with its CRI plugin runs, driven over the CRI by
# tests/cri/cri-client as the kubelet drives it. Sourced by bats files after lib.bash. Needs root.
#
# The node root NODE holds what a node keeps of its own (etc, opt, run, var); the host's /usr is
# mounted read-only at NODE/usr (bin, sbin, lib and lib64 link into it, as on a merged-/usr system),
# with /proc, /sys and /dev. containerd runs in a private mount namespace whose root is NODE, so
# every path it and the runtimes use (/etc/containerd/config.toml, /run/containerd, /var/lib/
# containerd, /etc/seccomp-hook, /var/cache/seccomp-hook, /var/lib/kubelet/seccomp, the wrapper's
# /run/seccomp-hook) is a path of the stand-in node, and nothing it mounts reaches the host's mount
# table. The cgroup2 mount of the hybrid layout is left out there, so crun runs too.
#
# Pods are given the cgroup parent "$NODE_CGROUP/POD" (cgroupfs, as the kubelet's cgroupfs driver
# does with /kubepods), which is how node_stop finds whatever a test left running.

CRI_CLIENT="$SH_SRCDIR/tests/cri/cri-client"
PAUSE_IMAGE=localhost/shtest-pause:1
BUSYBOX_IMAGE=localhost/shtest-busybox:1

# cri ARG...: the CRI client on this node's socket (each call bounded by its own deadline).
cri() {
	CRI_PB_DIR="$NODE_PB" /usr/bin/python3 "$CRI_CLIENT" --socket "$NODE/run/containerd/containerd.sock" --timeout 60 "$@"
}

# nsnode CMD...: CMD in the node's mount namespace (its root is the node), e.g. to list its mounts.
nsnode() {
	nsenter -t "$NODE_PID" -m -r -w "$@"
}

# node_make NODE: the node root, a containerd config with the CRI plugin (runtime "runc", the node's
# pause image, no CNI: pods use the host network), the CRI client's generated module.
node_make() {
	NODE=$1
	NODE_CGROUP="shtest-${NODE##*.}"
	NODE_PB="$NODE.pb"
	export NODE NODE_CGROUP NODE_PB
	mkdir -p "$NODE"/{etc/containerd,opt,proc,sys,dev,tmp,run,usr,root} "$NODE"/var/{lib,log,cache} \
		"$NODE/var/lib/kubelet/seccomp" "$NODE/var/log/pods" "$NODE_PB"
	chmod 1777 "$NODE/tmp"
	for d in bin sbin lib lib64; do
		[ -e "/$d" ] && ln -s "usr/$d" "$NODE/$d"
	done
	# What containerd copies into host-network pods.
	cp /etc/hosts /etc/resolv.conf "$NODE/etc/" 2>/dev/null || true
	[ -s "$NODE/etc/hosts" ] || echo "127.0.0.1 localhost" > "$NODE/etc/hosts"
	[ -e "$NODE/etc/resolv.conf" ] || : > "$NODE/etc/resolv.conf"
	protoc -I "$SH_SRCDIR/tests/cri" --python_out="$NODE_PB" "$SH_SRCDIR/tests/cri/cri.proto"
	cat > "$NODE/etc/containerd/config.toml" <<EOF
version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Lowering an OOM score needs CAP_SYS_RESOURCE, which root lacks on the test machines.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"
    conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
  # As "containerd config default" writes it: containerd 1.6.20 without an options table here
  # now and then hands the shim options it cannot read ("proto: illegal wireType 7").
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = false
EOF
}

# node_start [HOST_DIR...]: containerd in the node, each HOST_DIR (a build tree) mounted read-only at
# its own path inside; returns once the CRI answers. Fails, with containerd's log, if it does not.
node_start() {
	local d binds=()
	for d in "$@"; do
		mkdir -p "$NODE$d"
		binds+=("$d")
	done
	# The mount namespace's first process mounts the node and pivots into it, then becomes containerd.
	# shellcheck disable=SC2016 # the script's own variables
	unshare -m --propagation private sh -c '
		set -e
		node=$1; shift
		mount --bind "$node" "$node"
		mount --bind -o ro /usr "$node/usr"
		mount --rbind /proc "$node/proc"
		mount --rbind /sys "$node/sys"
		mount --rbind /dev "$node/dev"
		umount -l "$node/sys/fs/cgroup/unified" 2>/dev/null || true
		for d in "$@"; do mount --bind -o ro "$d" "$node$d"; done
		cd "$node"
		pivot_root . .
		umount -l .
		cd /
		exec containerd --config /etc/containerd/config.toml --log-level info
	' node "$NODE" "${binds[@]}" > "$NODE.containerd.log" 2>&1 < /dev/null 3>&- &
	NODE_PID=$!
	export NODE_PID
	if ! cri --timeout 30 wait > /dev/null; then
		echo "containerd did not come up in $NODE; its log:"
		cat "$NODE.containerd.log"
		return 1
	fi
	# Its mount namespace, which its shims share: how node_stop finds them, even after a crash. Read
	# once containerd answers (it has left the host's namespace by then), and never the host's.
	NODE_MNTNS=$(readlink "/proc/$NODE_PID/ns/mnt")
	if [ "$NODE_MNTNS" = "$(readlink /proc/self/ns/mnt)" ]; then
		echo "containerd runs in the host's mount namespace"
		return 1
	fi
	export NODE_MNTNS
}

# node_import TAR: an image archive into the CRI's namespace (k8s.io), unpacked for overlayfs.
node_import() {
	timeout 60 ctr --address "$NODE/run/containerd/containerd.sock" -n k8s.io images import "$1" > /dev/null
}

# oci_archive ROOTFS NAME ARGS_JSON OUT.tar: an OCI image archive of ROOTFS as one layer, with
# ARGS_JSON as its entrypoint, named NAME (what containerd's import reads from the index).
oci_archive() {
	local rootfs=$1 name=$2 args=$3 out=$4 w
	w=$(mktemp -d "$out.XXXXXX")
	mkdir -p "$w/blobs/sha256"
	tar -C "$rootfs" --numeric-owner -cf "$w/layer.tar" .
	local layer diffid config manifest
	diffid=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
	mv "$w/layer.tar" "$w/blobs/sha256/$diffid"
	layer=$diffid
	jq -n --argjson args "$args" --arg diff "sha256:$diffid" '{architecture: "amd64", os: "linux",
		config: {Entrypoint: $args, Env: ["PATH=/bin"], WorkingDir: "/"},
		rootfs: {type: "layers", diff_ids: [$diff]}}' > "$w/config.json"
	config=$(sha256sum "$w/config.json" | cut -d' ' -f1)
	mv "$w/config.json" "$w/blobs/sha256/$config"
	jq -n --arg c "sha256:$config" --argjson cs "$(stat -c %s "$w/blobs/sha256/$config")" \
		--arg l "sha256:$layer" --argjson ls "$(stat -c %s "$w/blobs/sha256/$layer")" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' > "$w/manifest.json"
	manifest=$(sha256sum "$w/manifest.json" | cut -d' ' -f1)
	jq -n --arg m "sha256:$manifest" --argjson ms "$(stat -c %s "$w/manifest.json")" --arg name "$name" '{schemaVersion: 2,
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
			annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))},
			platform: {architecture: "amd64", os: "linux"}}]}' > "$w/index.json"
	mv "$w/manifest.json" "$w/blobs/sha256/$manifest"
	echo '{"imageLayoutVersion": "1.0.0"}' > "$w/oci-layout"
	tar -C "$w" -cf "$out" oci-layout index.json blobs
	rm -rf "$w"
}

# node_images: the pause image (busybox sleeping, as the kubelet's sandbox image) and the busybox
# workload image with the syscall probe, imported into the node.
node_images() {
	local r="$NODE.images"
	mkdir -p "$r/pause/bin"
	cp /bin/busybox "$r/pause/bin/busybox"
	ln -s busybox "$r/pause/bin/sleep"
	oci_archive "$r/pause" "$PAUSE_IMAGE" '["/bin/sleep", "2147483647"]' "$r/pause.tar"
	make_rootfs "$r/busybox"
	oci_archive "$r/busybox" "$BUSYBOX_IMAGE" '["/bin/sh"]' "$r/busybox.tar"
	node_import "$r/pause.tar"
	node_import "$r/busybox.tar"
	rm -rf "$r"
}

# pod_config NAME [ANNOTATIONS_JSON [SECCOMP_JSON]] > FILE: a PodSandboxConfig as the kubelet writes
# it for a host-network pod (no hostname: the node's; cgroupfs parent under this node's cgroup), with pod annotations and the
# pod-level seccomp profile (default: none given, i.e. Unconfined).
pod_config() {
	jq -n --arg name "$1" --argjson ann "${2:-{\}}" --argjson sc "${3:-{\"profile_type\": \"Unconfined\"\}}" \
		--arg cg "/$NODE_CGROUP/$1" --arg logs "/var/log/pods/default_$1" '{
		metadata: {name: $name, uid: ($name + "-uid"), namespace: "default", attempt: 0},
		log_directory: $logs, annotations: $ann,
		linux: {cgroup_parent: $cg, security_context: {
			namespace_options: {network: "NODE", pid: "CONTAINER", ipc: "POD"}, seccomp: $sc}}}'
}

# container_config NAME ARGS_JSON [SECCOMP_JSON [MOUNTS_JSON]] > FILE: a ContainerConfig of the
# busybox image running ARGS, with the container's seccomp profile (default Unconfined).
container_config() {
	# A read-only root, as a hardened pod has it (readOnlyRootFilesystem): init mode's loader is
	# used only there. /tmp is a directory of the test's, for what the workloads write.
	local tmp
	tmp=$(mktemp -d "$W/tmp-$1.XXXXXX")
	jq -n --arg name "$1" --argjson args "$2" --argjson sc "${3:-{\"profile_type\": \"Unconfined\"\}}" \
		--argjson mounts "${4:-[]}" --arg img "$BUSYBOX_IMAGE" --arg tmp "${tmp#"$NODE"}" '{
		metadata: {name: $name, attempt: 0}, image: {image: $img}, command: $args,
		log_path: ($name + "/0.log"), mounts: ($mounts + [{container_path: "/tmp", host_path: $tmp}]),
		linux: {security_context: {namespace_options: {network: "NODE", pid: "CONTAINER", ipc: "POD"},
			readonly_rootfs: true, seccomp: $sc}}}'
}

# pid_of CONTAINER_OR_POD_ID: its PID 1 on the host (containerd's verbose status).
pid_of() {
	{ cri inspect "$1" 2>/dev/null || cri inspectp "$1"; } | jq -r '.info.info.pid'
}

# wait_comm PID NAME: until PID runs NAME (in init mode PID 1 starts as the loader).
wait_comm() {
	for _ in $(seq 200); do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
	done
	echo "process $1 does not run $2 (it runs $(cat "/proc/$1/comm" 2>/dev/null))"
	return 1
}

# node_processes: host PIDs of everything the node runs: containerd and its shims (in its mount
# namespace) and the pods' processes (in its cgroups).
node_processes() {
	local p
	for p in /proc/[0-9]*; do
		if [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "${NODE_MNTNS:-none}" ] || grep -qs ":/$NODE_CGROUP/" "$p/cgroup"; then
			echo "${p#/proc/}"
		fi
	done
}

# node_stop: stop containerd and everything the node still runs, remove the pods' cgroups and the
# node. Fails if a pod's process was still running (a test must stop what it starts).
node_stop() {
	local left=() d
	[ -n "${NODE:-}" ] && [ -d "$NODE" ] || return 0
	if [ -n "${NODE_PID:-}" ]; then
		mapfile -t left < <(grep -ls ":/$NODE_CGROUP/" /proc/[0-9]*/cgroup)
		kill "$NODE_PID" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
		for _ in 1 2 3; do
			node_processes | xargs -r kill -9 2>/dev/null || true
			[ -z "$(node_processes)" ] && break
			sleep 0.2
		done
	fi
	# Leaf cgroups first; runc removes a container's own cgroup, the pod parents are the kubelet's.
	for d in /sys/fs/cgroup/*/"$NODE_CGROUP" /sys/fs/cgroup/"$NODE_CGROUP"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	# Everything the node mounted was in its own mount namespace, gone with its last process; a mount
	# under the node in this namespace would be a harness bug, and rm must not cross into it.
	if grep -qF " $NODE/" /proc/self/mountinfo; then
		echo "mounts under $NODE in the host's mount table:"
		grep -F " $NODE/" /proc/self/mountinfo
		return 1
	fi
	rm -rf --one-file-system "$NODE" "$NODE_PB" "$NODE.containerd.log"
	if [ ${#left[@]} -gt 0 ]; then
		echo "pod processes left running: ${left[*]%/cgroup}"
		return 1
	fi
}
