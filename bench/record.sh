#!/bin/bash
# Recording and reports, side by side with their anchors (run by bench/run.sh at its end, or alone):
#   1. `seccomp-hook record` against `strace -f -o /dev/null` on the same workloads, both against
#      the plain run: wall time per run (bench/timed), ratios measured in the same rounds; with the
#      floor of the mechanism (bench/notify_floor: a supervisor that only answers CONTINUE) and an
#      eBPF anchor (bpftrace counting raw_syscalls:sys_enter for the workloads, the mechanism of
#      oci-seccomp-bpf-hook), attached before and detached after its runs of a round;
#   2. `exec --report=enforce` against `exec` with the same profile on allowed syscalls: the time
#      of one call measured inside bench/syscall_loop, the paired difference with its 95% interval.
# Needs root, strace, busybox, bpftrace. ROUNDS (default 31; more than 31 is capped here, so `make bench`
# stays within its time) sets the rounds; RECORD_ROUNDS overrides it for this script. Fewer than
# 5 rounds is a smoke run (scripts/test.sh runs ROUNDS=3): every workload makes a tenth of its calls.
# BENCH_KEEP=DIR keeps the raw samples (ns per run; ps per call for the report rows).
set -euo pipefail
B=${SH_BUILDDIR:?}
S=${SH_SRCDIR:?}
UP=${SH_UPSTREAM:-$B/tests/fixtures}
PROFILE="$UP/docker-default.json"
ROUNDS=${ROUNDS:-31}
ROUNDS=${RECORD_ROUNDS:-$((ROUNDS < 31 ? ROUNDS : 31))}
SCALE=$((ROUNDS < 5 ? 10 : 1))
HOOK="$B/seccomp-hook"
TIMED="$B/bench/timed"
LOOP="$B/bench/syscall_loop"
FLOOR="$B/bench/notify_floor"
# shellcheck source=bench/lib.sh
source "$S/bench/lib.sh"
# The recordings are written to a tmpfs, so no variant waits on a disk.
bench_scratch sh-bench-record 64m

# The rows' figures come from bench/stats.py, all in one python3 run (its start-up takes a quarter
# of a second here, and there are two dozen rows): a first pass over the rows only queues what they will
# print (stat_of), run_stats computes it all, a second pass prints.
declare -A ST
COLLECT=
stat_of() { # [--diff] VARIANT ANCHOR -> REPLY: stats.py's output, as words
	if [ -n "$COLLECT" ]; then
		echo "$*" >> "$W/queries"
		REPLY=(0 0 0 0)
	else
		read -r -a REPLY <<< "${ST[$*]}"
	fi
}
STATS_MANY='
import contextlib, io, sys
bench, d, queries = sys.argv[1:]
sys.path.insert(0, bench)
import stats
for line in open(queries):
    q = line.split()
    out = io.StringIO()
    flags = [w for w in q if w.startswith("--")]
    sys.argv = ["stats.py"] + flags + [d] + [w for w in q if not w.startswith("--")]
    with contextlib.redirect_stdout(out):
        stats.main()
    print(" ".join(q) + "\t" + out.getvalue().strip())
'
run_stats() {
	local k v
	python3 -c "$STATS_MANY" "$S/bench" "$W" "$W/queries" > "$W/answers"
	while IFS=$'\t' read -r k v; do ST[$k]=$v; done < "$W/answers"
	rm -f "$W/queries" "$W/answers"
}
print_rows() { # FUNCTION: both passes over the rows it prints
	COLLECT=1
	"$1" > /dev/null
	COLLECT=
	run_stats
	"$1"
}

