#!/bin/bash
# The bench's scripts refuse bad arguments with exit status 2 and a message
# that names what was wrong, before they start any real work.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
passed=0
failed=0

# expect WANT_MESSAGE COMMAND...: exit status 2 and WANT_MESSAGE on stderr.
expect() {
	local want=$1 out rc
	shift
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 2 ] && grep -qF -- "$want" <<< "$out"; then
		passed=$((passed + 1))
	else
		echo "FAIL arguments: '$*' exited $rc with: $out"
		failed=$((failed + 1))
	fi
}

expect "ROWSTAT_QEMU_SERIES=9.9: supported are 7.2 and 10.0" \
	env ROWSTAT_QEMU_SERIES=9.9 "$top/scripts/build-qemu.sh"
expect "unknown option --bogus" "$top/tests/vm/run-vm.sh" --bogus
expect "--watchdog 'soon' is not a number of seconds" \
	"$top/tests/vm/run-vm.sh" --watchdog soon
# These two get as far as the kernel and the test list: no QEMU needed.
expect "unknown kernel '5.0' (6.1 or 6.12)" \
	env ROWSTAT_QEMU=/bin/false "$top/tests/vm/run-vm.sh" --kernel 5.0
expect "no test 'no-such-test' in tests/vm/tests.list" \
	env ROWSTAT_QEMU=/bin/false "$top/tests/vm/run-vm.sh" no-such-test

[ "$failed" -eq 0 ] && echo "PASS arguments: every bad argument refused with its message"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
