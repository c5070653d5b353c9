# SPDX-License-Identifier: GPL-2.0
# ebpfdmactl serve for the selftests that send through it (sourced after
# tap.sh and netns.sh; $ctl is ebpfdmactl):
#
#   serve_start CONFIG   start serve in edma-rx; wait until it is ready;
#                        $serve_pid is it
#   wait_for DESC CMD... poll CMD until it succeeds, for at most 30 s
#   scrape               the metrics endpoint's body (127.0.0.1:9788)
#   metric NAME{LABELS}  a value from a scrape in $m
#   rx CMD..., tx CMD... run CMD in edma-rx, edma-tx

rx() { ip netns exec edma-rx "$@"; }
tx() { ip netns exec edma-tx "$@"; }

serve_pid=
serve_start() {
	rm -f /tmp/serve.out
	# Not through rx(): $! must be serve itself (ip netns exec execs it).
	ip netns exec edma-rx "$ctl" serve "$1" >/tmp/serve.out 2>>/tmp/serve.log &
	serve_pid=$!
	for _ in $(seq 100); do
		grep -q '^ready$' /tmp/serve.out 2>/dev/null && return 0
		kill -0 $serve_pid 2>/dev/null || break
		sleep 0.2
	done
	sed 's/^/# /' /tmp/serve.log
	return 1
}

# Conditions, not sleeps: the debug kernel under load is slow to start
# anything (a python process may take seconds).
wait_for() {
	local desc=$1 i
	shift
	for i in $(seq 300); do
		"$@" && return 0
		sleep 0.1
	done
	printf '# timed out waiting for %s\n' "$desc"
	return 1
}

scrape() {
	rx bash -c 'exec 3<>/dev/tcp/127.0.0.1/9788 &&
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' |
		sed '1,/^\r$/d'
}

metric() {
	printf '%s\n' "$m" | awk -v k="$1" '$1 == k { print $2 }'
}
