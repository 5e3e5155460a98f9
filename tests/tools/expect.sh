# Sourced by the tools' tests: run_expect runs a command and checks its
# exit status and, unless NEEDLE is empty, that its stdout or stderr holds
# NEEDLE; a miss prints the output and sets failed.  $out and $err hold
# the last command's output until the script exits.
failed=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# run_expect STATUS NEEDLE COMMAND...
run_expect() {
	local want=$1 needle=$2
	shift 2
	"$@" > "$out" 2> "$err"
	local got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL $*: exit $got, want $want"; cat "$err"; failed=1; return
	fi
	if [ -n "$needle" ] && ! grep -qF -- "$needle" "$out" "$err"; then
		echo "FAIL $*: no \"$needle\" in its output"; cat "$out" "$err"; failed=1; return
	fi
	echo "ok   $* (exit $got)"
}