# --- 1. recording overhead -----------------------------------------------------------------------
# Workloads: NAME CALLS COMMAND... (CALLS: the syscalls the loop makes, for the per-call rows; 0 for
# the shell, which makes its own). The shell runs builtins only, each iteration a redirection (open,
# fcntl, dup2, write, close), no fork.
N1=$((5000 / SCALE)) N5=$((2000 / SCALE)) NSH=$((500 / SCALE))
SH_LOOP="i=0; while [ \$i -lt $NSH ]; do i=\$((i+1)); echo \$i > /dev/null; done"
workloads=(
	"loop1 $N1 $LOOP $N1"
	"loop5 $((5 * N5)) $LOOP -t 2 -c 2 $N5"
	"shell 0 busybox sh -c"
)
# What runs in front of a workload's command.
# shellcheck disable=SC2034 # run_once takes it by name
PLAIN=()
RECORD=("$HOOK" record -q -o "$W/rec.json" --)
STRACE=(strace -f -o /dev/null)
# shellcheck disable=SC2034 # likewise
NOTIFY_FLOOR=("$FLOOR")
VARIANTS=(plain:PLAIN record:RECORD strace:STRACE floor:NOTIFY_FLOOR)
# The eBPF anchor: bpftrace counting each workload's calls by number in a kernel map, as
# oci-seccomp-bpf-hook's program does; tracefs is mounted in its own mount namespace. It takes a second
# or two to attach, so it is attached once per round, around that round's bpftrace runs.
BPF_PROG='tracepoint:raw_syscalls:sys_enter /comm == "syscall_loop" || comm == "busybox"/ { @[args->id] = count(); }'
bpftrace_attach() {
	# shellcheck disable=SC2016 # the inner shell expands it
	unshare -m sh -c 'mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing; exec bpftrace -e "$1"' \
		sh "$BPF_PROG" > "$W/bpftrace.out" 2>&1 &
	BPF_PID=$!
	for _ in $(seq 200); do grep -q '^Attaching' "$W/bpftrace.out" && return 0; sleep 0.05; done
	echo "bench/record.sh: bpftrace did not attach: $(cat "$W/bpftrace.out")" >&2
	return 1
}
bpftrace_detach() {
	kill -INT "$BPF_PID"
	wait "$BPF_PID" || true
	grep -q '^@\[' "$W/bpftrace.out" # it counted the workloads' calls
}

# One run: WORKLOAD_INDEX VARIANT_NAME VARIANT_ARRAY -> ns appended to $W/WORKLOAD-VARIANT.runs.
run_once() {
	local -n pre=$3
	local words
	read -r -a words <<< "${workloads[$1]}"
	if [ "${words[0]}" = shell ]; then
		"$TIMED" "${pre[@]}" "${words[@]:2}" "$SH_LOOP" >> "$W/${words[0]}-$2.runs"
	else
		"$TIMED" "${pre[@]}" "${words[@]:2}" >> "$W/${words[0]}-$2.runs"
	fi
}

