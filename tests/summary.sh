#!/bin/bash
# Add up the individual test cases behind `make check`'s programs (Criterion syntheses, bats
# ok/not ok lines, the script tests' own "N passed, M failed") into one closing line.
dir=${1:-.}
pass=0 fail=0
while IFS= read -r -d '' log; do
	case "$log" in
	*.bats.log|*/integration/*.log)
		p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log") ;;
	*)
		if line=$(grep -a 'Synthesis: Tested:' "$log" | tail -1) && [ -n "$line" ]; then
			p=$(echo "$line" | sed -E 's/.*Passing: ([0-9]+).*/\1/')
			f=$(( $(echo "$line" | sed -E 's/.*Failing: ([0-9]+).*/\1/') + $(echo "$line" | sed -E 's/.*Crashing: ([0-9]+).*/\1/') ))
		elif line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1) && [ -n "$line" ]; then
			p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
		else
			p=0; f=1; echo "summary: no result line in $log" >&2
		fi ;;
	esac
	pass=$((pass + p)); fail=$((fail + f))
done < <(find "$dir/tests" -name '*.log' ! -name 'test-suite.log' -print0)
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
