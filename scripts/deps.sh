#!/bin/bash
# Install what building and testing seccomp-hook needs on Debian 12 (run as root).
set -euo pipefail
pkgs=(build-essential autoconf automake libtool pkg-config
      libseccomp-dev libyajl-dev libcriterion-dev seccomp
      runc crun podman docker.io containerd busybox-static musl-tools qemu-user jq bats python3 python3-jsonschema debhelper lintian
      python3-grpcio python3-protobuf python3-yaml protobuf-compiler
      clang libclang-rt-14-dev valgrind strace bpftrace binutils iproute2 util-linux procps nginx shellcheck
      golang-github-docker-docker-dev golang-github-containers-common-dev
      golang-github-opencontainers-runc-dev golang-github-opencontainers-specs-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# nginx is a workload the tests run inside containers; the host service it may start is not wanted.
	if printf '%s\n' "${missing[@]}" | grep -qx nginx; then
		{ command -v systemctl >/dev/null && systemctl disable --now nginx; } >/dev/null 2>&1 || true
		pkill -x nginx || true
	fi
fi
