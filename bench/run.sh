#!/bin/bash
# make bench: seccomp-hook against the anchors it names, side by side, on this machine.
#   container starts (busybox `true`, Docker's default profile): unfiltered, runc's and crun's own
#   seccomp setup, seccomp-hook runtime mode, init mode cold and warm; hook latency; compile time
#   against bare libseccomp; BPF instructions per syscall class; peak memory of a hook run.
#   Then bench/record.sh: record against strace -f, the report program against the plain one.
# Needs root, runc, crun. ROUNDS (default 61) sets the number of runs per median.
# BENCH_KEEP=DIR keeps the raw samples (one file per variant, nanoseconds) for a closer look.
set -euo pipefail
B=${SH_BUILDDIR:?}
S=${SH_SRCDIR:?}
UP=${SH_UPSTREAM:-$B/tests/fixtures}
PROFILE="$UP/docker-default.json"
ROUNDS=${ROUNDS:-61}
HOOK="$B/seccomp-hook"
# shellcheck source=bench/lib.sh
source "$S/bench/lib.sh"
# Everything (bundle, configs, cache, runtime state) on a tmpfs: on ext4, rewriting config.json
# in place costs about 1.4 ms (delayed-allocation flush on truncate) and would be charged to
# whichever variant writes it inside the timed region. Engines hand the hook its config on a pipe.
bench_scratch sh-bench 512m
mkdir -p "$W/profiles" "$W/state" "$W/crun-state"
cp "$PROFILE" "$W/profiles/docker-default.json"

# --- a busybox bundle running `true` -------------------------------------------------------------
bench_bundle sh true
jq --arg root "$R" '.process.terminal = false | .process.args = ["true"] | .root.path = $root' \
	"$W/bundle/config.json" > "$W/plain.json"
CAPS=$(jq -r '.process.capabilities.bounding | join(",")' "$W/plain.json")
"$HOOK" compile --format=oci --caps="$CAPS" "$PROFILE" 2>/dev/null > "$W/oci-seccomp.json"
jq --slurpfile s "$W/oci-seccomp.json" '.linux.seccomp = $s[0]' "$W/plain.json" > "$W/runtime-own.json"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Every timed step runs under bench/timed: started with posix_spawn as engines start hooks and
# runtimes (a shell's fork of itself would add about 0.4 ms to each), timed in one process.
TIMED="$B/bench/timed"

RUNC=(runc --root "$W/state" run -b "$W/bundle" b)
# shellcheck disable=SC2016 # the inner shell expands them
CRUN=(unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root "$1" --cgroup-manager=disabled run -b "$2" b'
	sh "$W/crun-state" "$W/bundle")
# The precreate hook as podman runs it: the annotated config in, the config the runtime gets out.
# Runtime mode has a cache of its own here, so the cold init variant's wipe does not reach it.
# Init mode's configs here run under the plain runtime, which starts PID 1 only (no exec): the
# precreate and inject rows use --allow-unfiltered-exec; the wrapper rows are the configuration
# that also filters exec.
PRECREATE=("$HOOK" precreate --profiles-dir="$W/profiles" --loader="$B/seccomp-hook-init" --allow-unfiltered-exec)
HOOK_INIT=(-i "$W/annotated-init.json" -o "$W/bundle/config.json" "${PRECREATE[@]}" --cache-dir="$W/cache" ---)
# Init mode for crun alone (--runtime=crun): crun installs the program; no loader, no bind mounts.
HOOK_INIT_CRUN=(-i "$W/annotated-init.json" -o "$W/bundle/config.json" "${PRECREATE[@]}" --cache-dir="$W/cache" --runtime=crun ---)
HOOK_RUNTIME=(-i "$W/annotated-runtime.json" -o "$W/bundle/config.json" "${PRECREATE[@]}" --cache-dir="$W/cache-runtime" ---)
INJECT_INIT=("$HOOK" inject --mode=init --profiles-dir="$W/profiles" --profile=docker-default --cache-dir="$W/cache"
	--loader="$B/seccomp-hook-init" --allow-unfiltered-exec "$W/bundle" ---)
