#!/usr/bin/env bats
# seccomp-hook scan on a node with a mix of real containers, each runtime's state in a private root:
# an unconfined one, one under Docker's default profile with an exec'd process that stacks a filter
# of its own on it, crun's under default.json, a paused one, and Docker's (a private daemon: the
# default profile, an exec'd process, an unconfined container), and podman's. The filters scan
# reports are the ones the kernel holds (their digests are dump's), its answers are the ones the
# containers get when they make the calls, and names written to break its outputs do not. Needs root.
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and runc crun podman dockerd docker jq busybox
}

setup() {
	T=$(mktemp -d /tmp/sh-scan.XXXXXX)
	mkdir -p "$T/runc-state" "$T/crun-state"
	# the filter an exec'd process stacks on its container's: AF_ALG refused with EAFNOSUPPORT
	ALG='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97, "args": [{"index": 0, "value": 38, "op": "SCMP_CMP_EQ"}]}]}'
}

teardown() {
	local c
	for c in $(runc --root "$T/runc-state" list -q 2>/dev/null); do
		runc --root "$T/runc-state" delete -f "$c" > /dev/null 2>&1 || true
	done
	for c in $(crun --root "$T/crun-state" list -q 2>/dev/null); do
		crun --root "$T/crun-state" delete -f "$c" > /dev/null 2>&1 || true
	done
	if [ -n "${DOCKER_HOST:-}" ]; then
		docker rm -f web open > /dev/null 2>&1 || true
		stop_dockerd "$T/docker"
	fi
	[ -d "$T/podman" ] && teardown_podman
	rm -rf "$T"
}

# bundle NAME [PROFILE]: a sleeping busybox bundle with seccomp-hook in its root (for exec), under
# PROFILE in runtime mode (runc or crun loads it), or unconfined without one.
bundle() {
	make_bundle "$T/$1" '["sleep", "1000"]'
	cp "$BIN" "$T/$1/rootfs/bin/seccomp-hook"
	# A build with the sanitizers links it dynamically: its libraries go with it.
	for lib in $(ldd "$BIN" 2>/dev/null | grep -oE '/[^ ]+' || true); do
		cp -L --parents "$lib" "$T/$1/rootfs"
	done
	echo "$ALG" > "$T/$1/out/alg.json"
	if [ -n "${2:-}" ]; then
		"$BIN" inject --mode=runtime --profile="$2" --seal-key="$T/seal.key" --cache-dir="$T/cache" "$T/$1" 2>/dev/null
	else
		set_config "$T/$1" 'del(.linux.seccomp)'
	fi
}

start_runc() {
	runc --root "$T/runc-state" run -d -b "$T/$1" "$1" < /dev/null > /dev/null 2>&1
}

start_crun() {
	# shellcheck disable=SC2016 # the inner shell expands them
	unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root "$1" --cgroup-manager=disabled run -d -b "$2" "$3"' \
		sh "$T/crun-state" "$T/$1" "$1" < /dev/null > /dev/null 2>&1
}

# wait_filters PID N: until PID runs N filters.
wait_filters() {
	for _ in $(seq 100); do
		grep -q "Seccomp_filters:	$2" "/proc/$1/status" && return 0
		sleep 0.05
	done
	grep "Seccomp" "/proc/$1/status"
	return 1
}

# the runc node: "open" (no filter), "guarded" (Docker 20.10's default, and an exec'd process that
# stacks the AF_ALG filter on it), and crun's "hardened" (default.json)
start_mix() {
	bundle open
	bundle guarded "$UPSTREAM/docker-default.json"
	bundle hardened "$SH_SRCDIR/profiles/default.json"
	start_runc open
	start_runc guarded
	start_crun hardened
	runc --root "$T/runc-state" exec -d guarded seccomp-hook exec -q --profile=/out/alg.json -- sleep 999
	guarded=$(runc --root "$T/runc-state" state guarded | jq .pid)
	hardened=$(crun --root "$T/crun-state" state hardened | jq .pid)
	for _ in $(seq 100); do
		exec=$(pgrep -f '^sleep 999$' | while read -r p; do [ "$(stat -Lc %i "/proc/$p/ns/mnt")" = "$(stat -Lc %i "/proc/$guarded/ns/mnt")" ] && echo "$p"; done)
		[ -n "$exec" ] && break
		sleep 0.05
	done
	wait_filters "$guarded" 1
	wait_filters "$exec" 2
	wait_filters "$hardened" 1
}

