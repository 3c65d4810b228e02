#!/bin/bash
# upstream-seccomp-tests.sh RUNC_SRC CRUN_SRC BUILDDIR [MODE...]: run runc's and crun's own seccomp
# test suites through BUILDDIR/seccomp-hook-runtime, as docs/parity.md describes, and print each
# suite's TAP and its pass count. Needs root, runc, crun, bats, jq, gcc, go, script(1), busybox-static
# and Debian's golang-github-* sources in /usr/share/gocode (for runc's seccomp agent).
#   RUNC_SRC: a checkout of runc at v1.1.5 (tests/integration, contrib/cmd are read, never changed)
#   CRUN_SRC: a checkout of crun whose tests/test_seccomp.py is the one to run (1.26 has twelve cases)
#   MODE: plain (the runtime alone), runtime, init, init-forced (runc's profiles with what init mode
#         needs denied added, so that the loader is used); default: all four.
# Everything runs in private directories under one mktemp -d; nothing is written to the checkouts but
# crun's harness's own test directories (which it removes).
set -euo pipefail
if [ $# -lt 3 ]; then
	echo "usage: upstream-seccomp-tests.sh RUNC_SRC CRUN_SRC BUILDDIR [MODE...]" >&2
	exit 2
fi
RUNC_SRC=$(realpath "$1") CRUN_SRC=$(realpath "$2") BUILD=$(realpath "$3")
shift 3
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(plain runtime init init-forced)
W=$(mktemp -d /tmp/upstream-seccomp.XXXXXX)
cleanup() {
	local m
	for m in "$W"/*/loader/*; do umount "$m" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT

# What init mode needs denied (tests/integration/lib.bash's NO_ESCAPE_RULES, with the 32-bit umount).
NO_ESCAPE='[{"names": ["unshare", "setns", "mount", "umount", "umount2", "pivot_root", "open_tree", "move_mount",
 "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
 {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
 {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 0, "value": 268435456, "valueTwo": 268435456, "op": "SCMP_CMP_MASKED_EQ"}]},
 {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 0, "value": 131072, "valueTwo": 131072, "op": "SCMP_CMP_MASKED_EQ"}]}]'

# runc's suite, laid out as it expects: its files, a busybox image, its agent and recvtty built here.
prepare_runc() {
	local r="$W/runc" applet
	mkdir -p "$r/tests" "$r/contrib/cmd/seccompagent" "$r/contrib/cmd/recvtty" "$W/img/bin" "$W/img/etc" "$W/gopath/src"
	cp -r "$RUNC_SRC/tests/integration" "$r/tests/"
	cp /bin/busybox "$W/img/bin/busybox"
	for applet in $("$W/img/bin/busybox" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$W/img/bin/$applet"
	done
	echo "root:x:0:0:root:/root:/bin/sh" > "$W/img/etc/passwd"
	tar -C "$W/img" -cf "$W/busybox.tar" .
	printf '#!/bin/sh\necho BUSYBOX_IMAGE=%s\necho DEBIAN_IMAGE=/nonexistent\n' "$W/busybox.tar" > "$r/tests/integration/get-images.sh"
	chmod +x "$r/tests/integration/get-images.sh"
	cp -r "$RUNC_SRC/contrib/cmd/seccompagent" "$W/gopath/src/sa"
	cp -r "$RUNC_SRC/contrib/cmd/recvtty" "$W/gopath/src/rt"
	cp "$RUNC_SRC/contrib/cmd/seccompagent/gen-seccomp-example-cfg.sh" "$r/contrib/cmd/seccompagent/"
	(cd "$W/gopath/src" && export GOPATH="$W/gopath:/usr/share/gocode" GO111MODULE=off GOCACHE="$W/gocache" &&
		go build -tags seccomp -o "$r/contrib/cmd/seccompagent/seccompagent" sa &&
		go build -o "$r/contrib/cmd/recvtty/recvtty" rt)
}

# crun's suite: its test files and its test init, built here.
prepare_crun() {
	mkdir -p "$W/crun/tests"
	cp "$CRUN_SRC/tests/test_seccomp.py" "$CRUN_SRC/tests/tests_utils.py" "$CRUN_SRC/tests/init.c" "$W/crun/tests/"
	touch "$W/crun/tests/config.h"
	gcc -static -O2 -I"$W/crun/tests" -DHAVE_ERROR_H -DHAVE_LINUX_IOPRIO_H -o "$W/crun/tests/init" "$W/crun/tests/init.c"
}

# wrapper_args DIR MODE RUNTIME: the wrapper with its private directories under DIR.
wrapper_args() {
	printf '%q ' "$BUILD/seccomp-hook-runtime" "--mode=$2" "--runtime-path=$3" "--cache-dir=$1/cache" \
		"--loader=$BUILD/seccomp-hook-init" "--loader-store=$1/loader" "--state-dir=$1/state" \
		"--seal-key=$1/seal.key" "--agents-dir=$1/agents"
}

run_runc_suite() {
	local mode=$1 d="$W/runc-$1" runtime=/usr/sbin/runc
	mkdir -p "$d/tmp" "$d/loader"
	if [ "$mode" != plain ]; then
		runtime="$d/runc"
		{
			echo '#!/bin/bash'
			if [ "$mode" = init-forced ]; then
				printf 'NO_ESCAPE=%q\n' "$NO_ESCAPE"
				# shellcheck disable=SC2016 # for the shim to expand
				echo 'for a in "$@"; do case $a in run|create) if [ -f config.json ] && jq -e .linux.seccomp config.json >/dev/null; then jq --argjson r "$NO_ESCAPE" ".linux.seccomp.syscalls = ((.linux.seccomp.syscalls // []) + \$r)" config.json > config.json.x && mv config.json.x config.json; fi; break;; esac; done'
			fi
			echo "exec $(wrapper_args "$d" "${mode%-forced}" /usr/sbin/runc) \"\$@\""
		} > "$runtime"
		chmod +x "$runtime"
	fi
	echo "== runc $(runc --version | head -1 | cut -d' ' -f3): $mode"
	(cd "$W/runc/tests/integration" && RUNC=$runtime TMPDIR="$d/tmp" \
		script -qec 'bats --tap seccomp.bats seccomp-notify.bats seccomp-notify-compat.bats' /dev/null | tr -d '\r') |
		tee "$W/runc-$mode.tap" || true # a failing case is a result, not the end
	echo "passed $(grep '^ok' "$W/runc-$mode.tap" | grep -vc '# skip') of $(grep -c '^ok\|^not ok' "$W/runc-$mode.tap") ($(grep -c '# skip' "$W/runc-$mode.tap") skipped)"
}

run_crun_suite() {
	local mode=$1 d="$W/crun-$1" rt=(/usr/bin/crun) n=0 name out passed=0
	[ "$mode" != init-forced ] || return 0 # crun installs the program itself: nothing to force
	mkdir -p "$d/loader"
	[ "$mode" = plain ] || read -r -a rt <<< "$(wrapper_args "$d" "$mode" /usr/bin/crun)"
	{
		echo '#!/bin/bash'
		# shellcheck disable=SC2016 # for the shim to expand
		echo 'args=(); skip=; for a in "$@"; do if [ -n "$skip" ]; then skip=; args+=(disabled); continue; fi; case $a in --cgroup-manager) args+=("$a"); skip=1;; --cgroup-manager=*) args+=(--cgroup-manager=disabled);; *) args+=("$a");; esac; done'
		printf 'exec unshare -m sh -c %q sh' 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"'
		printf ' %q' "${rt[@]}"
		# shellcheck disable=SC2016 # for the shim to expand
		echo ' "${args[@]}"'
	} > "$d/oci-runtime"
	chmod +x "$d/oci-runtime"
	echo "== crun $(crun --version | head -1 | cut -d' ' -f3): $mode, each case alone (60 s at most)"
	for name in $(cd "$W/crun/tests" && python3 -c 'import test_seccomp as t; print(" ".join(t.all_tests))'); do
		n=$((n + 1))
		out=$(cd "$W/crun" && OCI_RUNTIME="$d/oci-runtime" INIT="$W/crun/tests/init" RUN_TESTS=$name \
			timeout -k 5 60 python3 tests/test_seccomp.py 2>&1) || true
		if grep -q '^ok 1 ' <<< "$out"; then
			echo "ok $n - $name"
			passed=$((passed + 1))
		else
			echo "not ok $n - $name"
			printf '%s\n' "$out" | sed 's/^/#   /'
		fi
	done
	echo "passed $passed of $n"
}

prepare_runc
prepare_crun
for mode in "${MODES[@]}"; do
	run_runc_suite "$mode"
	run_crun_suite "$mode"
done