# The runtime wrapper in runc's place: the transform in its own process, then runc (exec'd, not
# spawned), as Docker, containerd and podman --runtime start it.
WRAPPER_RUNC=("$B/seccomp-hook-runtime" --profiles-dir="$W/profiles" --loader="$B/seccomp-hook-init"
	--cache-dir="$W/cache" --root "$W/state" run -b "$W/bundle" b)
# shellcheck disable=SC2034 # the table below names it, start_once takes it by name
NONE=()
# The least any precreate hook can cost here: a static program that does nothing (the loader's
# --help, output discarded) in the hook's place, then crun with the program already in its config.
# shellcheck disable=SC2034 # likewise
NOOP_HOOK=(-o /dev/null "$B/seccomp-hook-init" --help ---)
# The least a hook that passes a config on can cost: a static program copying stdin to stdout, fed
# the config seccomp-hook writes (so crun installs the same program), its output the bundle's.
# shellcheck disable=SC2034 # likewise
COPY_HOOK=(-i "$W/init-crun-prepared.json" -o "$W/bundle/config.json" "$B/bench/passthrough" ---)
for m in runtime init; do
	jq --arg m $m '.annotations = {"org.seccomp-hook.profile": "docker-default", "org.seccomp-hook.mode": $m}' \
		"$W/plain.json" > "$W/annotated-$m.json"
done

# One start of a variant: NAME CONFIG RUNNER STEP [cold] (RUNNER and STEP name arrays) -> ns of
# (hook +) container start appended to $W/NAME.runs. Variants are interleaved round by round so
# drift hits them all alike.
start_once() {
	local name=$1 config=$2 cold=${5:-}
	local -n runner=$3 step=$4
	cp "$W/$config" "$W/bundle/config.json"
	[ "$cold" = cold ] && rm -rf "$W/cache"
	"$TIMED" "${step[@]}" "${runner[@]}" >> "$W/$name.runs"
}

cp "$W/plain.json" "$W/bundle/config.json" # warm the page cache and both filter caches
"$TIMED" "${RUNC[@]}" > /dev/null
"$TIMED" "${CRUN[@]}" > /dev/null
"$TIMED" "${INJECT_INIT[@]}" true > /dev/null
cp "$W/annotated-init.json" "$W/bundle/config.json"
"$TIMED" "${WRAPPER_RUNC[@]}" > /dev/null
"$TIMED" "${HOOK_RUNTIME[@]}" true > /dev/null
"$TIMED" "${HOOK_INIT_CRUN[@]}" true > /dev/null
cp "$W/bundle/config.json" "$W/init-crun-prepared.json" # what crun gets with --runtime=crun
# The same with a 1-instruction program (RET ALLOW): what crun's seccomp path costs by itself, so
# the rows can tell it from what the size of the program costs.
jq --arg p "$(printf '\006\000\000\000\000\000\377\177' | base64)" \
	'.annotations["run.oci.seccomp_bpf_data"] = $p' "$W/init-crun-prepared.json" > "$W/init-crun-one.json"
"$TIMED" "${HOOK_INIT[@]}" true > /dev/null
cp "$W/bundle/config.json" "$W/init-prepared.json" # the config the runtime gets in init mode
# The variants, run in interleaved rounds by bench_start_rounds (bench/lib.sh).
variants=(
	"runc-plain plain.json RUNC NONE"
	"runc-own runtime-own.json RUNC NONE"
	"hook-runtime plain.json RUNC HOOK_RUNTIME"
	"hook-init-cold plain.json RUNC HOOK_INIT cold"
	"hook-init-warm plain.json RUNC HOOK_INIT"
	"inject-init-warm plain.json RUNC INJECT_INIT"
	"wrapper-init-warm annotated-init.json WRAPPER_RUNC NONE"
	"runc-init-only init-prepared.json RUNC NONE"
	"crun-plain plain.json CRUN NONE"
	"crun-own runtime-own.json CRUN NONE"
	"crun-hook-init-warm plain.json CRUN HOOK_INIT"
	"crun-hook-init-crun plain.json CRUN HOOK_INIT_CRUN"
	"crun-init-crun-only init-crun-prepared.json CRUN NONE"
	"crun-one-only init-crun-one.json CRUN NONE"
	"crun-floor init-crun-prepared.json CRUN NOOP_HOOK"
	"crun-copy-floor plain.json CRUN COPY_HOOK"
	"crun-hook-runtime plain.json CRUN HOOK_RUNTIME"
)
# BENCH_ONLY="NAME..." runs just those variants (their anchors must be among them), prints their
# rows and stops: more rounds for a narrower interval in the same time (`make bench-starts`).
if [ -n "${BENCH_ONLY:-}" ]; then
	kept=()
	for v in "${variants[@]}"; do
		[[ " $BENCH_ONLY " == *" ${v%% *} "* ]] && kept+=("$v")
	done
	variants=("${kept[@]}")
