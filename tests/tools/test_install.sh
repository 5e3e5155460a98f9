#!/bin/bash
# make install into a scratch DESTDIR, then an application outside the tree
# built with `pkg-config --cflags --libs rowstat` alone: it runs a layer on
# the sim backend and checks it against the host reference.  Also the
# shared library's soname and exports, and the installed accelctl and man
# page.  Run from the top of the tree (make check-install).
set -euo pipefail
top=$(pwd)
dest=$(mktemp -d /tmp/rowstat-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
make -s install DESTDIR="$dest" PREFIX=/opt/rowstat > /dev/null
lib=$dest/opt/rowstat/lib
fail() { echo "FAIL install: $*"; exit 1; }

soname=$(readelf -d "$lib/librowstat.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = librowstat.so.1 ] || fail "soname '$soname', want librowstat.so.1"
# Captured first: grep -q closing the pipe early would fail it under pipefail.
exports=$(nm -D --defined-only "$lib/librowstat.so.1")
bad=$(echo "$exports" | awk '$2 ~ /[TDBR]/ {print $3}' |
	grep -v '^accel_\|^rs_hw_\|^ROWSTAT_1$' || true)
[ -z "$bad" ] || fail "exports beyond accel_* and rs_hw_*: $bad"
echo "$exports" | grep -q ' accel_layer_run@@ROWSTAT_1$' || fail "accel_layer_run not exported"
[ -x "$dest/opt/rowstat/bin/accelctl" ] || fail "no accelctl"
[ -f "$dest/opt/rowstat/share/man/man1/accelctl.1" ] || fail "no man page"

app=$dest/app
mkdir -p "$app"
cat > "$app/app.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rowstat/networks.h>
#include <rowstat/runtime.h>

int main(void)
{
	struct accel_layer l = { .name = "app" };
	struct accel_layer_result res;
	struct accel_device *dev;
	int16_t in[2 * 8 * 8], w[4 * 2 * 9], got[4 * 8 * 8], want[4 * 8 * 8];

	if (accel_device_open("sim", &dev)) {
		fprintf(stderr, "app: %s\n", accel_error());
		return 1;
	}
	l.cv = (struct accel_conv){ .batch = 1, .in_channels = 2, .in_height = 8, .in_width = 8,
		.out_channels = 4, .kernel_h = 3, .kernel_w = 3, .groups = 1, .stride_h = 1,
		.stride_w = 1, .pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1,
		.ifmap_prec = ROWSTAT_PREC_Q16, .filter_prec = ROWSTAT_PREC_Q16,
		.ofmap_prec = ROWSTAT_PREC_Q16, .requant_mult = 1, .relu = true };
	for (unsigned i = 0; i < sizeof(in) / 2; i++)
		in[i] = (int16_t)(i * 7 % 23) - 11;
	for (unsigned i = 0; i < sizeof(w) / 2; i++)
		w[i] = (int16_t)(i * 5 % 13) - 6;
	if (accel_buffer_alloc(dev, sizeof(in), &l.ifmap) ||
	    accel_buffer_alloc(dev, sizeof(w), &l.filters) ||
	    accel_buffer_alloc(dev, sizeof(got), &l.ofmap)) {
		fprintf(stderr, "app: %s\n", accel_error());
		return 1;
	}
	accel_values_pack(accel_buffer_map(l.ifmap), in, sizeof(in) / 2, ROWSTAT_PREC_Q16);
	accel_values_pack(accel_buffer_map(l.filters), w, sizeof(w) / 2, ROWSTAT_PREC_Q16);
	if (accel_layer_run(dev, &l, &res)) {
		fprintf(stderr, "app: %s\n", accel_error());
		return 1;
	}
	accel_values_unpack(got, accel_buffer_map(l.ofmap), sizeof(got) / 2, ROWSTAT_PREC_Q16);
	accel_reference_conv(&l.cv, in, w, NULL, want);
	printf("app: %llu MACs, %llu cycles, %s\n", (unsigned long long)res.job.counts.macs,
	       (unsigned long long)res.job.counts.cycles,
	       memcmp(got, want, sizeof(got)) ? "DIFFERS" : "exact");
	accel_buffer_free(l.ifmap);
	accel_buffer_free(l.filters);
	accel_buffer_free(l.ofmap);
	accel_device_close(dev);
	return memcmp(got, want, sizeof(got)) != 0;
}
C
# The staged tree stands where PREFIX will be.
export PKG_CONFIG_PATH=$lib/pkgconfig
flags=$(pkg-config --define-variable=prefix="$dest/opt/rowstat" --cflags --libs rowstat)
(cd "$app" && cc -std=c11 -Wall -Wextra -Werror app.c $flags -o app) ||
	fail "the application does not build with: $flags"
needed=$(readelf -d "$app/app")
echo "$needed" | grep -q 'NEEDED.*librowstat.so.1' || fail "app does not link librowstat.so.1"
out=$(LD_LIBRARY_PATH=$lib ROWSTAT_FIRMWARE=$top/build/firmware/rowstat.fw "$app/app") ||
	fail "the application failed: $out"
echo "$out"
echo "install: pass (PREFIX=/opt/rowstat, pkg-config: $flags)"
