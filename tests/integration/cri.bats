#!/usr/bin/env bats
# A Kubernetes node without a kubelet: containerd's CRI plugin (node.bash) driven over the CRI as the
# kubelet drives it, with the RuntimeClass handler "seccomp-hook" configured from
# deploy/containerd/config.toml (its BinaryName pointed at this build's wrapper) beside the plain runc
# handler, and a second handler whose wrapper runs crun. It proves that:
# - RunPodSandbox with the handler and the pod annotation org.seccomp-hook.profile starts the pause
#   container and the workload through the wrapper, and both PID 1s run the profile's program;
# - RuntimeDefault (containerd's default profile in linux.seccomp) and Localhost profiles (a file in
#   the kubelet's seccomp directory) are enforced exactly as plain runc enforces them: the same
#   status lines and the same answers, and the program in the kernel is the one compiled from the
#   linux.seccomp containerd wrote;
# - ExecSync (exec probes, kubectl exec) runs filtered, in init and in runtime mode, under runc and crun;
# - a missing or broken profile stops the pod or the container with a message naming seccomp-hook;
# - the kubelet's Stop/Remove sequence leaves no container, task, wrapper record, agent, mount or
#   process behind.
# Needs root.
bats_require_minimum_version 1.5.0
load lib
load node

STATUS_RE='^(NoNewPrivs|Cap[A-Za-z]+|Seccomp|Seccomp_filters):'
PROBES="clone3 unshare mount getppid mkdir personality1 socket_vsock ptrace int80_getppid x32_getppid clone_plain clone_newns personality_query socket_unix socket_inet keyctl newest"
TASKS=/run/containerd/io.containerd.runtime.v2.task/k8s.io
# A workload that ends on SIGTERM as a pod's should (a PID 1 without a handler ignores it, and
# StopContainer would wait for the whole grace period).
SLEEPER='["sh", "-c", "trap \"exit 0\" TERM; sleep 3600 & wait"]'

# wrapper_conf RUNTIME: the wrapper's options on this node (BinaryName passes none: a script gives
# it this file, as /etc/seccomp-hook/runtime.conf would be read by an installed wrapper).
wrapper_conf() {
	cat <<EOF
runtime-path = $1
mode = init
profiles-dir = /etc/seccomp-hook/profiles
cache-dir = /var/cache/seccomp-hook
loader = $LOADER
recordings-dir = /var/lib/seccomp-hook/recordings
reports-log = /var/log/seccomp-hook/denials.jsonl
EOF
}

setup_file() {
	require_root_and containerd containerd-shim-runc-v2 ctr runc crun jq busybox protoc nsenter unshare
	node_make "$(mktemp -d /tmp/shk.XXXXXX)"
	mkdir -p "$NODE/etc/seccomp-hook/profiles" "$NODE/opt/seccomp-hook" "$NODE/var/lib/kubelet/seccomp/profiles"
	install -d -m 0700 "$NODE/var/cache/seccomp-hook"
	deny_mkdir_profile "$NODE/etc/seccomp-hook/profiles/deny-mkdir.json"
	deny_mkdir_profile "$NODE/var/lib/kubelet/seccomp/profiles/deny-mkdir.json"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_BOGUS"}]}\n' \
		| tee "$NODE/etc/seccomp-hook/profiles/broken.json" > "$NODE/var/lib/kubelet/seccomp/profiles/broken.json"
	for rt in runc crun; do
		wrapper_conf "/usr/sbin/$rt" > "$NODE/etc/seccomp-hook/runtime-$rt.conf"
		[ "$rt" = runc ] || sed -i "s|/usr/sbin/crun|$(command -v crun)|" "$NODE/etc/seccomp-hook/runtime-$rt.conf"
		printf '#!/bin/sh\nexec %s --config=/etc/seccomp-hook/runtime-%s.conf "$@"\n' \
			"$SH_BUILDDIR/seccomp-hook-runtime" "$rt" > "$NODE/opt/seccomp-hook/runtime-$rt"
		chmod 0755 "$NODE/opt/seccomp-hook/runtime-$rt"
	done
	# The shipped runtime table, with only its BinaryName changed; the crun handler is a copy of it.
	sed 's|^\( *BinaryName = \)"/usr/bin/seccomp-hook-runtime"|\1"/opt/seccomp-hook/runtime-runc"|' \
		"$SH_SRCDIR/deploy/containerd/config.toml" > "$NODE.table"
	grep -q 'BinaryName = "/opt/seccomp-hook/runtime-runc"' "$NODE.table"
	{
		cat "$NODE.table"
		sed -e 's/runtimes\.seccomp-hook\([].]\)/runtimes.seccomp-hook-crun\1/' -e 's|runtime-runc|runtime-crun|' "$NODE.table"
	} >> "$NODE/etc/containerd/config.toml"
	rm -f "$NODE.table"
	node_start "$SH_BUILDDIR" "$SH_SRCDIR"
	node_images
}

