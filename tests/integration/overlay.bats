#!/usr/bin/env bats
# Overlays with real runtimes and engines: the AF_ALG overlay configured in the wrapper (or given to
# inject, precreate and exec) stacked on Docker's default profile, on --security-opt
# seccomp=unconfined, on a user's profile, on podman's own profile through hooks.d, on the shipped
# profile under runc and crun directly, in init and runtime mode. In each, socket(AF_ALG) fails with
# the overlay's errno (a marked copy of the shipped overlay, errnoRet 77, tells the overlay's denial
# from this kernel's own EAFNOSUPPORT: it is built without AF_ALG), and every other family and type
# gets exactly what it gets without the overlay. This kernel has no int 0x80 entry: the x86 calls
# (socket #359 and socketcall) are answered by the filters read back from PID 1, run in the
# simulator. Needs root.
bats_require_minimum_version 1.5.0
load lib

IMG=shtest-busybox:latest
BPFRUN="$SH_BUILDDIR/tests/bpfrun"

dk() { timeout 60 /usr/bin/docker "$@"; }

# Every family 0-45 with stream, datagram, raw and seqpacket sockets but AF_ALG: their answers must
# not change with the overlay. Then AF_ALG itself, also with SOCK_CLOEXEC and with the domain's upper
# half set (the kernel reads an int).
read -ra FAMILIES <<<"$(for f in $(seq 0 45); do [ "$f" -eq 38 ] || for t in 1 2 3 5; do printf 'socket_fam_%s_%s ' "$f" "$t"; done; done)"
ALG=(socket_alg socket_alg_cloexec socket_alg_high)

# assert_marked_alg: $output shows the overlay's errno for each AF_ALG probe.
assert_marked_alg() {
	[[ "$output" == *"socket_alg=77"* ]]
	[[ "$output" == *"socket_alg_cloexec=77"* ]]
	[[ "$output" == *"socket_alg_high=77"* ]]
}

# families_of TEXT: the socket_fam_ lines of a probe run, sorted.
families_of() {
	grep '^socket_fam_' <<<"$1" | sort
}

# x86_stack FILTERS...: what the filters (oldest first) answer to x86's direct socket(AF_ALG,
# SOCK_SEQPACKET), to socketcall(SYS_SOCKET, args) and to x86 socket(AF_INET6, SOCK_STREAM).
x86_stack() {
	local files
	files=$(IFS=,; echo "$*")
	"$BPFRUN" "$files" x86 359 38 5
	"$BPFRUN" "$files" x86 socketcall 1 0xffd0
	"$BPFRUN" "$files" x86 359 10 1
}

# filters_of PID DIR: PID's filters as DIR/f0.bpf, f1.bpf... (oldest first); prints the file names.
filters_of() {
	local n i
	n=$(grep '^Seccomp_filters:' "/proc/$1/status" | awk '{print $2}')
	for i in $(seq 0 $((n - 1))); do
		"$BIN" dump --format=raw --index="$i" -o "$2/f$i.bpf" "$1"
		printf '%s ' "$2/f$i.bpf"
	done
}

setup_file() {
	require_root_and runc crun podman dockerd jq busybox
}

setup() {
	T=$(mktemp -d /tmp/sh-ov.XXXXXX)
	mkdir -p "$T/profiles/overlays" "$T/runc-state" "$T/crun-state"
	cp "$SH_SRCDIR/profiles/default.json" "$T/profiles/default.json"
	# Docker's default (20.10) allows socket whole, AF_ALG included, as most engines' defaults did
	# when the CVE came out; the shipped default denies AF_ALG itself.
	cp "$UPSTREAM/docker-default.json" "$T/profiles/docker.json"
	cp "$SH_SRCDIR/profiles/overlays/af-alg.json" "$T/profiles/overlays/af-alg.json"
	jq '.syscalls[0].errnoRet = 77' "$SH_SRCDIR/profiles/overlays/af-alg.json" > "$T/profiles/overlays/marked.json"
	# cachestat is newer than every call Docker's default names: its ENOSYS stub answers it before any
	# rule, so an overlay that kills it cannot be one filter with that profile.
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["cachestat"], "action": "SCMP_ACT_KILL_PROCESS"}]}' \
		> "$T/profiles/overlays/kill-cachestat.json"
	COMMON=(--profiles-dir="$T/profiles" --cache-dir="$T/cache" --seal-key="$T/key/seal.key")
	WRAP=("$SH_BUILDDIR/seccomp-hook-runtime" "${COMMON[@]}" --loader="$LOADER" --loader-store="$T/store"
		--state-dir="$T/wrapper-state")
}

