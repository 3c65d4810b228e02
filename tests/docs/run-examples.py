#!/usr/bin/python3
"""Run the examples of README.md and the man pages as a newcomer would, after `make install`.

    run-examples.py DOC...     (root; DOC: README.md, or a man page as the build writes it)

Environment: SH_SRCDIR, SH_BUILDDIR, DOCS_ROOT (a `make install DESTDIR=DOCS_ROOT` of the build) and
DOCS_PREFIX (the build's --prefix).

Everything runs in a private mount namespace that stands for a fresh Debian machine on which the
build was installed: DOCS_ROOT's prefix is mounted over the prefix, and /run, /var/lib, /var/cache,
/var/log and /srv are empty tmpfs, so the examples use the default paths (the cache, the seal key,
the loader's store, runc's state, a Docker daemon's data) as written, and nothing reaches the host's.
The engines an example names are started in the namespace with the documents' own configuration
(Docker's daemon.json, podman with the installed hooks.d). Every process left in the namespace is
killed at the end.

A shell example is a block run with bash -e; the examples of a document run in its order in one
working directory (a newcomer follows a document in one shell), which holds what the examples take
as the reader's own files (Machine.workdir) and names by placeholder (substitute). A transcript ("$ " lines) must print exactly what the
document shows. Configuration blocks (JSON, TOML, YAML) must parse. Examples that cannot run on one
machine are in NOT_RUN, each with the reason; the list is checked to match the documents. Prints a
line per example; exits 1 if any failed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ["SH_SRCDIR"]
BUILD = os.environ["SH_BUILDDIR"]

# (document, the example's first line starts with) -> why it does not run here. Reviewed: each is
# either the test run itself or needs what no single machine has.
NOT_RUN = {
    ("README.md", "scripts/demo.sh"):
        "scripts/test.sh runs the demo on its build and checks what it prints (scripts/check-demo.sh), and is "
        "the whole test run this test is part of",
    ("README.md", "cp seccomp-hook-0.1.0.tar.gz"):
        "pushes to a registry: make check-node-image builds the node image exactly this way",
    ("README.md", "sed -i 's|REGISTRY/seccomp-hook|"):
        "needs a Kubernetes cluster: make check-node-image runs the DaemonSet's installer as its pod spec says",
    ("README.md", "autoreconf -fi && ./configure"):
        "a whole build and test run: scripts/test.sh does it, and make distcheck from the release tarball",
    ("README.md", "make check-unit"):
        "the halves of the test run this test is part of",
}

# The reader's own things, which the examples name by a placeholder: word -> text, or per engine.
IMAGES = {"docker": "busybox", "podman": "localhost/busybox", "ctr": "docker.io/library/busybox:latest"}


def log(*a):
    print(*a, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


# ---- the namespace ------------------------------------------------------------------------------------

def enter_namespace():
    if os.environ.get("DOCS_IN_NAMESPACE") != "1":
        os.environ["DOCS_IN_NAMESPACE"] = "1"
        os.execvp("unshare", ["unshare", "-m", "--propagation", "private", sys.executable] + sys.argv)
    prefix, root = os.environ["DOCS_PREFIX"], os.environ["DOCS_ROOT"]
    os.makedirs(prefix, exist_ok=True)
    run(["mount", "--bind", root + prefix, prefix])
    for d in ("/run", "/var/lib", "/var/cache", "/var/log", "/srv"):
        run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", d])
    # What the workloads the examples run expect of a Debian machine (nginx's directories, and the
    # textfile directory of prometheus-node-exporter, where scan's example writes).
    for d in ("/run/lock", "/var/log/nginx", "/var/lib/nginx", "/var/tmp", "/var/lib/prometheus/node-exporter"):
        os.makedirs(d, exist_ok=True)


def kill_namespace():
    """Every process in this mount namespace but this one: daemons, shims, servers."""
    mine = os.readlink("/proc/self/ns/mnt")
    for _ in range(3):
        pids = []
        for p in os.listdir("/proc"):
            if not p.isdigit() or int(p) == os.getpid():
                continue
            try:
                if os.readlink(f"/proc/{p}/ns/mnt") == mine:
                    pids.append(int(p))
            except OSError:
                pass
        for p in pids:
            try:
                os.kill(p, 9)
            except OSError:
                pass
        if not pids:
            return
        time.sleep(0.3)


# ---- the reader's machine ----------------------------------------------------------------------------

class Machine:
    def __init__(self):
        self.top = tempfile.mkdtemp(prefix="sh-docs.")
        self.prefix = os.environ["DOCS_PREFIX"]
        self.env = dict(os.environ)
        shims = os.path.join(self.top, "shims")
        os.makedirs(shims)
        # crun refuses this machine's hybrid cgroup layout; in a namespace without the cgroup2 mount
        # it runs (real-runtimes.md). The examples call it as written.
        with open(os.path.join(shims, "crun"), "w") as f:
            f.write('#!/bin/sh\nexec unshare -m sh -c \'umount /sys/fs/cgroup/unified 2>/dev/null; '
                    'exec /usr/bin/crun --cgroup-manager=disabled "$@"\' crun "$@"\n')
        os.chmod(os.path.join(shims, "crun"), 0o755)
        self.env["PATH"] = f"{self.prefix}/bin:{shims}:/usr/sbin:/usr/bin:/sbin:/bin"
        self.env["HOME"] = os.path.join(self.top, "home")
        os.makedirs(self.env["HOME"])
        self.rootfs_tar = os.path.join(self.top, "rootfs.tar")
        self.make_rootfs(os.path.join(self.top, "rootfs"))
        run(["tar", "-C", os.path.join(self.top, "rootfs"), "-cf", self.rootfs_tar, "."])
        os.makedirs("/srv/www", exist_ok=True)
        with open("/srv/www/index.html", "w") as f:
            f.write("hello\n")
        self.engines = set()
        self.count = 0

    @staticmethod
    def make_rootfs(r):
        for d in ("bin", "tmp", "proc", "dev", "sys", "etc"):
            os.makedirs(os.path.join(r, d), exist_ok=True)
        shutil.copy("/bin/busybox", os.path.join(r, "bin/busybox"))
        for a in ("sh", "true", "cat", "ls", "sleep", "echo", "unshare", "mkdir"):
            os.symlink("busybox", os.path.join(r, "bin", a))

    def sh(self, script, cwd=None, timeout=120):
        return subprocess.run(["bash", "-c", script], cwd=cwd or self.top, env=self.env, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def workdir(self):
        """A fresh working directory with the reader's own files the examples name."""
        self.count += 1
        w = os.path.join(self.top, f"work{self.count}")
        os.makedirs(w)
        os.symlink(os.path.join(SRC, "profiles"), os.path.join(w, "profiles"))
        with open(os.path.join(w, "app"), "w") as f:
            f.write("#!/bin/sh\necho \"app $*\"; ls / > /dev/null\n")
        with open(os.path.join(w, "server"), "w") as f:
            f.write("#!/bin/sh\nexec busybox httpd -f -p 8081 -h /srv/www\n")
        os.chmod(os.path.join(w, "app"), 0o755)
        os.chmod(os.path.join(w, "server"), 0o755)
        with open(os.path.join(w, "Makefile"), "w") as f:
            f.write("test:\n\t@echo the tests pass\n")
        shutil.copy(os.path.join(SRC, "profiles/default.json"), os.path.join(w, "old.json"))
        shutil.copy(os.path.join(SRC, "profiles/web-server.json"), os.path.join(w, "new.json"))
        self.bundle(os.path.join(w, "bundle"))
        r = self.sh("seccomp-hook record -q -o run1.json -- ./app one && seccomp-hook record -q -o run2.json -- ./app two",
                    cwd=w)
        if r.returncode:
            raise RuntimeError("recording run1.json, run2.json: " + r.stdout)
        return w

    def bundle(self, b):
        self.make_rootfs(os.path.join(b, "rootfs"))
        run(["runc", "spec"], cwd=b)
        with open(os.path.join(b, "config.json")) as f:
            c = json.load(f)
        c["process"]["terminal"] = False
        c["process"]["args"] = ["true"]
        c["root"] = {"path": os.path.join(b, "rootfs"), "readonly": True}
        with open(os.path.join(b, "config.json"), "w") as f:
            json.dump(c, f)

    # ---- engines, started when an example names one ----

    def engine(self, name, daemon_json):
        if name in self.engines:
            return
        self.engines.add(name)
        getattr(self, "start_" + name)(daemon_json)

    def wait_for(self, what, check, proc, logfile):
        for _ in range(300):
            if check():
                return
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        with open(logfile) as f:
            raise RuntimeError(f"{what} did not come up: {f.read()[-3000:]}")

    def start_docker(self, daemon_json):
        d = os.path.join(self.top, "docker")
        os.makedirs(d)
        with open(os.path.join(d, "daemon.json"), "w") as f:
            f.write(daemon_json)
        logf = os.path.join(d, "dockerd.log")
        p = subprocess.Popen(["dockerd", "--config-file", os.path.join(d, "daemon.json"), "--storage-driver=vfs",
                              "--data-root", os.path.join(d, "data"), "--exec-root", os.path.join(d, "exec"),
                              "--iptables=false", "--ip6tables=false", "--bridge=none"],
                             env=self.env, stdout=open(logf, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.wait_for("dockerd", lambda: self.sh("docker version").returncode == 0, p, logf)
        r = self.sh(f"docker import {self.rootfs_tar} busybox")
        if r.returncode:
            raise RuntimeError("docker import: " + r.stdout)

    def start_ctr(self, daemon_json):
        self.engine("docker", daemon_json)
        logf = os.path.join(self.top, "containerd.log")
        p = subprocess.Popen(["containerd"], env=self.env, stdout=open(logf, "w"), stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        self.wait_for("containerd", lambda: self.sh("ctr version").returncode == 0, p, logf)
        image = os.path.join(self.top, "image.tar")
        r = self.sh(f"docker tag busybox {IMAGES['ctr']} && docker save -o {image} {IMAGES['ctr']} && "
                    f"ctr images import {image}")
        if r.returncode:
            raise RuntimeError("ctr images import: " + r.stdout)

    def start_podman(self, _):
        p = os.path.join(self.top, "podman")
        os.makedirs(os.path.join(p, "tmp"))
        with open(os.path.join(p, "containers.conf"), "w") as f:
            f.write(f'[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
                    f'events_logfile_path = "{p}/events.log"\ntmp_dir = "{p}/tmp"\nruntime = "runc"\n'
                    f'hooks_dir = ["{self.prefix}/share/containers/oci/hooks.d"]\n'
                    f'[containers]\nnetns = "none"\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n')
        with open(os.path.join(p, "storage.conf"), "w") as f:
            f.write(f'[storage]\ndriver = "vfs"\nrunroot = "{p}/run"\ngraphroot = "{p}/graph"\n')
        with open(os.path.join(p, "registries.conf"), "w") as f:
            f.write("unqualified-search-registries = []\n")
        self.env.update(CONTAINERS_CONF=f"{p}/containers.conf", CONTAINERS_STORAGE_CONF=f"{p}/storage.conf",
                        CONTAINERS_REGISTRIES_CONF=f"{p}/registries.conf")
        r = self.sh(f"podman import {self.rootfs_tar} localhost/busybox")
        if r.returncode:
            raise RuntimeError("podman import: " + r.stdout)

    def start_nginx(self, _):
        """A server running under a profile, for the examples that look at one (pidof -s nginx)."""
        subprocess.Popen(["seccomp-hook", "exec", "-q", "--profile=web-server", "--", "nginx", "-g", "daemon off;"],
                         env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if self.sh("grep -q 'Seccomp:.2' /proc/$(pidof -s nginx)/status").returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("nginx did not start under web-server")


# ---- turning an example into what runs ----------------------------------------------------------------

# A line that starts a server, which runs until stopped: it must come up and still run after 2 s.
SERVERS = [r"-- busybox httpd -f", r"nginx -g 'daemon off;'", r"-- \./server$"]

SERVE = r'''__serve() {
	setsid bash -c "$1" > server.log 2>&1 < /dev/null & local pid=$! st
	sleep 2
	if ! kill -0 $pid 2>/dev/null; then wait $pid && st=0 || st=$?; cat server.log; echo "the server exited ($st)"; return 1; fi
	kill -TERM -- -$pid; wait $pid || true
}
'''


def logical_lines(text):
    """Lines, a trailing backslash joining the next one."""
    out, cur = [], ""
    for line in text.splitlines():
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        out.append(cur + line)
        cur = ""
    if cur:
        out.append(cur)
    return out


def substitute(line, m, w, n):
    first = line.split()[0] if line.split() else ""
    line = line.replace("/usr/bin/seccomp-hook-runtime", f"{m.prefix}/bin/seccomp-hook-runtime")
    line = re.sub(r"\bIMAGE\b", IMAGES.get(first, "busybox"), line)
    line = re.sub(r"\bCMD\b", "true", line)
    line = re.sub(r"\bBUNDLE\b", os.path.join(w, "bundle"), line)
    line = re.sub(r"\b(NAME|ID)\b", f"docs-{n}", line)
    return line


def prepare(text, m, w, n):
    lines = []
    for line in logical_lines(text):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        line = substitute(line, m, w, n)
        code = line.split("  #")[0].rstrip()
        if not code.endswith("&") and any(re.search(p, code) for p in SERVERS):
            line = "__serve " + shquote(code)
        elif s.startswith("seccomp-hook diff"):
            line = "{ " + line + "\n} || [ $? -eq 1 ]   # diff(1)'s 1: the profiles differ"
        lines.append(line)
    return SERVE + "set -e\n" + "\n".join(lines) + "\n"


def shquote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def needs(text):
    words = {l.split()[0] for l in logical_lines(text) if l.strip() and not l.strip().startswith("#")}
    out = [e for e in ("docker", "podman", "ctr") if e in words]
    if "pidof -s nginx" in text:
        out.append("nginx")
    return out


# ---- the documents ----------------------------------------------------------------------------------

def examples(doc):
    r = subprocess.run([sys.executable, os.path.join(HERE, "examples.py"), doc], check=True,
                       stdout=subprocess.PIPE, text=True)
    return [json.loads(l) for l in r.stdout.splitlines()]


def not_run_reason(ex):
    first = next((l for l in ex["text"].splitlines() if l.strip()), "").strip()
    for (doc, start), why in NOT_RUN.items():
        if ex["doc"] == doc and first.startswith(start):
            return (doc, start), why
    return None, None


def check_config(ex):
    text = ex["text"]
    {"json": json.loads, "toml": tomllib.loads, "yaml": yaml.safe_load}[ex["kind"]](text)


def run_transcript(ex, m, w):
    """Each "$ " command in turn, in one directory (cd moves it); its output must be the text below it."""
    cwd, fails = w, []
    cmds = re.split(r"^\$ ", ex["text"], flags=re.M)[1:]
    for block in cmds:
        cmd, _, want = block.partition("\n")
        if cmd.startswith("cd "):
            cwd = os.path.join(cwd, cmd[3:].strip())
            continue
        r = subprocess.run(["bash", "-c", cmd], cwd=cwd, env=m.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        if r.returncode or r.stdout != want:
            fails.append(f"$ {cmd}\n  exit {r.returncode}; printed:\n{r.stdout}{r.stderr}  the document shows:\n{want}")
    return fails


def daemon_json(exs):
    """The document's Docker daemon.json: its JSON block that has "runtimes"."""
    for ex in exs:
        if ex["kind"] == "json" and "runtimes" in ex["text"]:
            return ex["text"]
    return None


def main():
    enter_namespace()
    failed, seen_not_run = 0, set()
    m = Machine()
    try:
        for doc in sys.argv[1:]:
            exs = examples(doc)
            dj = daemon_json(exs)
            w = m.workdir()
            for ex in exs:
                where = f"{ex['doc']}:{ex['line']}"
                key, why = not_run_reason(ex)
                if key:
                    seen_not_run.add(key)
                    log(f"not run {where}: {why}")
                    continue
                try:
                    if ex["kind"] in ("json", "toml", "yaml"):
                        check_config(ex)
                        log(f"ok      {where} ({ex['kind']} parses)")
                        continue
                    if ex["kind"] not in ("sh", "transcript"):
                        continue
                    for e in needs(ex["text"]):
                        m.engine(e, (dj or "{}").replace("/usr/bin/seccomp-hook-runtime",
                                                          f"{m.prefix}/bin/seccomp-hook-runtime"))
                    if ex["kind"] == "transcript":
                        fails = run_transcript(ex, m, w)
                        if fails:
                            raise RuntimeError("\n".join(fails))
                    else:
                        r = m.sh(prepare(ex["text"], m, w, ex["line"]), cwd=w)
                        if r.returncode:
                            raise RuntimeError(f"exit {r.returncode}\n{r.stdout}")
                    log(f"ok      {where}")
                except Exception as e:  # one failure is reported, the other examples still run
                    failed += 1
                    text = "\n".join("    | " + l for l in ex["text"].splitlines())
                    log(f"FAILED  {where}\n{text}\n    {e}")
        stale = [k for k in NOT_RUN if k[0] in [os.path.basename(d) for d in sys.argv[1:]] and k not in seen_not_run]
        for k in stale:
            failed += 1
            log(f"FAILED  NOT_RUN lists {k}, which is not an example of the document any more")
    finally:
        kill_namespace()
        for mnt in reversed([l.split()[4] for l in open("/proc/self/mountinfo") if l.split()[4].startswith(m.top)]):
            subprocess.run(["umount", "-l", mnt], check=False)
        shutil.rmtree(m.top, ignore_errors=True)
    log(f"{failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
