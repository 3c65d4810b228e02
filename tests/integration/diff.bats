#!/usr/bin/env bats
# diff: the summary line, ranges of numbers, --allowed-only, the architecture spelling explain and
# compile use, and diff(1)'s exit convention (0 same, 1 different, 2 trouble). Real profiles
# (Docker's and podman's defaults) for whole outputs; small ones written here for each rule.
bats_require_minimum_version 1.5.0
load lib

setup() {
	T=$(mktemp -d)
	DOCKER="$UPSTREAM/docker-default.json"
	PODMAN="$UPSTREAM/podman-default.json"
	# old: only rseq (334) named, so every number above it gets ENOSYS (runc's rule). new: read,
	# write, open (0-2) allowed, close (3) logged, stat (4) allowed only for arg0 == 1, fstat and
	# lstat (5-6) allowed, and pidfd_send_signal (424): 335-423 keep the default errno now.
	echo '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["rseq"], "action": "SCMP_ACT_ALLOW"}]}' > "$T/old.json"
	cat > "$T/new.json" <<-'EOF'
	{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
	 {"names": ["read", "write", "open", "fstat", "lstat", "rseq", "pidfd_send_signal"], "action": "SCMP_ACT_ALLOW"},
	 {"names": ["close"], "action": "SCMP_ACT_LOG"},
	 {"names": ["stat"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}
	EOF
	# Changes that never change what is allowed: ALLOW to LOG everywhere, getpid's errno 1 to 38.
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}' > "$T/allow.json"
	echo '{"defaultAction": "SCMP_ACT_LOG", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}' > "$T/log.json"
}

teardown() {
	rm -rf "$T"
}

@test "diff: consecutive numbers with one change are one range with their names; a lone one keeps its name" {
	run --separate-stderr "$BIN" diff --caps=none --kernel=6.1 --arch=x86_64 "$T/old.json" "$T/new.json"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$output" = "$(cat <<-'EOF'
	diff: 97 syscalls differ on 1 architecture (8 now allowed, 0 now denied) for caps: none (0x0); kernel 6.1
	SCMP_ARCH_X86_64 0-2 (read write open): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 close: SCMP_ACT_ERRNO(1) -> SCMP_ACT_LOG
	SCMP_ARCH_X86_64 stat when arg0=0x1: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW when arg0==1
	SCMP_ARCH_X86_64 5-6 (fstat lstat): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 335-423: SCMP_ACT_ERRNO(38) -> SCMP_ACT_ERRNO(1)
	SCMP_ARCH_X86_64 pidfd_send_signal: SCMP_ACT_ERRNO(38) -> SCMP_ACT_ALLOW
	EOF
	)" ]
}

@test "diff: a range of more than eight named syscalls names its first and last and counts them" {
	run "$BIN" diff --caps=none --kernel=6.1 --arch=x86_64 "$T/allow.json" "$T/log.json"
	[ "$status" -eq 1 ]
	[ "$output" = "$(cat <<-'EOF'
	diff: 1024 syscalls differ on 1 architecture (0 now allowed, 0 now denied) for caps: none (0x0); kernel 6.1
	SCMP_ARCH_X86_64 0-38 (read ... setitimer: 39 named): SCMP_ACT_ALLOW -> SCMP_ACT_LOG
	SCMP_ARCH_X86_64 getpid: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 40-1023 (sendfile ... futex_requeue: 328 named): SCMP_ACT_ALLOW -> SCMP_ACT_LOG
	EOF
	)" ]
	# The count is libseccomp's own: the names it resolves between 40 and 1023 on x86_64.
	[ "$(for n in $(seq 40 1023); do scmp_sys_resolver -a x86_64 "$n"; done | grep -vc '^UNKNOWN$')" -eq 328 ]
}

@test "diff: Docker's default against podman's, whole output" {
	# socket(AF_NETLINK, *, NETLINK_AUDIT): a change two arguments make together, found by walking
	# both programs over every value, with the simplest call that shows it.
	run --separate-stderr "$BIN" diff --caps=none --arch=x86_64 --kernel=6.1 "$DOCKER" "$PODMAN"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$output" = "$(cat <<-'EOF'
	diff: 136 syscalls differ on 1 architecture (27 now allowed, 7 now denied) for caps: none (0x0); kernel 6.1
	SCMP_ARCH_X86_64 socket when arg0=0x10, arg2=0x9: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(22) when arg0==16 && arg2==9
	SCMP_ARCH_X86_64 clone when arg0=0x20000: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 syslog: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 personality when arg0=0x1: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 pivot_root: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 _sysctl: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 165-166 (mount umount2): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 reboot: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 create_module: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 get_kernel_syms: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 181-185 (getpmsg putpmsg afs_syscall tuxcall security): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 vserver: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 237-239 (mbind set_mempolicy get_mempolicy): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 248-249 (add_key request_key): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 keyctl: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 unshare: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 vmsplice: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(1)
	SCMP_ARCH_X86_64 name_to_handle_at: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 setns: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 310-311 (process_vm_readv process_vm_writev): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 329-331 (pkey_mprotect pkey_alloc pkey_free): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 io_pgetevents: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(1)
	SCMP_ARCH_X86_64 335-423: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 425-427 (io_uring_setup io_uring_enter io_uring_register): SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 428-433 (open_tree move_mount fsopen fsconfig fsmount fspick): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 clone3: SCMP_ACT_ERRNO(38) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 pidfd_getfd: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 mount_setattr: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 quotactl_fd: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 futex_waitv: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(38)
	EOF
	)" ]
}

@test "diff: the summary's counts are the syscalls its lines name, per architecture" {
	run "$BIN" diff --caps=none --arch=x86_64,x86 --kernel=6.1 "$DOCKER" "$PODMAN"
	[ "$status" -eq 1 ]
	# Every number a line covers (a range's N-M, a name through libseccomp, #N), per architecture.
	count() { # ARCH SCMP_ARCH: numbers the lines for ARCH cover whose change matches $3
		echo "$output" | tail -n +2 | grep "^$2 " | grep -E -- "$3" | sed -E "s/^$2 ([^ :]*).*/\1/" | while read -r w; do
			case $w in
			*-*) seq "${w%-*}" "${w#*-}" ;;
			'#'*) echo "${w#\#}" ;;
			*) scmp_sys_resolver -a "$1" "$w" ;;
			esac
		done | sort -un | wc -l
	}
	all=$(($(count x86_64 SCMP_ARCH_X86_64 .) + $(count x86 SCMP_ARCH_X86 .)))
	allowed=$(($(count x86_64 SCMP_ARCH_X86_64 '(ERRNO|KILL|TRAP).*-> SCMP_ACT_ALLOW') + $(count x86 SCMP_ARCH_X86 '(ERRNO|KILL|TRAP).*-> SCMP_ACT_ALLOW')))
	denied=$(($(count x86_64 SCMP_ARCH_X86_64 'ALLOW -> ') + $(count x86 SCMP_ARCH_X86 'ALLOW -> ')))
	[ "${lines[0]}" = "diff: $all syscalls differ on 2 architectures ($allowed now allowed, $denied now denied) for caps: none (0x0); kernel 6.1" ]
	[ "${lines[0]}" = "diff: 209 syscalls differ on 2 architectures (60 now allowed, 15 now denied) for caps: none (0x0); kernel 6.1" ]
}

