#!/bin/sh
# The driver through iproute2's devlink, unchanged (runs in the VM):
# dev info, a health report after an injected MMU fault, dev flash.
set -u
fail() { echo "FAIL: $*"; exit 1; }
want() { # OUTPUT PATTERN WHAT
	echo "$1" | grep -q -- "$2" || { echo "$1"; fail "$3: no '$2'"; }
}

dev=$(devlink dev show | grep '^pci/' | head -n 1)
[ -n "$dev" ] || fail "devlink dev show lists no device"
addr=${dev#pci/}
echo "device $dev"

info=$(devlink dev info "$dev") || fail "devlink dev info failed"
want "$info" "driver rowstat" "dev info"
want "$info" "serial_number $addr" "dev info"
want "$info" "fw 1.0" "dev info"

health=$(devlink health show)
for r in mmu_fault job_timeout firmware; do
	want "$health" "$r" "health show"
done
count() { # REPORTER FIELD: the number after FIELD in health show
	devlink health show "$dev" reporter "$1" | sed -n "s/.* $2 \([0-9]*\).*/\1/p"
}
errors=$(count mmu_fault error)
recovered=$(count mmu_fault recover)
faults=$(devlink health diagnose "$dev" reporter mmu_fault | sed -n 's/.*mmu_faults: \([0-9]*\).*/\1/p')
[ -n "$errors" ] && [ -n "$recovered" ] && [ -n "$faults" ] || fail "cannot read the mmu_fault counts"

# A job reaching into another file's VA range: one MMU fault.
rowstat-submit isolation > /dev/null || fail "the fault injection failed"
sleep 1
[ "$(count mmu_fault error)" -eq $((errors + 1)) ] || fail "mmu_fault error count did not grow by 1"
[ "$(count mmu_fault recover)" -eq $((recovered + 1)) ] || fail "mmu_fault recover count did not grow by 1"
dump=$(devlink health dump show "$dev" reporter mmu_fault) || fail "health dump show"
want "$dump" "va" "mmu_fault dump"
want "$dump" "context" "mmu_fault dump"
diag=$(devlink health diagnose "$dev" reporter mmu_fault) || fail "health diagnose"
want "$diag" "mmu_faults: $((faults + 1))" "diagnose"
echo "health: mmu_fault error $((errors + 1)) recover $((recovered + 1)); dump and diagnose shown"

# Flash: a corrupt image is refused and the device keeps running 1.0.
if devlink dev flash "$dev" file rowstat/rowstat-bad.fw 2>/tmp/flash.err; then
	fail "a corrupt image was flashed"
fi
cat /tmp/flash.err
want "$(devlink dev info "$dev")" "fw 1.0" "dev info after a refused flash"
devlink dev flash "$dev" file rowstat/rowstat-1.1.fw || fail "flashing 1.1 failed"
want "$(devlink dev info "$dev")" "fw 1.1" "dev info after flashing 1.1"
rowstat-submit conv > /dev/null || fail "a job on the flashed firmware failed"
# The image running, in sysfs and through libaccel (firmware-test checks
# the name of one loaded).
name=$(cat "/sys/bus/pci/devices/$addr/firmware_name")
[ "$name" = "(flashed)" ] || fail "firmware_name '$name' after a flash, want (flashed)"
want "$(accelctl -d kernel info)" "1.1 ((flashed))" "accelctl info after a flash"
echo "flash: corrupt image refused; 1.1 running, jobs exact"
echo "PASS devlink"
