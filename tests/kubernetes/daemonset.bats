#!/usr/bin/env bats
# The node image and the DaemonSet of deploy/kubernetes, exercised: the image is built from the
# release tarball (SH_TARBALL) with deploy/kubernetes/Containerfile, offline (podman build from
# scratch, this machine's toolchain mounted at /usr); its installer runs exactly as the DaemonSet's
# pod spec says (tests/cri/pod-run reads command, env, privileges and mounts from daemonset.yaml)
# against a directory standing in for the node's root. It proves that:
# - the installer puts every file in place with its owner and mode, and nothing else;
# - running it again changes nothing; a bad DEFAULT_PROFILE, MODE or OVERLAYS fails and changes
#   nothing;
# - the node's containerd (node.bash), with the runtime table the installer added to its
#   config.toml, runs pods through the RuntimeClass handler on the installed files alone: a profile
#   named by pod annotation and a Localhost profile from the kubelet's directory.
# Needs root; run by `make check-node-image` (scripts/test.sh), not make check: it needs the tarball.
bats_require_minimum_version 1.5.0
load ../integration/lib
load ../integration/node

MANIFEST="$SH_SRCDIR/deploy/kubernetes/daemonset.yaml"
SLEEPER='["sh", "-c", "trap \"exit 0\" TERM; sleep 3600 & wait"]'

setup_file() {
	require_root_and podman containerd containerd-shim-runc-v2 ctr runc jq busybox protoc nsenter
	[ -f "${SH_TARBALL:-}" ] || { echo "SH_TARBALL: the release tarball to build the image from" >&2; return 1; }
	T=$(mktemp -d /tmp/shds.XXXXXX)
	export T
	setup_podman
	local v
	v=$(basename "$SH_TARBALL" .tar.gz)
	v=${v#seccomp-hook-}
	IMAGE=localhost/seccomp-hook:$v
	export IMAGE
	mkdir "$T/ctx"
	cp "$SH_TARBALL" "$SH_SRCDIR/deploy/kubernetes/Containerfile" "$T/ctx/"
	timeout 900 podman --runtime runc build -q -v /usr:/usr:ro --build-arg VERSION="$v" -t "$IMAGE" "$T/ctx" > /dev/null
	# The image the DaemonSet names, but for its registry.
	grep -q "image: REGISTRY/seccomp-hook:$v\$" "$MANIFEST"
}

teardown_file() {
	teardown_podman
	rm -rf "$T"
}

setup() {
	node_make "$(mktemp -d /tmp/shdn.XXXXXX)"
}

teardown() {
	node_stop
}

# run_installer [NAME=VALUE...]: the DaemonSet's init container "install" on the node, with these env
# values in place of the manifest's; its output in $output, its status in $status (use with run).
run_installer() {
	local args
	mkdir -p "$BATS_TEST_TMPDIR/config"
	mapfile -t args < <(/usr/bin/python3 "$SH_SRCDIR/tests/cri/pod-run" "$MANIFEST" install "$NODE" "$BATS_TEST_TMPDIR/config" "$IMAGE" "$@")
	timeout 120 podman --runtime runc run "${args[@]}" < /dev/null
}

# snapshot: every path under the node's etc, opt and var with its type, mode, owner and content digest.
snapshot() {
	(cd "$NODE" && find etc opt var -printf '%p %y %m %u:%g\n' | sort |
		while read -r p y rest; do
			if [ "$y" = f ]; then echo "$p $y $rest $(sha256sum < "$p" | cut -c1-16)"; else echo "$p $y $rest"; fi
		done)
}

@test "the installer, run as the DaemonSet runs it, puts every file in place with its owner and mode, and nothing else" {
	run run_installer
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"NEXT STEP: merge /etc/containerd/seccomp-hook-runtime.toml"* ]]
	# The kubelet's hostPath directories and node.bash's own files aside, exactly these.
	got=$(cd "$NODE" && find opt/seccomp-hook etc/seccomp-hook var/cache/seccomp-hook var/lib/kubelet/seccomp etc/containerd \
		-printf '%p %y %m %u:%g\n' | sort)
	want=$(sort <<EOF
opt/seccomp-hook d 755 root:root
opt/seccomp-hook/bin d 755 root:root
opt/seccomp-hook/bin/seccomp-hook f 755 root:root
opt/seccomp-hook/bin/seccomp-hook-runtime f 755 root:root
opt/seccomp-hook/libexec d 755 root:root
opt/seccomp-hook/libexec/seccomp-hook-init f 755 root:root
etc/seccomp-hook d 755 root:root
etc/seccomp-hook/runtime.conf f 644 root:root
etc/seccomp-hook/profiles d 755 root:root
etc/seccomp-hook/profiles/default.json f 644 root:root
etc/seccomp-hook/profiles/web-server.json f 644 root:root
etc/seccomp-hook/profiles/deny-dangerous.json f 644 root:root
etc/seccomp-hook/profiles/log-all.json f 644 root:root
etc/seccomp-hook/profiles/overlays d 755 root:root
etc/seccomp-hook/profiles/overlays/af-alg.json f 644 root:root
etc/seccomp-hook/profiles/overlays/io-uring.json f 644 root:root
etc/seccomp-hook/profiles/overlays/user-namespaces.json f 644 root:root
var/cache/seccomp-hook d 700 root:root
var/lib/kubelet/seccomp d 755 root:root
var/lib/kubelet/seccomp/seccomp-hook d 755 root:root
var/lib/kubelet/seccomp/seccomp-hook/default.json f 644 root:root
var/lib/kubelet/seccomp/seccomp-hook/web-server.json f 644 root:root
var/lib/kubelet/seccomp/seccomp-hook/deny-dangerous.json f 644 root:root
var/lib/kubelet/seccomp/seccomp-hook/log-all.json f 644 root:root
etc/containerd d 755 root:root
etc/containerd/config.toml f 644 root:root
etc/containerd/seccomp-hook-runtime.toml f 644 root:root
EOF
)
	diff <(echo "$want") <(echo "$got")
	# The shipped profiles, as the tarball has them; static binaries that run on this host.
	for p in default web-server deny-dangerous log-all; do
		cmp "$SH_SRCDIR/profiles/$p.json" "$NODE/etc/seccomp-hook/profiles/$p.json"
		cmp "$SH_SRCDIR/profiles/$p.json" "$NODE/var/lib/kubelet/seccomp/seccomp-hook/$p.json"
	done
	for o in af-alg io-uring user-namespaces; do
		cmp "$SH_SRCDIR/profiles/overlays/$o.json" "$NODE/etc/seccomp-hook/profiles/overlays/$o.json"
	done
	for b in bin/seccomp-hook bin/seccomp-hook-runtime libexec/seccomp-hook-init; do
		run readelf -d "$NODE/opt/seccomp-hook/$b"
		[[ "$output" == *"There is no dynamic section"* ]]
	done
	"$NODE/opt/seccomp-hook/bin/seccomp-hook" --version
	# runtime.conf names the node's runc and the installed paths; containerd's config is untouched.
	grep -v '^#' "$NODE/etc/seccomp-hook/runtime.conf" > "$BATS_TEST_TMPDIR/runtime.conf"
	diff - "$BATS_TEST_TMPDIR/runtime.conf" <<EOF