# jq on the scan's JSON, for the container ID
proc_of() { # JSON ID PID
	jq -c --arg id "$2" --argjson pid "$3" '.containers[] | select(.id == $id) | .processes[] | select(.pid == $pid)' <<< "$1"
}

@test "scan: a node with an unconfined container, one whose exec'd process stacks a filter, crun's; JSON, table, exit status" {
	start_mix
	open=$(runc --root "$T/runc-state" state open | jq .pid)
	# Whether this kernel runs x86 code (int 0x80): there default.json's socketcall(SYS_SOCKET), whose
	# family no filter reads, exposes crun's container too.
	x86=false
	exposed=2
	if [ "$("$PROBE" int80_entry)" = "int80_entry=ok:1" ]; then
		x86=true
		exposed=3
	fi
	run --separate-stderr "$BIN" scan --root="$T/runc-state" --root="$T/crun-state" --query=socket:arg0=38 --format=json
	[ "$status" -eq 1 ]
	json=$output
	jq -e '.queries == ["socket:arg0=38"] and (.abis | map(.arch)) == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]' <<< "$json"
	jq -e --argjson e "$exposed" '.processes == 4 and .exposed == $e and .unreadable == 0' <<< "$json"
	jq -e '[.containers[] | .id] == ["guarded", "open", "hardened"] and
		[.containers[] | .runtime] == ["runc", "runc", "crun"] and all(.containers[]; .status == "running")' <<< "$json"
	# open: no filter at all, AF_ALG allowed
	p=$(proc_of "$json" open "$open")
	jq -e '.init and .seccomp == "none" and .exposed and .answers[0].class == "allowed"' <<< "$p"
	# guarded: its init runs Docker 20.10's default, which lets AF_ALG through; the filter is the one
	# the kernel holds (dump's bytes)
	p=$(proc_of "$json" guarded "$guarded")
	"$BIN" dump --format=raw -o "$T/guarded.bpf" "$guarded"
	jq -e --arg d "$(sha256sum < "$T/guarded.bpf" | cut -d' ' -f1)" '.init and (.filters | map(.sha256)) == [$d] and .exposed and
		.answers[0] == {query: "socket:arg0=38", arch: "SCMP_ARCH_X86_64", class: "allowed", answer: "SCMP_ACT_ALLOW",
		via: null, call: {nr: 41, args: [38, 0, 0, 0, 0, 0]}}' <<< "$p"
	# its exec'd process: the AF_ALG filter stacked on the container's, the newest first: refused. (runc
	# compiled the container's filter again for it, its ENOSYS stub's architectures in another order:
	# other bytes, the same decisions; each digest is what the kernel holds for that process.)
	p=$(proc_of "$json" guarded "$exec")
	"$BIN" dump --format=raw --index=0 -o "$T/exec0.bpf" "$exec"
	"$BIN" dump --format=raw --index=1 -o "$T/exec1.bpf" "$exec"
	jq -e --arg d0 "$(sha256sum < "$T/exec0.bpf" | cut -d' ' -f1)" --arg d1 "$(sha256sum < "$T/exec1.bpf" | cut -d' ' -f1)" \
		'(.init | not) and (.filters | map(.sha256)) == [$d1, $d0] and (.exposed | not) and
		.answers[0].class == "refused" and .answers[0].answer == "SCMP_ACT_ERRNO(97)"' <<< "$p"
	# hardened: default.json refuses AF_ALG natively; on x86 socketcall hides the family: counted
	# where the kernel runs x86 code, shown only where it does not
	p=$(proc_of "$json" hardened "$hardened")
	jq -e --argjson x86 "$x86" '.exposed == $x86 and .answers[0].answer == "SCMP_ACT_ERRNO(1)" and
		.answers[1].class == "allowed" and .answers[1].via == "socketcall"' <<< "$p"
	jq -e --argjson x86 "$x86" '.abis[1].enabled == $x86' <<< "$json"
	# what the containers get when they make the call is what the scan says
	run runc --root "$T/runc-state" exec open sysprobe call:41:38:5:0:0:0:0
	[ "$output" != "call:41:38:5:0:0:0:0=1" ]
	run runc --root "$T/runc-state" exec guarded seccomp-hook exec -q --profile=/out/alg.json -- sysprobe call:41:38:5:0:0:0:0
	[ "$output" = "call:41:38:5:0:0:0:0=97" ]
	run crun --root "$T/crun-state" exec hardened sysprobe call:41:38:5:0:0:0:0
	[ "$output" = "call:41:38:5:0:0:0:0=1" ]
	# the table: a row per process and query, the summary, the ABIs not run
	run --separate-stderr "$BIN" scan --root="$T/runc-state" --root="$T/crun-state" --query=socket:arg0=38
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "ENGINE "*" CONTAINER "*" EXPOSED "*" QUERY "*" x86_64 "*" x86 "*" x32"* ]]
	echo "$output" | grep -E "^runc +open +- +- +$open +sleep +none +yes +socket:arg0=38 +ALLOW +\(?ALLOW\)? +\(?ALLOW\)? *$"
	echo "$output" | grep -E "^runc +guarded +- +- +$exec +sleep +2:[0-9a-f]{12}\+ +no +socket:arg0=38 +ERRNO\(97\) "
	if "$x86"; then
		echo "$output" | grep -E "^crun +hardened +- +- +$hardened +sleep +1:[0-9a-f]{12} +yes +socket:arg0=38 +ERRNO\(1\) +ALLOW/socketcall "
	else
		echo "$output" | grep -E "^crun +hardened +- +- +$hardened +sleep +1:[0-9a-f]{12} +no +socket:arg0=38 +ERRNO\(1\) +\(ALLOW/socketcall\) "
		[ "${lines[6]}" = "(...) on x86: this kernel does not run x86 calls; shown, not counted" ]
	fi
	[ "${lines[5]}" = "scan: 3 containers, 4 processes, $exposed exposed, 0 unreadable" ]
	# crun's root alone: exposed only through x86; without a query only "open" (no filter) is exposed
	run "$BIN" scan --root="$T/crun-state" --query=socket:arg0=38
	if "$x86"; then [ "$status" -eq 1 ]; else [ "$status" -eq 0 ]; fi
	run "$BIN" scan --root="$T/runc-state" --format=json
	[ "$status" -eq 1 ]
	jq -e '.exposed == 1 and .queries == []' <<< "$output"
}