teardown() {
	for c in o1 o2 o3 a1 a2-init a2-runtime a3 a4 a5; do
		runc --root "$T/runc-state" delete -f "$c" >/dev/null 2>&1 || true
	done
	grep -F " $T/" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$T"
}

@test "runc, runtime mode (inject --overlay): the composed linux.seccomp denies AF_ALG, other families as before; x86 by simulation" {
	make_bundle "$T/plain" "[\"sysprobe\", $(printf '"%s",' "${FAMILIES[@]}" "${ALG[@]}" | sed 's/,$//')]"
	cp -a "$T/plain" "$T/b"
	"$BIN" inject "${COMMON[@]}" --profile=docker "$T/plain"
	"$BIN" inject "${COMMON[@]}" --profile=docker --overlay=marked "$T/b"
	jq -e '.annotations["org.seccomp-hook.applied"] | test("^docker runtime sha256:[0-9a-f]{64} overlays=marked$")' "$T/b/config.json"
	run run_runc "$T/plain" o1
	[ "$status" -eq 0 ]
	without=$output
	run run_runc "$T/b" o2
	[ "$status" -eq 0 ]
	assert_marked_alg
	diff <(families_of "$without") <(families_of "$output")
	[ "$(families_of "$output" | wc -l)" -eq 180 ]
	# x86: the direct socket call is denied; socketcall(SYS_SOCKET, args) keeps the profile's answer.
	[[ "$("$BIN" explain --arch=x86 "$T/b/config.json" 359 38 5)" == "socket (SCMP_ARCH_X86 #359): SCMP_ACT_ERRNO(77) EBADFD"* ]]
	[[ "$("$BIN" explain --arch=x86 "$T/b/config.json" socketcall 1 0xffd0)" == "socketcall (SCMP_ARCH_X86 #102): SCMP_ACT_ALLOW"* ]]
	[[ "$("$BIN" explain --arch=x32 "$T/b/config.json" socket 38 5)" == *"SCMP_ACT_ERRNO(77)"* ]]
	run "$PROBE" int80_entry
	[ "$output" = "int80_entry=ok:0" ] # the kernel has no int 0x80 entry: x86 calls cannot be made here
}

@test "runc through the wrapper, init mode: one composed program, as crun gets it; PID 1 and exec" {
	make_bundle "$T/b" '["sleep", "60"]'
	"${WRAP[@]}" --root "$T/runc-state" --mode=init --default-profile=docker --overlay=marked run -d -b "$T/b" o2 < /dev/null
	jq -e '.annotations["org.seccomp-hook.applied"] | test("^docker init sha256:[0-9a-f]{64} overlays=marked$")' "$T/b/config.json"
	jq -e '[.mounts[] | select(.destination == "/.seccomp-hook/overlay.bpf")] | length == 0' "$T/b/config.json"
	pid=$(runc --root "$T/runc-state" state o2 | jq .pid)
	for _ in $(seq 100); do [ "$(cat "/proc/$pid/comm")" = sleep ] && break; sleep 0.02; done
	grep -q "Seccomp_filters:	1" "/proc/$pid/status"
	run "${WRAP[@]}" --root "$T/runc-state" exec o2 sysprobe "${ALG[@]}" socket_fam_10_1 getppid
	[ "$status" -eq 0 ]
	assert_marked_alg
	[[ "$output" == *"socket_fam_10_1=ok"* ]]
	mkdir "$T/f"
	"$BIN" dump --format=raw --index=0 -o "$T/f/one.bpf" "$pid"
	[ "$("$BPFRUN" "$T/f/one.bpf" x86_64 socket 38 5)" = "SCMP_ACT_ERRNO(77)" ]
	[ "$("$BPFRUN" "$T/f/one.bpf" x86_64 mount)" = "SCMP_ACT_ERRNO(1)" ]
	run x86_stack "$T/f/one.bpf"
	[ "${lines[0]}" = "SCMP_ACT_ERRNO(77)" ]
	[ "${lines[1]}" = "SCMP_ACT_ALLOW" ]
	[ "${lines[2]}" = "SCMP_ACT_ALLOW" ]
	# It is the program the applied annotation names, and it enforces the overlay.
	jq -e --arg d "$(sha256sum < "$T/f/one.bpf" | cut -d' ' -f1)" '.annotations["org.seccomp-hook.applied"] | contains($d)' "$T/b/config.json"
	state=$(runc --root "$T/runc-state" state o2 | jq -c '{ociVersion, id, status, pid, bundle}')
	"$BIN" state --require --verify-filter --stage=poststart --profiles-dir="$T/profiles" --seal-key="$T/key/seal.key" <<<"$state"
}