teardown_file() {
	node_stop
}

setup() {
	W=$(mktemp -d "$NODE/tmp/t.XXXXXX")
	WN=${W#"$NODE"}   # the same directory, as the node names it (host paths of mounts)
	pods=()
}

teardown() {
	local p
	for p in "${pods[@]}"; do
		remove_pod "$p" > /dev/null 2>&1 || true
	done
	rm -rf "$W"
}

# run_pod NAME HANDLER [ANNOTATIONS_JSON [SECCOMP_JSON]]: RunPodSandbox; sets $pod.
run_pod() {
	pod_config "$1" "${3:-{\}}" "${4:-}" > "$W/$1.pod.json"
	pod=$(cri runp --runtime "$2" "$W/$1.pod.json")
	pods+=("$pod")
}

# start_container POD_NAME POD_ID NAME ARGS_JSON [SECCOMP_JSON [MOUNTS_JSON]]: CreateContainer and
# StartContainer; sets $ctr.
start_container() {
	container_config "$3" "$4" "${5:-}" "${6:-}" > "$W/$3.json"
	ctr=$(cri create "$2" "$W/$3.json" "$W/$1.pod.json")
	cri start "$ctr"
}

# remove_pod POD: the kubelet's sequence: each container stopped and removed, then the sandbox.
remove_pod() {
	local c
	for c in $(cri ps | jq -r --arg p "$1" '.containers[]? | select(.pod_sandbox_id == $p) | .id'); do
		cri stop --grace 10 "$c"
		cri rm "$c"
	done
	cri stopp "$1"
	cri rmp "$1"
}

config_of() { # CONTAINER_OR_POD_ID: the config.json the shim handed to the runtime
	echo "$NODE$TASKS/$1/config.json"
}

applied() { # ID
	jq -r '.annotations["org.seccomp-hook.applied"] // "none"' "$(config_of "$1")"
}

# program_of ID: the cached program file the loader of ID's PID 1 installs (on the host).
program_of() {
	echo "$NODE$(jq -r '.mounts[] | select(.destination == "/.seccomp-hook/filter.bpf") | .source' "$(config_of "$1")")"
}

# assert_runs_program PID FILE: PID's only filter is the program in FILE.
assert_runs_program() {
	grep -q "Seccomp_filters:	1" "/proc/$1/status"
	"$BIN" dump --format=raw -o "$W/dump.bpf" "$1"
	cmp "$2" "$W/dump.bpf"
}

@test "RunPodSandbox with the seccomp-hook handler and org.seccomp-hook.profile: pause and workload start through the wrapper, both PID 1s run the profile" {
	run_pod ann seccomp-hook '{"org.seccomp-hook.profile": "deny-mkdir"}'
	mkdir "$W/out"
	start_container ann "$pod" work '["sh", "-c", "sysprobe mkdir getppid > /out/pid1-child; trap \"exit 0\" TERM; sleep 3600 & wait"]' "" \
		"$(jq -nc --arg h "$WN/out" '[{container_path: "/out", host_path: $h}]')"
	pause=$(pid_of "$pod")
	pid=$(pid_of "$ctr")
	# Each PID 1 starts as the loader, which execs the command once the filter is in.
	wait_comm "$pause" sleep
	wait_comm "$pid" sh
	for id in "$pod" "$ctr"; do
		jq -c '{args: .process.args, seccomp: .linux.seccomp, applied: .annotations["org.seccomp-hook.applied"]}' "$(config_of "$id")"
		[[ "$(applied "$id")" == "deny-mkdir init sha256:"* ]]
		jq -e '.process.args[0] == "/.seccomp-hook/init" and (.linux | has("seccomp") | not)' "$(config_of "$id")"
	done
	# Both PID 1s run the compiled program (the loader installed it, then exec'd the command).
	grep -q "Seccomp:	2" "/proc/$pause/status"
	grep -q "Seccomp:	2" "/proc/$pid/status"
	assert_runs_program "$pause" "$(program_of "$pod")"
	assert_runs_program "$pid" "$(program_of "$ctr")"
	cmp "$(program_of "$pod")" "$(program_of "$ctr")"
	# A child of PID 1 is denied mkdir with the profile's errno (EACCES), and nothing else.
	for _ in $(seq 100); do
		[ ! -s "$W/out/pid1-child" ] || break
		sleep 0.05
	done
	cat "$W/out/pid1-child"
	grep -q "mkdir=13" "$W/out/pid1-child"
	grep -q "getppid=ok" "$W/out/pid1-child"
	# The same pod under the plain runc handler: no filter anywhere, mkdir allowed.
	run_pod plain runc '{"org.seccomp-hook.profile": "deny-mkdir"}'
	start_container plain "$pod" work "$SLEEPER"
	grep -q "Seccomp:	0" "/proc/$(pid_of "$pod")/status"
	run cri exec "$ctr" sysprobe mkdir
	[ "$status" -eq 0 ]
	[[ "$output" == *"mkdir=ok"* ]]
}

# compare_with_runc PROFILE_JSON: the same pod (pod and container profile PROFILE_JSON) under runc and
# under the wrapper: PID 1, the pause container and an ExecSync'd process show the same status lines
# and get the same answer to every probe; the wrapper's PID 1 runs the program compiled from the
# linux.seccomp containerd wrote for runc.
compare_with_runc() {
	local sc=$1 h
	for h in runc seccomp-hook; do
		run_pod "cmp-$h" "$h" '{}' "$sc"
		start_container "cmp-$h" "$pod" work "$SLEEPER" "$sc"
		if [ "$h" = runc ]; then ctr_runc=$ctr; else ctr_hook=$ctr; fi
		pid=$(pid_of "$ctr")
		wait_comm "$pid" sh
		wait_comm "$(pid_of "$pod")" sleep
		grep -E "$STATUS_RE" "/proc/$pid/status" > "$W/$h.pid1"
		grep -E "$STATUS_RE" "/proc/$(pid_of "$pod")/status" > "$W/$h.pause"
		cri exec "$ctr" grep -E "$STATUS_RE" /proc/self/status > "$W/$h.exec"
		# One probe per process: a call the profile kills ends only its own probe.
		# (A call that succeeds prints its result, such as a PID: only the outcome is compared.)
		# shellcheck disable=SC2016 # a script for the container's sh
		cri exec "$ctr" sh -c 'for p in $0; do sysprobe "$p" || echo "$p: exit $?"; done' "$PROBES" |
			sed 's/=ok:.*/=ok/' > "$W/$h.probes"
	done
	for f in pid1 pause exec probes; do
		echo "== $f"
		diff "$W/runc.$f" "$W/seccomp-hook.$f"
	done
	cat "$W/runc.probes"
	grep -q "Seccomp:	2" "$W/runc.pid1"
	grep -q "Seccomp:	2" "$W/runc.exec"
	[[ "$(applied "$ctr_hook")" == "(linux.seccomp) init sha256:"* ]]
	jq -e '.process.args[0] == "/.seccomp-hook/init"' "$(config_of "$ctr_hook")"
	jq -e '.linux.seccomp.defaultAction' "$(config_of "$ctr_runc")"
	"$BIN" compile -q -o "$W/want.bpf" "$(config_of "$ctr_runc")"
	cmp "$W/want.bpf" "$(program_of "$ctr_hook")"
	assert_runs_program "$(pid_of "$ctr_hook")" "$W/want.bpf"
}

@test "RuntimeDefault, as the kubelet asks for it: containerd's default profile, enforced exactly as plain runc enforces it" {
	compare_with_runc '{"profile_type": "RuntimeDefault"}'
	grep -q "unshare=1" "$W/runc.probes"
	grep -q "mkdir=ok" "$W/runc.probes"
	grep -q "keyctl=1" "$W/runc.probes"
}

@test "a Localhost profile from the kubelet's seccomp directory: enforced exactly as plain runc enforces it" {
	compare_with_runc '{"profile_type": "Localhost", "localhost_ref": "/var/lib/kubelet/seccomp/profiles/deny-mkdir.json"}'
	grep -q "mkdir=13" "$W/runc.probes"
	grep -q "keyctl=ok" "$W/runc.probes"
}

# assert_exec_filtered CONTAINER: an ExecSync'd process runs a filter and is denied mkdir with EACCES.
assert_exec_filtered() {
	local out
	out=$(cri exec "$1" sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; sysprobe mkdir getppid')
	echo "$out"
	[[ "$out" == *"Seccomp:	2"* ]]
	[[ "$out" == *"mkdir=13"* ]]
	[[ "$out" == *"getppid=ok"* ]]
}

@test "ExecSync (exec probes, kubectl exec) runs filtered in init and runtime mode, under runc and crun" {
	for h in seccomp-hook seccomp-hook-crun; do
		for mode in init runtime; do
			run_pod "ex-$mode-${h##*-}" "$h" "$(jq -nc --arg m "$mode" '{"org.seccomp-hook.profile": "deny-mkdir", "org.seccomp-hook.mode": $m}')"
			start_container "ex-$mode-${h##*-}" "$pod" work "$SLEEPER"
			echo "$h $mode: $(applied "$ctr")"
			[[ "$(applied "$ctr")" == "deny-mkdir $mode sha256:"* ]]
			wait_comm "$(pid_of "$ctr")" sh
			grep -q "Seccomp:	2" "/proc/$(pid_of "$ctr")/status"
			assert_exec_filtered "$ctr"
			# The exit code and output of a failing probe reach the kubelet unchanged.
			run cri exec "$ctr" sh -c 'mkdir /x 2>&1; exit 3'
			[ "$status" -eq 3 ]
			[[ "$output" == *"Permission denied"* ]]
			remove_pod "$pod"
		done
	done
}

@test "a missing or broken profile stops the pod or the container with a message naming seccomp-hook" {
	# A pod annotation naming no profile on the node: the pause container does not start.
	pod_config missing '{"org.seccomp-hook.profile": "no-such-profile"}' > "$W/missing.pod.json"
	run cri runp --runtime seccomp-hook "$W/missing.pod.json"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"seccomp-hook"*"no-such-profile"* ]]
	pod_config broken '{"org.seccomp-hook.profile": "broken"}' > "$W/broken.pod.json"
	run cri runp --runtime seccomp-hook "$W/broken.pod.json"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"seccomp-hook"*"SCMP_ACT_BOGUS"* ]]
	[ "$(cri pods | jq '[.items[]?] | length')" -eq 0 ]
	# A broken Localhost profile: containerd takes the file as it is, the runtime's create (in
	# StartContainer with containerd) refuses it before the workload runs.
	run_pod lh seccomp-hook
	mkdir "$W/out"
	sc='{"profile_type": "Localhost", "localhost_ref": "/var/lib/kubelet/seccomp/profiles/broken.json"}'
	container_config work '["sh", "-c", "echo ran > /out/marker; exec sleep 3600"]' "$sc" \
		"$(jq -nc --arg h "$WN/out" '[{container_path: "/out", host_path: $h}]')" > "$W/work.json"
	work=$(cri create "$pod" "$W/work.json" "$W/lh.pod.json")
	run cri start "$work"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"seccomp-hook"*"SCMP_ACT_BOGUS"* ]]
	[ ! -e "$W/out/marker" ]
	[ "$(cri inspect "$work" | jq -r .state)" != CONTAINER_RUNNING ]
}

