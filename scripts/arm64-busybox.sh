#!/bin/bash
# Put Debian's static busybox for arm64 at DIR/busybox, for the tests that run it under qemu-user
# (crossarch.bats). apt-get downloads the package busybox-static:arm64 from the system's sources into
# lists and a cache of its own under DIR, so dpkg's architectures and the system's package lists stay
# as they are. Nothing is downloaded when DIR/busybox is there already.
#   scripts/arm64-busybox.sh DIR
set -euo pipefail
out=${1:?usage: arm64-busybox.sh DIR}
[ -x "$out/busybox" ] && exit 0
mkdir -p "$out"
tmp=$(mktemp -d "$out/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # apt's unprivileged downloader writes the lists
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
apt=(apt-get -qq -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State::Lists="$tmp/lists"
	-o Dir::Cache="$tmp/cache" -o Debug::NoLocking=1)
"${apt[@]}" update
# apt's downloader cannot write into the root-only working directory and says so; the rest it says counts.
cd "$tmp"
"${apt[@]}" download busybox-static 2> "$tmp/download.err" || true
grep -v '^W: Download is performed unsandboxed' "$tmp/download.err" >&2 || true
cd - > /dev/null
debs=("$tmp"/busybox-static_*_arm64.deb)
[ -f "${debs[0]}" ] || { echo "arm64-busybox: Debian's busybox-static for arm64 could not be downloaded" >&2; exit 1; }
dpkg-deb -x "${debs[0]}" "$tmp/root"
cp "$tmp/root/bin/busybox" "$tmp/busybox"
mv "$tmp/busybox" "$out/busybox"