@test "diff --allowed-only: only changes between allowed and not; Docker against podman" {
	run --separate-stderr "$BIN" diff --caps=none --allowed-only --arch=x86_64 --kernel=6.1 "$DOCKER" "$PODMAN"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$output" = "$(cat <<-'EOF'
	diff: 34 syscalls differ on 1 architecture (27 now allowed, 7 now denied) for caps: none (0x0); kernel 6.1
	SCMP_ARCH_X86_64 socket when arg0=0x10, arg2=0x9: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(22) when arg0==16 && arg2==9
	SCMP_ARCH_X86_64 clone when arg0=0x20000: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 syslog: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 pivot_root: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 165-166 (mount umount2): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 reboot: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 237-239 (mbind set_mempolicy get_mempolicy): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 keyctl: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 unshare: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 vmsplice: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(1)
	SCMP_ARCH_X86_64 name_to_handle_at: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 setns: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 310-311 (process_vm_readv process_vm_writev): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 329-331 (pkey_mprotect pkey_alloc pkey_free): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 io_pgetevents: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(1)
	SCMP_ARCH_X86_64 425-427 (io_uring_setup io_uring_enter io_uring_register): SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(38)
	SCMP_ARCH_X86_64 428-433 (open_tree move_mount fsopen fsconfig fsmount fspick): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 clone3: SCMP_ACT_ERRNO(38) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 pidfd_getfd: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 mount_setattr: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 futex_waitv: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(38)
	EOF
	)" ]
}