@test "scan on the node: containers named as Kubernetes names them; the plain runc handler's exposed, the profile's refusing" {
	run_pod scanned seccomp-hook '{"org.seccomp-hook.profile": "deny-mkdir"}'
	start_container scanned "$pod" work "$SLEEPER"
	guarded_pod=$pod
	guarded=$ctr
	wait_comm "$(pid_of "$ctr")" sh
	run_pod bare runc '{}'
	start_container bare "$pod" work "$SLEEPER"
	bare=$ctr
	wait_comm "$(pid_of "$ctr")" sh
	# containerd's shims keep runc's state for the k8s.io namespace here
	run --separate-stderr "$BIN" scan --root="$NODE/run/containerd/runc/k8s.io" --query=mkdir --format=json
	[ "$status" -eq 1 ]
	json=$output
	jq -e --arg c "$guarded" '.containers[] | select(.id == $c) | .engine == "kubernetes" and .name == "work" and
		.pod == "scanned" and .namespace == "default" and .status == "running" and (.processes | length) >= 1 and
		all(.processes[]; .seccomp == "filter" and (.exposed | not) and .answers[0].answer == "SCMP_ACT_ERRNO(13)")' <<< "$json"
	jq -e --arg p "$guarded_pod" '.containers[] | select(.id == $p) | .name == "(sandbox)" and .pod == "scanned" and
		all(.processes[]; (.exposed | not))' <<< "$json"
	jq -e --arg c "$bare" '.containers[] | select(.id == $c) | .pod == "bare" and
		all(.processes[]; .seccomp == "none" and .exposed and .answers[0].class == "allowed")' <<< "$json"
	# the kernel agrees: mkdir in the guarded container is refused with EACCES, in the bare one it runs
	run cri exec "$guarded" sysprobe mkdir
	[[ "$output" == *"mkdir=13"* ]]
	run cri exec "$bare" sysprobe mkdir
	[[ "$output" == *"mkdir=ok"* ]]
}

