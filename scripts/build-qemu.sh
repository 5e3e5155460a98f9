#!/bin/bash
# Builds qemu-system-x86_64 from Debian 12's QEMU 7.2 source package with the
# rowstat device added under hw/misc/rowstat, and caches it outside the repo,
# keyed by a hash of the device's sources, this script and the QEMU version.
# Prints the path of the binary on its last line.
#
#   scripts/build-qemu.sh            build if the cache has no match
#   ROWSTAT_CACHE=/path ...          cache location (default /var/cache/rowstat)
#   ROWSTAT_QEMU_KEEP=N ...          builds kept in the cache (default 4, newest first)
#   ROWSTAT_QEMU_SERIES=10.0 ...     bookworm-backports' QEMU 10.0 instead, to
#                                    keep the glue building there (the tests
#                                    use 7.2)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ROWSTAT_CACHE:-/var/cache/rowstat}
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

log() { echo "build-qemu: $*" >&2; }

series=${ROWSTAT_QEMU_SERIES:-7.2}
case "$series" in
7.2 | 10.0) ;;
*) log "ROWSTAT_QEMU_SERIES=$series: supported are 7.2 and 10.0"; exit 2 ;;
esac

"$top/scripts/apt-sources.sh"
deps=(build-essential ninja-build meson pkg-config python3 libglib2.0-dev
      libpixman-1-dev zlib1g-dev libfdt-dev flex bison dpkg-dev xz-utils
      seabios qemu-system-data)
missing=()
for p in "${deps[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >&2
fi

# The newest source of the series apt knows (security updates move it on).
version=$(apt-cache showsrc qemu |
	  sed -n "s/^Version: \(1:${series/./\\.}[.+][^ ]*\)\$/\1/p" | sort -V | tail -n 1)
[ -n "$version" ] || { log "no QEMU $series source package found"; exit 1; }

# What the binary depends on: the glue and its build files, the model, the
# rules library, the contracts, this recipe.
files=(qemu-device/rowstat.c qemu-device/meson.build qemu-device/Kconfig
       qemu-device/trace-events qemu-device/trace.h
       qemu-device/model/*.[ch] qemu-device/model/sources.list
       qemu-device/model/include/*.h hwrules/*.c hwrules/sources.list
       hwrules/include/*.h uapi/*.h hwif/*.h scripts/build-qemu.sh)
key=$( { echo "$version"; cd "$top" && sha256sum "${files[@]}"; } | sha256sum | cut -c1-16)
out="$cache/qemu-$key"
if [ -x "$out/qemu-system-x86_64" ]; then
	log "cached: $out (QEMU $version)"
	echo "$out/qemu-system-x86_64"
	exit 0
fi

src="$cache/src"
mkdir -p "$src"
plain=${version#1:}
upstream=${plain%-*}
work=$(mktemp -d "$cache/build-XXXXXX")
trap 'rm -rf "$work"' EXIT
configure_args=()
if [ "$series" = 7.2 ]; then
	if [ ! -f "$src/qemu_${plain}.dsc" ]; then
		log "fetching the QEMU $version source package"
		(cd "$src" && apt-get source -qq --download-only "qemu=$version" >&2)
	fi
	log "unpacking into $work"
	dpkg-source -x "$src/qemu_${plain}.dsc" "$work/qemu" >/dev/null
	configure_args+=(--meson=meson)
else
	# Debian's mirror here serves the backports upstream tarball but not
	# always its packaging, which this build does not need.
	if [ ! -f "$src/qemu_${upstream}.orig.tar.xz" ]; then
		log "fetching the QEMU $version upstream tarball"
		(cd "$src" && apt-get source -qq --download-only "qemu=$version" >&2) || true
		[ -f "$src/qemu_${upstream}.orig.tar.xz" ] ||
			{ log "could not fetch qemu_${upstream}.orig.tar.xz"; exit 1; }
	fi
	log "unpacking into $work"
	mkdir "$work/qemu"
	tar -xJf "$src/qemu_${upstream}.orig.tar.xz" -C "$work/qemu" --strip-components=1
	# QEMU 10 wants meson >= 1.5 and pycotap, which the dfsg tarball does not
	# bundle: take backports' (pure Python) packages without installing them,
	# so the system's meson stays the one 7.2 builds with.
	tools="$cache/pytools-$series"
	if [ ! -d "$tools/usr/lib/python3/dist-packages/mesonbuild" ]; then
		log "fetching meson and pycotap from bookworm-backports"
		rm -rf "$tools" && mkdir -p "$tools/debs"
		chmod 0777 "$tools/debs"	# apt downloads as _apt
		(cd "$tools/debs" && apt-get download -qq meson/bookworm-backports \
			python3-pycotap/bookworm-backports >&2)
		for deb in "$tools"/debs/*.deb; do dpkg-deb -x "$deb" "$tools"; done
	fi
	export PYTHONPATH="$tools/usr/lib/python3/dist-packages"
	configure_args+=(--python=/usr/bin/python3)
fi

# The device goes into the tree as hw/misc/rowstat: its checked-in build
# files (qemu-device/meson.build, Kconfig, trace-events, trace.h), the model
# core, the rules library and the contracts.  Three lines hook it in.
dev="$work/qemu/hw/misc/rowstat"
mkdir -p "$dev"
cp "$top"/qemu-device/{rowstat.c,meson.build,Kconfig,trace-events,trace.h} "$dev/"
cp -r "$top"/qemu-device/model "$top"/hwrules "$top"/uapi "$top"/hwif "$dev/"
echo "subdir('rowstat')" >> "$work/qemu/hw/misc/meson.build"
echo "source rowstat/Kconfig" >> "$work/qemu/hw/misc/Kconfig"
sed -i "s|^\( *\)'hw/misc',\$|&\n\1'hw/misc/rowstat',|" "$work/qemu/meson.build"
grep -q "'hw/misc/rowstat'" "$work/qemu/meson.build" ||
	{ log "cannot add hw/misc/rowstat to QEMU's trace_events_subdirs"; exit 1; }
# Debian's dfsg tarball drops the edk2 blobs the build would unpack.
sed -i 's/unpack_edk2_blobs = bzip2.found()/unpack_edk2_blobs = false/' "$work/qemu/meson.build"

log "configuring"
mkdir -p "$work/qemu/build"
(cd "$work/qemu/build" &&
 ../configure --target-list=x86_64-softmmu --without-default-features \
	--disable-docs --disable-werror --disable-debug-info \
	--disable-install-blobs "${configure_args[@]}" >&2)
log "building ($(nproc) jobs)"
ninja -C "$work/qemu/build" -j"$(nproc)" qemu-system-x86_64 >&2
mkdir -p "$out.tmp"
cp "$work/qemu/build/qemu-system-x86_64" "$out.tmp/"
echo "$version" > "$out.tmp/QEMU_VERSION"
rm -rf "$out"
mv "$out.tmp" "$out"
log "built: $out (QEMU $version)"
# Keep the newest few builds (another series or branch may want them back).
ls -1dt "$cache"/qemu-*/ 2>/dev/null | tail -n +"$((${ROWSTAT_QEMU_KEEP:-4} + 1))" |
	while read -r old; do
		log "pruning ${old%/}"
		rm -rf "$old"
	done
echo "$out/qemu-system-x86_64"