@test "scan --format=prometheus -o: a textfile written whole, a hostile name escaped" {
	bundle evil
	# the names come from annotations, which whoever creates the container writes
	set_config "$T/evil" '.annotations = {"io.kubernetes.cri.container-name": "x\"} 1\nseccomp_hook_scan_exposed{container=\"fake\"} 0", "io.kubernetes.cri.sandbox-name": "pod one", "io.kubernetes.cri.sandbox-namespace": "ns"}'
	start_runc evil
	mkdir "$T/textfile"
	run "$BIN" scan --root="$T/runc-state" --query=socket:arg0=38 --format=prometheus -o "$T/textfile/scan.prom"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(stat -c %a "$T/textfile/scan.prom")" = 644 ]
	[ "$(find "$T/textfile" -type f | wc -l)" -eq 1 ]
	cat "$T/textfile/scan.prom"
	# every line a comment or one series of seccomp-hook's; none a container named "fake"
	run ! grep -vE '^(# (HELP|TYPE) seccomp_hook_scan_[a-z_]+ .*|seccomp_hook_scan_[a-z_]+(\{.*\})? -?[0-9]+)$' "$T/textfile/scan.prom"
	run ! grep -F 'container="fake"' "$T/textfile/scan.prom"
	grep -F 'engine="kubernetes",container="evil",name="x\"} 1\nseccomp_hook_scan_exposed{container=\"fake\"} 0",pod="pod one",namespace="ns",command="sleep"' "$T/textfile/scan.prom"
	grep -E '^seccomp_hook_scan_exposed\{.*container="evil".*arch="SCMP_ARCH_X86_64",answer="SCMP_ACT_ALLOW"\} 1$' "$T/textfile/scan.prom"
	grep -qx 'seccomp_hook_scan_processes{outcome="exposed"} 1' "$T/textfile/scan.prom"
	grep -qx 'seccomp_hook_scan_containers 1' "$T/textfile/scan.prom"
	# the JSON keeps the name as written; the table shows it on one line
	run --separate-stderr "$BIN" scan --root="$T/runc-state" --format=json
	jq -e '.containers[0].name == "x\"} 1\nseccomp_hook_scan_exposed{container=\"fake\"} 0" and .containers[0].pod == "pod one"' <<< "$output"
	run --separate-stderr "$BIN" scan --root="$T/runc-state"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[1]}" == "kubernetes evil "* ]]
}

