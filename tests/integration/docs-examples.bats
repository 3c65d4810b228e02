#!/usr/bin/env bats
# Every example of README.md and the man pages, run as a newcomer would after `make install`: the
# shell examples exit 0 (diff's 1 is its answer), the transcripts print what they show, the
# configuration blocks parse. tests/docs/run-examples.py says how (a private mount namespace
# standing for a fresh machine with this build installed, the engines started with the documents'
# own configuration) and lists, with the reason, the few examples that cannot run on one machine.

load lib

setup_file() {
	require_root_and runc dockerd containerd ctr podman nginx busybox jq python3
	DOCS=$(mktemp -d /tmp/sh-docs-root.XXXXXX)
	export DOCS
	make -s -C "$SH_BUILDDIR" install DESTDIR="$DOCS/root" > "$DOCS/install.log" 2>&1 || {
		cat "$DOCS/install.log"
		return 1
	}
	DOCS_PREFIX=$(sed -n 's/^prefix = //p' "$SH_BUILDDIR/Makefile")
	export DOCS_ROOT="$DOCS/root" DOCS_PREFIX
}

teardown_file() {
	rm -rf "${DOCS:?}"
}

examples() {
	run timeout -k 10 900 python3 "$SH_SRCDIR/tests/docs/run-examples.py" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "README.md: every example works as written" {
	examples "$SH_SRCDIR/README.md"
}

@test "man seccomp-hook: every example works as written" {
	examples "$SH_BUILDDIR/man/seccomp-hook.1"
}

@test "man seccomp-hook-runtime and seccomp-hook-init: every example works as written" {
	examples "$SH_BUILDDIR/man/seccomp-hook-runtime.1" "$SH_BUILDDIR/man/seccomp-hook-init.8"
}