@test "the kubelet's Stop and Remove calls leave no container, task, wrapper record, agent, mount or process behind" {
	run_pod gone seccomp-hook '{"org.seccomp-hook.profile": "deny-mkdir", "org.seccomp-hook.report": "enforce"}'
	start_container gone "$pod" work "$SLEEPER"
	ids=("$pod" "$ctr")
	wait_comm "$(pid_of "$ctr")" sh
	assert_exec_filtered "$ctr"
	# While it runs: its tasks, the wrapper's records and the report agent exist.
	for id in "${ids[@]}"; do
		[ -d "$NODE$TASKS/$id" ]
		[ -n "$(find "$NODE/run/seccomp-hook/runtime" -name "$id*")" ]
	done
	[ -n "$(find "$NODE/run/seccomp-hook/agents" -mindepth 1)" ]
	[ "$(node_processes | wc -l)" -gt 1 ]
	remove_pod "$pod"
	pods=()
	[ "$(cri pods | jq '[.items[]?] | length')" -eq 0 ]
	[ "$(cri ps | jq '[.containers[]?] | length')" -eq 0 ]
	[ -z "$(nsnode runc --root /run/containerd/runc/k8s.io list -q)" ]
	for id in "${ids[@]}"; do
		[ ! -e "$NODE$TASKS/$id" ]
		[ -z "$(find "$NODE/run/seccomp-hook/runtime" -name "$id*")" ]
		run ! grep -F "$id" "/proc/$NODE_PID/mountinfo"
	done
	[ -z "$(find "$NODE/run/seccomp-hook/agents" -mindepth 1)" ]
	# Only containerd itself is left: no shim, agent, pause or workload process.
	[ "$(node_processes)" = "$NODE_PID" ]
}