@test "scan: a paused container's process cannot be read: reported, counted, and the scan does not hang" {
	bundle frozen "$UPSTREAM/docker-default.json"
	start_runc frozen
	pid=$(runc --root "$T/runc-state" state frozen | jq .pid)
	wait_filters "$pid" 1
	runc --root "$T/runc-state" pause frozen
	start=$(date +%s)
	run --separate-stderr timeout 30 "$BIN" scan --root="$T/runc-state" --query=socket:arg0=38 --format=json
	[ "$status" -eq 1 ]
	[ $(($(date +%s) - start)) -lt 10 ]
	jq -e '.unreadable == 1 and .exposed == 1' <<< "$output"
	jq -e '.containers[0].processes[0] | .seccomp == "unknown" and (.error | test("cannot stop pid")) and
		.answers[0].class == "undecided" and .exposed' <<< "$output"
	# thawed, it runs on, its filter read as before
	runc --root "$T/runc-state" resume frozen
	run --separate-stderr "$BIN" scan --root="$T/runc-state" --query=socket:arg0=38 --format=json
	jq -e '.unreadable == 0 and .containers[0].processes[0].seccomp == "filter"' <<< "$output"
	grep -q "State:	S" "/proc/$pid/status"
}

@test "scan: Docker's containers, an exec'd process and an unconfined one, named by their IDs" {
	mkdir -p "$T/docker"
	echo '{}' > "$T/docker/daemon.json"
	start_dockerd "$T/docker"
	export DOCKER_HOST="unix://$T/docker/sock"
	make_rootfs "$T/img"
	tar -C "$T/img" -cf "$T/img.tar" .
	docker import "$T/img.tar" sh-scan-box > /dev/null
	docker run -d --name web --network none --read-only sh-scan-box sleep 1000 > /dev/null
	docker run -d --name open --network none --security-opt seccomp=unconfined sh-scan-box sleep 1000 > /dev/null
	docker exec -d web sleep 999
	web=$(docker inspect -f '{{.Id}}' web)
	open=$(docker inspect -f '{{.Id}}' open)
	for _ in $(seq 100); do [ "$(pgrep -fc '^sleep 999$')" -ge 1 ] && break; sleep 0.05; done
	roots=("$T"/docker/exec/runtime-runc/*)
	[ "${#roots[@]}" -eq 1 ]
	run --separate-stderr "$BIN" scan --root="${roots[0]}" --query=socket:arg0=38 --format=json
	[ "$status" -eq 1 ]
	jq -e --arg w "$web" --arg o "$open" '[.containers[] | {engine, id, status}] | sort_by(.id) ==
		([{engine: "docker", id: $w, status: "running"}, {engine: "docker", id: $o, status: "running"}] | sort_by(.id))' <<< "$output"
	# web: its init and the exec'd process both run Docker's default (runc compiles it for each)
	jq -e --arg w "$web" '.containers[] | select(.id == $w) | .processes | length == 2 and
		all(.[]; .seccomp == "filter" and (.filters | length) == 1 and .answers[0].class == "allowed")' <<< "$output"
	jq -e --arg o "$open" '.containers[] | select(.id == $o) | .processes | length == 1 and .[0].seccomp == "none" and .[0].exposed' <<< "$output"
}

@test "scan: podman's containers in runc's own root, named podman's" {
	setup_podman
	id=$(podman --runtime runc run -d --pull=never localhost/sh-busybox sleep 1000)
	pid=$(podman inspect -f '{{.State.Pid}}' "$id")
	wait_filters "$pid" 1
	# /run/runc is runc's default root, which other containers on this machine may share: only this
	# container's entry is asserted
	run --separate-stderr "$BIN" scan --root=/run/runc --query=socket:arg0=38 --format=json
	jq -e --arg id "$id" --argjson pid "$pid" '.containers[] | select(.id == $id) | .engine == "podman" and
		.runtime == "runc" and .pid == $pid and .processes[0].seccomp == "filter"' <<< "$output"
	podman rm -f "$id" > /dev/null
}

@test "scan: usage errors and a root that cannot be read are 2, with one line" {
	for args in "--query=nosuchcall" "--query=socket:arg7=1" "--format=yaml" "--root=$T/missing" "extra"; do
		run --separate-stderr "$BIN" scan "$args"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		# shellcheck disable=SC2154 # set by bats' run --separate-stderr
		[ "${#stderr_lines[@]}" -eq 1 ]
	done
	run "$BIN" scan --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: seccomp-hook scan "* ]]
}
