#!/usr/bin/env bats
# Attacks on init mode that its checks do not stop today. Each test performs the attack with the
# real runtime (runc through seccomp-hook-runtime) and asserts the secure outcome, so it fails
# until the product stops the attack.
# Needs root.
bats_require_minimum_version 1.5.0
load lib

STATUS='grep -E "^(NoNewPrivs|Cap[A-Za-z]+|Seccomp|Seccomp_filters):" /proc/self/status'

setup() {
	require_root_and runc jq busybox
	T=$(mktemp -d /tmp/sh-rt.XXXXXX)
	mkdir -p "$T/profiles" "$T/runc-state"
	deny_mkdir_profile "$T/profiles/deny-mkdir.json"
	WRAP=("$SH_BUILDDIR/seccomp-hook-runtime" --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER"
		--state-dir="$T/wrapper-state" --seal-key="$T/key/seal.key" --loader-store="$T/store")
}

teardown() {
	for c in r1 r2; do
		runc --root "$T/runc-state" delete -f $c > /dev/null 2>&1 || true
	done
	grep -F " $T/" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2> /dev/null || true
	rm -rf "$T"
}

wrap() {
	"${WRAP[@]}" --root "$T/runc-state" "$@" < /dev/null
}

# A file that, run in place of the loader, shows that it ran and with what.
PLANT='printf "#!/bin/sh\necho PLANTED > /out/planted; grep -E \"^(CapEff|Seccomp):\" /proc/self/status >> /out/planted\n" > /tmp/init; chmod +x /tmp/init'

@test "attack: an image whose /.seccomp-hook is a symbolic link cannot make a later exec run its own file in the loader's place" {
	# The image ships /.seccomp-hook -> /hk. runc resolves mount destinations through links inside
	# the rootfs, so the loader's tmpfs is mounted at /hk and /.seccomp-hook stays a link in the
	# container's own writable rootfs. PID 1 (filtered, no CAP_SYS_ADMIN) points the link at /tmp,
	# where it wrote its own "init".
	swap="$PLANT; rm /.seccomp-hook && ln -s /tmp /.seccomp-hook && echo swapped > /out/swapped; exec sleep 60"
	make_bundle "$T/b" "$(jq -n --arg s "$swap" '["sh", "-c", $s]')"
	mkdir "$T/b/rootfs/hk"
	ln -s /hk "$T/b/rootfs/.seccomp-hook"
	# (Its output goes to files: a detached container would hold bats' pipe open.)
	wrap --default-profile=deny-mkdir run -d -b "$T/b" r1 > "$T/create.out" 2>&1 || true
	cat "$T/create.out"
	for i in $(seq 100); do [ -e "$T/b/out/swapped" ] && break; sleep 0.05; done
	# An ordinary exec (no extra capability asked for), as docker exec or a probe would make it.
	run wrap exec r1 sh -c "$STATUS"
	echo "exec: $status $output"
	cat "$T/b/out/planted" 2> /dev/null || true
	# Secure: the container's own file never runs in the loader's place (today it runs, unfiltered,
	# with the CAP_SYS_ADMIN and CAP_SETPCAP lent to the loader).
	[ ! -e "$T/b/out/planted" ]
}

@test "attack: a mount namespace entry whose \"Path\" Go reads as its path is refused or gets runtime mode, never init mode" {
	# runc reads linux.namespaces with Go's encoding/json, which takes "Path" for "path": this
	# container joins another mount namespace (here the host's), where nothing keeps the loader's
	# path the container's alone. The transform reads only "path", sees a namespace of its own and
	# keeps init mode; "path" spelt that way gets runtime mode (the second run shows the rule).
	runc spec -b "$T"
	for key in Path path; do
		jq --arg k "$key" '.linux.namespaces = [.linux.namespaces[] | select(.type != "mount")] + [{"type": "mount", ($k): "/proc/1/ns/mnt"}]
			| .annotations = {"org.seccomp-hook.profile": "deny-mkdir", "org.seccomp-hook.mode": "init"}' \
			"$T/config.json" > "$T/ns-$key.json"
		run --separate-stderr "$BIN" precreate --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" \
			--seal-key="$T/key/seal.key" --loader-store="$T/store" < "$T/ns-$key.json"
		echo "$key: $status $stderr"
		jq -r '.annotations["org.seccomp-hook.applied"]' <<< "$output" > "$T/applied-$key" || true
		cat "$T/applied-$key"
	done
	grep -q "^deny-mkdir runtime " "$T/applied-path"
	# Secure: refused (Go would read another member than the transform) or runtime mode.
	[ ! -s "$T/applied-Path" ] || grep -q "^deny-mkdir runtime " "$T/applied-Path"
}

