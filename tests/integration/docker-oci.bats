#!/usr/bin/env bats
# `compile --format=oci` of the real upstream profiles equals what moby's resolution gives, computed
# independently here in jq (excludes first: arch, any cap, minKernel; then includes: arch, all caps,
# minKernel), for Docker's default capability set and others, on two kernels.
bats_require_minimum_version 1.5.0

setup() {
	BIN="$SH_BUILDDIR/seccomp-hook"
	UP="${SH_UPSTREAM:-$SH_BUILDDIR/tests/fixtures}"
	DOCKER_CAPS="CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,CAP_SETGID,CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL,CAP_AUDIT_WRITE"
}

# moby_resolve PROFILE CAPS KERNEL: the rules a Docker daemon on amd64 keeps, normalized.
moby_resolve() {
	jq --arg caps "$2" --arg kernel "$3" '
		def kv: split(".") | map(tonumber);
		def kge($a; $b): ($a | kv) as $x | ($b | kv) as $y | ($x[0] > $y[0]) or ($x[0] == $y[0] and $x[1] >= $y[1]);
		($caps | split(",")) as $have
		| [.syscalls[]
		   | select((((.excludes // {}).arches // []) | index("amd64")) == null)
		   | select([((.excludes // {}).caps // [])[] | select(. as $c | $have | index($c))] | length == 0)
		   | select(((.excludes // {}).minKernel // null) as $m | $m == null or (kge($kernel; $m) | not))
		   | select((((.includes // {}).arches // []) | length) == 0 or (((.includes // {}).arches) | index("amd64")) != null)
		   | select([((.includes // {}).caps // [])[] | select(. as $c | $have | index($c) | not)] | length == 0)
		   | select(((.includes // {}).minKernel // null) as $m | $m == null or kge($kernel; $m))
		   | {names, action, errnoRet: (.errnoRet // null),
		      args: [(.args // [])[] | {index, value, valueTwo: (.valueTwo // 0), op}]}]' "$1"
}

ours() { # PROFILE CAPS KERNEL
	"$BIN" compile --format=oci --caps="$2" --kernel="$3" "$1" 2>/dev/null | jq '[.syscalls[]
		| {names, action, errnoRet: (.errnoRet // null), args: [(.args // [])[] | {index, value, valueTwo, op}]}]'
}

@test "Docker's default profile, Docker's default caps, kernel 6.1 and 4.4: same rules as moby" {
	for k in 6.1 4.4; do
		diff <(moby_resolve "$UP/docker-default.json" "$DOCKER_CAPS" $k) \
		     <(ours "$UP/docker-default.json" "$DOCKER_CAPS" $k)
	done
}

@test "Docker's default profile with CAP_SYS_ADMIN, with every cap, with none" {
	for caps in "$DOCKER_CAPS,CAP_SYS_ADMIN" "CAP_SYS_PTRACE,CAP_BPF,CAP_PERFMON" "none"; do
		want=$([ "$caps" = none ] && echo "" || echo "$caps")
		diff <(moby_resolve "$UP/docker-default.json" "$want" 6.1) \
		     <(ours "$UP/docker-default.json" "$caps" 6.1)
	done
}

@test "the top-level fields a daemon hands to runc" {
	run --separate-stderr "$BIN" compile --format=oci --caps="$DOCKER_CAPS" --kernel=6.1 "$UP/docker-default.json"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.defaultAction == "SCMP_ACT_ERRNO" and (has("defaultErrnoRet") | not)'
	echo "$output" | jq -e '.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]'
	echo "$output" | jq -e 'has("archMap") | not'
}

@test "podman's profile: errno names become errnoRet, includes/excludes as moby" {
	p="$UP/podman-default.json"
	diff <(moby_resolve "$p" "$DOCKER_CAPS" 6.1 | jq 'map(del(.errnoRet))') <(ours "$p" "$DOCKER_CAPS" 6.1 | jq 'map(del(.errnoRet))')
	run --separate-stderr "$BIN" compile --format=oci --caps=none "$p"
	echo "$output" | jq -e '.defaultErrnoRet == 38'
	echo "$output" | jq -e '[.syscalls[] | select(.errnoRet == 22)] | length >= 1'
}
