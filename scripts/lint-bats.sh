#!/bin/bash
# lint-bats.sh FILE.bats...: find assertions in bats tests that cannot fail.
#
# bats runs a test's body under `set -e`, and bash's errexit ignores a failure in two places:
#   - a pipeline negated with `!` (`! grep -q x file` never stops the test; `run ! grep ...` does);
#   - any command of an `a && b` list but the last (`[ "$status" -eq 0 ] && [ ... ]` passes when the
#     status is 1); a `{ ...; }` group is no better, while a `( ... )` subshell or `$( ... )` is.
# Only the test's own status sees them, so they count on its last line alone. This prints
# FILE:LINE: for each such `!` or `&&` elsewhere in a @test body and exits 1 if there is one.
#
# Not reported, because there the shell does act on the result: a list whose last operator is `||`
# (`[ a ] || [ b ]`, `! grep x || false`: its last command's failure stops the test), the
# condition of if/elif/while/until, `X && break|continue|return|exit` (a retry loop's exit, not an
# assertion), and anything inside quotes, here-documents, `( )`, `$( )`, `(( ))` or `[[ ]]`.
# Helper functions outside @test bodies are not read.
set -euo pipefail
if [ $# -eq 0 ]; then
	echo "usage: lint-bats.sh FILE.bats..." >&2
	exit 2
fi

# The scanner reads a test's body a character at a time. st[1..sp] is the stack of what it is
# inside: a quote (' " `), a subshell or command substitution "(", an arithmetic "((" (whose
# insides are not judged), or "[[". At the top (sp == 0) it splits words and lists and follows the
# compound commands.
read -r -d '' prog <<'AWK' || true
function reset_test() {
	sp = 0; block = 0; cond = 0; heredoc = ""; pending_heredoc = ""; nev = 0; lists = 0; last = 0
	reset_list()
}
function reset_list() {
	word = ""; cmdstart = 1; bang = 0; andl = 0; lastop = ""; lastword = ""; has = 0; opending = 0
}
function event(line, what) {
	nev++; evline[nev] = line; evwhat[nev] = what; evlist[nev] = lists + 1; evblock[nev] = block
}
# A list ends (; & ;; or a line's end): judge its ! and && now that its last operator is known.
function endlist(   ctl) {
	endword()
	if (has) {
		ctl = lastop == "&&" && lastword ~ /^(break|continue|return|exit)$/
		if (!cond && lastop != "||" && !ctl) {
			if (bang) event(bang, "!")
			if (andl) event(andl, "&&")
		}
		lists++
		if (block == 0) last = lists
	}
	reset_list()
}
function endword(   w) {
	if (word == "") return
	w = word; word = ""
	if (sp > 0) { if (st[sp] == "[[" && w == "]]") sp--; return }
	has = 1; opending = 0
	if (!cmdstart) return
	cmdstart = 0
	if (w == "!") { if (!bang) bang = FNR; cmdstart = 1 }
	else if (w == "if" || w == "while" || w == "until") { block++; cond = 1; cmdstart = 1 }
	else if (w == "elif") { cond = 1; cmdstart = 1 }
	else if (w == "then" || w == "do" || w == "else") { cond = 0; cmdstart = 1 }
	else if (w == "for" || w == "case" || w == "select") block++
	else if (w == "fi" || w == "done" || w == "esac" || w == "}") block--
	else if (w == "{") { block++; cmdstart = 1 }
	else if (w == "[[") st[++sp] = "[["
	else lastword = w
}
function op(o) {
	endword()
	if (o == "&&" && !andl) andl = FNR
	lastop = o; cmdstart = 1; opending = 1
}
# After << or <<-: the delimiter word, its quotes removed; its lines are skipped after this one.
function heredoc_at(s, i,   n, d, c) {
	strip = substr(s, i + 2, 1) == "-"
	i += strip ? 3 : 2
	n = length(s)
	while (i <= n && substr(s, i, 1) ~ /[ \t]/) i++
	d = ""
	for (; i <= n; i++) {
		c = substr(s, i, 1)
		if (c ~ /[ \t;&|<>()]/) break
		if (c != "'" && c != "\"" && c != "\\") d = d c
	}
	pending_heredoc = d; pending_strip = strip
	return i
}
function scan(s,   i, n, c, c2, top, cont) {
	n = length(s); i = 1; cont = 0
	while (i <= n) {
		c = substr(s, i, 1); c2 = substr(s, i, 2); top = sp ? st[sp] : ""
		if (top == "'") { if (c == "'") sp--; i++; continue }
		if (top == "`") { if (c == "\\") i++; else if (c == "`") sp--; i++; continue }
		if (top == "\"") {
			if (c == "\\") i++
			else if (c == "\"") sp--
			else if (c2 == "$(") { st[++sp] = "("; i++ }
			else if (c == "`") st[++sp] = "`"
			i++; continue
		}
		if (c == "\\") { if (i == n) cont = 1; word = word c2; i += 2; continue }
		if (c == "#" && word == "" && (i == 1 || substr(s, i - 1, 1) ~ /[ \t;&|()]/)) break
		if (c == "'" || c == "\"" || c == "`") { st[++sp] = c; word = word "\001"; i++; continue }
		if (substr(s, i, 3) == "$((" || (c2 == "((" && top != "((")) {
			st[++sp] = "(("; word = word "\001"; i += c == "$" ? 3 : 2; continue
		}
		if (c2 == "$(") { st[++sp] = "("; word = word "\001"; i += 2; continue }
		if (top == "((") { if (c2 == "))") { sp--; i++ } else if (c == "(") st[++sp] = "("; i++; continue }
		if (substr(s, i, 3) == "<<<") { endword(); i += 3; continue }
		if (c2 == "<<") { endword(); i = heredoc_at(s, i); continue }
		if (top == "(") { if (c == "(") st[++sp] = "("; else if (c == ")") sp--; i++; continue }
		if (c ~ /[ \t]/) { endword(); i++; continue }
		if (top == "[[") { word = word c; i++; continue }
		if (c2 == "&&" || c2 == "||") { op(c2); i += 2; continue }
		if (c2 == "&>" || c2 == ">&" || c2 == "<&" || c2 == ">|" || c2 == ">>" || c2 == "<>") { endword(); i += 2; continue }
		if (c == "<" || c == ">") { endword(); i++; continue }
		if (c2 == ";;") { endlist(); i += 2; continue }
		if (c == ";" || c == "&") { endlist(); i++; continue }
		if (c == "|") { endword(); cmdstart = 1; opending = 1; i++; continue }
		if (c == "(") { endword(); st[++sp] = "("; has = 1; opending = 0; i++; continue }
		if (c == ")") { endword(); i++; continue }  # a case pattern's
		word = word c; i++
	}
	endword()
	if (pending_heredoc != "") { heredoc = pending_heredoc; heredoc_strip = pending_strip; pending_heredoc = "" }
	if (sp == 0 && !cont && !opending) endlist()
}
function end_test(   k) {
	for (k = 1; k <= nev; k++) {
		if (evlist[k] == last && evblock[k] == 0) continue
		found = 1
		if (evwhat[k] == "!")
			printf "%s:%d: `!` before the end of a test never fails it (bash ignores it under set -e): use `run ! CMD`\n", FILENAME, evline[k]
		else
			printf "%s:%d: `&&` before the end of a test: a failure of any command but its last is ignored: one assertion per line\n", FILENAME, evline[k]
	}
}
FNR == 1 {
	if (intest) { printf "%s:%d: a @test body is not closed\n", prevfile, testline; found = 1 }
	intest = 0; prevfile = FILENAME
}
!intest { if ($0 ~ /^@test[ \t].*\{[ \t]*$/) { intest = 1; testline = FNR; reset_test() }; next }
heredoc != "" {
	line = $0
	if (heredoc_strip) sub(/^\t+/, "", line)
	if (line == heredoc) heredoc = ""
	next
}
/^}[ \t]*$/ && sp == 0 { end_test(); intest = 0; next }
{ scan($0) }
END {
	if (intest) { printf "%s:%d: a @test body is not closed\n", prevfile, testline; found = 1 }
	exit found
}
AWK
exec awk "$prog" "$@"
