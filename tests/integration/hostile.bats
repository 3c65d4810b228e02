#!/usr/bin/env bats
# Hostile input, faults and concurrency on the hook side: each refusal is one clear error line, a
# non-zero exit, bounded time and memory, and nothing half-written that a later start could use.
bats_require_minimum_version 1.5.0
load lib

setup() {
	T=$(mktemp -d /tmp/sh-hostile.XXXXXX)
	mkdir -p "$T/profiles" "$T/runc-state"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}, %s]}' \
		"$NO_ESCAPE_RULES" > "$T/profiles/eacces.json"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}, %s]}' \
		"$NO_ESCAPE_RULES" > "$T/profiles/eperm.json"
	# The spec's root: a directory of its own, read-only (so init mode can use the loader).
	(cd "$T" && runc spec && jq --arg r "$T/rootfs" '.root = {"path": $r, "readonly": true}' config.json > spec.json && rm config.json)
	mkdir -p "$T/rootfs"
	RSS="$SH_BUILDDIR/tests/peak_rss"
}

teardown() {
	umount "$T/small" 2>/dev/null || true
	umount "$T/shared" 2>/dev/null || true
	rm -rf "$T"
}

annotated() { # NAME [MODE]
	jq --arg p "$1" --arg m "${2:-runtime}" '.annotations = {"org.seccomp-hook.profile": $p, "org.seccomp-hook.mode": $m}' "$T/spec.json"
}

precreate() {
	"$BIN" precreate --runtime=wrapper --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" "$@"
}

# refused DESCRIPTION STDIN_FILE EXPECTED_TEXT: precreate exits non-zero within 10 s, writes nothing
# to stdout, one line to stderr containing the text, and peaks under 256 MiB.
refused() {
	local err rc kib
	kib=$(timeout 10 "$RSS" "$BIN" precreate --runtime=wrapper --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" \
		< "$2" 2> "$T/err") && rc=0 || rc=$?
	err=$(cat "$T/err")
	echo "$1: exit $rc, ${kib} KiB: $err"
	[ "$rc" -ne 0 ]
	[ "$rc" -ne 124 ]
	[ "$(wc -l < "$T/err")" -eq 1 ]
	[[ "$err" == *"$3"* ]]
	[ "${kib:-0}" -lt 262144 ]
}

@test "a 1 GiB profile is refused before it is read" {
	truncate -s 1G "$T/profiles/huge.json"
	annotated huge > "$T/in.json"
	refused "1 GiB profile" "$T/in.json" "more than the limit of 4194304"
	run --separate-stderr timeout 10 "$BIN" check "$T/profiles/huge.json"
	[ "$status" -eq 1 ]
}

@test "a 100,000-deep config and a config over 16 MiB are refused" {
	python3 -c 'print("{\"a\":" + "[" * 100000 + "]" * 100000 + "}")' > "$T/deep.json"
	refused "deep config" "$T/deep.json" "nested too deeply"
	head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' > "$T/big.json"
	refused "17 MiB config" "$T/big.json" "larger than the limit"
}

@test "10^6 names in a profile the hook is asked for" {
	python3 -c '
import json, sys
json.dump({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["n%d" % i for i in range(1000000)], "action": "SCMP_ACT_ALLOW"}]}, open(sys.argv[1], "w"))' \
		"$T/profiles/million.json"
	annotated million > "$T/in.json"
	refused "10^6 names" "$T/in.json" "more than the limit"
}

