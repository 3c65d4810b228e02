#!/bin/bash
# What an overlay costs, side by side with the same start or call without it (run by make bench):
#   1. a container start (busybox `true`, Docker's default profile, runc) through seccomp-hook-runtime
#      in init mode (the loader installs the overlay's program, then the profile's) and through the
#      precreate hook in runtime mode (one composed filter), and through precreate --runtime=crun
#      with crun (the composed program handed to crun), each with and without --overlay=af-alg,
#      warm cache; target: within 1%;
#   2. one allowed call inside the filtered process (bench/syscall_loop -r: the fastest of 50 slices)
#      under exec --profile, with and without the overlay's filter under it: getppid, which neither
#      names (the kernel's action cache answers it without running a filter), and personality, which
#      runs the profile's filter through its argument comparisons; target: no measurable difference;
#   3. where runtime mode's start time goes: libseccomp doing what runc does with the linux.seccomp
#      precreate writes (bench/bare_compile: the rules added, then the program built), with and
#      without the overlay, and the same without the 32-bit x86 ABI.
# Needs root, runc, busybox. ROUNDS (default 61) sets the rounds; fewer than 5 is a smoke run.
set -euo pipefail
B=${SH_BUILDDIR:?}
S=${SH_SRCDIR:?}
UP=${SH_UPSTREAM:-$B/tests/fixtures}
PROFILE="$UP/docker-default.json"
ROUNDS=${ROUNDS:-61}
SCALE=$((ROUNDS < 5 ? 10 : 1))
HOOK="$B/seccomp-hook"
TIMED="$B/bench/timed"
LOOP="$B/bench/syscall_loop"
# shellcheck source=bench/lib.sh
source "$S/bench/lib.sh"
bench_scratch sh-bench-overlay 256m
mkdir -p "$W/profiles/overlays" "$W/state" "$W/crun-state"
cp "$PROFILE" "$W/profiles/docker-default.json"
cp "$S/profiles/overlays/af-alg.json" "$W/profiles/overlays/"

bench_bundle true
jq --arg root "$R" '.process.terminal = false | .process.args = ["true"] | .root.path = $root | .root.readonly = true
	| .annotations = {"org.seccomp-hook.profile": "docker-default"}' "$W/bundle/config.json" > "$W/annotated.json"

COMMON=(--profiles-dir="$W/profiles" --loader="$B/seccomp-hook-init" --seal-key="$W/seal.key")
# shellcheck disable=SC2034 # start_once takes it by name
RUNC=(runc --root "$W/state" run -b "$W/bundle" b)
WRAP=("$B/seccomp-hook-runtime" "${COMMON[@]}" --loader-store="$W/store" --state-dir="$W/wstate" --mode=init)
WRAP_PLAIN=("${WRAP[@]}" --cache-dir="$W/cache-w" --root "$W/state" run -b "$W/bundle" b)
WRAP_OVERLAY=("${WRAP[@]}" --cache-dir="$W/cache-wo" --overlay=af-alg --root "$W/state" run -b "$W/bundle" b)
HOOK_RT=("$HOOK" precreate "${COMMON[@]}" --mode=runtime)
# shellcheck disable=SC2034 # start_once takes them by name
HOOK_PLAIN=(-i "$W/annotated.json" -o "$W/bundle/config.json" "${HOOK_RT[@]}" --cache-dir="$W/cache-h" ---)
# shellcheck disable=SC2034 # likewise
HOOK_OVERLAY=(-i "$W/annotated.json" -o "$W/bundle/config.json" "${HOOK_RT[@]}" --cache-dir="$W/cache-ho" --overlay=af-alg ---)
# crun is handed the composed program (run.oci.seccomp_bpf_data) and compiles nothing.
# shellcheck disable=SC2016,SC2034 # the inner shell expands them; start_once takes it by name
CRUN=(unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root "$1" --cgroup-manager=disabled run -b "$2" b'
	sh "$W/crun-state" "$W/bundle")
HOOK_CRUN=("$HOOK" precreate "${COMMON[@]}" --runtime=crun)
# shellcheck disable=SC2034 # likewise
CRUN_PLAIN=(-i "$W/annotated.json" -o "$W/bundle/config.json" "${HOOK_CRUN[@]}" --cache-dir="$W/cache-c" ---)
# shellcheck disable=SC2034 # likewise
CRUN_OVERLAY=(-i "$W/annotated.json" -o "$W/bundle/config.json" "${HOOK_CRUN[@]}" --cache-dir="$W/cache-co" --overlay=af-alg ---)
# shellcheck disable=SC2034 # likewise
NONE=()
# shellcheck disable=SC2034 # likewise
PLAIN_RUNNER=("${WRAP_PLAIN[@]}")
# shellcheck disable=SC2034 # likewise
OVERLAY_RUNNER=("${WRAP_OVERLAY[@]}")

