#!/bin/bash
# The benchmarks' options: one network, batch or layer picked, and a bad
# option, a batch other than 1 or 4, an unknown network, a layer no run
# has, a malformed layer count, objective or tolerance, or a file that is
# no firmware image refused with its name (exit 2, or 1 for the image).
# The benchmarks themselves print figures and assert nothing.
# Usage: test_benches.sh COMPILE MAPPER (ROWSTAT_FIRMWARE set).
set -uo pipefail
compile=$1 mapper=$2
. "$(dirname "$0")/expect.sh"

run_expect 0 "alexnet      batch 1:  8 layers" "$compile" -n alexnet -b 1
if grep -q "batch 4\|vgg16" "$out"; then
	echo "FAIL compile -n alexnet -b 1 ran more than AlexNet at batch 1"; failed=1
fi
run_expect 0 "the device as $ROWSTAT_FIRMWARE sets it up" "$compile" -f "$ROWSTAT_FIRMWARE" -n alexnet -b 1
run_expect 2 "-b 7: the batch is 1 or 4" "$compile" -b 7
run_expect 2 "-b x: the batch is 1 or 4" "$compile" -b x
run_expect 2 "-n lenet: no such network" "$compile" -n lenet
run_expect 2 "usage:" "$compile" -x
run_expect 2 "usage:" "$compile" -b
run_expect 1 "/dev/null: not a firmware image the device boots" "$compile" -f /dev/null
run_expect 0 "random1    edp" env MAPPER_SEARCH_ONLY=1 MAPPER_LAYER=random1 "$mapper" 2 edp
if grep -q "random0\|CONV" "$out"; then
	echo "FAIL mapper MAPPER_LAYER=random1 ran other layers"; failed=1
fi
run_expect 0 "  search   set " env MAPPER_SEARCH_ONLY=1 MAPPER_LAYER=random1 MAPPER_VERBOSE=1 "$mapper" 2 edp
run_expect 2 "MAPPER_LAYER=random9: no layer of that name" \
	env MAPPER_SEARCH_ONLY=1 MAPPER_LAYER=random9 "$mapper" 2
run_expect 2 "LAYERS x: a count of random layers" "$mapper" x
run_expect 2 "LAYERS 3x: a count of random layers" "$mapper" 3x
run_expect 2 "LAYERS -1: a count of random layers" "$mapper" -1
run_expect 2 "OBJECTIVE edpx: edp, energy or latency" "$mapper" 2 edpx
run_expect 2 "usage:" "$mapper" 2 edp more
run_expect 2 "MAPPER_TOLERANCE=abc: a fraction" env MAPPER_TOLERANCE=abc "$mapper" 0
run_expect 2 "MAPPER_TOLERANCE=1.5: a fraction" env MAPPER_TOLERANCE=1.5 "$mapper" 0
run_expect 0 "random0    latency" env MAPPER_SEARCH_ONLY=1 MAPPER_RANDOM_ONLY=1 \
	MAPPER_TOLERANCE=0.01 "$mapper" 1 latency

[ "$failed" -eq 0 ] && echo "benches: pass"
exit "$failed"
