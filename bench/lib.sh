#!/bin/bash
# What the bench scripts share (sourced by bench/run.sh, bench/overlay.sh and bench/record.sh):
# the scratch tmpfs, the busybox bundle, the interleaved rounds of container starts, one call's
# time inside a filtered process, and nanoseconds printed as milliseconds.

# bench_scratch NAME SIZE: W, a fresh directory with a tmpfs on it (no variant waits on a disk, and
# rewriting config.json on ext4 would charge a delayed-allocation flush to whichever variant does
# it), removed when the script exits.
bench_scratch() {
	W=$(mktemp -d "/tmp/$1.XXXXXX")
	mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$W"
	trap 'umount -l "$W" 2>/dev/null; rm -rf "$W"' EXIT
}

# bench_bundle APPLET...: $W/bundle, runc's default spec over a busybox root ($R) with those
# applets.
bench_bundle() {
	R="$W/bundle/rootfs"
	mkdir -p "$R/bin" "$R/proc" "$R/dev" "$R/sys" "$R/tmp"
	cp /bin/busybox "$R/bin/busybox"
	local a
	for a in "$@"; do ln -s busybox "$R/bin/$a"; done
	(cd "$W/bundle" && runc spec)
}

# bench_start_rounds VARIANTS: ROUNDS rounds; each runs every entry of the array named VARIANTS
# once through start_once (the entry's words are its arguments), in a fresh random order, after a
# short pause: a start's teardown (cgroup removal, freeing the previous filter) is not charged to
# whichever variant always came next, and drift hits them all alike.
bench_start_rounds() {
	local -n vs=$1
	local v
	for _ in $(seq "$ROUNDS"); do
		while read -r v; do
			sleep 0.05
			# shellcheck disable=SC2086 # the variant's words are its arguments
			start_once ${vs[$v]}
		done < <(seq 0 $((${#vs[@]} - 1)) | shuf)
	done
}

# per_call NAME SYSCALL PREFIX...: one run of bench/syscall_loop -r under PREFIX (the fastest of 50
# slices of $CALLS calls, so the prefix's own start stays out of it), ps per call appended to
# $W/NAME.runs.
per_call() {
	local name=$1 sc=$2
	shift 2
	"$@" "$LOOP" -r 50 -s "$sc" "$CALLS" >> "$W/$name.runs"
}

ms() { awk -v n="$1" 'BEGIN {printf "%.2f", n / 1e6}'; }
