#!/usr/bin/env bats
# views: readable forms of a profile and of a compiled program that need no live process
# (compile --format=table, dump --bpf=FILE), and exec's summary of what it resolved the profile for.
bats_require_minimum_version 1.5.0
load lib

setup() {
	T=$(mktemp -d)
	# Every column the table has: errno names, OR and AND conditions, masks, caps and kernel and
	# arch requirements, a syscall in two rules, a name libseccomp does not know.
	cat > "$T/small.json" <<'JSON'
{
	"defaultAction": "SCMP_ACT_ERRNO",
	"syscalls": [
		{"names": ["write", "read"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
		{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
		 "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
		{"names": ["socket"], "action": "SCMP_ACT_ALLOW",
		 "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}, {"index": 1, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}]},
		{"names": ["mount", "umount2"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
		{"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8", "arches": ["amd64", "x32"]}},
		{"names": ["reboot"], "action": "SCMP_ACT_KILL_PROCESS", "excludes": {"caps": ["CAP_SYS_BOOT"]}},
		{"names": ["read", "no_such_syscall"], "action": "SCMP_ACT_LOG", "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_GE"}]},
		{"names": ["kexec_load"], "action": "SCMP_ACT_TRACE", "errnoRet": 5, "excludes": {"minKernel": "9.0"}}
	]
}
JSON
}

teardown() {
	rm -rf "$T"
}

# Wait until PID has exec'd its command (no longer seccomp-hook) under a filter.
wait_exec_filtered() {
	for _ in $(seq 100); do
		grep -q "Seccomp:	2" "/proc/$1/status" 2>/dev/null && [ "$(readlink "/proc/$1/exe")" != "$BIN" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "compile --format=table: one line per syscall and rule, sorted, for the caps, arches and kernel given" {
	cd "$T"
	run --separate-stderr "$BIN" compile --format=table --arch=x86_64,x86 --caps=CAP_SYS_ADMIN --kernel=5.10 small.json
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat <<'EOF'
# small.json for SCMP_ARCH_X86_64,SCMP_ARCH_X86; caps: CAP_SYS_ADMIN (0x200000); kernel 5.10
# default: ERRNO(1) EPERM (small.json:2)
SYSCALL      ACTION            CONDITIONS                      REQUIRES                    RULE
kexec_load   TRACE(5)          -                               kernel<9.0                  small.json:14
mkdir        ERRNO(13) EACCES  -                               -                           small.json:5
mount        ALLOW             -                               CAP_SYS_ADMIN               small.json:10
personality  ALLOW             arg0==0 || arg0==0xffffffff     -                           small.json:6
ptrace       ALLOW             -                               arch=amd64|x32 kernel>=4.8  small.json:11
read         ALLOW             -                               -                           small.json:4
read         LOG               arg0>=3                         -                           small.json:13
reboot       KILL_PROCESS      -                               !CAP_SYS_BOOT               small.json:12
socket       ALLOW             arg0!=40 && arg1&0x7e020000==0  -                           small.json:8
umount2      ALLOW             -                               CAP_SYS_ADMIN               small.json:10
write        ALLOW             -                               -                           small.json:4
EOF
)" ]
	# What it was resolved for, then the unknown name, left out of the table and reported as compile
	# reports it.
	[ "$stderr" = "seccomp-hook compile: small.json: resolved for SCMP_ARCH_X86_64,SCMP_ARCH_X86; caps: CAP_SYS_ADMIN (0x200000); kernel 5.10
small.json:13:22: warning: syscalls[7]: unknown syscall 'no_such_syscall' (skipped)" ]
}

@test "compile --format=table follows resolution: rules the caps or kernel rule out are not listed" {
	cd "$T"
	run --separate-stderr "$BIN" compile -q --format=table --arch=x86_64 --caps=CAP_SYS_BOOT --kernel=4.4 small.json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(echo "$output" | sed -n 1p)" = "# small.json for SCMP_ARCH_X86_64; caps: CAP_SYS_BOOT (0x400000); kernel 4.4" ]
	[ "$(echo "$output" | awk 'NR > 3 {print $1}' | tr '\n' ' ')" = "kexec_load mkdir personality read read socket write " ]
	# kernel 9.0 drops the rule excluded from it; the default caps are Docker's, without
	# CAP_SYS_ADMIN: mount and umount2 go too.
	run "$BIN" compile -q --format=table --kernel=9.0 small.json
	[ "$status" -eq 0 ]
	[[ "$output" == *"caps: docker default (0xa80425fb); kernel 9.0"* ]]
	echo "$output" | grep -qE '^reboot +KILL_PROCESS +- +!CAP_SYS_BOOT +small.json:12$'
	run ! grep -qE '^(kexec_load|mount|umount2) ' <<<"$output"
	run "$BIN" compile --format=tabel small.json
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown format 'tabel' (bpf, disasm, pfc, oci or table)"* ]]
}

@test "compile --format=table for Docker's default: clone with its mask, mount only with CAP_SYS_ADMIN, errno names" {
	cd "$SH_UPSTREAM"
	run "$BIN" compile -q --format=table --arch=x86_64 --kernel=6.1 docker-default.json
	[ "$status" -eq 0 ]
	table=$(echo "$output" | tr -s ' ')
	[ "$(echo "$table" | sed -n 1,2p)" = "# docker-default.json for SCMP_ARCH_X86_64; caps: docker default (0xa80425fb); kernel 6.1
# default: ERRNO(1) EPERM (docker-default.json:2)" ]
	[ "$(echo "$table" | grep '^clone ')" = "clone ALLOW arg0&0x7e020000==0 !CAP_SYS_ADMIN arch!=s390|s390x docker-default.json:633" ]
	[ "$(echo "$table" | grep '^clone3 ')" = "clone3 ERRNO(38) ENOSYS - !CAP_SYS_ADMIN arch!=mips3l64n32|mips64|mips64n32|mipsel|mipsel64 docker-default.json:682" ]
	[ "$(echo "$table" | grep '^arch_prctl ')" = "arch_prctl ALLOW - arch=amd64|x32 docker-default.json:534" ]
	[ "$(echo "$table" | grep -c '^personality ')" -eq 5 ]
	run ! grep -q '^mount ' <<<"$table"
	run "$BIN" compile -q --format=table --arch=x86_64 --kernel=6.1 --caps=docker,CAP_SYS_ADMIN docker-default.json
	[ "$status" -eq 0 ]
	table=$(echo "$output" | tr -s ' ')
	[[ "$(echo "$table" | sed -n 1p)" == *"; caps: docker default+CAP_SYS_ADMIN (0xa82425fb); kernel 6.1" ]]
	[ "$(echo "$table" | grep '^mount ')" = "mount ALLOW - CAP_SYS_ADMIN docker-default.json:596" ]
	[ "$(echo "$table" | grep '^clone ')" = "clone ALLOW - CAP_SYS_ADMIN docker-default.json:596" ]
}

@test "dump --bpf=FILE decodes a compile -o program exactly as dump PID decodes the same program running" {
	p="$SH_UPSTREAM/docker-default.json"
	"$BIN" compile -q -o "$T/prog.bpf" "$p"
	"$BIN" exec --bpf="$T/prog.bpf" -- sleep 30 &
	pid=$!
	wait_exec_filtered $pid
	"$BIN" dump --format=disasm "$pid" > "$T/live.txt"
	"$BIN" dump --format=json "$pid" > "$T/live.json"
	kill $pid
	"$BIN" dump --format=disasm --bpf="$T/prog.bpf" > "$T/file.txt"
	[ "$(head -1 "$T/file.txt")" = "$T/prog.bpf: BPF program file, 1 filter(s)" ]
	[ "$(sed -n 2p "$T/file.txt")" = "filter 0: $(( $(stat -c %s "$T/prog.bpf") / 8 )) instructions, sha256:$(sha256sum < "$T/prog.bpf" | cut -d' ' -f1)" ]
	diff <(tail -n +2 "$T/live.txt") <(tail -n +2 "$T/file.txt")
	grep -q "ret ERRNO(1)" "$T/file.txt"
	run "$BIN" dump --format=json --bpf="$T/prog.bpf"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .file)" = "$T/prog.bpf" ]
	[ "$(echo "$output" | jq -c .filters)" = "$(jq -c .filters "$T/live.json")" ]
	# raw copies the program back out; no privilege is needed for a file.
	"$BIN" dump --format=raw --bpf="$T/prog.bpf" -o "$T/again.bpf"
	cmp "$T/prog.bpf" "$T/again.bpf"
	chmod 755 "$T"
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		"$BIN" dump --format=disasm --bpf="$T/prog.bpf"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$T/file.txt")" ]
}

@test "dump --bpf refuses what is not one usable program, and a PID with it" {
	printf 'not bpf' > "$T/junk.bpf"
	run --separate-stderr "$BIN" dump --bpf="$T/junk.bpf"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$T/junk.bpf: error: not a usable BPF program: the size is not a multiple of 8 bytes (a truncated or foreign file)" ]
	run --separate-stderr "$BIN" dump --bpf="$T/missing.bpf"
	[ "$status" -eq 2 ]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"$T/missing.bpf"*"No such file or directory"* ]]
	"$BIN" compile -q -o "$T/prog.bpf" "$T/small.json"
	run --separate-stderr "$BIN" dump --bpf="$T/prog.bpf" 1
	[ "$status" -eq 2 ]
	[[ "$stderr" == "seccomp-hook dump: error: give a PID or --bpf=FILE, not both"* ]]
	run --separate-stderr "$BIN" dump --format=raw --index=1 --bpf="$T/prog.bpf"
	[ "$status" -eq 1 ]
	[ "$stderr" = "seccomp-hook: error: $T/prog.bpf has no filter 1 (a file holds one)" ]
}

@test "exec's summary names the capability set includes/excludes were decided with" {
	cd "$T"
	cat > caps.json <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
 {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
 {"names": ["reboot"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_BOOT"]}},
 {"names": ["swapon"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_BOOT"]}},
 {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
JSON
	# Docker's set has neither CAP_SYS_ADMIN nor CAP_SYS_BOOT: mount and mkdir.
	run --separate-stderr "$BIN" exec --caps=docker --arch=x86_64 --kernel=5.10 --profile=caps.json -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ ^"seccomp-hook exec: caps.json: 2 of 4 rules for SCMP_ARCH_X86_64; caps: docker default (0xa80425fb); kernel 5.10; "[0-9]+" instructions"$ ]]
	# Without --caps the same: a profile decides as in a docker run container, also for root.
	run --separate-stderr "$BIN" exec --arch=x86_64 --kernel=5.10 --profile=caps.json -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ ^"seccomp-hook exec: caps.json: 2 of 4 rules for SCMP_ARCH_X86_64; caps: docker default (0xa80425fb); kernel 5.10; "[0-9]+" instructions"$ ]]
	# --caps=caller: the caller's bounding set as the kernel reports it: root's has both, so
	# reboot, swapon and mkdir.
	bnd=$(printf '0x%x' "0x$(awk '/^CapBnd:/ {print $2}' /proc/self/status)")
	run --separate-stderr "$BIN" exec --caps=caller --arch=x86_64 --kernel=5.10 --profile=caps.json -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ ^"seccomp-hook exec: caps.json: 3 of 4 rules for SCMP_ARCH_X86_64; caps: caller's bounding set, "[^\;]+" ($bnd); kernel 5.10; "[0-9]+" instructions"$ ]]
	run --separate-stderr setpriv --inh-caps=-all --bounding-set=-all \
		"$BIN" exec --caps=caller --arch=x86_64 --kernel=5.10 --profile=caps.json -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ ^"seccomp-hook exec: caps.json: 2 of 4 rules for SCMP_ARCH_X86_64; caps: caller's bounding set, none (0x0); kernel 5.10; "[0-9]+" instructions"$ ]]
	# -q: no summary; --bpf: nothing is resolved, nothing said.
	run --separate-stderr "$BIN" exec -q --caps=docker --profile=caps.json -- true
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	"$BIN" compile -q -o prog.bpf caps.json
	run --separate-stderr "$BIN" exec --bpf=prog.bpf -- true
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}