# One start: NAME RUNNER STEP -> ns appended to $W/NAME.runs.
start_once() {
	local name=$1
	local -n runner=$2 step=$3
	cp "$W/annotated.json" "$W/bundle/config.json"
	"$TIMED" "${step[@]}" "${runner[@]}" >> "$W/$name.runs"
}
variants=(
	"wrapper-init PLAIN_RUNNER NONE"
	"wrapper-init-overlay OVERLAY_RUNNER NONE"
	"hook-runtime RUNC HOOK_PLAIN"
	"hook-runtime-overlay RUNC HOOK_OVERLAY"
	"hook-crun CRUN CRUN_PLAIN"
	"hook-crun-overlay CRUN CRUN_OVERLAY"
)
for v in "${variants[@]}"; do # fill the caches: the rows are warm starts
	# shellcheck disable=SC2086 # the variant's words are its arguments
	start_once $v
	rm -f "$W/${v%% *}.runs"
done
bench_start_rounds variants

# One allowed call's time inside the process, with and without the overlay's filter under the profile's.
CALLS=$((100000 / SCALE))
EXEC=("$HOOK" exec -q --profile="$PROFILE" --caps=docker)
for _ in $(seq "$ROUNDS"); do
	for sc in getppid personality; do
		while read -r k; do
			sleep 0.02
			case $k in
			0) per_call "$sc-plain" "$sc" "${EXEC[@]}" -- ;;
			1) per_call "$sc-overlay" "$sc" "${EXEC[@]}" --overlay="$S/profiles/overlays/af-alg.json" -- ;;
			esac
		done < <(seq 0 1 | shuf)
	done
done
[ -n "${BENCH_KEEP:-}" ] && mkdir -p "$BENCH_KEEP" && for f in "$W"/*.runs; do cp "$f" "$BENCH_KEEP/overlay-$(basename "$f")"; done

# row LABEL VARIANT ANCHOR [NOTE]: median, ratio to the anchor [95% interval].
row() {
	local st
	read -r -a st < <(python3 "$S/bench/stats.py" "$W" "$2" "$3")
	printf "  %-50s %7s ms  %5sx  [%s-%s] %s\n" "$1" "$(ms "${st[0]}")" "${st[1]}" "${st[2]}" "${st[3]}" "${4:-}"
}
# nsdiff LABEL VARIANT ANCHOR: the median of the per-round differences, ns per call [95% interval].
nsdiff() {
	local st
	read -r -a st < <(python3 "$S/bench/stats.py" --diff "$W" "$2" "$3")
	awk -v l="$1" -v m="${st[0]}" -v lo="${st[1]}" -v hi="${st[2]}" -v smoke=$((SCALE > 1)) \
		'BEGIN {v = (lo <= 0 && hi >= 0) ? "(no measurable difference)" : "(the interval excludes 0)"
			if (smoke) v = "(smoke run: too few rounds to judge)"
			printf "  %-50s %+8.1f ns  [%+.1f..%+.1f] %s\n", l, m / 1e3, lo / 1e3, hi / 1e3, v}'
}
echo
echo "Overlay af-alg on Docker's default profile: container start (busybox 'true', runc, warm cache),"
echo "ratio to the same start without the overlay [95% confidence interval]; median of $ROUNDS runs"
row "seccomp-hook-runtime, init mode (anchor)" wrapper-init wrapper-init
row "  with the overlay (two programs)" wrapper-init-overlay wrapper-init "(target <= 1.01x)"
row "precreate + runc, runtime mode (anchor)" hook-runtime hook-runtime
row "  with the overlay (one composed filter)" hook-runtime-overlay hook-runtime "(target <= 1.01x)"
row "precreate --runtime=crun + crun (anchor)" hook-crun hook-crun
row "  with the overlay (the composed program)" hook-crun-overlay hook-crun "(target <= 1.01x)"
echo
echo "The overlay's filter under the profile's, per allowed call (fastest of 50 slices of $CALLS calls):"
echo "overlay's - without, median of the per-round differences [95% interval]"
nsdiff "getppid (neither filter names it)" getppid-overlay getppid-plain
nsdiff "personality (the profile compares its argument)" personality-overlay personality-plain

# runc's libseccomp on the OCI form, without and with the overlay; then without SCMP_ARCH_X86.
for v in plain overlay; do
	if [ "$v" = overlay ]; then set -- --overlay=af-alg; else set --; fi
	"${HOOK_RT[@]}" --cache-dir="$W/cache-split" "$@" < "$W/annotated.json" 2>/dev/null |
		jq '.linux.seccomp' > "$W/oci-$v.json"
	jq '.architectures -= ["SCMP_ARCH_X86"]' "$W/oci-$v.json" > "$W/oci-$v-no-x86.json"
done
split_row() { # LABEL FILE
	local st
	read -r -a st < <("$B/bench/bare_compile" "$2" "" "$((ROUNDS > 21 ? ROUNDS : 21))" 1 split 2>/dev/null)
	printf "  %-50s %7s ms  (adding the rules %s, building the program %s)\n" "$1" "${st[0]}" "${st[1]}" "${st[2]}"
}
echo
echo "Where runtime mode's extra start time goes: libseccomp building runc's filter from the"
echo "linux.seccomp precreate writes (linear filter; median, ms):"
split_row "without the overlay" "$W/oci-plain.json"
split_row "with the overlay" "$W/oci-overlay.json"
split_row "without the overlay, SCMP_ARCH_X86 left out" "$W/oci-plain-no-x86.json"
split_row "with the overlay, SCMP_ARCH_X86 left out" "$W/oci-overlay-no-x86.json"
