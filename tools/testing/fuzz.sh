#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: the fuzzers, for longer than make check runs them.
#
#   - host: every libFuzzer target (tools/fuzz/) for EBPFDMA_FUZZ_SECONDS
#     seconds (default 600) each, from its seeds, the findings kept in
#     tools/fuzz/regress/ and what earlier runs found interesting
#     (build/fuzz/corpus/, kept between runs).  For each: executions,
#     edges covered of those instrumented, libFuzzer's features, the
#     corpus, and findings (inputs that crashed or broke a property, in
#     build/fuzz/findings/TARGET/).
#   - guest: in a guest on the debug kernel (KASAN, lockdep, kmemleak,
#     hung-task detection), with the module built for KCOV,
#     selftests/fuzz.sh with EBPFDMA_FUZZ_DATAGRAMS (1000000) mutated
#     datagrams through BPF_PROG_TEST_RUN and the kfunc and
#     EBPFDMA_FUZZ_IOCTLS (100000) ioctls from EBPFDMA_FUZZ_THREADS (4)
#     threads while a volume and its sessions change; passes when every
#     check passed, the console shows no splat or hung task, and the host
#     finds nothing written outside the windows.
#
# Not part of make check, which replays the seeds and kept findings
# (unit/fuzz.sh) and runs the guest part with a few thousand of each.
# Writes the figures into FUZZING.md ("## Latest run") and
# build/fuzz/results.json; exits 1 if anything was found.
# EBPFDMA_FUZZ_TARGETS narrows the host part to some targets;
# EBPFDMA_FUZZ_PARTS ("host guest") runs only some parts.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

secs=${EBPFDMA_FUZZ_SECONDS:-600}
case $secs in
'' | *[!0-9]* | 0) die "EBPFDMA_FUZZ_SECONDS: '$secs' is not a number of seconds" ;;
esac
all="kwire wire2 control handshake config store_name"
parts=${EBPFDMA_FUZZ_PARTS:-host guest}
for p in $parts; do
	case $p in host | guest) ;; *) die "EBPFDMA_FUZZ_PARTS: no part '$p' (parts: host guest)" ;; esac
done
case " $parts " in *" host "*) targets=${EBPFDMA_FUZZ_TARGETS:-$all} ;; *) targets= ;; esac
datagrams=${EBPFDMA_FUZZ_DATAGRAMS:-1000000}
ioctls=${EBPFDMA_FUZZ_IOCTLS:-100000}
threads=${EBPFDMA_FUZZ_THREADS:-4}
for v in "$datagrams" "$ioctls" "$threads"; do
	case $v in '' | *[!0-9]*) die "EBPFDMA_FUZZ_DATAGRAMS, _IOCTLS, _THREADS: '$v' is not a number" ;; esac
done
for t in $targets; do
	case " $all " in *" $t "*) ;; *) die "EBPFDMA_FUZZ_TARGETS: no target '$t' (targets: $all)" ;; esac
done

"$here/deps.sh" || exit 1
cd "$top"
make -s fuzz-build || die "the fuzz targets do not build"
work=$top/build/fuzz
rm -rf "$work/seed-corpus"
"$work/seeds" "$work/seed-corpus" || die "the seed writer failed"

