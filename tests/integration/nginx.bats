#!/usr/bin/env bats
# A real workload recorded in a container: Debian's nginx (a master and two workers that drop to
# www-data) serves a page, a second file and a 404 inside a runc container recorded with
# org.seccomp-hook.record; the recording, merged with one of the syscall probe, then runs the same
# container in runtime and init mode under runc and crun: the same responses, the kernel filtering,
# and what nginx never used (unshare, mount, ptrace) failing with EPERM. Needs root and nginx.
bats_require_minimum_version 1.5.0
load lib

setup_file() {
	require_root_and runc crun jq busybox ldd /usr/sbin/nginx
}

setup() {
	T=$(mktemp -d /tmp/sh-nginx.XXXXXX)
	mkdir -p "$T/profiles" "$T/runc-state" "$T/crun-state" "$T/rec"
	RECORD=(--recordings-dir="$T/rec" --agents-dir="$T/agents")
	# Every response, in order, with wget's status: the 404 is wget's error line and exit 1.
	EXPECTED=$(printf '%s\n' '== index.html' 'nginx index in the container' 'exit=0' \
		'== second.txt' 'second file' 'exit=0' \
		'== missing.html' 'wget: server returned error: HTTP/1.1 404 Not Found' 'exit=1' 'quit exit=0' 'nginx exit=0')
}

teardown() {
	for c in probe r-runc-runtime r-runc-init; do
		runc --root "$T/runc-state" delete -f "$c" >/dev/null 2>&1 || true
	done
	for c in rec r-crun-runtime r-crun-init; do
		crun --root "$T/crun-state" delete -f "$c" >/dev/null 2>&1 || true
	done
	rm -rf "$T"
}