@test "attack: a container sharing another's PID namespace cannot replace the loader that container's execs run" {
	# Two containers of one pod with a shared PID namespace (Kubernetes' shareProcessNamespace, docker
	# run --pid=container:A), both in init mode under a filter that keeps it, neither with an extra
	# capability. B reaches A's root through /proc/1/root. /.seccomp-hook is a mount point only in
	# A's mount namespace, so B may rename it (rename(2) refuses only local mount points) and put a
	# directory of its own, with its own init, in its place.
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [' "$NO_ESCAPE_RULES" ']}' > "$T/profiles/no-escape.json"
	make_bundle "$T/a" '["sleep", "60"]'
	wrap --default-profile=no-escape run -d -b "$T/a" r1 > "$T/a.out" 2>&1
	jq -r '.annotations["org.seccomp-hook.applied"]' "$T/a/config.json" # today: no-escape init sha256:...
	pid=$(runc --root "$T/runc-state" state r1 | jq .pid)
	swap='mv /proc/1/root/.seccomp-hook /proc/1/root/.moved && mkdir /proc/1/root/.seccomp-hook && printf "#!/bin/sh\necho PLANTED > /out/planted; grep -E \"^(CapEff|Seccomp):\" /proc/self/status >> /out/planted\n" > /proc/1/root/.seccomp-hook/init && chmod +x /proc/1/root/.seccomp-hook/init && echo swapped'
	make_bundle "$T/b" "$(jq -n --arg s "$swap" '["sh", "-c", $s]')"
	set_config "$T/b" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' --arg p "/proc/$pid/ns/pid"
	run wrap --default-profile=no-escape run -b "$T/b" r2
	echo "B: $status $output"
	jq -r '.annotations["org.seccomp-hook.applied"]' "$T/b/config.json" # today: init mode too
	# A's /out is where A's planted init would write.
	run wrap exec r1 sh -c "$STATUS"
	echo "exec into A: $status $output"
	cat "$T/a/out/planted" 2> /dev/null || true
	# Secure: B's file never runs as A's loader (today it does, unfiltered, with CAP_SYS_ADMIN).
	[ ! -e "$T/a/out/planted" ]
}

@test "attack: runtime.conf and the loader reached through a directory another user owns are refused" {
	# The checks judge the file a path resolves to and that file's directories, not the path as
	# given: a link in a directory another user owns (here nobody's) passes while it points at a
	# root-owned file, and that user repoints it whenever they like (between the check and the
	# read, or at any root-owned file: another program as "the loader").
	mkdir -p "$T/conf" "$T/user"
	printf 'default-profile = deny-mkdir\n' > "$T/conf/runtime.conf"
	cp "$LOADER" "$T/conf/seccomp-hook-init"
	chmod 0755 "$T" "$T/conf"
	chown 65534 "$T/user"
	ln -s "$T/conf/runtime.conf" "$T/user/runtime.conf"
	ln -s "$T/conf/seccomp-hook-init" "$T/user/seccomp-hook-init"
	make_bundle "$T/b" '["true"]'
	run wrap --config="$T/user/runtime.conf" run -b "$T/b" r1
	echo "config: $status $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/user"* ]]
	make_bundle "$T/c" '["true"]'
	run wrap --loader="$T/user/seccomp-hook-init" --default-profile=deny-mkdir run -b "$T/c" r2
	echo "loader: $status $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/user"* ]]
}