@test "runc through the wrapper, init mode, overlays that cannot be one filter with the profile: the overlays' program, then the profile's" {
	make_bundle "$T/b" '["sleep", "60"]'
	"${WRAP[@]}" --root "$T/runc-state" --mode=init --default-profile=docker --overlay=marked --overlay=kill-cachestat \
		run -d -b "$T/b" o1 < /dev/null
	jq -e '.annotations["org.seccomp-hook.applied"] | test("^docker init sha256:[0-9a-f]{64} overlays=marked,kill-cachestat$")' "$T/b/config.json"
	jq -e '[.mounts[] | select(.destination == "/.seccomp-hook/overlay.bpf")] | length == 1' "$T/b/config.json"
	jq -e '.process.args | index("--overlay=/.seccomp-hook/overlay.bpf") != null' "$T/b/config.json"
	pid=$(runc --root "$T/runc-state" state o1 | jq .pid)
	for _ in $(seq 100); do [ "$(cat "/proc/$pid/comm")" = sleep ] && break; sleep 0.02; done
	grep -q "Seccomp_filters:	2" "/proc/$pid/status"
	run "${WRAP[@]}" --root "$T/runc-state" exec o1 sysprobe "${ALG[@]}" socket_fam_10_1 socket_fam_1_1 getppid
	[ "$status" -eq 0 ]
	assert_marked_alg
	[[ "$output" == *"socket_fam_10_1=ok"* ]]
	[[ "$output" == *"socket_fam_1_1=ok"* ]]
	# The filters PID 1 runs, read back: the overlay's first, the profile's on top.
	mkdir "$T/f"
	read -ra files <<<"$(filters_of "$pid" "$T/f")"
	[ "$("$BPFRUN" "${files[0]}" x86_64 socket 38 5)" = "SCMP_ACT_ERRNO(77)" ]
	[ "$("$BPFRUN" "${files[0]}" x86_64 cachestat)" = "SCMP_ACT_KILL_PROCESS" ]
	[ "$("$BPFRUN" "${files[1]}" x86_64 mount)" = "SCMP_ACT_ERRNO(1)" ]
	[ "$("$BPFRUN" "${files[1]}" x86_64 cachestat)" = "SCMP_ACT_ERRNO(38)" ]
	[ "$("$BPFRUN" "${files[0]},${files[1]}" x86_64 cachestat)" = "SCMP_ACT_KILL_PROCESS" ]
	run x86_stack "${files[@]}"
	[ "${lines[0]}" = "SCMP_ACT_ERRNO(77)" ]
	[ "${lines[1]}" = "SCMP_ACT_ALLOW" ]
	[ "${lines[2]}" = "SCMP_ACT_ALLOW" ]
	# scan: this container cannot open AF_ALG's one socket type (the kernel refuses every other type);
	# a container started without the overlay can.
	run --separate-stderr "$BIN" scan --root="$T/runc-state" --query=socket:arg0=38,arg1=5 --format=json
	[ "$status" -eq 0 ]
	jq -e '.exposed == 0 and [.containers[].id] == ["o1"]' <<<"$output"
	jq -e '[.containers[].processes[].answers[] | select(.arch == "SCMP_ARCH_X86_64") | .answer] | unique == ["SCMP_ACT_ERRNO(77)"]' <<<"$output"
	make_bundle "$T/p" '["sleep", "60"]'
	"${WRAP[@]}" --root "$T/runc-state" --mode=init --default-profile=docker run -d -b "$T/p" o3 < /dev/null
	run --separate-stderr "$BIN" scan --root="$T/runc-state" --query=socket:arg0=38,arg1=5 --format=json
	[ "$status" -eq 1 ]
	jq -e '.exposed == 1' <<<"$output"
	jq -e '[.containers[] | select(.id == "o3") | .processes[].exposed] == [true]' <<<"$output"
	# The state hook holds them to the overlay; once the overlay denies more than they do, it kills.
	state=$(runc --root "$T/runc-state" state o1 | jq -c '{ociVersion, id, status, pid, bundle}')
	"$BIN" state --require --verify-filter --stage=poststart --profiles-dir="$T/profiles" --seal-key="$T/key/seal.key" <<<"$state"
	jq '.syscalls += [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]' "$SH_SRCDIR/profiles/overlays/af-alg.json" |
		jq '.syscalls[0].errnoRet = 77' > "$T/profiles/overlays/marked.json"
	run "$BIN" state --require --verify-filter --stage=poststart --profiles-dir="$T/profiles" --seal-key="$T/key/seal.key" <<<"$state"
	[ "$status" -eq 1 ]
	[[ "$output" == *"do not enforce its overlays marked,kill-cachestat"*"getppid"* ]]
	# Killed: a zombie until runc's parent reaps it, which runc state already calls stopped.
	for _ in $(seq 100); do
		[ "$(runc --root "$T/runc-state" state o1 | jq -r .status)" = stopped ] && break
		sleep 0.05
	done
	[ "$(runc --root "$T/runc-state" state o1 | jq -r .status)" = stopped ]
}