@test "diff --allowed-only: errno-only changes drop out and the ranges they split join; LOG counts as allowed" {
	run "$BIN" diff --caps=none --kernel=6.1 --allowed-only --arch=x86_64 "$T/old.json" "$T/new.json"
	[ "$status" -eq 1 ]
	[ "$output" = "$(cat <<-'EOF'
	diff: 8 syscalls differ on 1 architecture (8 now allowed, 0 now denied) for caps: none (0x0); kernel 6.1
	SCMP_ARCH_X86_64 0-2 (read write open): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 close: SCMP_ACT_ERRNO(1) -> SCMP_ACT_LOG
	SCMP_ARCH_X86_64 stat when arg0=0x1: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW when arg0==1
	SCMP_ARCH_X86_64 5-6 (fstat lstat): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW
	SCMP_ARCH_X86_64 pidfd_send_signal: SCMP_ACT_ERRNO(38) -> SCMP_ACT_ALLOW
	EOF
	)" ]
}

@test "diff --allowed-only: ALLOW against LOG and ERRNO(1) against ERRNO(38) show nothing and exit 0" {
	run "$BIN" diff --caps=none --kernel=6.1 --allowed-only --arch=x86_64 "$T/allow.json" "$T/log.json"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$BIN" diff --caps=none --kernel=6.1 --arch=x86_64 "$T/allow.json" "$T/log.json"
	[ "$status" -eq 1 ]
}

@test "diff: architectures print as explain and compile print them, and --arch takes every spelling" {
	run "$BIN" explain --arch=x86_64 "$DOCKER" syslog
	[[ "${lines[0]}" == "syslog (SCMP_ARCH_X86_64 #103): SCMP_ACT_ERRNO(1)"* ]]
	"$BIN" diff --caps=none --kernel=6.1 --arch=x86_64 "$DOCKER" "$PODMAN" > "$T/x86_64.txt" || [ $? -eq 1 ]
	grep -qx 'SCMP_ARCH_X86_64 syslog: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW' "$T/x86_64.txt"
	for a in SCMP_ARCH_X86_64 amd64; do
		run "$BIN" diff --caps=none --kernel=6.1 --arch=$a "$DOCKER" "$PODMAN"
		[ "$status" -eq 1 ]
		[ "$output" = "$(cat "$T/x86_64.txt")" ]
	done
	run "$BIN" diff --caps=none --kernel=6.1 --arch=SCMP_ARCH_X86,x32 "$DOCKER" "$PODMAN"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "diff: "*" syscalls differ on 2 architectures ("* ]]
	[ "$(echo "$output" | tail -n +2 | cut -d' ' -f1 | sort -u | tr '\n' ' ')" = "SCMP_ARCH_X32 SCMP_ARCH_X86 " ]
	echo "$output" | grep -qx 'SCMP_ARCH_X86 21-22 (mount umount): SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW'
	echo "$output" | grep -qx 'SCMP_ARCH_X32 clone3: SCMP_ACT_ERRNO(38) -> SCMP_ACT_ALLOW'
}