# nginx_rootfs DIR: to make_rootfs's busybox, nginx with every library ldd lists and the dynamic
# loader, a configuration serving /www on 127.0.0.1:8080, the www-data user its workers run as, and
# /serve.sh, the container's command.
nginx_rootfs() {
	local r=$1 lib
	for lib in $(ldd /usr/sbin/nginx | grep -oE '/[^ ]+'); do
		cp -L --parents "$lib" "$r"
	done
	mkdir -p "$r/usr/sbin" "$r/etc/nginx" "$r/www" "$r/run" "$r/var/lib/nginx" "$r/var/log/nginx"
	cp /usr/sbin/nginx "$r/usr/sbin/nginx"
	for a in wget ps sleep kill; do ln -sf busybox "$r/bin/$a"; done
	echo 'www-data:x:33:33:www-data:/var/www:/bin/false' >> "$r/etc/passwd"
	printf '%s\n' 'root:x:0:' 'www-data:x:33:' > "$r/etc/group"
	echo 'nginx index in the container' > "$r/www/index.html"
	echo 'second file' > "$r/www/second.txt"
	cat > "$r/etc/nginx/nginx.conf" <<'EOC'
daemon off;
master_process on;
worker_processes 2;
user www-data www-data;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log notice;
events { worker_connections 64; }
http {
	types { text/html html; text/plain txt; }
	access_log /var/log/nginx/access.log;
	client_body_temp_path /var/lib/nginx/body;
	proxy_temp_path /var/lib/nginx/proxy;
	fastcgi_temp_path /var/lib/nginx/fastcgi;
	uwsgi_temp_path /var/lib/nginx/uwsgi;
	scgi_temp_path /var/lib/nginx/scgi;
	server {
		listen 127.0.0.1:8080;
		root /www;
		index index.html;
	}
}
EOC
	# The master is this shell's child (daemon off); its pid file is written once it listens, before
	# it starts the workers: the requests wait until both workers run as www-data, so that what ps
	# shows is not a worker still starting (root, or the master's title). A worker logs a request
	# after sending the response, so a client could start the next request, which the other worker
	# may log first: each request waits for the line of the one before. If nginx does not stop, a
	# watchdog kills every process but PID 1 (this shell), which then ends.
	cat > "$r/serve.sh" <<'EOS'
nginx &
master=$!
(sleep 20; kill -KILL -1) &
i=0
while [ ! -s /run/nginx.pid ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
i=0
while [ "$(ps -o user,args | grep -c '^www-data .*nginx: worker process')" -lt 2 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
n=0
for p in index.html second.txt missing.html; do
	echo "== $p"
	wget -q -O - "http://127.0.0.1:8080/$p" 2>&1
	echo "exit=$?"
	n=$((n + 1)) i=0
	while [ "$(grep -c '' /var/log/nginx/access.log)" -lt $n ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
done > /out/responses
ps -o user,args | grep '[n]ginx: ' > /out/processes
nginx -s quit 2> /out/quit
echo "quit exit=$?" >> /out/responses
wait $master
echo "nginx exit=$?" >> /out/responses
cp /var/log/nginx/error.log /var/log/nginx/access.log /out/
grep '^Seccomp:' /proc/self/status > /out/status
[ $# -eq 0 ] || sysprobe "$@" > /out/probe
EOS
}

# nginx_bundle DIR [PROBE ARGS...]: the bundle; Docker's capabilities, so the master can make the
# temporary directories www-data's and the workers can switch to it.
nginx_bundle() {
	local b=$1 caps probe
	shift
	probe=$(jq -nc '$ARGS.positional' --args "$@")
	make_bundle "$b" '["sh", "/serve.sh"]'
	nginx_rootfs "$b/rootfs"
	caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	# The root is read-only (make_bundle): what nginx writes gets a tmpfs of its own.
	set_config "$b" '.process.args += $probe
		| .process.capabilities = {"bounding": $caps, "effective": $caps, "permitted": $caps}
		| .mounts += [{"destination": "/var/lib/nginx", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
			{"destination": "/var/log/nginx", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
			{"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}]' \
		--argjson caps "$caps" --argjson probe "$probe"
}

annotate() { # BUNDLE KEY VALUE
	# shellcheck disable=SC2016 # jq's variables: set_config runs jq
	set_config "$1" '.annotations[$k] = $v' --arg k "$2" --arg v "$3"
}

# wait_for FILE: the agent writes the recording when the container's last process is gone.
wait_for() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done
	echo "no $1 after 5 s"
	return 1
}

# served BUNDLE: what nginx did in it is what the recording run saw: the responses, two workers as
# www-data started, three requests logged, a graceful stop.
served() {
	local o=$1/out
	echo "responses: $(cat "$o/responses")"
	echo "error.log: $(cat "$o/error.log")"
	echo "nginx -s quit: $(cat "$o/quit")"
	echo "processes: $(cat "$o/processes")"
	[ "$(cat "$o/responses")" = "$EXPECTED" ]
	[[ "$(cat "$o/quit")" == *" [notice] "*": signal process started" ]]
	[ "$(grep -c '^www-data .*nginx: worker process' "$o/processes")" -eq 2 ]
	[ "$(grep -c '^root .*nginx: master process' "$o/processes")" -eq 1 ]
	[ "$(grep -c '\[notice\] .*: start worker process [0-9]*$' "$o/error.log")" -eq 2 ]
	[ "$(grep -c '\[notice\] .*: worker process [0-9]* exited with code 0$' "$o/error.log")" -eq 2 ]
	# Nothing went wrong but the 404's open().
	[ "$(grep -vc '\[notice\]' "$o/error.log")" -eq 1 ]
	grep -q '\[error\] .*open() "/www/missing.html" failed (2: No such file or directory)' "$o/error.log"
	[ "$(awk '{print $7, $9}' "$o/access.log")" = "$(printf '%s\n' '/index.html 200' '/second.txt 200' '/missing.html 404')" ]
}

# record_nginx: nginx recorded in a crun container, runtime mode: $T/rec/nginx.json. With its arguments
# (clone's flags among them), so that init mode can start it: a recording that allows clone with any
# flags lets the workload make a user namespace, and gets runtime mode. crun installs the recording's
# filter with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, as the loader does and runc 1.1 cannot: a signal
# (the shell's SIGCHLD, which has no SA_RESTART) does not interrupt a call the recorder has taken.
record_nginx() {
	nginx_bundle "$T/rec-b"
	annotate "$T/rec-b" org.seccomp-hook.record nginx
	annotate "$T/rec-b" org.seccomp-hook.record-args true
	"$BIN" inject --mode=runtime --runtime=crun "${RECORD[@]}" "$T/rec-b"
	jq -e '.linux.seccomp.flags | index("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")' "$T/rec-b/config.json"
	run_crun "$T/rec-b" rec
	wait_for "$T/rec/nginx.json"
}

@test "nginx recorded in a crun container: the recording appears when it stops, passes check --strict and covers the workers" {
	record_nginx
	served "$T/rec-b"
	[ "$(cat "$T/rec-b/out/status")" = "Seccomp:	2" ]
	"$BIN" check --strict "$T/rec/nginx.json"
	[ "$(jq -r '.defaultAction' "$T/rec/nginx.json")" = SCMP_ACT_ERRNO ]
	names=$(jq -r '.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]' "$T/rec/nginx.json")
	echo "recorded: $(tr '\n' ' ' <<<"$names")"
	# The master's listening socket and its channels to the workers (socketpair, sendmsg, recvmsg), the
	# workers' switch to www-data, their event loop and what serving and logging take; the master
	# waiting for signals (rt_sigsuspend) and for its workers (wait4).
	for n in socket bind listen setsockopt socketpair sendmsg recvmsg setgroups setgid setuid epoll_create \
		epoll_ctl epoll_wait accept4 recvfrom sendfile writev pwrite64 rt_sigsuspend wait4; do
		grep -qx "$n" <<<"$names" || { echo "not recorded: $n"; false; }
	done
	for n in unshare mount ptrace; do
		! grep -qx "$n" <<<"$names" || { echo "recorded though never called: $n"; false; }
	done
}

@test "nginx's recording, merged with the probe's, runs it again under runc and crun, runtime and init mode; unshare, mount, ptrace fail with EPERM" {
	record_nginx
	make_bundle "$T/probe-b" '["sysprobe"]'
	annotate "$T/probe-b" org.seccomp-hook.record probe
	annotate "$T/probe-b" org.seccomp-hook.record-args true
	"$BIN" inject --mode=runtime "${RECORD[@]}" "$T/probe-b"
	run_runc "$T/probe-b" probe
	wait_for "$T/rec/probe.json"
	"$BIN" merge -q "$T/rec/nginx.json" "$T/rec/probe.json" -o "$T/profiles/nginx.json"
	"$BIN" check --strict "$T/profiles/nginx.json"
	for how in runc-runtime crun-runtime runc-init crun-init; do
		echo "--- $how"
		rm -rf "$T/b"
		nginx_bundle "$T/b" unshare mount ptrace
		annotate "$T/b" org.seccomp-hook.profile nginx
		case $how in
		runc-runtime) "$BIN" inject --mode=runtime --profiles-dir="$T/profiles" "$T/b"
			run_runc "$T/b" "r-$how" ;;
		crun-runtime) "$BIN" inject --mode=runtime --runtime=crun --profiles-dir="$T/profiles" "$T/b"
			run_crun "$T/b" "r-$how" ;;
		runc-init) "$SH_BUILDDIR/seccomp-hook-runtime" --mode=init --loader="$LOADER" --cache-dir="$T/cache" \
			--profiles-dir="$T/profiles" --state-dir="$T/wrapper-state" --root "$T/runc-state" \
			run -b "$T/b" "r-$how" < /dev/null ;;
		crun-init) "$BIN" inject --mode=init --runtime=crun --profiles-dir="$T/profiles" --cache-dir="$T/cache" "$T/b"
			run_crun "$T/b" "r-$how" ;;
		esac
		case $how in
		# Who installs the filter: runc or crun from linux.seccomp, the loader, crun from the program.
		runc-init) jq -e '.process.args[0] == "/.seccomp-hook/init"' "$T/b/config.json" ;;
		crun-init) jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_KILL_PROCESS" and .process.args[0] == "sh"
			and (.annotations["run.oci.seccomp_bpf_data"] | length > 0)' "$T/b/config.json" ;;
		*) jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and .process.args[0] == "sh"' "$T/b/config.json" ;;
		esac
		diff "$T/rec-b/out/responses" "$T/b/out/responses"
		served "$T/b"
		[ "$(cat "$T/b/out/status")" = "Seccomp:	2" ]
		[ "$(cat "$T/b/out/probe")" = "$(printf '%s\n' unshare=1 mount=1 ptrace=1)" ]
	done
}
