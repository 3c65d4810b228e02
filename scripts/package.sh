#!/bin/bash
# package.sh TARBALL: the Debian package built from the release tarball as a packager builds it
# (dpkg-buildpackage -us -uc -b, in a private directory: the source tree is not touched), checked with
# lintian (no error may remain), then tests/package/package.bats installs it on this machine with
# apt-get, runs the demo against the installed paths, removes and purges it. Run as root on Debian 12;
# scripts/deps.sh installs what it needs. The packages are left in build/deb (or $DEB_OUT).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tarball=$(realpath "$1")
out=${DEB_OUT:-$top/build/deb}
work=$(mktemp -d /tmp/seccomp-hook-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT

tar -C "$work" -xzf "$tarball"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d)
echo "package: dpkg-buildpackage -us -uc -b in $src"
if ! (cd "$src" && timeout 1200 dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1; then
	tail -60 "$work/build.log"
	echo "package: dpkg-buildpackage failed"
	exit 1
fi
mkdir -p "$out"
rm -f "$out"/seccomp-hook*
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out/"
deb=$(find "$out" -name 'seccomp-hook_*.deb')

# lintian's own exit status is 0 with warnings and 2 with errors; the run is shown either way.
echo "package: lintian $(basename "$out"/*.changes)"
lintian --fail-on error "$out"/*.changes

DEB="$deb" SH_SRCDIR="$top" SH_BUILDDIR="${SH_BUILDDIR:-$top/build}" bats "$top/tests/package/package.bats"
