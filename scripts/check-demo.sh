#!/bin/bash
# check-demo.sh LOG: what scripts/demo.sh printed (in LOG) shows README's main job done: in both modes
# normal work succeeds and both denied syscalls fail with EPERM inside a real runc container with the
# default profile, and a process exec'd into the init-mode container runs the filter too.
set -euo pipefail
log=$1
fail() {
	echo "scripts/demo.sh: $1"
	cat "$log"
	exit 1
}
for want in "Seccomp:	2" "normal work: mkdir /tmp/work succeeded" "normal work: file written and read back" \
	"denied as expected: unshare -U true: unshare: unshare(0x10000000): Operation not permitted" \
	"denied as expected: mount -t tmpfs none /mnt: mount: permission denied"; do
	[ "$(grep -cF "$want" "$log")" -eq 2 ] || fail "not twice: $want"
done
grep -q "exec into the init-mode container: Seccomp 2, unshare denied: unshare: unshare(0x10000000): Operation not permitted" "$log" ||
	fail "the exec'd process was not filtered"
if grep -q "NOT DENIED" "$log"; then fail "a call was not denied"; fi
echo "scripts/demo.sh: runtime and init mode as README says"
