#!/bin/bash
# check-demo.sh LOG: what scripts/demo.sh printed (in LOG) shows README's main job done: without a
# profile the container makes both calls; in both modes normal work succeeds and the filter denies
# both calls with EPERM inside a real runc container with the default profile, and a process exec'd
# into the init-mode container runs the filter too.
set -euo pipefail
log=$1
fail() {
	echo "scripts/demo.sh: $1"
	cat "$log"
	exit 1
}
for want in "allowed without a profile: unshare -U true" "allowed without a profile: adjtimex" "Seccomp:	0"; do
	[ "$(grep -cF "$want" "$log")" -eq 1 ] || fail "not once: $want"
done
for want in "normal work: mkdir /tmp/work succeeded" "normal work: file written and read back"; do
	[ "$(grep -cF "$want" "$log")" -eq 3 ] || fail "not three times: $want"
done
for want in "Seccomp:	2" "denied as expected: unshare -U true: Operation not permitted" \
	"denied as expected: adjtimex: Operation not permitted"; do
	[ "$(grep -cF "$want" "$log")" -eq 2 ] || fail "not twice: $want"
done
grep -q "exec into the init-mode container: Seccomp 2, unshare denied: unshare: unshare(0x10000000): Operation not permitted" "$log" ||
	fail "the exec'd process was not filtered"
if grep -q "NOT DENIED\|DENIED WITHOUT A PROFILE" "$log"; then fail "a call was not decided by the filter"; fi
echo "scripts/demo.sh: runtime and init mode as README says"