runtime-path = /usr/sbin/runc
mode = init
profiles-dir = /etc/seccomp-hook/profiles
cache-dir = /var/cache/seccomp-hook
loader = /opt/seccomp-hook/libexec/seccomp-hook-init
EOF
	run ! grep -F seccomp-hook "$NODE/etc/containerd/config.toml"
	cmp "$BATS_TEST_TMPDIR/config/config/containerd-runtime.toml" "$NODE/etc/containerd/seccomp-hook-runtime.toml"
}

@test "running the installer again changes nothing; APPLY_CONTAINERD_CONFIG adds the runtime to config.toml once" {
	run_installer > /dev/null
	before=$(snapshot)
	run_installer > /dev/null
	diff <(echo "$before") <(snapshot)
	cp "$NODE/etc/containerd/config.toml" "$BATS_TEST_TMPDIR/config.toml"
	run run_installer APPLY_CONTAINERD_CONFIG=true
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"added the seccomp-hook runtime to /etc/containerd/config.toml"* ]]
	cmp "$BATS_TEST_TMPDIR/config.toml" "$NODE/etc/containerd/config.toml.before-seccomp-hook"
	[ "$(grep -c 'runtimes.seccomp-hook]' "$NODE/etc/containerd/config.toml")" -eq 1 ]
	after=$(snapshot)
	run run_installer APPLY_CONTAINERD_CONFIG=true
	[ "$status" -eq 0 ]
	[[ "$output" == *"already has the seccomp-hook runtime"* ]]
	diff <(echo "$after") <(snapshot)
}

@test "a bad DEFAULT_PROFILE, MODE, APPLY_CONTAINERD_CONFIG or OVERLAYS fails with the reason and changes nothing, on a new node or an installed one" {
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_BOGUS"}]}\n' > "$BATS_TEST_TMPDIR/broken.json"
	for state in new installed; do
		# The kubelet makes the hostPath directories before the pod starts: they are not the installer's.
		/usr/bin/python3 "$SH_SRCDIR/tests/cri/pod-run" "$MANIFEST" install "$NODE" "$BATS_TEST_TMPDIR/config" "$IMAGE" > /dev/null
		if [ "$state" = installed ]; then
			run_installer > /dev/null
			cp "$BATS_TEST_TMPDIR/broken.json" "$NODE/etc/seccomp-hook/profiles/broken.json"
			printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_LOG"}]}\n' \
				> "$NODE/etc/seccomp-hook/profiles/overlays/logs.json"
		fi
		for bad in DEFAULT_PROFILE=no-such DEFAULT_PROFILE=../../etc/passwd DEFAULT_PROFILE=broken MODE=fast APPLY_CONTAINERD_CONFIG=yes \
			OVERLAYS=no-such "OVERLAYS=af-alg ../x" OVERLAYS=default OVERLAYS=logs; do
			before=$(snapshot)
			run run_installer "$bad"
			echo "$state $bad: $status: $output"
			[ "$status" -ne 0 ]
			[[ "$output" == *"install: ${bad%%=*}"* ]]
			diff <(echo "$before") <(snapshot)
		done
	done
	# A good one names a site profile already on the node, or a shipped one.
	deny_mkdir_profile "$NODE/etc/seccomp-hook/profiles/site.json"
	run_installer DEFAULT_PROFILE=site > /dev/null
	grep -qx 'default-profile = site' "$NODE/etc/seccomp-hook/runtime.conf"
	run_installer DEFAULT_PROFILE=web-server > /dev/null
	grep -qx 'default-profile = web-server' "$NODE/etc/seccomp-hook/runtime.conf"
	# Overlays: shipped ones, and one of the site's own on the node.
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ERRNO"}]}\n' \
		> "$NODE/etc/seccomp-hook/profiles/overlays/site.json"
	run_installer "OVERLAYS=af-alg site" > /dev/null
	[ "$(grep '^overlay = ' "$NODE/etc/seccomp-hook/runtime.conf")" = "$(printf 'overlay = af-alg\noverlay = site')" ]
}

