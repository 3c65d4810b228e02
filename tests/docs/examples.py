#!/usr/bin/python3
"""The examples of README.md and the man pages, as a reader meets them.

    examples.py FILE...   one JSON object per line: doc, line, kind, text

README.md: every fenced block. ```sh blocks are shell examples ("sh"); a block without a language
whose lines start with "$ " is a transcript ("transcript": the commands and the output printed
after each); ```json and ```toml blocks are configuration ("json", "toml"); the rest is "other".
Fences may be indented (inside a list item); the indent is taken off.

Man pages (roff, as the build writes them, @...@ replaced): every .nf/.fi block. A block whose lines
each start a shell command (a command word this project's documents use) or continue one, or are
comments, is "sh"; a block that parses as JSON is "json"; the rest (output formats, runtime.conf,
TOML) is "other". Roff's escapes are undone (\\- is -, \\e is \\, fonts are dropped).
"""
import json
import re
import sys

COMMANDS = {"seccomp-hook", "seccomp-hook-runtime", "podman", "runc", "crun", "docker", "ctr",
            "kubectl", "rec=$!;", "make", "apt-get", "cp", "sed"}


def fenced(path, lines):
    """README's fenced blocks: (line of the opening fence, language, text)."""
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)```(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start, body = m.group(1), m.group(2), i + 1, []
        i += 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        i += 1
        yield start, lang, "\n".join(body) + "\n"


def readme_kind(lang, text):
    if lang == "sh":
        return "sh"
    if lang in ("json", "toml", "yaml"):
        return lang
    if lang == "" and text.startswith("$ "):
        return "transcript"
    return "other"


ROFF = [(r"\-", "-"), (r"\(lq", '"'), (r"\(rq", '"'), (r"\(>=", ">="), (r"\&", ""), (r"\e", "\\")]


def unroff(line):
    line = re.sub(r"\\f[BIRP]", "", line)
    for a, b in ROFF:
        line = line.replace(a, b)
    return line


def roff_blocks(lines):
    i = 0
    while i < len(lines):
        if lines[i].strip() != ".nf":
            i += 1
            continue
        start, body = i + 2, []
        i += 1
        while i < len(lines) and lines[i].strip() != ".fi":
            body.append(unroff(lines[i]))
            i += 1
        yield start, "\n".join(body) + "\n"


def is_shell(text):
    """Every line a command, a continuation of one, or a comment."""
    cont = False
    seen = False
    for line in text.splitlines():
        s = line.strip()
        if not s:
            cont = False
            continue
        if not cont and not s.startswith("#"):
            if s.split()[0] not in COMMANDS:
                return False
            seen = True
        cont = s.endswith("\\")
    return seen


def man_kind(text):
    if is_shell(text):
        return "sh"
    try:
        json.loads(text)
        return "json"
    except ValueError:
        return "other"


def main():
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        doc = path.rsplit("/", 1)[-1]
        if doc.endswith(".md"):
            blocks = ((n, readme_kind(lang, t), t) for n, lang, t in fenced(path, lines))
        else:
            blocks = ((n, man_kind(t), t) for n, t in roff_blocks(lines))
        for n, kind, text in blocks:
            print(json.dumps({"doc": doc, "line": n, "kind": kind, "text": text}))


if __name__ == "__main__":
    main()
