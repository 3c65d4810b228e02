#!/usr/bin/env bats
# The Debian package (DEB, built by scripts/package.sh) on this machine: apt-get installs it at the
# paths podman, CRI-O and containerd read, with the owners and modes the security of init mode needs;
# the demo runs against the installed paths; podman finds the installed hooks.d definitions by
# itself; apt-get remove and purge leave nothing behind. It changes the system, so it is not part of
# make check: scripts/package.sh runs it. Needs root; refuses to run over an installation it did not
# make.
bats_require_minimum_version 1.5.0

# What the package owns, all gone after a purge, and what its scripts make and remove. The cache and
# /var/lib/seccomp-hook are also where an uninstalled build's defaults point, so tests running
# beside this one may make them again at any time: what the package's scripts removed is told by a
# marker left in them, not by their absence.
PKG_DIRS="/etc/seccomp-hook /usr/libexec/seccomp-hook /usr/share/seccomp-hook /usr/share/doc/seccomp-hook"
DATA_DIRS="/var/cache/seccomp-hook /var/lib/seccomp-hook"

installed() {
	dpkg-query -W -f='${db:Status-Status}' seccomp-hook 2>/dev/null
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; return 1; }
	[ -f "$DEB" ] || { echo "no package: DEB=$DEB" >&2; return 1; }
	local st d
	st=$(installed) || st=
	if [ -n "$st" ] && [ "$st" != not-installed ]; then
		echo "seccomp-hook is already installed here ($st): this test installs and purges it" >&2
		return 1
	fi
	for d in /etc/seccomp-hook /usr/libexec/seccomp-hook /usr/share/seccomp-hook; do
		if [ -e "$d" ]; then
			echo "$d exists: this test installs and purges the package there" >&2
			return 1
		fi
	done
	export DEBIAN_FRONTEND=noninteractive
}

teardown_file() {
	apt-get purge -y -qq seccomp-hook > /dev/null 2>&1 || true
}

# mode_owner PATH: "MODE USER:GROUP"
mode_owner() {
	stat -c '%a %U:%G' "$1"
}

