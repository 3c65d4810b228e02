#!/usr/bin/env python3
"""Validate profiles against schema/seccomp-profile.schema.json with a real JSON Schema validator
(python3-jsonschema, draft 2020-12): every shipped and upstream profile must pass, every profile
of the bad corpus that is valid JSON must fail (except the few checks a schema cannot express)."""
import glob
import json
import os
import sys

from jsonschema import Draft202012Validator

src = os.environ.get("SH_SRCDIR", ".")
upstream = os.environ.get("SH_UPSTREAM") or os.path.join(os.environ.get("SH_BUILDDIR", "."), "tests", "fixtures")
schema = json.load(open(os.path.join(src, "schema", "seccomp-profile.schema.json")))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)

# Beyond JSON Schema: duplicate keys (a parsed JSON object has none left), errno names that must
# agree with a number, and 1e3 (JSON Schema's data model calls it the integer 1000).
# `seccomp-hook check` rejects these; tests/bad-profiles.test proves it.
NOT_EXPRESSIBLE = {"duplicate-key-top", "duplicate-key-in-rule", "errno-name-disagrees", "default-errno-disagrees",
                   "arg-value-exponent"}

passed = failed = 0


def report(ok, what):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what)
    if ok:
        passed += 1
    else:
        failed += 1


def profile_of(doc):
    """A whole OCI config carries its profile at linux.seccomp."""
    if isinstance(doc, dict) and "defaultAction" not in doc and ("ociVersion" in doc or "linux" in doc):
        return (doc.get("linux") or {}).get("seccomp")
    return doc


good = sorted(glob.glob(os.path.join(src, "profiles", "*.json"))) + sorted(glob.glob(os.path.join(upstream, "*.json")))
if not any(upstream in g for g in good):
    report(False, "no upstream profiles found in " + upstream)
for path in good:
    errors = list(validator.iter_errors(profile_of(json.load(open(path)))))
    report(not errors, "valid   " + os.path.basename(path) + ("" if not errors else ": " + errors[0].message[:200]))

for path in sorted(glob.glob(os.path.join(src, "tests", "bad", "*.json"))):
    name = os.path.basename(path)[:-5]
    if name in NOT_EXPRESSIBLE:
        continue
    try:
        doc = json.loads(open(path, "rb").read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        report(True, "invalid " + name + " (not JSON)")
        continue
    prof = profile_of(doc)
    rejected = prof is None or not validator.is_valid(prof)
    # NUL characters are valid JSON strings; the syscall-name pattern or key set rejects them.
    report(rejected, "invalid " + name)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
