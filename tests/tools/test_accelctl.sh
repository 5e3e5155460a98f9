#!/bin/bash
# accelctl on the sim backend: exit status 0, 1 or 2 as documented, human
# and --json output that parses and carries the values, a layer exact
# against the reference and the same on a second sim device, and bad
# arguments named.  Usage: test_accelctl.sh ACCELCTL (ROWSTAT_FIRMWARE set).
set -uo pipefail
ctl=$1
. "$(dirname "$0")/expect.sh"

# expect STATUS NEEDLE(in stdout+stderr, may be empty) ARGS...
expect() {
	run_expect "$1" "$2" "$ctl" "${@:3}"
}

expect 0 "PE array 12 x 14" info
expect 0 "in-process model core" list
expect 0 "exact" run --check c=8,h=9,m=12,k=3,p=1,relu
expect 0 "all exact and the same on both devices" \
	run --check --compare sim -b 2 c=6,h=11,m=8,k=3,s=2,g=2
expect 0 "energy by level and data type" stats c=4,h=6,m=4,k=1
expect 0 "glb reads" stats c=4,h=6,m=4,k=1
expect 0 "exact" run --check c=5,h=7,m=6,k=3,p=1,int8,relu
expect 0 "conv5" run -l 5 alexnet
# A network whole, chained through its pooling and residual steps.
expect 0 "exact against the host's reference network, the same bytes and counts on both devices" \
	run --chain --check --compare sim -b 2 mobilenetv2
expect 0 "output 1x1000x1x1, exact against the host's reference network" \
	run --chain --check resnet18
expect 2 "runs a built-in network whole" run --chain -l 2 resnet18
expect 2 "runs a built-in network whole" run --chain c=3,h=8,m=4
expect 2 "runs a built-in network whole" run --chain --input /dev/null resnet18
expect 2 "runs a built-in network whole" run --chain -n 2 resnet18
expect 2 "runs a built-in network whole" bench --chain resnet18
expect 2 "not one of alexnet" run --chain lenet
expect 2 "in_height 0" run c=3,h=0
expect 2 "not one of n c h w m k s p g" run c=3,h=8,q=2
expect 2 "not one of alexnet" run lenet
expect 2 "--batch x" run -b x alexnet
expect 2 "--layers x: expected FIRST" run -l x alexnet
expect 2 "--layers 0: expected FIRST" run -l 0 alexnet
expect 2 "--repeat 0: not a positive number" bench -n 0 alexnet
expect 2 "not a command" frobnicate
expect 2 "monitor -n x: not a positive number" monitor -n x
expect 2 "monitor -t 0: not a positive number" monitor -t 0
expect 2 "name one network or layer" run
expect 1 "no such rowstat device" -d 7 info
expect 1 "no such rowstat device" -d kernel run c=3,h=8,m=4
ROWSTAT_FIRMWARE=/nonexistent expect 1 "/nonexistent" info

# A layer's ifmap from a file and its ofmap to one: a 1x1 layer of one
# filter of weight 1 (requant shift 0 for a single tap) copies it.
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<8h", 1, -2, 3, -4, 500, 0, 7, -8))' > "$out.in"
expect 0 "exact" run --check --input "$out.in" --output "$out.o" --seed 5 c=2,h=2,m=1,k=1,nobias
[ "$(stat -c %s "$out.o")" = 8 ] || { echo "FAIL --output wrote $(stat -c %s "$out.o") bytes, want 8"; failed=1; }
expect 2 "layer 1's ifmap is 16" run --input "$out.o" c=2,h=2,m=1,k=1
expect 2 "take one layer" run --input "$out.in" alexnet
expect 2 "No such file" run --input /nonexistent c=2,h=2,m=1,k=1
rm -f "$out.in" "$out.o"

# --json parses and carries what the human output shows.
if "$ctl" --json run -b 2 --check c=8,h=10,m=16,k=3,p=1 > "$out"; then
	python3 - "$out" <<'PY' || failed=1
import json, sys
d = json.load(open(sys.argv[1]))
l = d["layers"][0]
assert d["backend"] == "sim" and d["failed"] == 0 and d["differs"] == 0, d
assert d["shapes"] == 1 and d["compile_ms"] > 0, d
assert l["macs"] == 2 * 16 * 8 * 10 * 10 * 9, l["macs"]
assert l["exact"] is True and l["cycles"] > 0 and l["energy"] > 0, l
assert sum(sum(t.values()) for t in l["energy_by_level"].values()) == l["energy"], l
print("ok   accelctl --json run: values check out")
PY
else
	echo "FAIL accelctl --json run"; failed=1
fi
if "$ctl" --json run --chain --check resnet18 > "$out"; then
	python3 - "$out" <<'PY' || failed=1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["chained"] is True and d["exact"] is True, d
assert d["output"] == [1, 1000, 1, 1], d["output"]
names = [l["name"] for l in d["layers"]]
assert len(names) == 21 and names[0] == "conv1" and names[-1] == "fc", names
assert names.index("layer2.0.down") == names.index("layer2.0.conv1") + 1, names
assert sum(l["cycles"] for l in d["layers"]) == d["cycles"] and d["energy"] > 0, d
print("ok   accelctl --json run --chain: values check out")
PY
else
	echo "FAIL accelctl --json run --chain"; failed=1
fi
"$ctl" --json info | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["array"]==[12,14], d' \
	&& echo "ok   accelctl --json info" || { echo "FAIL accelctl --json info"; failed=1; }
[ "$failed" -eq 0 ] && echo "accelctl: pass" || { echo "accelctl: FAIL"; exit 1; }