@test "a profile past BPF's 4096-instruction limit: one error, in check, compile and the hook" {
	python3 -c '
import json, sys
rules = [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 + i % 4000,
          "args": [{"index": 0, "value": i, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": i, "op": "SCMP_CMP_EQ"}]} for i in range(3000)]
json.dump({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": rules}, open(sys.argv[1], "w"))' "$T/profiles/long.json"
	run --separate-stderr timeout 60 "$BIN" compile "$T/profiles/long.json"
	[ "$status" -eq 1 ]
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[[ "$stderr" == *"more than the kernel's limit of 4096"* ]]
	[[ "$stderr" == *"needs at least 6001 BPF instructions"* ]]
	annotated long init > "$T/in.json"
	refused "4096+ instructions" "$T/in.json" "limit of 4096"
	# Under the early bound but over the limit once compiled for three ABIs: libseccomp takes seconds
	# to build it, past the bound on a compile's CPU time, or its result is measured; refused either way.
	python3 -c '
import json, sys
rules = [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
          "args": [{"index": 0, "value": (i << 32) + i, "op": "SCMP_CMP_EQ"}]} for i in range(1400)]
json.dump({"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"architecture": "SCMP_ARCH_X86_64",
           "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}], "syscalls": rules}, open(sys.argv[1], "w"))' "$T/profiles/wide.json"
	run --separate-stderr timeout 120 "$BIN" compile "$T/profiles/wide.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"compiled filter has"*"more than the kernel's limit of 4096"* || "$stderr" == *"libseccomp building the program did not finish within 3000 ms of CPU time"* ]]
	[ "$(grep -c error: <<< "$stderr")" -eq 1 ]
	[ ! -d "$T/cache/bpf" ] || [ -z "$(ls "$T/cache/bpf")" ]
}

@test "NUL bytes, invalid UTF-8 and 64-bit overflows in the config" {
	printf '{"annotations": {"org.seccomp-hook.profile": "eacces\\u0000x"}}' > "$T/nul.json"
	refused "NUL in annotation" "$T/nul.json" "NUL"
	printf '{"annotations": {"org.seccomp-hook.profile": "eacc\xffes"}}' > "$T/utf8.json"
	refused "invalid UTF-8" "$T/utf8.json" "UTF8"
	# Numbers the hook does not interpret pass through exactly, even past 64 bits.
	jq '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 1, "soft": 1}]' "$T/spec.json" \
		| sed 's/"hard": 1/"hard": 99999999999999999999999999/' > "$T/big-number.json"
	run --separate-stderr precreate < "$T/big-number.json"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$T/big-number.json")" ]
	sed 's/"ociVersion"/"annotations": {"org.seccomp-hook.profile": "eacces"}, "ociVersion"/' "$T/big-number.json" > "$T/big-annotated.json"
	run --separate-stderr precreate < "$T/big-annotated.json"
	[ "$status" -eq 0 ]
	# process is not touched by the hook, so it keeps its text (spacing included) as written.
	[[ "$output" == *'"hard": 99999999999999999999999999'* ]]
}

@test "parts of the config the hook does not read are carried over as written, checked only as JSON" {
	# A duplicate key in linux.resources and a NUL in process.env: the hook reads neither (the
	# runtime will), so they pass through byte for byte; in the annotations it reads, both refuse.
	annotated eacces init | jq -c '.linux.resources = {"pids": {"limit": 5}} | .process.env += ["NUL=x"]' \
		| sed -e 's/"pids":{"limit":5}/"pids":{"limit":5},"pids":{"limit":6}/' -e 's/"NUL=x"/"NUL=\\u0000"/' \
		> "$T/loose.json"
	grep -q '"pids":{"limit":5},"pids":{"limit":6}' "$T/loose.json"
	for rt in wrapper crun; do
		run --separate-stderr precreate --runtime=$rt < "$T/loose.json"
		[ "$status" -eq 0 ]
		[[ "$output" == *'"resources":{"pids":{"limit":5},"pids":{"limit":6}}'* ]]
		[[ "$output" == *'"NUL=\u0000"'* ]]
		[[ "$output" == *'"org.seccomp-hook.applied":"eacces init sha256:'* ]]
	done
	sed 's/"org.seccomp-hook.mode":"init"/&,"org.seccomp-hook.mode":"runtime"/' "$T/loose.json" > "$T/dup-annotation.json"
	refused "duplicate annotation" "$T/dup-annotation.json" "duplicate key 'org.seccomp-hook.mode'"
	sed 's/"org.seccomp-hook.mode":"init"/&,"x":"\\u0000"/' "$T/loose.json" > "$T/nul-annotation.json"
	refused "NUL in another annotation" "$T/nul-annotation.json" "NUL"
	# Broken JSON anywhere is refused, read or not.
	sed 's/"pids":{"limit":6}/"pids":{"limit":6,}/' "$T/loose.json" > "$T/broken.json"
	refused "syntax in linux.resources" "$T/broken.json" "invalid JSON"
}

@test "a FIFO or a directory where the profile should be" {
	mkfifo "$T/profiles/fifo.json"
	annotated fifo > "$T/in.json"
	refused "FIFO profile" "$T/in.json" "not a regular file"
	mkdir "$T/profiles/dir.json"
	annotated dir > "$T/in.json"
	refused "directory profile" "$T/in.json" "not a regular file"
}

@test "libseccomp refusing an architecture is one error line" {
	run --separate-stderr "$BIN" compile --arch=loongarch64 "$T/profiles/eacces.json"
	[ "$status" -eq 1 ]
	# What compile resolved the profile for, then the one error.
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ "${stderr_lines[0]}" == "seccomp-hook compile: $T/profiles/eacces.json: resolved for SCMP_ARCH_LOONGARCH64; "* ]]
	[[ "${stderr_lines[1]}" == *"error: libseccomp cannot filter architecture SCMP_ARCH_LOONGARCH64"* ]]
}

@test "a full cache filesystem refuses the container and leaves no file a later start would use" {
	mkdir "$T/small"
	mount -t tmpfs -o size=12k tmpfs "$T/small"
	head -c 1M /dev/zero > "$T/small/filler" 2>/dev/null || true
	annotated eacces init > "$T/in.json"
	run --separate-stderr "$BIN" precreate --runtime=wrapper --profiles-dir="$T/profiles" --cache-dir="$T/small/cache" --loader="$LOADER" < "$T/in.json"
	echo "$stderr"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ -z "$(find "$T/small" -name '*.bpf' -o -name '*.tmp.*' 2>/dev/null)" ]
}

@test "inject killed at random moments: config.json is always the old or the new one" {
	make_bundle "$T/b" '["true"]'
	annotated_cfg=$(jq '.annotations = {"org.seccomp-hook.profile": "eacces", "org.seccomp-hook.mode": "init"}' "$T/b/config.json")
	echo "$annotated_cfg" > "$T/old.json"
	cp "$T/old.json" "$T/b/config.json"
	"$BIN" inject --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" "$T/b"
	new=$(jq -S . "$T/b/config.json")
	old=$(jq -S . "$T/old.json")
	for i in $(seq 40); do
		cp "$T/old.json" "$T/b/config.json"
		if [ $((i % 2)) -eq 0 ]; then rm -rf "$T/cache"; fi
		"$BIN" inject --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" "$T/b" 2>/dev/null &
		pid=$!
		sleep "0.00$((RANDOM % 9))"
		kill -9 $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
		now=$(jq -S . "$T/b/config.json")
		[ "$now" = "$old" ] || [ "$now" = "$new" ] || { diff <(echo "$now") <(echo "$new"); diff <(echo "$now") <(echo "$old"); false; }
		# Every cache entry a later start could pick up verifies.
		for k in "$T"/cache/keys/*; do
			# Temporary names (left by a kill between symlink and rename) are never read by a lookup.
			case $k in *.tmp.*) continue ;; *.flags) [[ $(readlink "$k") =~ ^[0-9]+$ ]]; continue ;; esac
			[ -e "$k" ] || continue
			[ -L "$k.flags" ]
			f=$(readlink -f "$k")
			[ "$(sha256sum < "$f" | cut -d' ' -f1).bpf" = "$(basename "$f")" ]
		done
	done
}

@test "50 containers at once through the runtime wrapper, both modes, two profiles, one cache" {
	mkdir -p "$T/tmpl"
	make_rootfs "$T/tmpl/rootfs"
	(cd "$T/tmpl" && runc spec)
	for i in $(seq 50); do
		b="$T/c$i"
		mkdir -p "$b/out"
		cp -a "$T/tmpl/rootfs" "$b/rootfs"
		prof=$([ $((i % 2)) -eq 0 ] && echo eacces || echo eperm)
		mode=$([ $((i % 4)) -lt 2 ] && echo init || echo runtime)
		jq --arg root "$b/rootfs" --arg out "$b/out" --arg p "$prof" --arg m "$mode" '
			.process.terminal = false | .root.path = $root | .root.readonly = false
			| .process.args = ["sh", "-c", "grep Seccomp: /proc/1/status > /out/result; sysprobe mkdir >> /out/result"]
			| .mounts += [{"destination": "/out", "type": "bind", "source": $out, "options": ["rbind", "rw"]}]
			| .annotations = {"org.seccomp-hook.profile": $p, "org.seccomp-hook.mode": $m}' \
			"$T/tmpl/config.json" > "$b/config.json"
	done
	for i in $(seq 50); do
		"$SH_BUILDDIR/seccomp-hook-runtime" --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" \
			--root "$T/runc-state" run -b "$T/c$i" "c$i" > "$T/c$i/log" 2>&1 < /dev/null &
	done
	wait
	for i in $(seq 50); do
		want=$([ $((i % 2)) -eq 0 ] && echo 13 || echo 1)
		grep -q "Seccomp:	2" "$T/c$i/out/result" || { echo "c$i: $(cat "$T/c$i/out/result" "$T/c$i/log")"; false; }
		grep -q "mkdir=$want" "$T/c$i/out/result" || { echo "c$i: $(cat "$T/c$i/out/result")"; false; }
	done
	# One program per profile in the cache, every key resolving to a file that hashes to its name.
	[ "$(find "$T/cache/bpf" -mindepth 1 | wc -l)" -eq 2 ]
	# Two keys (one per profile), each with its flags link; runtime mode's linux.seccomp texts too.
	[ "$(find "$T/cache/keys" -mindepth 1 ! -name '*.*' | wc -l)" -eq 2 ]
	[ "$(find "$T/cache/oci" -mindepth 1 | wc -l)" -eq 4 ] # each text, and its canonical form
	for k in "$T"/cache/keys/*; do
		case $k in
		*.flags) [ "$(readlink "$k")" = 4 ]; continue ;;
		*.oci | *.canonical) f=$(readlink -f "$k"); [ "$(sha256sum < "$f" | cut -d' ' -f1).json" = "$(basename "$f")" ]; continue ;;
		esac
		[ -L "$k.flags" ]
		f=$(readlink -f "$k")
		[ "$(sha256sum < "$f" | cut -d' ' -f1).bpf" = "$(basename "$f")" ]
	done
	[ -z "$(find "$T/cache" -name '*.tmp.*')" ]
}

# ---- hardening, round two: attacks on the loader, the config reader, the cache, the parser -------

@test "attack: a container holding CAP_SYS_ADMIN cannot replace the host's loader for later containers" {
	sha=$(sha256sum < "$LOADER")
	for who in sys_admin plain; do
		make_bundle "$T/$who" '["sh", "-c", "mount -o remount,rw,bind /.seccomp-hook/init 2>&1; echo remount=$?; echo evil > /.seccomp-hook/init 2>&1; echo write=$?; grep Seccomp: /proc/self/status"]'
		[ $who = plain ] || set_config "$T/$who" '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
		printf '{"defaultAction": "SCMP_ACT_ALLOW"}' > "$T/profiles/allow.json"
		"$BIN" inject --mode=init --allow-unfiltered-exec --profiles-dir="$T/profiles" --profile=eperm \
			--cache-dir="$T/cache" --loader="$LOADER" "$T/$who" 2> "$T/$who.err"
		run runc --root "$T/runc-state" run -b "$T/$who" "c-$who" < /dev/null
		echo "$who: $output $(cat "$T/$who.err")"
		[[ "$output" == *"Seccomp:	2"* ]]
		[[ "$output" == *"write=1"* ]]
		[ "$(sha256sum < "$LOADER")" = "$sha" ]
	done
	# The CAP_SYS_ADMIN container got the filter from runc (runtime mode): no loader to attack.
	grep -q "its process may hold CAP_SYS_ADMIN" "$T/sys_admin.err"
	jq -e '[.mounts[].destination] | index("/.seccomp-hook/init") | not' "$T/sys_admin/config.json"
	# The next, unrelated init-mode container runs the installed loader and its filter.
	make_bundle "$T/next" '["sh", "-c", "grep Seccomp: /proc/self/status; sysprobe mkdir"]'
	"$BIN" inject --mode=init --allow-unfiltered-exec --profiles-dir="$T/profiles" --profile=eacces \
		--cache-dir="$T/cache" --loader="$LOADER" "$T/next"
	run runc --root "$T/runc-state" run -b "$T/next" c-next < /dev/null
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"mkdir=13"* ]]
}

# go_variant FILTER: the spec config with annotations asking for eacces in MODE, edited by FILTER.
go_variant() {
	jq -c --arg m "${2:-init}" '.annotations = {"org.seccomp-hook.profile": "eacces", "org.seccomp-hook.mode": $m}' \
		"$T/spec.json" | python3 -c 'import sys; c = sys.stdin.read().rstrip(); print(c[:-1] + sys.argv[1] + "}")' "$1"
}

@test "attack: members Go's JSON reader matches without case (or with Unicode folding) make the config invalid everywhere" {
	variants=(
		', "Process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}}'
		', "Linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW"}}'
		', "proce\u017fs": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}}'
		', "MOUNTS": []'
		', "annotation\u017f": {"org.seccomp-hook.profile": "unconfined"}'
	)
	for v in "${variants[@]}"; do
		go_variant "$v" > "$T/in.json"
		refused "precreate $v" "$T/in.json" "Go matches member names without regard to case"
		go_variant "$v" runtime > "$T/in.json"
		refused "precreate runtime $v" "$T/in.json" "Go matches member names without regard to case"
		mkdir -p "$T/b"
		cp "$T/in.json" "$T/b/config.json"
		run --separate-stderr "$BIN" inject --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" "$T/b"
		[ "$status" -eq 1 ]
		cmp "$T/in.json" "$T/b/config.json"
		run --separate-stderr "$BIN" state --require <<< "{\"ociVersion\": \"1.0.2\", \"id\": \"x\", \"status\": \"creating\", \"pid\": 1, \"bundle\": \"$T/b\"}"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"Go matches member names without regard to case"* ]]
	done
	# A lone member spelt otherwise than the field it folds to: the hook would not see it, runc would.
	jq 'del(.process) | .Process = {"args": ["sh"], "cwd": "/"}' "$T/spec.json" > "$T/lone.json"
	refused "lone Process" "$T/lone.json" "would be read by the runtime as 'process'"
	jq '.process.capabilities.Bounding = ["CAP_SYS_ADMIN"] | del(.process.capabilities.bounding)' "$T/spec.json" > "$T/lone.json"
	refused "lone Bounding" "$T/lone.json" "would be read by the runtime as 'bounding'"
	# The state on stdin too.
	run --separate-stderr "$BIN" state <<< '{"ociVersion": "1.0.2", "id": "x", "ID": "y", "status": "creating", "bundle": "/nonexistent"}'
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'id' and 'ID' are one member to the runtime"* ]]
	# Case alone in annotations (a map, matched exactly) and in unknown members is fine.
	jq '.annotations = {"A": "1", "a": "2"} | .x = 1' "$T/spec.json" > "$T/ok.json"
	run --separate-stderr precreate < "$T/ok.json"
	[ "$status" -eq 0 ]
}

@test "attack: a cache or profiles directory others can write is refused, in every mode" {
	# A mode-1777 tmpfs, where an unprivileged user pre-created the cache's directories and pointed
	# a key at another program (log-all's, which hashes to its name).
	mkdir "$T/shared"
	chmod 755 "$T"
	mount -t tmpfs -o size=1m,mode=1777 tmpfs "$T/shared"
	printf '{"defaultAction": "SCMP_ACT_LOG"}' > "$T/profiles/log-all.json"
	annotated eacces init > "$T/in.json"
	"$BIN" precreate --runtime=wrapper --profiles-dir="$T/profiles" --cache-dir="$T/good" --loader="$LOADER" < "$T/in.json" > /dev/null
	key=$(find "$T/good/keys" -mindepth 1 ! -name '*.*' -printf '%f\n')
	"$BIN" compile "$T/profiles/log-all.json" > "$T/log.bpf"
	d=$(sha256sum < "$T/log.bpf" | cut -c1-64)
	setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "mkdir -p '$T/shared/c/bpf' '$T/shared/c/keys' &&
		cp '$T/log.bpf' '$T/shared/c/bpf/$d.bpf' && ln -s ../bpf/$d.bpf '$T/shared/c/keys/$key' && ln -s 4 '$T/shared/c/keys/$key.flags'"
	run --separate-stderr "$BIN" precreate --runtime=wrapper --profiles-dir="$T/profiles" --cache-dir="$T/shared/c" --loader="$LOADER" < "$T/in.json"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"cache directory $T/shared/c: not owned by root or the hook's user (owner uid 65534"* ]]
	# The cache itself on the 1777 tmpfs root: writable by others.
	run --separate-stderr "$BIN" precreate --runtime=wrapper --profiles-dir="$T/profiles" --cache-dir="$T/shared" --loader="$LOADER" < "$T/in.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"writable by group or others (owner uid 0, mode 1777)"* ]]
	# A root-owned cache whose keys/ someone made group-writable; runtime mode does not read it either.
	cp -a "$T/good" "$T/loose"
	chmod g+w "$T/loose/keys"
	run --separate-stderr "$BIN" precreate --runtime=wrapper --profiles-dir="$T/profiles" --cache-dir="$T/loose" --loader="$LOADER" < "$T/in.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cache directory $T/loose/keys: writable by group or others"* ]]
	annotated eacces runtime > "$T/rt.json"
	run --separate-stderr "$BIN" precreate --runtime=wrapper --profiles-dir="$T/profiles" --cache-dir="$T/loose" < "$T/rt.json"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"warning: cache directory $T/loose/keys: writable by group or others"*"compiling without it"* ]]
	echo "$output" | jq -e '.linux.seccomp.syscalls[0].errnoRet == 13'
	# Profiles: a directory others can write, a profile file owned by someone else.
	cp -a "$T/profiles" "$T/open-profiles"
	chmod o+w "$T/open-profiles"
	run --separate-stderr "$BIN" precreate --runtime=wrapper --profiles-dir="$T/open-profiles" < "$T/rt.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"profiles directory $T/open-profiles: writable by group or others"* ]]
	chmod o-w "$T/open-profiles"
	chown 65534 "$T/open-profiles/eacces.json"
	run --separate-stderr "$BIN" precreate --runtime=wrapper --profiles-dir="$T/open-profiles" < "$T/rt.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"profile $T/open-profiles/eacces.json: not owned by root or the hook's user"* ]]
	umount "$T/shared"
}

@test "the duplicate-key check is linear: an annotations object of 400,000 keys (5.6 MB) is parsed in seconds" {
	python3 -c '
import json, sys
a = {"org.seccomp-hook.profile": "eacces", "org.seccomp-hook.mode": "init"}
a.update(("k%06d" % i, "v") for i in range(400000))
c = json.load(open(sys.argv[1])); c["annotations"] = a
print(json.dumps(c))' "$T/spec.json" > "$T/big.json"
	ls -l "$T/big.json"
	start=$(date +%s%N)
	run --separate-stderr timeout 60 "$BIN" precreate --runtime=wrapper --profiles-dir="$T/profiles" --cache-dir="$T/cache" --loader="$LOADER" \
		--allow-unfiltered-exec < "$T/big.json"
	echo "$(( ($(date +%s%N) - start) / 1000000 )) ms"
	[ "$status" -eq 0 ]
	# The keys, the profile's two, and org.seccomp-hook.applied and .seal.
	echo "$output" | jq -e '.annotations | length == 400004'
	# A duplicate at the very end is still found.
	sed 's/}}$/, "k000001": "w"}}/' "$T/big.json" > "$T/dup.json"
	refused "duplicate among 400,000 keys" "$T/dup.json" "duplicate key 'k000001'"
}

@test "small ones: minKernel out of range, archMap beside architectures, a non-string profile annotation, a FIFO config, a killed inject's leftovers" {
	for v in 4294967296.0 4.4294967296 65536.0 -1.0 +4.0 4.0.1 " 4.0" 4.; do
		printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "excludes": {"minKernel": "%s"}}]}' \
			"$v" > "$T/mk.json"
		run --separate-stderr "$BIN" check "$T/mk.json"
		echo "$v: $stderr"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"invalid kernel version"* ]]
	done
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "archMap": []}' > "$T/am.json"
	run --separate-stderr "$BIN" check "$T/am.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"use either 'architectures' or 'archMap', not both"* ]]
	for v in 1 true '["eacces"]' '{"a": 1}' null; do
		jq --argjson v "$v" '.annotations = {"org.seccomp-hook.profile": $v}' "$T/spec.json" > "$T/in.json"
		refused "profile annotation $v" "$T/in.json" "annotation org.seccomp-hook.profile is a"
	done
	mkdir -p "$T/fifo"
	mkfifo "$T/fifo/config.json"
	run --separate-stderr timeout 10 "$BIN" inject --profiles-dir="$T/profiles" --profile=eacces "$T/fifo"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"config.json: not a regular file"* ]]
	# A temporary copy left by a killed inject (unlocked, a few seconds old) goes at the next write;
	# one a live writer holds stays.
	make_bundle "$T/b" '["true"]'
	head -c 1000000 /dev/zero > "$T/b/config.json.tmp.AbC123"
	touch -d '-1 minute' "$T/b/config.json.tmp.AbC123"
	cp "$T/b/config.json" "$T/b/config.json.tmp.LiVe12"
	touch -d '-1 minute' "$T/b/config.json.tmp.LiVe12"
	flock "$T/b/config.json.tmp.LiVe12" sleep 5 &
	holder=$!
	sleep 0.2
	"$BIN" inject --profiles-dir="$T/profiles" --profile=eacces "$T/b"
	[ ! -e "$T/b/config.json.tmp.AbC123" ]
	[ -e "$T/b/config.json.tmp.LiVe12" ]
	kill $holder
	[ "$(find "$T/b" -mindepth 1 -name '*config.json.tmp*' | wc -l)" -eq 1 ]
}
