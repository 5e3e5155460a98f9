#!/bin/bash
# Checks what static libraries export: every global symbol a library
# defines starts with its component's prefix (even hidden ones collide in a
# static link), and the only symbols left visible are those its public
# headers declare.  Arguments: triples of LIBRARY PREFIX INCLUDE_DIR.
set -euo pipefail

failed=0
while [ $# -ge 3 ]; do
	lib=$1 prefix=$2 inc=$3
	shift 3
	# Defined global symbols with their visibility, from every member.
	syms=$(readelf -sW "$lib" | awk '$5 == "GLOBAL" && $7 != "UND" && $8 != "" {print $6, $8}')
	total=$(printf '%s\n' "$syms" | grep -c . || true)
	visible=0
	while read -r vis name; do
		[ -n "$name" ] || continue
		if [[ $name != "$prefix"* ]]; then
			echo "FAIL $lib: $name lacks the prefix $prefix"
			failed=1
		fi
		if [ "$vis" = DEFAULT ]; then
			visible=$((visible + 1))
			if ! grep -rqw "$name" "$inc"; then
				echo "FAIL $lib: $name is visible but no header in $inc declares it"
				failed=1
			fi
		fi
	done <<< "$syms"
	[ "$total" -gt 0 ] || { echo "FAIL $lib: no symbols found"; failed=1; }
	echo "symbols $lib: $total global, $visible visible (prefix $prefix)"
done
[ "$failed" -eq 0 ] && echo "symbols: pass" || { echo "symbols: FAIL"; exit 1; }