fi
bench_start_rounds variants
for f in "$W"/*.runs; do median < "$f" > "${f%.runs}"; done
[ -n "${BENCH_KEEP:-}" ] && mkdir -p "$BENCH_KEEP" && cp "$W"/*.runs "$BENCH_KEEP"/

# row LABEL VARIANT ANCHOR [NOTE]: median, ratio of medians to the anchor and its 95% confidence
# interval (paired bootstrap over rounds, bench/stats.py).
row() {
	[ -f "$W/$2.runs" ] && [ -f "$W/$3.runs" ] || return 0
	local st
	read -r -a st < <(python3 "$S/bench/stats.py" "$W" "$2" "$3")
	printf "  %-50s %7s ms  %5sx  [%s-%s] %s\n" "$1" "$(ms "${st[0]}")" "${st[1]}" "${st[2]}" "${st[3]}" "${4:-}"
}
echo "seccomp-hook $("$HOOK" --version | sed -n '1s/^seccomp-hook //p') bench: median of $ROUNDS runs, $(nproc) cores, $(uname -r)"
echo "hook built with $("$HOOK" --version | sed -n '2,$p' | paste -sd, - | sed 's/,/, /g')"
echo
echo "Container start, busybox 'true', Docker's default profile (ratio to the same runtime unfiltered,"
echo "[95% confidence interval])"
row "runc, unfiltered (anchor)" runc-plain runc-plain
row "runc, its own seccomp setup (anchor)" runc-own runc-plain
row "seccomp-hook runtime mode, warm: precreate + runc" hook-runtime runc-plain
row "seccomp-hook init mode, cold: precreate + runc" hook-init-cold runc-plain
row "seccomp-hook init mode, warm: precreate + runc" hook-init-warm runc-plain "(target <= 1.05x)"
row "same with inject (fsync'd config.json) + runc" inject-init-warm runc-plain
row "seccomp-hook-runtime (init mode, exec filtered too)" wrapper-init-warm runc-plain "(target <= 1.05x)"
row "  of which runc with the loader (no hook run)" runc-init-only runc-plain
row "crun, unfiltered (anchor)" crun-plain crun-plain
row "crun, its own seccomp setup (anchor)" crun-own crun-plain
row "seccomp-hook init mode, warm: precreate + crun" crun-hook-init-warm crun-plain "(target <= 1.05x)"
row "  same, --runtime=crun (crun installs the program)" crun-hook-init-crun crun-plain "(target <= 1.05x)"
row "    crun installing it, no hook run" crun-init-crun-only crun-plain
row "      same with a 1-instruction program" crun-one-only crun-plain "(crun's seccomp path alone)"
row "    floor: no-op static hook + crun installing it" crun-floor crun-plain "(the least a hook can cost)"
row "    floor: static hook copying the config through" crun-copy-floor crun-plain "(the least a config-passing hook can cost)"
row "seccomp-hook runtime mode, warm: precreate + crun" crun-hook-runtime crun-plain "(crun loads the hook's program)"

# crun's target in milliseconds: the 5% of crun's unfiltered start that 1.05x allows, what the least
# config-passing hook already costs of it, and what seccomp-hook costs beyond that, each the median
# of the per-round differences with its 95% interval (paired bootstrap).
diffrow() {
	[ -f "$W/$2.runs" ] && [ -f "$W/$3.runs" ] || return 0
	local st
	read -r -a st < <(python3 "$S/bench/stats.py" --diff "$W" "$2" "$3")
	awk -v l="$1" -v m="${st[0]}" -v lo="${st[1]}" -v hi="${st[2]}" \
		'BEGIN {printf "  %-50s %+7.3f ms  [%+.3f..%+.3f]\n", l, m / 1e6, lo / 1e6, hi / 1e6}'
}
if [ -f "$W/crun-plain.runs" ] && [ -f "$W/crun-copy-floor.runs" ]; then
	echo
	echo "crun's 5% budget, per-round differences (median [95% interval])"
	printf "  %-50s %7s ms\n" "5% of crun's unfiltered start" "$(ms "$(($(cat "$W/crun-plain") / 20))")"
	diffrow "copying floor over crun unfiltered" crun-copy-floor crun-plain
	diffrow "crun installing the program over crun unfiltered" crun-init-crun-only crun-plain
	diffrow "seccomp-hook --runtime=crun over the copying floor" crun-hook-init-crun crun-copy-floor
fi
[ -n "${BENCH_ONLY:-}" ] && exit 0
base=$(cat "$W/runc-plain")

# --- hook latency: precreate, config on stdin -> config on stdout --------------------------------
jq '.annotations["org.seccomp-hook.profile"] = "docker-default" | .annotations["org.seccomp-hook.mode"] = "init"' \
	"$W/plain.json" > "$W/annotated.json"
LAT_HOOK=(-i "$W/annotated.json" -o /dev/null "${PRECREATE[@]}" --cache-dir="$W/cache")
# Cold hook, warm hook and the bare libseccomp compiles, interleaved in a random order per round
# like the container starts, so drift on the machine hits all of them alike.
lat_cold() { rm -rf "$W/cache"; "$TIMED" "${LAT_HOOK[@]}" >> "$W/lat-cold.runs"; }
lat_warm() { "$TIMED" "${LAT_HOOK[@]}" >> "$W/lat-warm.runs"; }
# bare_compile times the compile inside the process (ms); stored as ns like the others.
lat_tree() { "$B/bench/bare_compile" "$PROFILE" "$CAPS" 1 2 | awk '{printf "%d\n", $1 * 1e6}' >> "$W/lat-tree.runs"; }
lat_linear() { "$B/bench/bare_compile" "$PROFILE" "$CAPS" 1 1 | awk '{printf "%d\n", $1 * 1e6}' >> "$W/lat-linear.runs"; }
# The loader's share of a start, alone: exec it, verify and load the cached filter, exec `true`;
# against exec'ing `true` directly.
lat_loader() { "$TIMED" "$B/seccomp-hook-init" --sha256="$digest" "$flags" "$caps" "$W/filter.bpf" -- /bin/busybox true \
	>> "$W/lat-loader.runs"; }
lat_direct() { "$TIMED" /bin/busybox true >> "$W/lat-direct.runs"; }
"$TIMED" "${LAT_HOOK[@]}" > /dev/null # fill the cache once so the first warm run is warm
progs=("$W"/cache/bpf/*.bpf)
cp "${progs[0]}" "$W/filter.bpf"
digest=$(sha256sum "$W/filter.bpf" | cut -d' ' -f1)
flags=$(jq -r '.process.args[] | select(startswith("--flags="))' "$W/init-prepared.json")
caps=$(jq -r '.process.args[] | select(startswith("--caps="))' "$W/init-prepared.json") # as in a container
for _ in $(seq "$ROUNDS"); do
	for f in $(printf 'lat_cold\nlat_warm\nlat_tree\nlat_linear\nlat_loader\nlat_direct\n' | shuf); do $f; done
done
cold=$(median < "$W/lat-cold.runs")
warm=$(median < "$W/lat-warm.runs")
bare_tree=$(ms "$(median < "$W/lat-tree.runs")")
bare_linear=$(ms "$(median < "$W/lat-linear.runs")")
echo
echo "Hook latency (precreate, init mode, config parse to config written)"
printf "  %-52s %9s ms\n" "cold cache (parse, resolve, compile, store)" "$(ms "$cold")"
printf "  %-52s %9s ms\n" "warm cache (hash profile, verify entry)" "$(ms "$warm")"
printf "  %-52s %9s ms  %5sx (target <= 1.5x)\n" "bare libseccomp, same filter (tree; anchor)" "$bare_tree" \
	"$(awk -v a="$cold" -v b="$bare_tree" 'BEGIN {printf "%.2f", a / 1e6 / b}')"
printf "  %-52s %9s ms  %5sx\n" "bare libseccomp, linear (runc's and crun's)" "$bare_linear" \
	"$(awk -v a="$cold" -v b="$bare_linear" 'BEGIN {printf "%.2f", a / 1e6 / b}')"

# What init mode adds to a start, from parts measured alone (far less noisy than the difference of
# two container start medians): the hook's warm run and the loader's exec + verify + filter load.
loader=$(( $(median < "$W/lat-loader.runs") - $(median < "$W/lat-direct.runs") ))
echo
echo "Init mode's added work, measured part by part (warm cache)"
printf "  %-52s %9s ms\n" "precreate hook run" "$(ms "$warm")"
printf "  %-52s %9s ms\n" "loader: exec, verify, install, lower the caps" "$(ms "$loader")"
printf "  %-52s %9s ms  %5s%% of the unfiltered runc start\n" "sum" "$(ms $((warm + loader)))" \
	"$(awk -v a=$((warm + loader)) -v b="$base" 'BEGIN {printf "%.1f", 100 * a / b}')"
printf "  %-52s %9s ms\n" "for scale: spawn and exec of busybox true (static)" "$(ms "$(median < "$W/lat-direct.runs")")"

# The kernel's side of installing a filter: seccomp(2) checks it, converts it to eBPF, JITs it and
# fills its per-syscall action cache. libseccomp's binary tree is longer than a linear list but
# loads faster (the action cache emulates the filter for every syscall number, a walk the tree keeps
# short); seccomp-hook's range rewrite of the tree is a quarter of its length.
"$HOOK" compile --caps="$CAPS" -o "$W/ranges.bpf" "$PROFILE" 2>/dev/null
"$HOOK" compile --no-ranges --caps="$CAPS" -o "$W/tree.bpf" "$PROFILE" 2>/dev/null
"$HOOK" compile --linear --caps="$CAPS" -o "$W/linear.bpf" "$PROFILE" 2>/dev/null
echo
echo "Filter load, seccomp(2) in a fresh process (median of $ROUNDS; Docker's default, native + archMap arches)"
"$B/bench/load_filter" "$ROUNDS" "$W/ranges.bpf" "$W/tree.bpf" "$W/linear.bpf" | while read -r f n us; do
	case $f in
	*ranges.bpf) label="seccomp-hook: libseccomp's tree as ranges" ;;
	*tree.bpf) label="libseccomp's binary tree as it builds it" ;;
	*) label="linear, as runc and crun build it" ;;
	esac
	printf "  %-52s %9s us  (%s instructions)\n" "$label" "$us" "$n"
done

echo
echo "BPF instructions executed per x86_64 syscall (simulated; Docker's default profile, runc's default caps)"
"$B/bench/bpf_steps" "$PROFILE" "$CAPS" | sed 's/^/  /'
echo "  (targets: allowed mean <= 20, worst <= 32; denied <= 32)"

echo
rm -rf "$W/cache"
rss_cold=$("$B/tests/peak_rss" "$HOOK" precreate --profiles-dir="$W/profiles" --cache-dir="$W/cache" \
	--loader="$B/seccomp-hook-init" < "$W/annotated.json" 2>/dev/null)
rss_warm=$("$B/tests/peak_rss" "$HOOK" precreate --profiles-dir="$W/profiles" --cache-dir="$W/cache" \
	--loader="$B/seccomp-hook-init" < "$W/annotated.json" 2>/dev/null)
echo "Peak memory of a hook run: cold ${rss_cold} KiB, warm ${rss_warm} KiB (target < 8192 KiB)"

# Recording and reports (bench/record.sh): its own rounds, at most 31 of them.
SH_UPSTREAM="$UP" ROUNDS="$ROUNDS" bash "$S/bench/record.sh"
