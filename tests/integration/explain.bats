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
}

@test "explain clone: allowed when the namespace-flag condition holds, else the default; CAP_SYS_ADMIN allows it all" {
	run --separate-stderr "$BIN" explain --kernel=6.1 "$D" clone
	[ "$status" -eq 0 ]
	[ "$output" = "clone (SCMP_ARCH_X86_64 #56): SCMP_ACT_ALLOW - $CLONE
  the rule needs: !CAP_SYS_ADMIN arch!=s390|s390x
  depends on the arguments:
    SCMP_ACT_ALLOW when arg0&0x7e020000==0 - $CLONE
    otherwise SCMP_ACT_ERRNO(1) EPERM - $DEF
  with CAP_SYS_ADMIN: SCMP_ACT_ALLOW - $ADMIN" ]
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
  without CAP_SYS_ADMIN: SCMP_ACT_ALLOW when arg0&0x7e020000==0 - $CLONE; otherwise SCMP_ACT_ERRNO(1) EPERM - $DEF" ]
}

@test "explain mount: EPERM without capabilities, allowed with CAP_SYS_ADMIN (--caps, also Docker's set plus it)" {
	run "$BIN" explain --kernel=6.1 "$D" mount
	[ "$output" = "mount (SCMP_ARCH_X86_64 #165): SCMP_ACT_ERRNO(1) EPERM - $DEF
  with CAP_SYS_ADMIN: SCMP_ACT_ALLOW - $ADMIN" ]
	want="mount (SCMP_ARCH_X86_64 #165): SCMP_ACT_ALLOW - $ADMIN
  the rule needs: CAP_SYS_ADMIN"
	run "$BIN" explain --kernel=6.1 --caps=CAP_SYS_ADMIN "$D" mount
	[ "$output" = "$want" ]
	run "$BIN" explain --kernel=6.1 --caps=docker,CAP_SYS_ADMIN "$D" mount
	[ "$output" = "$want" ]
	# Docker's default set has no CAP_SYS_ADMIN: the same as none.
	run "$BIN" explain --kernel=6.1 --caps=docker "$D" mount
	[ "${lines[1]}" = "  with CAP_SYS_ADMIN: SCMP_ACT_ALLOW - $ADMIN" ]
}

@test "explain ptrace: allowed from kernel 4.8 (minKernel) or with CAP_SYS_PTRACE" {
	run "$BIN" explain --kernel=4.4 "$D" ptrace
	[ "$status" -eq 0 ]
	[ "$output" = "ptrace (SCMP_ARCH_X86_64 #101): SCMP_ACT_ERRNO(1) EPERM - $DEF
  from kernel 4.8: SCMP_ACT_ALLOW - rule syscalls[1] ($D:408:3)
  with CAP_SYS_PTRACE: SCMP_ACT_ALLOW - rule syscalls[22] ($D:785:3)" ]
	run "$BIN" explain --kernel=4.8 "$D" ptrace
	[ "$output" = "ptrace (SCMP_ARCH_X86_64 #101): SCMP_ACT_ALLOW - rule syscalls[1] ($D:408:3)
  the rule needs: kernel>=4.8" ]
}

@test "explain names the errno: podman's ENOSYS default, Docker's clone3 rule" {
	run "$BIN" explain "$P" create_module
	[ "$output" = "create_module (SCMP_ARCH_X86_64 #174): SCMP_ACT_ERRNO(38) ENOSYS - default action ($P:2:19)" ]
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
  before kernel 5.0: SCMP_ACT_TRAP - rule syscalls[1] ($f:2:2)" ]
	run "$BIN" explain --kernel=6.1 --format=json "$f" getpid
	echo "$output" | jq -e '.decided_by == "enosys-stub" and .errno_name == "ENOSYS" and .alternatives[0].requires.belowKernel == "5.0"'
	run "$BIN" explain --kernel=4.19 "$f" getpid
	[ "$output" = "getpid (SCMP_ARCH_X86_64 #39): SCMP_ACT_TRAP - rule syscalls[1] ($f:2:2)
  the rule needs: kernel<5.0" ]
}