@test "diff: every number an architecture has: mipsel's getppid (#4064, O32 from 4000), arm's cacheflush (#983042, a private call)" {
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}' > "$T/open.json"
	for n in getppid cacheflush; do
		echo '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_ARM"],
		  "syscalls": [{"names": ["'$n'"], "action": "SCMP_ACT_ERRNO"}]}' > "$T/$n.json"
	done
	run --separate-stderr "$BIN" diff --caps=none --kernel=6.1 --arch=mipsel "$T/open.json" "$T/getppid.json"
	[ "$status" -eq 1 ]
	[ "$output" = "$(printf '%s\n' 'diff: 1 syscall differs on 1 architecture (0 now allowed, 1 now denied) for caps: none (0x0); kernel 6.1' \
		'SCMP_ARCH_MIPSEL getppid: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(1)')" ]
	run --separate-stderr "$BIN" diff --caps=none --kernel=6.1 --arch=arm "$T/open.json" "$T/cacheflush.json"
	[ "$status" -eq 1 ]
	[ "$output" = "$(printf '%s\n' 'diff: 1 syscall differs on 1 architecture (0 now allowed, 1 now denied) for caps: none (0x0); kernel 6.1' \
		'SCMP_ARCH_ARM cacheflush: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(1)')" ]
	# The numbers the kernel hands the filter, as explain and libseccomp's resolver name them.
	run "$BIN" explain --arch=mipsel "$T/getppid.json" getppid
	[ "${lines[0]}" = "getppid (SCMP_ARCH_MIPSEL #4064): SCMP_ACT_ERRNO(1) EPERM - rule syscalls[0] ($T/getppid.json:2:18)" ]
	[ "$(scmp_sys_resolver -a mipsel getppid)" = 4064 ]
	run "$BIN" explain --arch=arm "$T/cacheflush.json" cacheflush
	[ "${lines[0]}" = "cacheflush (SCMP_ARCH_ARM #983042): SCMP_ACT_ERRNO(1) EPERM - rule syscalls[0] ($T/cacheflush.json:2:18)" ]
	[ "$(scmp_sys_resolver -a arm cacheflush)" = 983042 ]
	# And the profiles still decide alike where they do: arm's getppid, mipsel's cacheflush.
	run "$BIN" diff --caps=none --kernel=6.1 --arch=arm "$T/open.json" "$T/getppid.json"
	[ "${lines[1]}" = "SCMP_ARCH_ARM getppid: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO(1)" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "diff: without --arch, the archMap's architectures of an x86_64 host, spelt SCMP_ARCH_*" {
	[ "$(uname -m)" = x86_64 ] || skip "the archMap entry differs on $(uname -m)"
	run "$BIN" diff --caps=none --kernel=6.1 "$DOCKER" "$PODMAN"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "diff: "*" syscalls differ on 3 architectures ("* ]]
	[ "$(echo "$output" | tail -n +2 | cut -d' ' -f1 | sort -u | tr '\n' ' ')" = "SCMP_ARCH_X32 SCMP_ARCH_X86 SCMP_ARCH_X86_64 " ]
}

@test "diff: exit 0 and nothing printed when the profiles decide alike" {
	run --separate-stderr "$BIN" diff --caps=none --kernel=6.1 "$DOCKER" "$DOCKER"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	# The same profile through compile's OCI form: other text, the same decisions.
	"$BIN" compile --format=oci --caps=none --kernel=6.1 "$PODMAN" > "$T/podman-oci.json" 2>/dev/null
	run "$BIN" diff --caps=none --kernel=6.1 "$PODMAN" "$T/podman-oci.json"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "diff: exit 2 and one error line for a missing file, an invalid profile, bad usage" {
	run --separate-stderr "$BIN" diff "$DOCKER" "$T/missing.json"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "seccomp-hook: error: $T/missing.json: No such file or directory" ]
	printf '{"defaultAction": "SCMP_ACT_ALOW"}' > "$T/typo.json"
	run --separate-stderr "$BIN" diff "$T/typo.json" "$DOCKER"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "$T/typo.json:1:19: error: defaultAction: unknown action 'SCMP_ACT_ALOW' (did you mean 'SCMP_ACT_ALLOW'?)" ]
	run --separate-stderr "$BIN" diff --arch=sparc "$DOCKER" "$PODMAN"
	[ "$status" -eq 2 ]
	[ "$stderr" = "seccomp-hook: error: --arch: unknown architecture 'sparc'" ]
	run --separate-stderr "$BIN" diff "$DOCKER"
	[ "$status" -eq 2 ]
	[ "$stderr" = "seccomp-hook diff: error: expected OLD.json NEW.json (see 'seccomp-hook diff --help')" ]
	run --separate-stderr "$BIN" diff --only-allowed "$DOCKER" "$PODMAN"
	[ "$status" -eq 2 ]
	[ "$stderr" = "seccomp-hook diff: error: unknown or incomplete option '--only-allowed' (see 'seccomp-hook diff --help')" ]
}

