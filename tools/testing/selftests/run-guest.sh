#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh LABEL SELFTEST...
#
# Run selftests inside the guest and print their results as one flat TAP
# stream, each line named "LABEL/SELFTEST: description".  A selftest that
# exits non-zero without reporting a failure is itself a failure.
label=$1
shift
dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/../lib.sh"
# Where "make selftests" put the C test programs.
export EBPFDMA_SELFTEST_BIN=${EBPFDMA_SELFTEST_BIN:-$(cd "$dir/../../.." && pwd)/build/selftests}
rc=0
for t in "$@"; do
	name=${t%.sh}
	t0=$SECONDS
	out=$(bash "$dir/$t" 2>&1)
	trc=$?
	# How long each took, for whoever sizes the run (make check prints
	# the "#" lines).
	echo "# $label/$name took $((SECONDS - t0)) s"
	printf '%s\n' "$out" | tap_flatten "$label/$name"
	if [ "$trc" != 0 ]; then
		rc=1
		printf '%s\n' "$out" | grep -q '^not ok' ||
			echo "not ok - $label/$name: exited with status $trc"
	fi
done
exit $rc