"$TIMED" "${RECORD[@]}" busybox true > /dev/null # warm the page cache
"$TIMED" "${STRACE[@]}" "$LOOP" 1 > /dev/null
"$TIMED" "${NOTIFY_FLOOR[@]}" "$LOOP" 1 > /dev/null
# The bpftrace runs of a round: attached, each workload once in a fresh order, detached.
bpftrace_block() {
	local w
	bpftrace_attach
	while read -r w; do
		sleep 0.05
		run_once "$w" bpftrace PLAIN
	done < <(seq 0 $((${#workloads[@]} - 1)) | shuf)
	bpftrace_detach
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Every round runs each (workload, variant) once, in a fresh random order, after a short pause, so
# drift hits them all alike and no run is charged the previous one's teardown; the bpftrace block
# takes its place in that order too.
NV=${#VARIANTS[@]}
for _ in $(seq "$ROUNDS"); do
	while read -r k; do
		if [ "$k" -eq $((${#workloads[@]} * NV)) ]; then
			bpftrace_block
			continue
		fi
		sleep 0.05
		v=${VARIANTS[$((k % NV))]}
		run_once $((k / NV)) "${v%%:*}" "${v#*:}"
	done < <(seq 0 $((${#workloads[@]} * NV)) | shuf)
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
[ -n "${BENCH_KEEP:-}" ] && mkdir -p "$BENCH_KEEP" && cp "$W"/*.runs "$BENCH_KEEP"/

# row LABEL VARIANT ANCHOR [NOTE]: median, ratio of medians to the anchor [95% interval], paired
# bootstrap over rounds, as in bench/run.sh.
row() {
	stat_of "$2" "$3"
	awk -v l="$1" -v m="${REPLY[0]}" -v r="${REPLY[1]}" -v lo="${REPLY[2]}" -v hi="${REPLY[3]}" -v n="${4:-}" \
		'BEGIN {printf "  %-50s %8.2f ms  %7sx  [%s-%s] %s\n", l, m / 1e6, r, lo, hi, n}'
}
# percall LABEL VARIANT ANCHOR CALLS: the per-round difference over the anchor, per call [95%].
percall() {
	stat_of --diff "$2" "$3"
	awk -v l="$1" -v m="${REPLY[0]}" -v lo="${REPLY[1]}" -v hi="${REPLY[2]}" -v n="$4" \
		'BEGIN {printf "  %-50s %8.2f us  [%.2f..%.2f]\n", l, m / n / 1e3, lo / n / 1e3, hi / n / 1e3}'
}
# added LABEL VARIANT OTHER ANCHOR [NOTE]: what VARIANT adds over what OTHER adds [95% interval].
added() {
	stat_of --added-ratio "$2" "$3" "$4"
	awk -v l="$1" -v r="${REPLY[0]}" -v lo="${REPLY[1]}" -v hi="${REPLY[2]}" -v n="${5:-}" \
		'BEGIN {printf "  %-50s %7sx  [%s-%s] %s\n", l, r, lo, hi, n}'
}
record_rows() {
	local w words name calls
	echo
	echo "Recording overhead, wall time per run: median of $ROUNDS, ratio to the plain run [95% confidence"
	echo "interval]; record = seccomp-hook record -q -o FILE --, strace = strace -f -o /dev/null; floor ="
	echo "bench/notify_floor (a supervisor that only answers CONTINUE); bpftrace = eBPF, counting the calls"
	echo "in a kernel map. Load average (1, 5, 15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER on $(nproc) CPUs"
	for w in "${workloads[@]}"; do
		read -r -a words <<< "$w"
		name=${words[0]} calls=${words[1]}
		case $name in
		loop1) echo "  getppid x $N1, one thread (bench/syscall_loop $N1)" ;;
		loop5) echo "  getppid x $N5 in each of 3 threads and 2 children (syscall_loop -t 2 -c 2 $N5)" ;;
		shell) echo "  busybox sh: $NSH iterations of builtins with a redirection each" ;;
		esac
		row "  plain (anchor)" "$name-plain" "$name-plain"
		if [ "$name" = shell ]; then
			row "  seccomp-hook record" "$name-record" "$name-plain" "(target: <= 1.5x)"
		else
			row "  seccomp-hook record" "$name-record" "$name-plain"
		fi
		row "  floor: notification round trips alone" "$name-floor" "$name-plain"
		row "  strace -f (anchor)" "$name-strace" "$name-plain"
		row "  bpftrace, eBPF (anchor)" "$name-bpftrace" "$name-plain"
		added "  record's added time / strace -f's" "$name-record" "$name-strace" "$name-plain" "(target: <= 0.1x)"
		added "  record's added time / the floor's" "$name-record" "$name-floor" "$name-plain"
		if [ "$calls" -gt 0 ]; then
			percall "  added per call: record" "$name-record" "$name-plain" "$calls"
			percall "  added per call: floor" "$name-floor" "$name-plain" "$calls"
			percall "  added per call: strace -f" "$name-strace" "$name-plain" "$calls"
			percall "  added per call: bpftrace" "$name-bpftrace" "$name-plain" "$calls"
		fi
	done
}
print_rows record_rows
rm -f "$W"/*.runs

# --- 2. the report program against the plain one, allowed syscalls ------------------------------
# One call's time as bench/syscall_loop -r measures it inside the filtered process: the fastest of
# 50 slices, so exec's compile, the reporter's start and whatever else the machine runs stay out of
# it; in ps, so the samples stay integers. The 1-instruction program (RET ALLOW) tells what any
# filter costs a call from what the profile's instructions cost.
CALLS=$((100000 / SCALE))
EXEC=("$HOOK" exec -q --profile="$PROFILE" --caps=docker)
printf '\006\000\000\000\000\000\377\177' > "$W/one.bpf"
ONE=("$HOOK" exec -q --bpf="$W/one.bpf")
for _ in $(seq "$ROUNDS"); do
	for sc in getppid personality; do
		while read -r k; do
			sleep 0.02
			case $k in
			0) per_call "$sc-none" "$sc" ;;
			1) per_call "$sc-one" "$sc" "${ONE[@]}" -- ;;
			2) per_call "$sc-plain" "$sc" "${EXEC[@]}" -- ;;
			3) per_call "$sc-report" "$sc" "${EXEC[@]}" --report=enforce -- ;;
			esac
		done < <(seq 0 3 | shuf)
	done
done
if [ -n "${BENCH_KEEP:-}" ]; then
	for f in "$W"/*.runs; do cp "$f" "$BENCH_KEEP/report-$(basename "$f")"; done
fi

# nsrow LABEL VARIANT ANCHOR: ns per call, ratio to the anchor [95% interval].
nsrow() {
	stat_of "$2" "$3"
	awk -v l="$1" -v m="${REPLY[0]}" -v r="${REPLY[1]}" -v lo="${REPLY[2]}" -v hi="${REPLY[3]}" \
		'BEGIN {printf "  %-50s %8.1f ns  %7sx  [%s-%s]\n", l, m / 1e3, r, lo, hi}'
}
# nsdiff LABEL VARIANT ANCHOR: the median of the per-round differences, ns per call [95% interval],
# and whether that interval holds zero (not judged from a smoke run's few rounds).
nsdiff() {
	stat_of --diff "$2" "$3"
	awk -v l="$1" -v m="${REPLY[0]}" -v lo="${REPLY[1]}" -v hi="${REPLY[2]}" -v smoke=$((SCALE > 1)) \
		'BEGIN {v = (lo <= 0 && hi >= 0) ? "(no measurable difference)" : "(the interval excludes 0)"
			if (smoke) v = "(smoke run: too few rounds to judge)"
			printf "  %-50s %+8.1f ns  [%+.1f..%+.1f] %s\n", l, m / 1e3, lo / 1e3, hi / 1e3, v}'
}
report_rows() {
	local sc
	echo
	echo "Report program against the plain one on allowed syscalls: ns per call (fastest of 50 slices of"
	echo "$CALLS calls, median of $ROUNDS runs); exec --profile=docker-default.json --caps=docker"
	for sc in getppid personality; do
		case $sc in
		getppid) echo "  getppid (allowed unconditionally: the kernel's action cache answers it)" ;;
		personality) echo "  personality(0xffffffff) (allowed for five values: the program runs)" ;;
		esac
		nsrow "  unfiltered" "$sc-none" "$sc-plain"
		nsrow "  a 1-instruction program (RET ALLOW)" "$sc-one" "$sc-plain"
		nsrow "  exec, the profile's program (anchor)" "$sc-plain" "$sc-plain"
		nsrow "  exec --report=enforce, the report program" "$sc-report" "$sc-plain"
		nsdiff "  report - plain, per-round difference" "$sc-report" "$sc-plain"
	done
	echo "  (target: no measurable difference)"
}
print_rows report_rows