results=$work/results.tsv
: >"$results"
# Findings of this run only: those of earlier runs stay where they are.
stamp=$work/run-start
touch "$stamp"
found_any=0
for t in $targets; do
	corpus=$work/corpus/$t findings=$work/findings/$t
	mkdir -p "$corpus" "$findings"
	dirs=("$corpus" "$work/seed-corpus/$t")
	[ -d "tools/fuzz/regress/$t" ] && dirs+=("tools/fuzz/regress/$t")
	note "fuzzing $t for $secs s"
	# -timeout: an input that takes 10 s is a finding (a hang).
	timeout -k 10 $((secs + 300)) "$work/${t}_fuzz" -max_total_time="$secs" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$findings/" "${dirs[@]}" >"$work/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
	edges=$(sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' "$work/$t.log" | head -n 1)
	last=$(grep -E '^#[0-9]+.*cov: ' "$work/$t.log" | tail -n 1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(ls "$corpus" | wc -l)
	found=$(find "$findings" -type f -newer "$stamp" | wc -l)
	[ "$found" = 0 ] && [ $rc = 0 ] || {
		found_any=1
		grep -E 'broken|ERROR|SUMMARY' "$work/$t.log" | head -n 5
	}
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$secs" "${execs:-0}" \
		"${cov:-0}" "${edges:-0}" "${ft:-0}" "$corp" "$found" "$rc" >>"$results"
	note "$t: ${execs:-0} executions, ${cov:-0} of ${edges:-0} edges, $found found (exit $rc)"
done

# The guest part.
guest=$work/guest.tsv
rm -f "$guest"
if [ "${parts/guest/}" != "$parts" ]; then
	kcache=$("$here/debug-kernel.sh") || die "the debug kernel does not build"
	release=$(cat "$kcache/release")
	kout=$work/kmod-$release
	note "the module for $release, with KCOV"
	EBPFDMA_KCOV=y EBPFDMA_FAULT=y tools/build/build-module.sh "$kcache/build" \
		"$kout" >"$work/kmod.log" 2>&1 || die "the module does not build (log: $work/kmod.log)"
	"$here/modtree.sh" "$release" "$kcache/modroot" "$kout/modroot" "$kout/ebpfdma.ko" ||
		die "module tree for $release"
	make -s selftests || die "the selftest programs do not build"
	sites=$(objdump -dr "$kout/ebpfdma.ko" | grep -c '__sanitizer_cov_trace_pc')
	g=$work/guest
	rm -rf "$g"
	mkdir -p "$g"
	truncate -s 64M "$g/fuzz.img"
	note "guest: $datagrams datagrams, $ioctls ioctls from $threads threads (debug kernel)"
	t0=$(date +%s)
	"$here/vm-run.sh" --work "$g/vm" --log "$g/console.log" --kernel debug \
		--modules "$kout/modroot" --disk "$g/fuzz.img" --timeout 14400 -- \
		env EBPFDMA_FUZZ_DISK=/dev/vda EBPFDMA_FUZZ_DATAGRAMS="$datagrams" \
		EBPFDMA_FUZZ_IOCTLS="$ioctls" EBPFDMA_FUZZ_THREADS="$threads" \
		"$here/selftests/run-guest.sh" debug fuzz.sh >"$g/out.txt" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	failed=$(grep -c '^not ok' "$g/out.txt")
	# Each read once: the host checks hash the whole disk image.
	guest_log_splats "$g/console.log" >"$g/splats"
	host_check_results "$g/vm" "$g/fuzz.img" | grep -v '^0' >"$g/host-failed"
	splats=$(wc -l <"$g/splats")
	outside=$(wc -l <"$g/host-failed")
	grep -E '^not ok' "$g/out.txt" | head -n 10
	head -n 10 "$g/splats"
	head -n 5 "$g/host-failed"
	val() { sed -n "s/$1/\1/p" "$g/out.txt" | head -n 1; }
	{
		printf 'seconds\t%s\nexit\t%s\nfailed\t%s\nsplats\t%s\nhost_failed\t%s\n' \
			"$secs" "$rc" "$failed" "$splats" "$outside"
		printf 'datagrams\t%s\n' "$(val '^# \([0-9]*\) datagrams:.*')"
		printf 'placed\t%s\n' "$(val '^# [0-9]* datagrams: \([0-9]*\) placed.*')"
		printf 'replaced\t%s\n' "$(val '.* \([0-9]*\) sessions replaced$')"
		printf 'kcov\t%s\nkcov_sites\t%s\n' "$(val '^# kcov: \([0-9]*\) .*')" "$sites"
		printf 'ioctls\t%s\n' "$(sed -n 's/.* - debug\/fuzz: \([0-9]*\) ioctls from [0-9]* threads, .*/\1/p' "$g/out.txt")"
		printf 'churns\t%s\n' "$(val '^# volume [0-9]* added and deleted \([0-9]*\) times.*')"
		printf 'queued\t%s\n' "$(val '.*SESSION_SUBMIT queued \([0-9]*\) writes$')"
		printf 'kinds\t%s\n' "$(val '^# kinds: \(.*\)')"
		for c in placed malformed range no_session auth duplicate pool_full ring_full; do
			printf 'rx_%s\t%s\n' $c "$(val "^# rx\/$c \([0-9]*\)")"
		done
	} >"$guest"
	note "guest: exit $rc in $secs s, $failed failed, $splats splat lines, $outside host checks failed"
	[ "$rc" = 0 ] && [ "$failed" = 0 ] && [ "$splats" = 0 ] && [ "$outside" = 0 ] ||
		found_any=1
fi

/usr/bin/python3 - "$results" FUZZING.md "$work/results.json" "$guest" <<'PY'
import datetime, json, os, platform, sys
rows = []
for line in open(sys.argv[1]):
    t, secs, execs, cov, edges, ft, corp, found, rc = line.rstrip('\n').split('\t')
    rows.append(dict(target=t, seconds=int(secs), executions=int(execs),
                     edges_covered=int(cov), edges=int(edges), features=int(ft),
                     corpus=int(corp), findings=int(found), exit=int(rc)))
when = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo')
            if l.startswith('model name')), platform.machine())
