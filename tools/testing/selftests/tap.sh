# SPDX-License-Identifier: GPL-2.0
# kselftest-style TAP helpers for the selftests (sourced).
#
#   check DESC CMD...          ok when CMD succeeds
#   check_fails DESC MESSAGE CMD...
#                              ok when CMD fails and its output says MESSAGE
#   check_write_error DESC FILE VALUE MESSAGE
#                              ok when writing VALUE to FILE fails with the
#                              error text MESSAGE (strerror of the errno)
#   run_tap CMD...             take the TAP results of a C helper
#   skip DESC REASON           a skipped test, with its reason
#   host_check DESC OFFSET LENGTH SHA256 [DISK]
#                              the host compares the sha256 of bytes
#                              [OFFSET, +LENGTH) of disk DISK (index, default
#                              1) with SHA256 after the guest stops
#   tap_done                   print the plan; exit 1 if anything failed

_tap_n=0
_tap_failed=0
_tap_t=$SECONDS
echo "TAP version 13"

_tap_result() {
	_tap_n=$((_tap_n + 1))
	# Where a run's time goes, for whoever sizes make check.
	[ $((SECONDS - _tap_t)) -lt 5 ] ||
		echo "# $((SECONDS - _tap_t)) s since the last result"
	_tap_t=$SECONDS
	if [ "$1" = 0 ]; then
		echo "ok $_tap_n $2"
	else
		echo "not ok $_tap_n $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] || printf '# %s\n# -> exit %s\n' "$*" "$rc"
	[ "$rc" = 0 ] || printf '%s\n' "$out" | head -n 20 | sed 's/^/# /'
	_tap_result "$rc" "$desc"
}

check_fails() {
	local desc=$1 msg=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		printf '# %s succeeded but should have failed\n' "$*"
	else
		case "$out" in
		*"$msg"*)
			_tap_result 0 "$desc"
			return
			;;
		esac
		printf '# %s failed, but without "%s"\n' "$*" "$msg"
	fi
	printf '%s\n' "$out" | head -n 20 | sed 's/^/# /'
	_tap_result 1 "$desc"
}

check_write_error() {
	local desc=$1 file=$2 value=$3 msg=$4 out
	out=$( { printf '%s' "$value" >"$file"; } 2>&1) && {
		echo "# writing '$value' to $file succeeded"
		_tap_result 1 "$desc"
		return
	}
	case "$out" in
	*"$msg"*) _tap_result 0 "$desc" ;;
	*)
		echo "# expected '$msg', got: $out"
		_tap_result 1 "$desc"
		;;
	esac
}

# run_tap CMD...: run a C helper that speaks TAP; its results become ours,
# and a helper that exits non-zero is a failure of its own.
run_tap() {
	local out rc line
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) _tap_result 0 "${line#ok [0-9]* }" ;;
		"not ok "*) _tap_result 1 "${line#not ok [0-9]* }" ;;
		"#"*) echo "$line" ;;
		esac
	done <<<"$out"
	[ "$rc" = 0 ] || _tap_result 1 "$* exits 0 (it exited $rc)"
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n $1 # SKIP $2"
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" = 0 ]
}

host_check() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "${5:-1}" "$2" "$3" "$4" \
		>>"$EBPFDMA_VM_WORK/host-checks.tsv"
}
