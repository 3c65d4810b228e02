#!/bin/bash
# make fuzz: run each libFuzzer target for FUZZ_SECONDS on a corpus seeded from the project's own
# profiles, the bad-profile corpus, the upstream profiles and runtime configs. Fails on any crash,
# leak, timeout or sanitizer report (libFuzzer exits non-zero and leaves crash-* files). Then the
# differential test of compiled programs against their rules, at length (below).
set -euo pipefail
B=${SH_BUILDDIR:?}
S=${SH_SRCDIR:?}
UP=${SH_UPSTREAM:-$B/tests/fixtures}
SECONDS_EACH=${FUZZ_SECONDS:-60}
W="$B/fuzz-work"
rm -rf "$W"
mkdir -p "$W/profile" "$W/config" "$W/artifacts"
cp "$S"/profiles/*.json "$S"/tests/bad/*.json "$S"/tests/lint/*.json "$S"/fuzz/seeds/*.json "$W/profile/"
cp "$UP"/*.json "$W/profile/" 2>/dev/null || true
# Runtime configs: a runc spec with and without the annotations, in both modes.
(cd "$W" && runc spec 2>/dev/null && mv config.json spec.json) || echo '{"ociVersion":"1.0.2","process":{"args":["sh"]}}' > "$W/spec.json"
cp "$W/spec.json" "$W/config/plain.json"
for mode in runtime init; do
	jq --arg m $mode '.annotations = {"org.seccomp-hook.profile": "p", "org.seccomp-hook.mode": $m}' "$W/spec.json" \
		> "$W/config/$mode.json"
done
jq '.annotations = {"org.seccomp-hook.profile": "../p"}' "$W/spec.json" > "$W/config/bad-name.json"
# libseccomp-internal leaks are suppressed (see fuzz/lsan.supp); our own contexts are counted.
export LSAN_OPTIONS="suppressions=$S/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
status=0
for t in profile config; do
	echo "fuzz_$t: ${SECONDS_EACH}s on $(find "$W/$t" -mindepth 1 | wc -l) seeds"
	if ! "$B/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$W/artifacts/$t-" "$W/$t" > "$W/$t.log" 2>&1; then
		echo "fuzz_$t FAILED:"
		tail -40 "$W/$t.log"
		status=1
	else
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$W/$t.log" | sed "s/^/  /"
	fi
done
failed=$(find "$W/artifacts" -mindepth 1 | wc -l)
echo "fuzz: $((2 - (status != 0))) passed, $((status != 0)) failed ($failed crash artifacts)"
# The differential test of every program against its rules (tests/test_verify.c), at length: VERIFY_SETS
# random rule sets (100,000 by default) compiled through the product and run at the boundary values of
# every condition, in one shard per CPU, each from its own seed (printed: SH_VERIFY_SEED=N
# SH_VERIFY_SETS=M tests/test_verify --filter 'differential/*' replays a shard).
[ -x "$B/tests/test_verify" ] || { echo "differential: tests/test_verify is missing (configure with the tests)"; exit 1; }
sets=${VERIFY_SETS:-100000}
shards=$(nproc)
base=${VERIFY_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "differential: $sets sets in $shards shards from seed $base"
pids=()
for i in $(seq 0 $((shards - 1))); do
	SH_VERIFY_SEED=$((base + i)) SH_VERIFY_SETS=$(( (sets + shards - 1) / shards )) \
		"$B/tests/test_verify" --filter 'differential/*' > "$W/differential-$i.log" 2>&1 &
	pids+=($!)
done
for i in "${!pids[@]}"; do
	if wait "${pids[$i]}"; then
		grep "^differential:" "$W/differential-$i.log" | sed "s/^/  /"
	else
		echo "differential shard $i (seed $((base + i))) FAILED:"
		tail -20 "$W/differential-$i.log"
		status=1
	fi
done
exit $status
