#!/usr/bin/env python3
"""The configs seccomp-hook writes are valid OCI runtime configs: `precreate` in runtime and init mode
(plain and for crun) over a config written by `runc spec`, validated with the runtime-spec's own JSON
Schema as Debian's golang-github-opencontainers-specs-dev installs it (tests/fixtures)."""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import jsonschema

# RefResolver resolves the schema's relative $refs (defs.json...) in every jsonschema release Debian ships.
warnings.filterwarnings("ignore", category=DeprecationWarning)

src = os.environ.get("SH_SRCDIR", ".")
build = os.environ.get("SH_BUILDDIR", ".")
fixtures = os.environ.get("SH_UPSTREAM") or os.path.join(build, "tests", "fixtures")
schema_dir = os.path.realpath(os.path.join(fixtures, "runtime-spec-schema"))
schema_file = os.path.join(schema_dir, "config-schema.json")
if not os.path.exists(schema_file):
    sys.exit(f"oci_config: {schema_file} is missing: install golang-github-opencontainers-specs-dev (scripts/deps.sh)")
schema = json.load(open(schema_file))
resolver = jsonschema.RefResolver(base_uri="file://" + schema_dir + "/", referrer=schema)
validator = jsonschema.Draft4Validator(schema, resolver=resolver)
spec = json.load(open(os.path.join(fixtures, "runtime-spec-config.json")))
passed = failed = 0


def check(what, config):
    global passed, failed
    errors = sorted(validator.iter_errors(config), key=str)
    if errors:
        failed += 1
        print(f"FAIL {what}: {errors[0].message} at {list(errors[0].absolute_path)}")
    else:
        passed += 1
        print(f"ok   {what}")


def precreate(args, config):
    out = subprocess.run([os.path.join(build, "seccomp-hook"), "precreate"] + args, input=json.dumps(config),
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"oci_config: precreate {' '.join(args)} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


check("runc spec with runc's test profile (the fixture itself)", spec)
plain = dict(spec)
plain.pop("linux", None)
plain["linux"] = {k: v for k, v in spec["linux"].items() if k != "seccomp"}
plain.setdefault("annotations", {})["org.seccomp-hook.profile"] = "default"
with tempfile.TemporaryDirectory() as cache:
    common = ["--profiles-dir=" + os.path.join(src, "profiles"), "--cache-dir=" + cache,
              "--loader=" + os.path.join(build, "seccomp-hook-init")]
    for args in (["--mode=runtime"], ["--mode=init"], ["--mode=init", "--allow-unfiltered-exec"],
                 ["--mode=init", "--runtime=crun"]):
        check("precreate " + " ".join(args), precreate(common + args, plain))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed != 5 else 0)
