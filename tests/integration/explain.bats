#!/usr/bin/env bats
# explain: what a syscall gets under Docker's and podman's own default profiles, when the answer
# depends on the arguments, and which capability or kernel would change it (exact lines).
bats_require_minimum_version 1.5.0
load lib

setup() {
	D="$UPSTREAM/docker-default.json"
	P="$UPSTREAM/podman-default.json"
	# Docker 20.10.24's default: the default action, the CAP_SYS_ADMIN rule, clone's flag rule, ptrace's minKernel rule.
	DEF="default action ($D:2:19)"
	ADMIN="rule syscalls[13] ($D:596:3)"
	CLONE="rule syscalls[14] ($D:633:3)"
	# The last line: what the profile was resolved for, Docker's default capabilities unless --caps.
	X86="SCMP_ARCH_X86_64,SCMP_ARCH_X86,SCMP_ARCH_X32"
	RES="  resolved for: $X86; caps: docker default (0xa80425fb); kernel 6.1"
}

@test "explain clone: allowed when the namespace-flag condition holds, else the default; CAP_SYS_ADMIN allows it all" {
	run --separate-stderr "$BIN" explain --kernel=6.1 "$D" clone
	[ "$status" -eq 0 ]
	[ "$output" = "clone (SCMP_ARCH_X86_64 #56): SCMP_ACT_ALLOW - $CLONE
  the rule needs: !CAP_SYS_ADMIN arch!=s390|s390x
  depends on the arguments:
    SCMP_ACT_ALLOW when arg0&0x7e020000==0 - $CLONE
    otherwise SCMP_ACT_ERRNO(1) EPERM - $DEF
  with CAP_SYS_ADMIN: SCMP_ACT_ALLOW - $ADMIN
$RES" ]
	[ -z "$stderr" ]
	# CLONE_NEWUSER in the flags: the condition fails, the default decides.
	run "$BIN" explain --kernel=6.1 "$D" clone 0x10000000
	[ "${lines[0]}" = "clone (SCMP_ARCH_X86_64 #56): SCMP_ACT_ERRNO(1) EPERM - $DEF" ]
	[ "${lines[2]}" = "    SCMP_ACT_ALLOW when arg0&0x7e020000==0 - $CLONE" ]
}

@test "explain clone with CAP_SYS_ADMIN: the unconditional rule, and what it is without the capability" {
	run "$BIN" explain --kernel=6.1 --caps=CAP_SYS_ADMIN "$D" clone 0x10000000
	[ "$status" -eq 0 ]
	[ "$output" = "clone (SCMP_ARCH_X86_64 #56): SCMP_ACT_ALLOW - $ADMIN
  the rule needs: CAP_SYS_ADMIN
  without CAP_SYS_ADMIN: SCMP_ACT_ALLOW when arg0&0x7e020000==0 - $CLONE; otherwise SCMP_ACT_ERRNO(1) EPERM - $DEF
  resolved for: $X86; caps: CAP_SYS_ADMIN (0x200000); kernel 6.1" ]
}

@test "explain mount: EPERM with Docker's capabilities (the default) or none, allowed with CAP_SYS_ADMIN" {
	run "$BIN" explain --kernel=6.1 "$D" mount
	[ "$output" = "mount (SCMP_ARCH_X86_64 #165): SCMP_ACT_ERRNO(1) EPERM - $DEF
  with CAP_SYS_ADMIN: SCMP_ACT_ALLOW - $ADMIN
$RES" ]
	want="mount (SCMP_ARCH_X86_64 #165): SCMP_ACT_ALLOW - $ADMIN
  the rule needs: CAP_SYS_ADMIN"
	run "$BIN" explain --kernel=6.1 --caps=CAP_SYS_ADMIN "$D" mount
	[ "$output" = "$want
  resolved for: $X86; caps: CAP_SYS_ADMIN (0x200000); kernel 6.1" ]
	run "$BIN" explain --kernel=6.1 --caps=docker,CAP_SYS_ADMIN "$D" mount
	[ "$output" = "$want
  resolved for: $X86; caps: docker default+CAP_SYS_ADMIN (0xa82425fb); kernel 6.1" ]
	# Docker's default set has no CAP_SYS_ADMIN: the same as none.
	run "$BIN" explain --kernel=6.1 --caps=none "$D" mount
	[ "${lines[1]}" = "  with CAP_SYS_ADMIN: SCMP_ACT_ALLOW - $ADMIN" ]
	[ "${lines[2]}" = "  resolved for: $X86; caps: none (0x0); kernel 6.1" ]
}

@test "explain --caps=caller: the caller's bounding set, said as such (root: every capability)" {
	run "$BIN" explain --kernel=6.1 --caps=caller "$D" mount
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "mount (SCMP_ARCH_X86_64 #165): SCMP_ACT_ALLOW - $ADMIN" ]
	bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status | sed 's/^0*//')
	[[ "${lines[2]}" == "  resolved for: $X86; caps: caller's bounding set, "*" (0x$bnd); kernel 6.1" ]]
	# In a process whose bounding set lacks CAP_SYS_ADMIN, caller is that set.
	run setpriv --bounding-set=-sys_admin "$BIN" explain --kernel=6.1 --caps=caller "$D" mount
	[ "${lines[0]}" = "mount (SCMP_ARCH_X86_64 #165): SCMP_ACT_ERRNO(1) EPERM - $DEF" ]
	[[ "${lines[2]}" == "  resolved for: $X86; caps: caller's bounding set, "*" (0x$(printf %x $((0x$bnd & ~0x200000)))); kernel 6.1" ]]
}

@test "explain ptrace: allowed from kernel 4.8 (minKernel) or with CAP_SYS_PTRACE" {
	run "$BIN" explain --kernel=4.4 "$D" ptrace
	[ "$status" -eq 0 ]
	[ "$output" = "ptrace (SCMP_ARCH_X86_64 #101): SCMP_ACT_ERRNO(1) EPERM - $DEF
  from kernel 4.8: SCMP_ACT_ALLOW - rule syscalls[1] ($D:408:3)
  with CAP_SYS_PTRACE: SCMP_ACT_ALLOW - rule syscalls[22] ($D:785:3)
  resolved for: $X86; caps: docker default (0xa80425fb); kernel 4.4" ]
	run "$BIN" explain --kernel=4.8 "$D" ptrace
	[ "$output" = "ptrace (SCMP_ARCH_X86_64 #101): SCMP_ACT_ALLOW - rule syscalls[1] ($D:408:3)
  the rule needs: kernel>=4.8
  resolved for: $X86; caps: docker default (0xa80425fb); kernel 4.8" ]
}

@test "explain names the errno: podman's ENOSYS default, Docker's clone3 rule" {
	run "$BIN" explain --kernel=6.1 "$P" create_module
	[ "$output" = "create_module (SCMP_ARCH_X86_64 #174): SCMP_ACT_ERRNO(38) ENOSYS - default action ($P:2:19)
$RES" ]
	run "$BIN" explain --kernel=6.1 "$D" clone3
	[ "${lines[0]}" = "clone3 (SCMP_ARCH_X86_64 #435): SCMP_ACT_ERRNO(38) ENOSYS - rule syscalls[16] ($D:682:3): ENOSYS for clone3 on non-mips architectures" ]
	run "$BIN" explain --format=json "$P" create_module
	echo "$output" | jq -e '.action == "SCMP_ACT_ERRNO(38)" and .errno == 38 and .errno_name == "ENOSYS" and .decided_by == "default"
		and .rule == {"file": $p, "line": 2, "column": 19} and .alternatives == []' --arg p "$P"
}

@test "explain on x86: a 32-bit ABI sees only the low half of a 64-bit argument" {
	run "$BIN" explain --kernel=6.1 --arch=x86 "$D" personality 0x100000008
	[ "${lines[0]}" = "personality (SCMP_ARCH_X86 #136): SCMP_ACT_ALLOW - rule syscalls[3] ($D:436:3)" ]
	[ "${lines[1]}" = "  depends on the arguments:" ]
	run "$BIN" explain --kernel=6.1 "$D" personality 0x100000008
	[ "${lines[0]}" = "personality (SCMP_ARCH_X86_64 #135): SCMP_ACT_ERRNO(1) EPERM - $DEF" ]
}

@test "explain --format=json: the fields of before, and the decision as structured fields" {
	run --separate-stderr "$BIN" explain --kernel=6.1 --format=json "$D" clone 0x10000000
	[ "$status" -eq 0 ]
	j=$output
	# The fields scripts already read.
	echo "$j" | jq -e --arg d "$DEF" '.syscall == "clone" and .arch == "SCMP_ARCH_X86_64" and .nr == 56
		and .action == "SCMP_ACT_ERRNO(1)" and .reason == $d and .instructions > 0'
	echo "$j" | jq -e --arg f "$D" '.errno == 1 and .errno_name == "EPERM" and .decided_by == "default"
		and .rule == {"file": $f, "line": 2, "column": 19} and .conditions == [] and .depends_on_arguments
		and .args == [268435456, 0, 0, 0, 0, 0]'
	# The rules in the order the filter tries them, then the default.
	echo "$j" | jq -e --arg f "$D" '(.rules | length) == 2
		and .rules[0].action == "SCMP_ACT_ALLOW" and .rules[0].when == "arg0&0x7e020000==0"
		and .rules[0].rule == {"file": $f, "line": 633, "column": 3, "index": 14}
		and .rules[0].conditions == [{"index": 0, "op": "SCMP_CMP_MASKED_EQ", "value": 2114060288, "valueTwo": 0}]
		and .rules[0].excludes.caps == ["CAP_SYS_ADMIN"] and .rules[0].excludes.arches == ["s390", "s390x"]
		and .rules[1].decided_by == "default" and .rules[1].errno_name == "EPERM"'
	echo "$j" | jq -e '(.alternatives | length) == 1 and .alternatives[0].text == "with CAP_SYS_ADMIN"
		and .alternatives[0].requires == {"caps": ["CAP_SYS_ADMIN"], "without_caps": []}
		and .alternatives[0].rules[0].rule.line == 596 and .alternatives[0].rules[0].requires.caps == ["CAP_SYS_ADMIN"]'
	# The deciding rule's includes: minKernel as "X.Y"; an alternative kernel under requires.minKernel.
	run "$BIN" explain --kernel=4.8 --format=json "$D" ptrace
	echo "$output" | jq -e '.decided_by == "rule" and .rule.line == 408 and .requires == {"caps": [], "arches": [], "minKernel": "4.8"}
		and .depends_on_arguments == false and .alternatives == []'
	run "$BIN" explain --kernel=4.4 --format=json "$D" ptrace
	echo "$output" | jq -e '.alternatives[0].requires == {"caps": [], "without_caps": [], "minKernel": "4.8"}
		and .alternatives[0].text == "from kernel 4.8" and .alternatives[1].requires.caps == ["CAP_SYS_PTRACE"]'
}

@test "explain: an excludes' minKernel is named as the kernel before which the rule applies" {
	f="$BATS_TEST_TMPDIR/p.json"
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},' \
		' {"names": ["getpid"], "action": "SCMP_ACT_TRAP", "excludes": {"minKernel": "5.0"}}]}' > "$f"
	run "$BIN" explain --kernel=6.1 "$f" getpid
	[ "$output" = "getpid (SCMP_ARCH_X86_64 #39): SCMP_ACT_ERRNO(38) ENOSYS - ENOSYS: newer than every syscall the profile names on this architecture
  before kernel 5.0: SCMP_ACT_TRAP - rule syscalls[1] ($f:2:2)
  resolved for: SCMP_ARCH_X86_64; caps: docker default (0xa80425fb); kernel 6.1" ]
	run "$BIN" explain --kernel=6.1 --format=json "$f" getpid
	echo "$output" | jq -e '.decided_by == "enosys-stub" and .errno_name == "ENOSYS" and .alternatives[0].requires.belowKernel == "5.0"'
	run "$BIN" explain --kernel=4.19 "$f" getpid
	[ "$output" = "getpid (SCMP_ARCH_X86_64 #39): SCMP_ACT_TRAP - rule syscalls[1] ($f:2:2)
  the rule needs: kernel<5.0
  resolved for: SCMP_ARCH_X86_64; caps: docker default (0xa80425fb); kernel 4.19" ]
}

@test "explain takes a profile by name, from --profiles-dir, as exec and the annotations do" {
	run --separate-stderr "$BIN" explain --kernel=6.1 --profiles-dir="$SH_SRCDIR/profiles" default unshare
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "unshare (SCMP_ARCH_X86_64 #272): SCMP_ACT_ERRNO(1) EPERM - default action ($SH_SRCDIR/profiles/default.json:2:20)" ]
	run --separate-stderr "$BIN" explain --profiles-dir="$SH_SRCDIR/profiles" no-such-profile unshare
	[ "$status" -eq 1 ]
	[ "$stderr" = "seccomp-hook: error: no profile named 'no-such-profile' in $SH_SRCDIR/profiles" ]
}

@test "explain --pid: the filters a process runs, each one's answer, and the kernel's" {
	d="$BATS_TEST_TMPDIR"
	deny_mkdir_profile "$d/deny-mkdir.json"
	# Two filters: deny-mkdir (filter 0, the first installed), then Docker's default (filter 1), by a
	# nested exec.
	"$BIN" exec -q --profile="$d/deny-mkdir.json" -- "$BIN" exec -q --profile="$D" -- sleep 30 &
	pid=$!
	for _ in $(seq 100); do grep -q "Seccomp_filters:	2" /proc/$pid/status 2>/dev/null && break; sleep 0.05; done
	dumped=$("$BIN" dump "$pid")
	run --separate-stderr "$BIN" explain --pid=$pid unshare 0x10000000
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "unshare (SCMP_ARCH_X86_64 #272): SCMP_ACT_ERRNO(1) EPERM - filter 1 of pid $pid" ]
	# The filter lines carry the digests dump prints.
	[ "$(echo "$output" | sed -n 's/^  filter \([01]\) (\([0-9]*\) instructions, \(sha256:[0-9a-f]*\)).*/filter \1: \2 instructions, \3/p')" = \
		"$(echo "$dumped" | tail -n 2)" ]
	# Both deny it with EPERM: of equal answers the newest filter's.
	[[ "${lines[1]}" == *"): SCMP_ACT_ERRNO(1) EPERM" ]]
	[[ "${lines[2]}" == *"): SCMP_ACT_ERRNO(1) EPERM" ]]
	# mkdir: Docker's profile allows it, the older filter answers EACCES, and the kernel takes the errno.
	run "$BIN" explain --pid=$pid mkdir
	[ "${lines[0]}" = "mkdir (SCMP_ARCH_X86_64 #83): SCMP_ACT_ERRNO(13) EACCES - filter 0 of pid $pid" ]
	[[ "${lines[2]}" == *"): SCMP_ACT_ALLOW" ]]
	run "$BIN" explain --pid=$pid --format=json clone 0x10000000
	kill $pid
	echo "$output" | jq -e --argjson pid $pid '.pid == $pid and .action == "SCMP_ACT_ERRNO(1)" and .decided_by_filter == 1
		and .depends_on_arguments and (.filters | length) == 2 and .filters[1].depends_on_arguments
		and .filters[0].action == "SCMP_ACT_ERRNO(1)"'
	# A process with no filter, and options that belong to a profile.
	run "$BIN" explain --pid=$$ getpid
	[ "$output" = "getpid (SCMP_ARCH_X86_64 #39): SCMP_ACT_ALLOW - pid $$ runs no seccomp filter (Seccomp: 0)" ]
	run --separate-stderr "$BIN" explain --pid=$$ --caps=all getpid
	[ "$status" -eq 2 ]
}
