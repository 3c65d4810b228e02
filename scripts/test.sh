#!/bin/bash
# The test command: install dependencies, build with warnings as errors, run every test (unit,
# CLI corpus, schema, real kernel, real runc/crun/podman), then `make distcheck`.
# Run as root on Debian 12: the kernel and runtime tests need it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

autoreconf -fi >/dev/null
mkdir -p build
cd build
../configure --enable-werror >/dev/null
# The linters (shellcheck, the bats assertions that cannot fail) take seconds: first.
make lint
make -j"$(nproc)" >/dev/null
status=0
make -j"$(nproc)" check || status=$?
if [ $status -ne 0 ]; then
	cat test-suite.log || true
fi
bash ../tests/summary.sh . || status=1
[ $status -ne 0 ] && exit $status

# README's first command, the main job, on this build (scripts/check-demo.sh says what it must show).
cd ..
scripts/demo.sh > build/demo.log 2>&1 || { echo "scripts/demo.sh failed"; cat build/demo.log; exit 1; }
scripts/check-demo.sh build/demo.log
cd build
# The release tarball builds, installs and passes the same tests out of tree.
# On failure, show this run's own record (a second run could pass and hide a flaky failure).
if ! make distcheck > distcheck.log 2>&1; then
	echo "make distcheck failed"
	cat seccomp-hook-*/_build/sub/test-suite.log 2>/dev/null || tail -60 distcheck.log
	exit 1
fi
echo "make distcheck: ok"

# The Debian package built from the release tarball (lintian, then installed, the demo run on the
# installed paths, removed and purged), and the Kubernetes node image (built offline, its installer run
# as the DaemonSet runs it, containerd running pods on what it installed). Each prints its time.
for t in check-deb check-node-image; do
	start=$SECONDS
	if ! make "$t" > "$t.log" 2>&1; then
		echo "make $t failed"
		tail -80 "$t.log"
		exit 1
	fi
	grep -E '^(ok|not ok) ' "$t.log"
	echo "make $t: ok ($((SECONDS - start)) s)"
done

# valgrind on the unit tests of the reader, resolver and cache (valgrind does not implement
# seccomp(2), which libseccomp probes, so the translator's tests run under the sanitizers instead).
for t in test_json test_resolve test_cache; do
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --trace-children=yes \
		"tests/$t" > "tests/$t.valgrind.txt" 2>&1 || { echo "valgrind: tests/$t failed"; tail -40 "tests/$t.valgrind.txt"; exit 1; }
done
echo "valgrind: 3 passed, 0 failed"

# The benchmark runs end to end (a few rounds: it is a smoke test here; `make bench` for figures).
if ! make bench ROUNDS=3 || ! make bench-starts ROUNDS=3; then
	echo "make bench failed"
	exit 1
fi

# Fuzzing: each libFuzzer target for a bounded time; any crash, leak or sanitizer report fails.
make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}"

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
cd ..
mkdir -p build-asan
cd build-asan
../configure --enable-werror --enable-asan --enable-ubsan >/dev/null
make -j"$(nproc)" >/dev/null
make -j"$(nproc)" check >/dev/null 2>&1 || { cat test-suite.log; bash ../tests/summary.sh . ; exit 1; }
echo "sanitizers (ASan+UBSan):"
bash ../tests/summary.sh .
cd ../build
bash ../tests/summary.sh .
