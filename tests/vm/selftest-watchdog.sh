#!/bin/bash
# The VM bench must turn a stuck guest into a clear failure, not a stuck run:
# the test never finishes, and run-vm.sh has to stop the VM and report it.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

start=$(date +%s)
"$top/tests/vm/run-vm.sh" --kernel 6.1 --watchdog 30 stuck > "$out" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
if [ "$rc" -ne 0 ] && grep -q "^FAIL stuck (6.1): .*watchdog stopped the VM after 30s" "$out" &&
   grep -q "^=== TEST stuck" "$out" && [ "$elapsed" -lt 90 ]; then
	echo "PASS watchdog: a stuck guest failed the run in ${elapsed}s"
	echo "1 passed, 0 failed"
	exit 0
fi
cat "$out"
echo "FAIL watchdog: exit $rc after ${elapsed}s"
echo "0 passed, 1 failed"
exit 1
