#!/bin/bash
# Runs the kernel's checkpatch.pl --strict over the driver's sources.  The
# script comes from Debian's linux-source-6.12 package (bookworm-backports),
# downloaded once and cached outside the repo with the files it reads.
#
#   scripts/checkpatch.sh [FILE...]     (default: driver/*.[ch], driver/probe/*.c)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ROWSTAT_CACHE:-/var/cache/rowstat}/checkpatch
"$top/scripts/apt-sources.sh"

if [ ! -x "$cache/scripts/checkpatch.pl" ]; then
	echo "checkpatch: fetching linux-source-6.12" >&2
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/dl-XXXXXX")
	chmod 0777 "$tmp"	# apt downloads as _apt
	(cd "$tmp" && apt-get download -qq linux-source-6.12 >&2)
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.12_*.deb |
		tar -x -C "$tmp" --wildcards '*/linux-source-6.12.tar.xz'
	tar -xJf "$tmp"/usr/src/linux-source-6.12.tar.xz -C "$tmp" \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	mkdir -p "$cache/scripts"
	cp "$tmp"/linux-source-6.12/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} \
		"$cache/scripts/"
	rm -rf "$tmp"
fi

files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$top"/driver/*.[ch] "$top"/driver/probe/*.c)
# --no-tree: the files are not in a kernel tree; the spelling list and the
# const-structs list are found next to the script.
"$cache/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "${files[@]}" | tee /tmp/checkpatch.$$ || true
if grep -qE ': (ERROR|WARNING|CHECK):' /tmp/checkpatch.$$; then
	rm -f /tmp/checkpatch.$$
	echo "checkpatch: findings above" >&2
	exit 1
fi
rm -f /tmp/checkpatch.$$
echo "checkpatch --strict: ${#files[@]} files clean"