@test "crun through the wrapper (init mode: crun gets the composed program) and crun with inject (runtime mode)" {
	make_bundle "$T/b" "[\"sysprobe\", \"getppid\", $(printf '"%s",' "${ALG[@]}" socket_fam_2_2 socket_fam_16_3 | sed 's/,$//')]"
	cp -a "$T/b" "$T/r"
	# shellcheck disable=SC2016 # sh expands them
	run timeout -k 5 120 unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
		"${WRAP[@]}" --runtime-path=crun --mode=init --default-profile=docker --overlay=marked --root "$T/crun-state" \
		--cgroup-manager=disabled run -b "$T/b" o1
	[ "$status" -eq 0 ]
	assert_marked_alg
	[[ "$output" == *"socket_fam_2_2=ok"* ]]
	jq -e '.annotations["org.seccomp-hook.applied"] | test("^docker init sha256:[0-9a-f]{64} overlays=marked$")' "$T/b/config.json"
	jq -e '.annotations["run.oci.seccomp_bpf_data"] != null and .linux.seccomp.defaultAction == "SCMP_ACT_KILL_PROCESS"' "$T/b/config.json"
	"$BIN" inject "${COMMON[@]}" --profile=docker --overlay=marked "$T/r"
	run run_crun "$T/r" o2
	[ "$status" -eq 0 ]
	assert_marked_alg
	[[ "$output" == *"socket_fam_16_3=ok"* ]]
}

@test "podman, hooks.d: an always-on precreate hook stacks the overlay on podman's own profile" {
	setup_podman
	mkdir -p "$T/podman/out"
	without=$(run_podman localhost/sh-busybox sysprobe "${FAMILIES[@]}" "${ALG[@]}" keyctl)
	jq --arg path "$BIN" --arg dir "$T/profiles" --arg cache "$T/cache" --arg key "$T/key/seal.key" '
		.hook.path = $path
		| .hook.args = ["seccomp-hook", "precreate", "--profiles-dir=\($dir)", "--cache-dir=\($cache)", "--seal-key=\($key)",
		                "--overlay=marked"]' "$SH_SRCDIR/deploy/podman/seccomp-hook-overlay.json" \
		> "$T/podman/hooks.d/seccomp-hook-overlay.json"
	run run_podman localhost/sh-busybox sysprobe "${FAMILIES[@]}" "${ALG[@]}" keyctl
	[ "$status" -eq 0 ]
	assert_marked_alg
	diff <(families_of "$without") <(families_of "$output")
	# podman's own profile still decides what the overlay does not.
	[[ "$output" == *"$(grep '^keyctl=' <<<"$without")"* ]]
	# With the shipped hooks too, which run after it (hooks.d goes in name order) for a container
	# that names a profile by annotation, without --overlay: the overlay stays, and the poststart
	# hook verifies it.
	podman_hook --profiles-dir="$T/profiles" --cache-dir="$T/cache" --seal-key="$T/key/seal.key"
	run run_podman --annotation org.seccomp-hook.profile=docker localhost/sh-busybox sysprobe "${ALG[@]}" socket_fam_2_1
	[ "$status" -eq 0 ]
	assert_marked_alg
	[[ "$output" == *"socket_fam_2_1=ok"* ]]
	teardown_podman
}

