#!/bin/bash
# The library's layers (hook/lib/LAYER/, lowest first): a file of a layer includes the project's
# headers of its own layer and the layers below only. One line per include that breaks it; exit 1.
set -euo pipefail
cd "$(dirname "$0")/../hook/lib"
layers=(base profile compile supervise oci)
declare -A rank
for i in "${!layers[@]}"; do
	for h in "${layers[$i]}"/*.h; do
		rank[$(basename "$h")]=$i
	done
done
status=0
for i in "${!layers[@]}"; do
	for f in "${layers[$i]}"/*.[ch]; do
		while IFS= read -r h; do
			[ -n "${rank[$h]+x}" ] || continue # a system or generated header (config.h)
			if [ "${rank[$h]}" -gt "$i" ]; then
				echo "hook/lib/$f includes $h of layer ${layers[${rank[$h]}]}, above its own (${layers[$i]})"
				status=1
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
done
dirs=$(find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | tr '\n' ' ')
want=$(printf '%s\n' "${layers[@]}" | sort | tr '\n' ' ')
if [ "$dirs" != "$want" ] || [ -n "$(find . -maxdepth 1 -type f)" ]; then
	echo "hook/lib holds the layers' folders ($want) and nothing else; it has: $dirs $(find . -maxdepth 1 -type f -printf '%f ')"
	status=1
fi
exit $status
