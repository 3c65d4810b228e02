#!/bin/bash
# The main job: build seccomp-hook, then start a real busybox container under runc with the project's
# default profile (profiles/default.json), once in each apply mode: runtime mode through `inject`,
# init mode through the runtime wrapper, which also filters a process exec'd into the container.
# Inside, normal work succeeds and a denied syscall (unshare, mount) fails with EPERM. Run as root on
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
	if [ ! -x build/seccomp-hook ] || [ ! -x build/seccomp-hook-init ] || [ ! -x build/seccomp-hook-runtime ]; then
		autoreconf -fi >/dev/null
		mkdir -p build
		(cd build && ../configure --enable-werror >/dev/null && make -j"$(nproc)" >/dev/null)
	fi
	hook=$top/build/seccomp-hook
	inject=("$hook" inject --profiles-dir="$top/profiles" --profile=default)
	wrapper=("$top/build/seccomp-hook-runtime" --profiles-dir="$top/profiles" --default-profile=default
		--cache-dir="$work/cache" --loader="$top/build/seccomp-hook-init" --root "$work/state")
	profile=$top/profiles/default.json
fi
trap 'runc --root "$work/state" delete -f demo >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# A one-file rootfs: busybox-static and its applet links.
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/tmp" "$work/bundle/rootfs/proc" "$work/bundle/rootfs/mnt" "$work/state"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
for a in sh echo cat grep mkdir ls unshare mount rm true sleep; do ln -s busybox "$work/bundle/rootfs/bin/$a"; done
(cd "$work/bundle" && runc spec)

# shellcheck disable=SC2016 # the container's shell expands them
script='echo "hello from $(cat /proc/1/comm), PID $$, in the container";
grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status;
rm -rf /tmp/work; mkdir /tmp/work && echo "normal work: mkdir /tmp/work succeeded";
echo data > /tmp/work/f && cat /tmp/work/f > /dev/null && echo "normal work: file written and read back";
for cmd in "unshare -U true" "mount -t tmpfs none /mnt"; do
	if err=$($cmd 2>&1); then echo "NOT DENIED: $cmd"; exit 1; else echo "denied as expected: $cmd: $err"; fi
done'

# A read-only root with a tmpfs for /tmp: init mode's loader is used only where nothing can rename
# what its path names (a writable root gets runtime mode from the wrapper).
jq --arg s "$script" --arg root "$work/bundle/rootfs" \
   '.process.terminal=false | .process.args=["sh","-c",$s] | .root.path=$root | .root.readonly=true
    | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}]' \
   "$work/bundle/config.json" > "$work/config.json" && mv "$work/config.json" "$work/bundle/config.json"
cp "$work/bundle/config.json" "$work/config.orig.json"

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