@test "docker with the overlay in the wrapper: Docker's default (init and runtime mode), unconfined, a user profile" {
	ENG="$T/eng"
	mkdir -p "$ENG/client"
	export DOCKER_HOST="unix://$ENG/sock" DOCKER_CONFIG="$ENG/client"
	jq -n --arg path "$SH_BUILDDIR/seccomp-hook-runtime" --arg loader "$LOADER" --arg t "$T" '
		["--loader=\($loader)", "--cache-dir=\($t)/cache", "--profiles-dir=\($t)/profiles", "--seal-key=\($t)/key/seal.key",
		 "--loader-store=\($t)/store", "--state-dir=\($t)/wrapper-state"] as $args
		| {"storage-driver": "vfs",
		   "runtimes": {"plain": {"path": $path, "runtimeArgs": $args},
		                "overlaid": {"path": $path, "runtimeArgs": ($args + ["--overlay=marked"])}}}' > "$ENG/daemon.json"
	start_dockerd "$ENG"
	make_rootfs "$T/rootfs"
	tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
	dk import "$T/rootfs.tar" "$IMG" > /dev/null
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' > "$T/user.json"
	# Docker's default with a read-only root (init mode), with a writable one (runtime mode), then
	# unconfined and a user's profile (runtime mode).
	for opts in "--read-only --tmpfs /tmp" "" "--security-opt seccomp=unconfined" "--security-opt seccomp=$T/user.json"; do
		# shellcheck disable=SC2086 # the options split into words
		without=$(dk run --rm --network none --runtime=plain $opts "$IMG" sysprobe "${FAMILIES[@]}" "${ALG[@]}" keyctl)
		# shellcheck disable=SC2086 # likewise
		run dk run --rm --network none --runtime=overlaid $opts "$IMG" sysprobe "${FAMILIES[@]}" "${ALG[@]}" keyctl
		echo "options: $opts"
		[ "$status" -eq 0 ]
		assert_marked_alg
		diff <(families_of "$without") <(families_of "$output")
		# The profile underneath still decides what the overlay does not: keyctl is Docker's EPERM, the
		# user profile's EACCES, allowed unconfined.
		[[ "$output" == *"keyctl=$(grep '^keyctl=' <<<"$without" | cut -d= -f2-)"* ]]
	done
	# Unconfined: the overlay alone, and the filter PID 1 runs says so.
	id=$(dk run -d --network none --runtime=overlaid --security-opt seccomp=unconfined "$IMG" sleep 60)
	pid=$(dk inspect -f '{{.State.Pid}}' "$id")
	cfg=$(ls "$ENG"/exec/containerd/daemon/io.containerd.runtime.v2.task/*/"$id"/config.json)
	jq -e '.annotations["org.seccomp-hook.applied"] | test("^unconfined runtime sha256:[0-9a-f]{64} overlays=marked$")' "$cfg"
	mkdir "$T/f"
	read -ra files <<<"$(filters_of "$pid" "$T/f")"
	[ "${#files[@]}" -eq 1 ]
	run x86_stack "${files[@]}"
	[ "${lines[0]}" = "SCMP_ACT_ERRNO(77)" ]
	[ "${lines[1]}" = "SCMP_ACT_ALLOW" ]
	dk rm -f "$id" > /dev/null
	stop_dockerd "$ENG"
}

@test "exec --overlay: alone, under a profile, under a program; AF_ALG denied, other families as before" {
	run "$BIN" exec -q --overlay="$T/profiles/overlays/marked.json" -- "$PROBE" "${ALG[@]}" socket_fam_2_1
	[ "$status" -eq 0 ]
	assert_marked_alg
	[[ "$output" == *"socket_fam_2_1=ok"* ]]
	run "$BIN" exec -q --profiles-dir="$T/profiles" --profile=docker --overlay=marked -- "$PROBE" "${ALG[@]}" mount socket_fam_10_2
	assert_marked_alg
	[[ "$output" == *"mount=1"* ]]
	[[ "$output" == *"socket_fam_10_2=ok"* ]]
	"$BIN" compile -q -o "$T/docker.bpf" "$T/profiles/docker.json"
	run "$BIN" exec -q --profiles-dir="$T/profiles" --bpf="$T/docker.bpf" --flags=SPEC_ALLOW --overlay=marked -- "$PROBE" "${ALG[@]}" mount
	assert_marked_alg
	[[ "$output" == *"mount=1"* ]]
	run "$BIN" exec -q --overlay="$T/profiles/overlays/marked.json" -- grep Seccomp_filters /proc/self/status
	[ "$output" = "Seccomp_filters:	1" ]
	# On a profile, one filter where the two can be one; else, and under a program, two.
	run "$BIN" exec -q --profiles-dir="$T/profiles" --profile=docker --overlay=marked -- grep Seccomp_filters /proc/self/status
	[ "$output" = "Seccomp_filters:	1" ]
	run "$BIN" exec -q --profiles-dir="$T/profiles" --profile=docker --overlay=kill-cachestat -- grep Seccomp_filters /proc/self/status
	[ "$output" = "Seccomp_filters:	2" ]
	run "$BIN" exec -q --profiles-dir="$T/profiles" --bpf="$T/docker.bpf" --flags=SPEC_ALLOW --overlay=marked -- grep Seccomp_filters /proc/self/status
	[ "$output" = "Seccomp_filters:	2" ]
}

@test "refused: an overlay that allows, one that is missing; overlay-unconfined=no leaves unconfined alone" {
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_LOG"}]}' \
		> "$T/profiles/overlays/logs.json"
	make_bundle "$T/b" '["true"]'
	run "$BIN" inject "${COMMON[@]}" --profile=default --overlay=logs "$T/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"overlay 'logs'"*"an overlay only denies: SCMP_ACT_LOG"* ]]
	run "$BIN" inject "${COMMON[@]}" --profile=default --overlay=nonesuch "$T/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no profile named 'nonesuch'"* ]]
	jq -e '.linux.seccomp == null' "$T/b/config.json"
	"$BIN" inject "${COMMON[@]}" --overlay=marked --overlay-unconfined=no "$T/b"
	jq -e '.linux.seccomp == null and .annotations["org.seccomp-hook.applied"] == null' "$T/b/config.json"
	"$BIN" inject "${COMMON[@]}" --overlay=marked "$T/b"
	jq -e '.annotations["org.seccomp-hook.applied"] | startswith("unconfined runtime sha256:")' "$T/b/config.json"
	run "$BIN" inject "${COMMON[@]}" --overlay=marked --overlay-unconfined=maybe "$T/b"
	[ "$status" -eq 2 ]
}

@test "attack: nothing in a container's config drops or weakens the overlay (annotations, its own profile, reports, forged output)" {
	args=$(printf '%s\n' sysprobe "${ALG[@]}" socket_fam_2_1 | jq -R . | jq -sc .)
	DIRS=(--agents-dir="$T/agents" --reports-log="$T/reports.jsonl" --metrics-dir="$T/metrics")
	# Its annotations ask for no filter at all, in init mode: it gets the overlay alone.
	make_bundle "$T/u" "$args"
	set_config "$T/u" '.annotations = {"org.seccomp-hook.profile": "unconfined", "org.seccomp-hook.mode": "init"}'
	run timeout -k 5 120 "${WRAP[@]}" --root "$T/runc-state" --overlay=marked run -b "$T/u" a1 < /dev/null
	[ "$status" -eq 0 ]
	assert_marked_alg
	[[ "$output" == *"socket_fam_2_1=ok"* ]]
	# Its own linux.seccomp (a user's --security-opt seccomp=FILE) allows AF_ALG by name and logs it,
	# in init mode (two filters) and in runtime mode (one, composed).
	for mode in init runtime; do
		make_bundle "$T/s-$mode" "$args"
		set_config "$T/s-$mode" ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [
			{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_EQ\"}]},
			{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\"}, $NO_ESCAPE_RULES]}"
		run timeout -k 5 120 "${WRAP[@]}" --root "$T/runc-state" --mode="$mode" --overlay=marked run -b "$T/s-$mode" "a2-$mode" < /dev/null
		[ "$status" -eq 0 ]
		assert_marked_alg
		[[ "$output" == *"socket_fam_2_1=ok"* ]]
		jq -e --arg m "$mode" '.annotations["org.seccomp-hook.applied"] | test("^[(]linux.seccomp[)] \($m) sha256:[0-9a-f]{64} overlays=marked$")' "$T/s-$mode/config.json"
	done
	# Reports in complain mode let through what its profile denies, never what the overlay denies.
	make_bundle "$T/r" "$args"
	set_config "$T/r" '.annotations = {"org.seccomp-hook.profile": "docker", "org.seccomp-hook.report": "complain"}'
	"$BIN" inject "${COMMON[@]}" "${DIRS[@]}" --mode=runtime --overlay=marked "$T/r"
	run run_runc "$T/r" a3
	[ "$status" -eq 0 ]
	assert_marked_alg
	[[ "$output" == *"socket_fam_2_1=ok"* ]]
	# A config that claims the overlays were applied already (an image's or a pod's own annotation,
	# and the loader call in its command) is not believed: refused, and not run.
	make_bundle "$T/f" "$args"
	set_config "$T/f" '.annotations = {"org.seccomp-hook.applied": "docker init sha256:0000000000000000000000000000000000000000000000000000000000000000 overlays=marked"}
		| .process.args = ["/.seccomp-hook/init", "--flags=0", "/.seccomp-hook/filter.bpf", "--"] + .process.args'
	run timeout -k 5 120 "${WRAP[@]}" --root "$T/runc-state" --overlay=marked run -b "$T/f" a4 < /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"no valid seal"* ]]
	run runc --root "$T/runc-state" state a4
	[ "$status" -ne 0 ]
	# The claim alone, without the loader call, is a string: the overlay is applied.
	set_config "$T/f" '.process.args = .process.args[4:]'
	run timeout -k 5 120 "${WRAP[@]}" --root "$T/runc-state" --overlay=marked run -b "$T/f" a5 < /dev/null
	[ "$status" -eq 0 ]
	assert_marked_alg
	jq -e '.annotations["org.seccomp-hook.applied"] | test("^docker init sha256:0{64}") | not' "$T/f/config.json"
}

@test "check --overlay: the shipped overlays pass --strict; a file that allows, or denies by default, does not" {
	run "$BIN" check --strict --overlay "$SH_SRCDIR/profiles/overlays"
	[ "$status" -eq 0 ]
	[ "$output" = "check: 3 profiles, 0 with errors; 0 errors, 0 warnings" ]
	# As whole profiles they are not what a container should run alone (io_uring allowed, ...).
	run "$BIN" check --strict "$SH_SRCDIR/profiles/overlays/af-alg.json"
	[ "$status" -eq 1 ]
	run "$BIN" check --overlay --profiles-dir="$T/profiles" marked "$T/profiles/default.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"default.json:2:20: error: an overlay allows what it does not deny: defaultAction must be SCMP_ACT_ALLOW"* ]]
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_LOG"}]}' > "$T/logs.json"
	run "$BIN" check --overlay "$T/logs.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"logs.json:1:"*"error: syscalls[0]: an overlay only denies: SCMP_ACT_LOG is not one of"* ]]
}

@test "two stacked programs: scan, explain --pid and the kernel give the newest filter's errno between equal actions" {
	make_bundle "$T/b" '["sleep", "60"]'
	# default.json denies AF_ALG with EPERM itself; kill-cachestat keeps the two programs apart.
	"${WRAP[@]}" --root "$T/runc-state" --mode=init --default-profile=default --overlay=marked --overlay=kill-cachestat \
		run -d -b "$T/b" o1 < /dev/null
	pid=$(runc --root "$T/runc-state" state o1 | jq .pid)
	for _ in $(seq 100); do [ "$(cat "/proc/$pid/comm")" = sleep ] && break; sleep 0.02; done
	grep -q "Seccomp_filters:	2" "/proc/$pid/status"
	run "${WRAP[@]}" --root "$T/runc-state" exec o1 sysprobe socket_alg
	[ "$output" = "socket_alg=1" ]
	run "$BIN" explain --pid="$pid" socket 38 5
	[[ "${lines[0]}" == "socket (SCMP_ARCH_X86_64 #41): SCMP_ACT_ERRNO(1) EPERM - filter 1 of pid $pid"* ]]
	run --separate-stderr "$BIN" scan --root="$T/runc-state" --query=socket:arg0=38,arg1=5 --format=json
	[ "$status" -eq 0 ]
	jq -e '.containers[0].processes[0].answers[0] | .arch == "SCMP_ARCH_X86_64" and .answer == "SCMP_ACT_ERRNO(1)"' <<<"$output"
	"$BIN" dump --format=raw --index=1 -o "$T/newest.bpf" "$pid"
	jq -e --arg d "$(sha256sum < "$T/newest.bpf" | cut -d' ' -f1)" '.containers[0].processes[0].filters[0].sha256 == $d' <<<"$output"
}
