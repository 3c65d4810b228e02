#!/bin/bash
# The main job: build seccomp-hook, then start a real busybox container under runc with the project's
# default profile (profiles/default.json), once in each apply mode: runtime mode through `inject`,
# init mode through the runtime wrapper, which also filters a process exec'd into the container.
# Inside, normal work succeeds and two calls the filter denies fail with EPERM: unshare -U (a user
# namespace) and adjtimex (reading the clock's state). The kernel lets the container make both
# without any capability, as the first run, without a profile, shows: the denials are the filter's.
# (A mount would fail without the filter too: the container lacks CAP_SYS_ADMIN.) Run as root on
# Debian 12.
#
# scripts/demo.sh --installed runs the same against an installed seccomp-hook (the Debian package):
# the commands in /usr/bin, the shipped profiles, /etc/seccomp-hook/runtime.conf, the installed
# loader and the cache in /var/cache/seccomp-hook, with no option naming a path of this tree.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
work=$(mktemp -d /tmp/seccomp-hook-demo.XXXXXX)
if [ "${1:-}" = --installed ]; then
	hook=/usr/bin/seccomp-hook
	inject=("$hook" inject --profile=default)
	wrapper=(/usr/bin/seccomp-hook-runtime --default-profile=default --root "$work/state")
	profile="the installed default.json"
else
	scripts/deps.sh
	# The build: build/ (out of tree), or this directory when ./configure was run here (README's
	# "Building by hand"), which keeps an out-of-tree configure from running.
	out=$top/build
	[ -f config.status ] && out=$top
	if [ ! -x "$out/seccomp-hook" ] || [ ! -x "$out/seccomp-hook-init" ] || [ ! -x "$out/seccomp-hook-runtime" ]; then
		if [ "$out" = "$top" ]; then
			make -j"$(nproc)" >/dev/null
		else
			autoreconf -fi >/dev/null
			mkdir -p build
			(cd build && ../configure --enable-werror >/dev/null && make -j"$(nproc)" >/dev/null)
		fi
	fi
	hook=$out/seccomp-hook
	inject=("$hook" inject --profiles-dir="$top/profiles" --profile=default)
	wrapper=("$out/seccomp-hook-runtime" --profiles-dir="$top/profiles" --default-profile=default
		--cache-dir="$work/cache" --loader="$out/seccomp-hook-init" --root "$work/state")
	profile=$top/profiles/default.json
fi
trap 'runc --root "$work/state" delete -f demo >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# A one-file rootfs: busybox-static and its applet links.
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/tmp" "$work/bundle/rootfs/proc" "$work/state"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
for a in sh echo cat grep mkdir ls unshare adjtimex rm true sleep; do ln -s busybox "$work/bundle/rootfs/bin/$a"; done
(cd "$work/bundle" && runc spec)

# In the container: normal work, then the two calls, which must fail (deny) or succeed (allow: no
# profile). Each failure is printed with its errno's text.
# shellcheck disable=SC2016 # the container's shell expands them
script='echo "hello from $(cat /proc/1/comm), PID $$, in the container";
grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status;
rm -rf /tmp/work; mkdir /tmp/work && echo "normal work: mkdir /tmp/work succeeded";
echo data > /tmp/work/f && cat /tmp/work/f > /dev/null && echo "normal work: file written and read back";
for cmd in "unshare -U true" "adjtimex"; do
	if err=$($cmd 2>&1 >/dev/null); then
		[ "$1" = allow ] || { echo "NOT DENIED: $cmd"; exit 1; }
		echo "allowed without a profile: $cmd"
	else
		[ "$1" = deny ] || { echo "DENIED WITHOUT A PROFILE: $cmd: $err"; exit 1; }
		echo "denied as expected: $cmd: ${err##*: }"
	fi
done'

# A read-only root with a tmpfs for /tmp: init mode's loader is used only where nothing can rename
# what its path names (a writable root gets runtime mode from the wrapper).
jq --arg s "$script" --arg root "$work/bundle/rootfs" \
   '.process.terminal=false | .process.args=["sh","-c",$s,"sh","deny"] | .root.path=$root | .root.readonly=true
    | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}]' \
   "$work/bundle/config.json" > "$work/config.json" && mv "$work/config.json" "$work/bundle/config.json"
cp "$work/bundle/config.json" "$work/config.orig.json"

echo "=== no profile: runc run (the kernel lets the container make both calls)"
jq '.process.args[-1]="allow"' "$work/config.orig.json" > "$work/bundle/config.json"
runc --root "$work/state" run -b "$work/bundle" demo
cp "$work/config.orig.json" "$work/bundle/config.json"

echo "=== runtime mode: seccomp-hook inject --profile=default ($profile), then runc run"
"${inject[@]}" "$work/bundle"
runc --root "$work/state" run -b "$work/bundle" demo
cp "$work/config.orig.json" "$work/bundle/config.json"

# Init mode through the runtime wrapper (how Docker, containerd and podman --runtime use it): the
# loader installs the precompiled program in PID 1, and every exec goes through the loader too.
echo "=== init mode: seccomp-hook-runtime --default-profile=default run"
"${wrapper[@]}" run -b "$work/bundle" demo
jq '.process.args=["sleep","60"]' "$work/config.orig.json" > "$work/bundle/config.json"
"${wrapper[@]}" run -d -b "$work/bundle" demo < /dev/null > /dev/null
echo "=== init mode: seccomp-hook-runtime exec into the running container"
# shellcheck disable=SC2016 # the inner shell expands them
"${wrapper[@]}" exec demo sh -c 'set -- $(grep "^Seccomp:" /proc/self/status);
	if err=$(unshare -U true 2>&1); then echo "NOT DENIED: exec: unshare"; exit 1; fi;
	echo "exec into the init-mode container: Seccomp $2, unshare denied: $err"'
"${wrapper[@]}" delete -f demo