@test "diff --help: the options and the exit convention, as the man page has them" {
	run --separate-stderr "$BIN" diff --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Usage: seccomp-hook diff [--allowed-only] [--arch=A,..] [--caps=..] [--kernel=X.Y] [--profiles-dir=DIR]" ]
	[ "${lines[1]}" = "                         OLD.json NEW.json" ]
	[[ "$output" == *"  --allowed-only  only the changes between allowed (ALLOW, LOG) and not allowed"* ]]
	[[ "$output" == *"Exit status, as diff(1)'s: 0 no difference"*", 1 they differ,"*"2 trouble: a usage error, or a profile that is missing, unreadable or invalid."* ]]
	man=$(sed -e 's/\\f[BIR]//g' -e 's/\\-/-/g' "$SH_SRCDIR/man/seccomp-hook.1.in")
	[[ "$man" == *"[--allowed-only] [--arch=A,..] [--caps=..] [--kernel=X.Y] [--profiles-dir=DIR] OLD.json NEW.json"* ]]
	[[ "$man" == *"diff: N syscalls differ on M architectures (K now allowed, J now denied) for caps: CAPS; kernel X.Y"* ]]
}

@test "diff: Docker's default capabilities unless --caps, named in the summary; profiles by name" {
	cp "$SH_SRCDIR/profiles/default.json" "$T/old.json"
	# The same profile, with mount allowed to what has CAP_SYS_ADMIN also without it.
	jq '.syscalls += [{"names": ["mount"], "action": "SCMP_ACT_ALLOW"}]' "$T/old.json" > "$T/new.json"
	run --separate-stderr "$BIN" diff --kernel=6.1 --arch=x86_64 --profiles-dir="$SH_SRCDIR/profiles" default "$T/new.json"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "diff: 1 syscall differs on 1 architecture (1 now allowed, 0 now denied) for caps: docker default (0xa80425fb); kernel 6.1" ]
	[ "${lines[1]}" = "SCMP_ARCH_X86_64 mount: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW" ]
	# With CAP_SYS_ADMIN both allow it: no difference.
	run --separate-stderr "$BIN" diff --kernel=6.1 --caps=docker,CAP_SYS_ADMIN "$T/old.json" "$T/new.json"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "diff: each side's answer with the conditions of the rule that carries it" {
	echo '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW",
	  "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_LT"}]}]}' > "$T/old.json"
	echo '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW",
	  "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
	 {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [{"index": 0, "value": 39, "op": "SCMP_CMP_GT"}]}]}' > "$T/new.json"
	run --separate-stderr "$BIN" diff --kernel=6.1 --arch=x86_64 "$T/old.json" "$T/new.json"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "diff: 1 syscall differs on 1 architecture (0 now allowed, 1 now denied) for caps: docker default (0xa80425fb); kernel 6.1" ]
	[ "${lines[1]}" = "SCMP_ARCH_X86_64 socket: SCMP_ACT_ALLOW when arg0<40 -> SCMP_ACT_ERRNO(1)" ]
	[[ "$output" == *"SCMP_ARCH_X86_64 socket when arg0=0x28: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(13) when arg0>39"* ]]
	# A value both allow (AF_UNIX) is no change; one whose change is the all-zero one is not repeated.
	[[ "$output" != *"when arg0=0x1:"* ]]
	[[ "$output" != *"when arg0=0x27:"* ]]
}
