#!/bin/bash
# The VM bench: boots a Debian kernel under TCG with the rowstat device and
# runs guest tests in it.  Always ends: a watchdog stops a stuck VM and reports
# a failure with the console log.
#
#   tests/vm/run-vm.sh [--kernel 6.1|6.12] [--device ARGS] [--watchdog S] [TEST...]
#
# TEST names a line of tests/vm/tests.list (default: all of them).  Prints a
# line per test ("PASS name" / "FAIL name: why") and "N passed, N failed";
# exits 1 if any failed.  ROWSTAT_VM_LOG=FILE keeps the console log, and
# ROWSTAT_VM_LOGLEVEL the kernel console level (default 4: errors only).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=6.1
device=rowstat
watchdog=180
tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--device) device=$2; shift 2 ;;
	--watchdog) watchdog=$2; shift 2 ;;
	-*) echo "run-vm: unknown option $1" >&2; exit 2 ;;
	*) tests+=("$1"); shift ;;
	esac
done
[[ $watchdog =~ ^[1-9][0-9]*$ ]] ||
	{ echo "run-vm: --watchdog '$watchdog' is not a number of seconds" >&2; exit 2; }

qemu=${ROWSTAT_QEMU:-$("$top/scripts/build-qemu.sh" | tail -n 1)}
# Assigned first, so that set -e stops on vm-kernels.sh's own exit status.
kernel_info=$("$top/scripts/vm-kernels.sh" "$kernel")
read -r _ vmlinuz moddir _ <<< "$kernel_info"
# The guest programs: one per tests/vm/guest/rowstat_X.c (the Makefile's rule).
guests=()
for src in "$top"/tests/vm/guest/rowstat_*.c; do
	name=$(basename "$src" .c)
	guests+=("$top/build/vm/${name/_/-}")
done
guests+=("$top/build/vm/rowstat-runtime" "$top/build/vm/accelctl")
firmware="$top/build/firmware/rowstat.fw"
driver="$top/build/kmod/$(basename "$moddir")/rowstat.ko"
for f in "${guests[@]}" "$firmware" "$driver"; do
	[ -f "$f" ] || { echo "run-vm: $f missing: run make first" >&2; exit 2; }
done

work=$(mktemp -d /tmp/rowstat-vm-XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,proc,sys,dev,tmp,lib/modules,lib/firmware/rowstat}
cp /bin/busybox "$root/bin/busybox"
cp "$top/tests/vm/init" "$root/init"
cp "${guests[@]}" "$root/bin/"
# Guests linked dynamically (libpci has no static library) take their
# shared libraries and loader along, at the host's paths.
for g in "${guests[@]}"; do
	for lib in $(ldd "$g" 2>/dev/null | grep -o '/[^ ]*' || true); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
cp "$firmware" "$root/lib/firmware/rowstat/rowstat.fw"
cp "$driver" "$root/lib/modules/rowstat.ko"
cp "$top/tests/vm/guest/devlink-test.sh" "$root/bin/devlink-test"
chmod +x "$root/bin/devlink-test"
# Firmware images for `devlink dev flash`: a newer version, and a corrupt one.
sed 's/^version = .*/version = 1.1/' "$top/firmware/rowstat-fw.conf" > "$work/fw-1.1.conf"
"$top/build/plain/firmware/rsfw" build "$work/fw-1.1.conf" \
	"$root/lib/firmware/rowstat/rowstat-1.1.fw" > /dev/null
head -c 100 "$firmware" > "$root/lib/firmware/rowstat/rowstat-bad.fw"
# ABI major 2 (the le16 at byte 4): checked before the CRC.
{ head -c 4 "$firmware"; printf '\002'; tail -c +6 "$firmware"; } \
	> "$root/lib/firmware/rowstat/rowstat-abi2.fw"
cp "$top/tests/vm/guest/firmware-test.sh" "$root/bin/firmware-test"
chmod +x "$root/bin/firmware-test"
# iproute2's devlink, unchanged, with the libraries it links.
mkdir -p "$root/sbin" "$root/lib64" "$root/lib/x86_64-linux-gnu"
cp /usr/sbin/devlink "$root/sbin/devlink"
for lib in $(ldd /usr/sbin/devlink | grep -o '/[^ ]*'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
chmod +x "$root/init"

# The modules the driver will need, with what they depend on, in load order.
declare -A loaded=()
order=()
add_module() {
	local name=$1 file dep
	[ -n "${loaded[$name]:-}" ] && return
	file=$(find "$moddir/kernel" -name "$name.ko" -o -name "$name.ko.xz" | head -n 1)
	[ -n "$file" ] || { echo "run-vm: module $name not in $moddir" >&2; exit 2; }
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		add_module "$dep"
	done
	loaded[$name]=1
	case "$file" in
	*.xz) xz -dc "$file" > "$root/lib/modules/$name.ko" ;;
	*) cp "$file" "$root/lib/modules/$name.ko" ;;
	esac
	order+=("$name.ko")
}
for m in drm drm_shmem_helper gpu-sched; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" > "$root/modules.order"

# The tests to run, from the list.
list="$top/tests/vm/tests.list"
if [ ${#tests[@]} -eq 0 ]; then
	grep -v '^#' "$list" | grep . | grep -v '^stuck \|^hang \|^hang-rings \|^hang-contexts \|^runtime-hang \|^fwcrash \|^runtime-fwcrash \|^bench ' > "$root/tests"
else
	: > "$root/tests"
	for t in "${tests[@]}"; do
		line=$(grep -v '^#' "$list" | awk -v t="$t" '$1 == t' || true)
		[ -n "$line" ] || { echo "run-vm: no test '$t' in tests/vm/tests.list" >&2; exit 2; }
		echo "$line" >> "$root/tests"
	done
fi
mapfile -t names < <(awk '{print $1}' "$root/tests")

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd"

log="$work/console.log"
start=$(date +%s)
set +e
timeout -k 5 "$watchdog" "$qemu" -machine q35 -accel tcg -m 1024 -nodefaults \
	-display none -no-reboot -serial "file:$log" \
	-L /usr/share/qemu -L /usr/share/seabios \
	-kernel "$vmlinuz" -initrd "$work/initrd" \
	-append "console=ttyS0 panic=-1 loglevel=${ROWSTAT_VM_LOGLEVEL:-4}" \
	-device "$device" < /dev/null
rc=$?
set -e
elapsed=$(( $(date +%s) - start ))
# ROWSTAT_VM_LOG=FILE keeps the console log (the tests' figures).
[ -z "${ROWSTAT_VM_LOG:-}" ] || cp "$log" "$ROWSTAT_VM_LOG"

passed=0
failed=0
for name in "${names[@]}"; do
	if grep -q "^RESULT $name PASS" "$log"; then
		echo "PASS $name ($kernel)"
		passed=$((passed + 1))
	else
		why=$(grep "^RESULT $name FAIL" "$log" | head -n 1 | cut -d' ' -f4- || true)
		[ -n "$why" ] || why="no result"
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			why="$why; watchdog stopped the VM after ${watchdog}s"
		fi
		echo "FAIL $name ($kernel): $why"
		failed=$((failed + 1))
	fi
done
if [ "$failed" -gt 0 ] || ! grep -q "^=== DONE" "$log"; then
	echo "--- console log ($kernel, ${elapsed}s, qemu exit $rc)"
	tail -n 80 "$log"
	[ "$failed" -gt 0 ] || { echo "FAIL the VM did not finish its tests"; failed=1; }
fi
echo "vm $kernel: ${elapsed}s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
