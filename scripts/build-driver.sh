#!/bin/bash
# Builds rowstat.ko against each kernel the VM bench boots, each in its own
# tree (build/kmod/<release>/: the sources linked in, the objects its own),
# since one source tree serves several kernels.  Prints "NAME KO" per kernel.
#
#   scripts/build-driver.sh [--check] [6.1|6.12]...
#
# --check also runs sparse (C=2) and the build with W=1; any warning fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(6.1 6.12)

for name in "${want[@]}"; do
	kernel_info=$("$top/scripts/vm-kernels.sh" "$name")
	read -r _ _ moddir kdir <<< "$kernel_info"
	release=$(basename "$moddir")
	out="$top/build/kmod/$release"
	mkdir -p "$out/driver/probe" "$out/hwrules"
	# Links to files that left the tree would be built still.
	find "$out/driver" "$out/hwrules" -type l -delete
	# The shadow tree: sources by link, objects and the probe header here.
	ln -sfn "$top/uapi" "$out/uapi"
	ln -sfn "$top/hwif" "$out/hwif"
	ln -sfn "$top/hwrules/include" "$out/hwrules/include"
	ln -sf "$top/Kbuild" "$out/Kbuild"
	for f in "$top"/driver/*.[ch] "$top"/driver/conftest.sh; do
		ln -sf "$f" "$out/driver/"
	done
	for f in "$top"/driver/probe/*.c; do
		ln -sf "$f" "$out/driver/probe/"
	done
	for f in fwimage.c params.c; do
		ln -sf "$top/hwrules/$f" "$out/hwrules/$f"
	done
	log="$out/build.log"
	flags=(W=1)
	[ "$check" -eq 1 ] && flags+=(C=2 CHECK="sparse -Wno-decl")
	if ! make -C "$kdir" M="$out" "${flags[@]}" ${V:+V=$V} modules > "$log" 2>&1; then
		cat "$log" >&2
		echo "build-driver: rowstat.ko failed to build for $release" >&2
		exit 1
	fi
	if grep -E 'warning:|error:' "$log" | grep -v '^make' >&2; then
		echo "build-driver: warnings building for $release (W=1${check:+, sparse})" >&2
		exit 1
	fi
	grep -E '^\s+(CC|LD|PROBE|MODPOST)' "$log" | sed 's/^/  /' >&2 || true
	echo "$name $out/rowstat.ko"
done