guest = {}
if os.path.exists(sys.argv[4]):
    for line in open(sys.argv[4]):
        k, _, v = line.rstrip('\n').partition('\t')
        guest[k] = int(v) if v.isdigit() else v
json.dump(dict(when=when, cpu=cpu, targets=rows, guest=guest),
          open(sys.argv[3], 'w'), indent=1)
out = ['## Latest run', '',
       f'`make fuzz`, {when}, on the host ({cpu}); each target alone, one '
       'process, libFuzzer with ASan and UBSan. Edges covered: of the '
       'instrumented edges of every file linked into the target (the '
       "harness, the parser's whole file and what it calls of ours, with "
       'the functions of those files that the target never calls; libsodium '
       'and libc are not instrumented), as libFuzzer counts them. '
       "`make fuzz`'s defaults are 600 s a target, 1,000,000 datagrams and "
       '100,000 ioctls; the figures say what this run used.', '',
       '| target | seconds | executions | per second | edges covered | features | corpus | findings |',
       '|---|---:|---:|---:|---:|---:|---:|---:|']
for r in rows:
    per = r['executions'] / r['seconds'] if r['seconds'] else 0
    share = f" ({100 * r['edges_covered'] / r['edges']:.0f} %)" if r['edges'] else ''
    out.append(f"| {r['target']} | {r['seconds']} | {r['executions']:,} | {per:,.0f} | "
               f"{r['edges_covered']} of {r['edges']}{share} | {r['features']} | "
               f"{r['corpus']} | {r['findings']}{'' if r['exit'] == 0 else ' (exit %d)' % r['exit']} |")
text = open(sys.argv[2]).read()
start = text.index('## Latest run')
end = text.find('\n## ', start + 1)
old = text[start:end if end >= 0 else len(text)]
mark = '\nThe guest, on the debug kernel'
if not rows:  # the host part did not run: keep the last one's
    out = [old.split(mark)[0].rstrip('\n')]
if guest:
    g = guest
    num = lambda k: f"{g[k]:,}" if isinstance(g.get(k), int) else str(g.get(k, '?'))
    out += ['', f"The guest, on the debug kernel (KASAN, lockdep, kmemleak, hung tasks), "
            f"{num('seconds')} s under TCG: exit {g.get('exit')}, {g.get('failed')} checks failed, "
            f"{g.get('splats')} splat lines, {g.get('host_failed')} host checks failed "
            "(the datagrams' window against what was placed, nothing written outside the windows).", '',
            '| part | figures |', '|---|---|',
            f"| datagrams through `BPF_PROG_TEST_RUN` and the kfunc | {num('datagrams')}; "
            f"{num('placed')} placed, each where user space's verdict said; sessions replaced under them: {num('replaced')} |",
            f"| their kinds | {g.get('kinds', '?')} |",
            f"| the module's refusals (rx/) | malformed {num('rx_malformed')}, range {num('rx_range')}, "
            f"no session {num('rx_no_session')}, auth {num('rx_auth')}, duplicate {num('rx_duplicate')}, "
            f"pool full {num('rx_pool_full')}, ring full {num('rx_ring_full')} |",
            f"| KCOV: places of the module reached by the datagrams' task | {num('kcov')} "
            f"of {num('kcov_sites')} instrumented |",
            f"| ioctls from the threads | {num('ioctls')}; the volume added and deleted "
            f"{num('churns')} times under them; SUBMIT and SESSION_SUBMIT queued {num('queued')} writes |"]
elif mark in old:  # the guest part did not run: keep the last one's
    out += ['', mark.lstrip('\n') + old.split(mark, 1)[1].rstrip('\n')]
section = '\n'.join(out) + '\n'
text = text[:start] + section + (text[end:] if end >= 0 else '')
open(sys.argv[2], 'w').write(text)
PY
[ $? = 0 ] || die "FUZZING.md was not written"
note "wrote FUZZING.md's latest run and build/fuzz/results.json"
[ $found_any = 0 ] || die "findings: build/fuzz/findings/ (reproduce: build/fuzz/TARGET_fuzz FILE)"
