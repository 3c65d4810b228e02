#!/bin/bash
# Gather the upstream test fixtures into DIR under stable names: the real profiles and schema that
# Debian's packages of Docker, containers/common, runc and the runtime-spec install, untouched, plus a
# config.json written by `runc spec` with runc's test profile embedded (no package ships the
# runtime-spec's example config). A missing file is an error naming the package that provides it.
#   scripts/fixtures.sh DIR
set -euo pipefail
out=${1:?usage: fixtures.sh DIR}
go=/usr/share/gocode/src/github.com
docker=$go/docker/docker/profiles/seccomp
common=$go/containers/common/pkg/seccomp
runc=$go/opencontainers/runc/tests/integration/testdata
spec=$go/opencontainers/runtime-spec/schema

# stable name | file | Debian package that installs it
table="docker-default.json|$docker/default.json|golang-github-docker-docker-dev
docker-example.json|$docker/fixtures/example.json|golang-github-docker-docker-dev
docker-conditional-include.json|$docker/fixtures/conditional_include.json|golang-github-docker-docker-dev
docker-default-old-format.json|$docker/fixtures/default-old-format.json|golang-github-docker-docker-dev
podman-default.json|$common/seccomp.json|golang-github-containers-common-dev
podman-example.json|$common/fixtures/example.json|golang-github-containers-common-dev
runc-syscall-test1.json|$runc/seccomp_syscall_test1.json|golang-github-opencontainers-runc-dev
runc-syscall-test2.json|$runc/seccomp_syscall_test2.json|golang-github-opencontainers-runc-dev
runtime-spec-schema|$spec|golang-github-opencontainers-specs-dev"

fail() { echo "fixtures: $*" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "${out%/}.tmp.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
while IFS='|' read -r name file pkg; do
	[ -e "$file" ] || fail "$file is missing: install the Debian package $pkg (scripts/deps.sh does)"
	ln -s "$file" "$tmp/$name"
done <<<"$table"

command -v runc >/dev/null || fail "runc is missing: install the Debian package runc (scripts/deps.sh does)"
command -v jq >/dev/null || fail "jq is missing: install the Debian package jq (scripts/deps.sh does)"
(cd "$tmp" && runc spec && mv config.json spec.json)
jq --slurpfile p "$runc/seccomp_syscall_test1.json" '.linux.seccomp = $p[0]' "$tmp/spec.json" >"$tmp/runtime-spec-config.json"
rm "$tmp/spec.json"
{
	echo "# fixture | source | Debian package, version"
	while IFS='|' read -r name file pkg; do
		echo "$name | $file | $pkg $(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo '?')"
	done <<<"$table"
	echo "runtime-spec-config.json | runc spec + runc-syscall-test1.json | runc $(dpkg-query -W -f='${Version}' runc 2>/dev/null || echo '?')"
} >"$tmp/SOURCES.txt"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