@test "apt-get install puts every file where the engines read it, with its owner and mode" {
	run apt-get -o DPkg::Lock::Timeout=120 install -y -qq "$DEB"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(installed)" = installed ]
	for f in /usr/bin/seccomp-hook /usr/bin/seccomp-hook-runtime /usr/libexec/seccomp-hook/seccomp-hook-init; do
		[ "$(mode_owner "$f")" = "755 root:root" ]
	done
	# The loader runs inside containers' root file systems: it needs no library.
	run readelf -d /usr/libexec/seccomp-hook/seccomp-hook-init
	[[ "$output" == *"There is no dynamic section"* ]]
	for s in precreate prestart poststart; do
		f=/usr/share/containers/oci/hooks.d/seccomp-hook-$s.json
		[ "$(mode_owner "$f")" = "644 root:root" ]
		[ "$(jq -r .hook.path "$f")" = /usr/bin/seccomp-hook ]
	done
	[ "$(mode_owner /etc/seccomp-hook/runtime.conf)" = "644 root:root" ]
	dpkg-query -W -f='${Conffiles}\n' seccomp-hook | grep -q '^ /etc/seccomp-hook/runtime.conf '
	[ "$(mode_owner /etc/seccomp-hook/profiles)" = "755 root:root" ]
	# Whoever can write the cache chooses the filter.
	[ "$(mode_owner /var/cache/seccomp-hook)" = "700 root:root" ]
	for p in default web-server deny-dangerous log-all; do
		[ "$(mode_owner "/usr/share/seccomp-hook/profiles/$p.json")" = "644 root:root" ]
	done
	seccomp-hook check --strict /usr/share/seccomp-hook/profiles/*.json
	# The wrapper's built-in defaults are the installed paths; the man pages name them.
	run seccomp-hook-runtime --help
	[[ "$output" == *"--loader=PATH"*"(default /usr/libexec/seccomp-hook/seccomp-hook-init)"* ]]
	[[ "$output" == *"(default /etc/seccomp-hook/runtime.conf, if it exists)"* ]]
	[[ "$output" == *"(default /var/cache/seccomp-hook)"* ]]
	[ "$(man -w seccomp-hook-runtime)" = /usr/share/man/man1/seccomp-hook-runtime.1.gz ]
	[ "$(man -w 8 seccomp-hook-init)" = /usr/share/man/man8/seccomp-hook-init.8.gz ]
	zgrep -q /usr/libexec/seccomp-hook/seccomp-hook-init /usr/share/man/man1/seccomp-hook-runtime.1.gz
}

@test "the demo runs against the installed commands, profiles, runtime.conf, loader and cache" {
	run "$SH_SRCDIR/scripts/demo.sh" --installed
	echo "$output" | tee "$BATS_FILE_TMPDIR/demo.log"
	[ "$status" -eq 0 ]
	"$SH_SRCDIR/scripts/check-demo.sh" "$BATS_FILE_TMPDIR/demo.log"
	[[ "$output" == *"inject --profile=default (the installed default.json)"* ]]
	# Init mode compiled the profile into the installed cache, root's alone.
	[ -n "$(find /var/cache/seccomp-hook -type f)" ]
	[ -z "$(find /var/cache/seccomp-hook ! -type l \( -perm /022 -o ! -user root \) -print)" ]
}

@test "podman finds the installed hooks.d definitions by itself: the annotation applies the shipped profile" {
	T=$(mktemp -d /tmp/sh-pkg.XXXXXX)
	# shellcheck source=tests/integration/lib.bash
	source "$SH_SRCDIR/tests/integration/lib.bash"
	setup_podman
	run podman --runtime runc run --rm --pull=never --annotation org.seccomp-hook.profile=default \
		localhost/sh-busybox sh -c 'grep "^Seccomp:" /proc/self/status; unshare -U true 2>&1; echo "unshare-U=$?"' < /dev/null
	echo "$output"
	teardown_podman
	rm -rf "$T"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"unshare-U=1"* ]]
}

# loader_copies: the mounts under /run/seccomp-hook/loader holding the package's loader.
loader_copies() {
	local m
	findmnt -rn -o TARGET | while read -r m; do
		[[ "$m" == /run/seccomp-hook/loader/* ]] || continue
		if cmp -s "$m/init" "$BATS_FILE_TMPDIR/loader"; then echo "$m"; fi
	done
}

# mark DIR: a file in DIR that only the removal of DIR removes.
mark() {
	mkdir -p "$1"
	touch "$1/.package-test"
}

@test "apt-get remove keeps only the configuration; purge leaves nothing of the package" {
	files=$(dpkg-query -L seccomp-hook | while read -r f; do [ -d "$f" ] || echo "$f"; done)
	[ -n "$files" ]
	for d in $DATA_DIRS; do mark "$d"; done
	# The demo's init-mode containers ran the loader from a read-only copy the wrapper mounted.
	cp /usr/libexec/seccomp-hook/seccomp-hook-init "$BATS_FILE_TMPDIR/loader"
	[ -n "$(loader_copies)" ]
	run apt-get -o DPkg::Lock::Timeout=120 remove -y -qq seccomp-hook
	[ "$status" -eq 0 ]
	[ "$(installed)" = config-files ]
	[ -f /etc/seccomp-hook/runtime.conf ]
	[ ! -e /usr/bin/seccomp-hook-runtime ]
	[ ! -e /var/cache/seccomp-hook/.package-test ]
	[ -e /var/lib/seccomp-hook/.package-test ]
	[ -z "$(loader_copies)" ]
	mark /var/cache/seccomp-hook
	run apt-get -o DPkg::Lock::Timeout=120 purge -y -qq seccomp-hook
	[ "$status" -eq 0 ]
	run installed
	[ "$output" != installed ]
	[ "$output" != config-files ]
	for f in $files; do
		echo "left: $f"
		[ ! -e "$f" ]
	done
	for d in $PKG_DIRS; do
		echo "left: $d"
		[ ! -e "$d" ]
	done
	for d in $DATA_DIRS; do
		echo "left: $d"
		[ ! -e "$d/.package-test" ]
	done
}
