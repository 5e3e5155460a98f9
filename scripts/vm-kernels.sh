#!/bin/bash
# Fetches and unpacks the Debian kernels the VM bench boots: 6.1 (bookworm)
# and 6.12 (bookworm-backports), cached outside the repo.  Prints one line
# per kernel: NAME VMLINUZ MODULES_DIR KDIR, where KDIR holds the headers
# of exactly that kernel (installed with apt: a module loads only into the
# kernel whose headers built it).
#
#   scripts/vm-kernels.sh [6.1|6.12]...
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ROWSTAT_CACHE:-/var/cache/rowstat}/kernels
"$top/scripts/apt-sources.sh"

want=("$@")
[ ${#want[@]} -gt 0 ] || want=(6.1 6.12)
mkdir -p "$cache"
for name in "${want[@]}"; do
	case "$name" in
	6.1) suite=bookworm ;;
	6.12) suite=bookworm-backports ;;
	*) echo "vm-kernels: unknown kernel '$name' (6.1 or 6.12)" >&2; exit 2 ;;
	esac
	pkg=$(apt-cache depends "linux-image-amd64/$suite" | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || { echo "vm-kernels: no kernel package in $suite" >&2; exit 1; }
	dir="$cache/$pkg"
	if [ ! -d "$dir/boot" ]; then
		echo "vm-kernels: fetching $pkg" >&2
		tmp=$(mktemp -d "$cache/dl-XXXXXX")
		chmod 0777 "$tmp"	# apt downloads as _apt
		(cd "$tmp" && apt-get download -qq "$pkg" >&2)
		mkdir -p "$dir.tmp"
		dpkg-deb -x "$tmp"/*.deb "$dir.tmp"
		rm -rf "$tmp" "$dir"
		mv "$dir.tmp" "$dir"
	fi
	release=${pkg#linux-image-}
	headers=linux-headers-$release
	if ! dpkg-query -W -f='${Status}' "$headers" 2>/dev/null | grep -q "install ok installed"; then
		echo "vm-kernels: installing $headers" >&2
		sudo=
		[ "$(id -u)" -eq 0 ] || sudo=sudo
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
			--no-install-recommends "$headers" >&2
	fi
	echo "$name $(ls "$dir"/boot/vmlinuz-*) $(ls -d "$dir"/lib/modules/*) /usr/src/$headers"
done