@test "containerd, configured by the installer, runs pods through the RuntimeClass on the installed files alone" {
	# A site's overlay: the shipped af-alg one with errno 77, which this kernel, built without AF_ALG,
	# never answers itself (EAFNOSUPPORT).
	mkdir -p "$NODE/etc/seccomp-hook/profiles/overlays"
	jq '.syscalls[0].errnoRet = 77' "$SH_SRCDIR/profiles/overlays/af-alg.json" > "$NODE/etc/seccomp-hook/profiles/overlays/marked.json"
	run_installer APPLY_CONTAINERD_CONFIG=true OVERLAYS=marked > /dev/null
	# Nothing of the build tree is visible in the node: only what the installer put there.
	node_start
	node_images
	mkdir "$NODE/tmp/pods"
	W=$NODE/tmp/pods
	# A profile by pod annotation: deny-dangerous refuses keyctl, which the plain runtime allows.
	pod_config ann '{"org.seccomp-hook.profile": "deny-dangerous"}' > "$W/ann.pod.json"
	pod=$(cri runp --runtime seccomp-hook "$W/ann.pod.json")
	container_config work "$SLEEPER" > "$W/work.json"
	ctr=$(cri create "$pod" "$W/work.json" "$W/ann.pod.json")
	cri start "$ctr"
	cfg="$NODE/run/containerd/io.containerd.runtime.v2.task/k8s.io/$ctr/config.json"
	[[ "$(jq -r '.annotations["org.seccomp-hook.applied"]' "$cfg")" == "deny-dangerous init sha256:"*" overlays=marked" ]]
	wait_comm "$(pid_of "$ctr")" sh
	# The loader the container runs is the installed one (through the wrapper's read-only copy).
	cmp "$NODE/opt/seccomp-hook/libexec/seccomp-hook-init" "/proc/$(pid_of "$ctr")/root/.seccomp-hook/init"
	grep -q "Seccomp:	2" "/proc/$(pid_of "$ctr")/status"
	run cri exec "$ctr" sh -c 'grep "^Seccomp:" /proc/self/status; sysprobe keyctl getppid socket_alg socket_fam_2_1'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"keyctl=1"* ]]
	[[ "$output" == *"getppid=ok"* ]]
	[[ "$output" == *"socket_alg=77"* ]]
	[[ "$output" == *"socket_fam_2_1=ok"* ]]
	# The program was compiled into the node's cache, which stays root's alone.
	[ "$(stat -c %a "$NODE/var/cache/seccomp-hook")" = 700 ]
	[ -n "$(find "$NODE/var/cache/seccomp-hook" -type f)" ]
	# A Localhost profile, as the kubelet resolves localhostProfile: seccomp-hook/deny-dangerous.json.
	lh='{"profile_type": "Localhost", "localhost_ref": "/var/lib/kubelet/seccomp/seccomp-hook/deny-dangerous.json"}'
	pod_config lh '{}' "$lh" > "$W/lh.pod.json"
	pod2=$(cri runp --runtime seccomp-hook "$W/lh.pod.json")
	container_config work "$SLEEPER" "$lh" > "$W/lh.json"
	ctr2=$(cri create "$pod2" "$W/lh.json" "$W/lh.pod.json")
	cri start "$ctr2"
	[[ "$(jq -r '.annotations["org.seccomp-hook.applied"]' "$NODE/run/containerd/io.containerd.runtime.v2.task/k8s.io/$ctr2/config.json")" == "(linux.seccomp) init sha256:"*" overlays=marked" ]]
	run cri exec "$ctr2" sysprobe keyctl socket_alg
	[[ "$output" == *"keyctl=1"* ]]
	[[ "$output" == *"socket_alg=77"* ]]
	for p in "$pod" "$pod2"; do
		for c in $(cri ps | jq -r --arg p "$p" '.containers[]? | select(.pod_sandbox_id == $p) | .id'); do
			cri stop --grace 10 "$c"
			cri rm "$c"
		done
		cri stopp "$p"
		cri rmp "$p"
	done
}
