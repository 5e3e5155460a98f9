#!/bin/sh
# Probe refuses a missing, a corrupt and an incompatible firmware image,
# each with a message that says which; a good image then works again.
set -u
fail() { echo "FAIL: $*"; exit 1; }
node() { ls /dev/accel/accel* /dev/dri/renderD* 2>/dev/null | head -n 1; }

for case in "rowstat/none.fw:cannot load it" \
	    "rowstat/rowstat-bad.fw:corrupt image" \
	    "rowstat/rowstat-abi2.fw:incompatible image"; do
	image=${case%%:*}
	message=${case#*:}
	rmmod rowstat 2>/dev/null
	dmesg -c > /dev/null
	insmod /lib/modules/rowstat.ko firmware="$image" || fail "insmod with $image"
	[ -z "$(node)" ] || fail "$image: the device probed anyway ($(node))"
	dmesg | grep "rowstat" | grep -q "firmware $image: $message" ||
		{ dmesg | tail -n 5; fail "$image: no message '$message'"; }
	echo "$image: refused ($message)"
done
# A module parameter out of range: refused at probe, naming it.
rmmod rowstat 2>/dev/null
dmesg -c > /dev/null
insmod /lib/modules/rowstat.ko job_timeout_ms=5 || fail "insmod with job_timeout_ms=5"
[ -z "$(node)" ] || fail "job_timeout_ms=5: the device probed anyway"
dmesg | grep -q "job_timeout_ms=5: must be 10..60000" || fail "job_timeout_ms=5: no message"
echo "job_timeout_ms=5: refused"
# The image running, by name, in sysfs and through libaccel: another, then
# the default.
for image in rowstat/rowstat-1.1.fw:1.1 rowstat/rowstat.fw:1.0; do
	version=${image#*:}
	image=${image%%:*}
	rmmod rowstat
	insmod /lib/modules/rowstat.ko firmware="$image" || fail "insmod with $image"
	chmod 0666 /dev/accel/accel* /dev/dri/renderD* 2>/dev/null
	name=$(cat /sys/bus/pci/drivers/rowstat/0*/firmware_name) || fail "$image: no firmware_name"
	[ "$name" = "$image" ] || fail "firmware_name '$name', want $image"
	accelctl -d kernel info | grep -q "firmware $version ($image)" ||
		{ accelctl -d kernel info; fail "$image: accelctl info"; }
	rowstat-submit conv > /dev/null || fail "a job on $image failed"
	echo "$image: firmware $version running, named in sysfs and by accelctl info"
done
echo "PASS firmware"
