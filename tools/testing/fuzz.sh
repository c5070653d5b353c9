#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: every libFuzzer target (tools/fuzz/) for EBPFDMA_FUZZ_SECONDS
# seconds (default 600) each, on the host, from its seeds, the findings
# kept in tools/fuzz/regress/ and what earlier runs found interesting
# (build/fuzz/corpus/, kept between runs).  Not part of make check, which
# replays the seeds and kept findings only (unit/fuzz.sh).
#
# Reports, for each target: executions, edges covered of those
# instrumented, libFuzzer's features, the corpus, and findings (inputs
# that crashed or broke a property, in build/fuzz/findings/TARGET/).
# Writes the figures into FUZZING.md ("## Latest run") and
# build/fuzz/results.json; exits 1 if anything was found.
# EBPFDMA_FUZZ_TARGETS narrows the run to some targets.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

secs=${EBPFDMA_FUZZ_SECONDS:-600}
case $secs in
'' | *[!0-9]* | 0) die "EBPFDMA_FUZZ_SECONDS: '$secs' is not a number of seconds" ;;
esac
all="kwire wire2 control handshake config store_name"
targets=${EBPFDMA_FUZZ_TARGETS:-$all}
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
	found=$(find "$findings" -type f | wc -l)
	[ "$found" = 0 ] && [ $rc = 0 ] || {
		found_any=1
		grep -E 'broken|ERROR|SUMMARY' "$work/$t.log" | head -n 5
	}
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$secs" "${execs:-0}" \
		"${cov:-0}" "${edges:-0}" "${ft:-0}" "$corp" "$found" "$rc" >>"$results"
	note "$t: ${execs:-0} executions, ${cov:-0} of ${edges:-0} edges, $found found (exit $rc)"
done

/usr/bin/python3 - "$results" FUZZING.md "$work/results.json" <<'PY'
import datetime, json, platform, sys
rows = []
for line in open(sys.argv[1]):
    t, secs, execs, cov, edges, ft, corp, found, rc = line.rstrip('\n').split('\t')
    rows.append(dict(target=t, seconds=int(secs), executions=int(execs),
                     edges_covered=int(cov), edges=int(edges), features=int(ft),
                     corpus=int(corp), findings=int(found), exit=int(rc)))
when = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo')
            if l.startswith('model name')), platform.machine())
json.dump(dict(when=when, cpu=cpu, targets=rows), open(sys.argv[3], 'w'), indent=1)
out = ['## Latest run', '',
       f'`make fuzz`, {when}, on the host ({cpu}); each target alone, one '
       'process, libFuzzer with ASan and UBSan. Edges covered: of the '
       'instrumented edges of every file linked into the target (the '
       "harness, the parser's whole file and what it calls of ours, with "
       'the functions of those files that the target never calls; libsodium '
       'and libc are not instrumented), as libFuzzer counts them.', '',
       '| target | seconds | executions | per second | edges covered | features | corpus | findings |',
       '|---|---:|---:|---:|---:|---:|---:|---:|']
for r in rows:
    per = r['executions'] / r['seconds'] if r['seconds'] else 0
    share = f" ({100 * r['edges_covered'] / r['edges']:.0f} %)" if r['edges'] else ''
    out.append(f"| {r['target']} | {r['seconds']} | {r['executions']:,} | {per:,.0f} | "
               f"{r['edges_covered']} of {r['edges']}{share} | {r['features']} | "
               f"{r['corpus']} | {r['findings']}{'' if r['exit'] == 0 else ' (exit %d)' % r['exit']} |")
section = '\n'.join(out) + '\n'
text = open(sys.argv[2]).read()
start = text.index('## Latest run')
end = text.find('\n## ', start + 1)
text = text[:start] + section + (text[end:] if end >= 0 else '')
open(sys.argv[2], 'w').write(text)
PY
[ $? = 0 ] || die "FUZZING.md was not written"
note "wrote FUZZING.md's latest run and build/fuzz/results.json"
[ $found_any = 0 ] || die "findings: build/fuzz/findings/ (reproduce: build/fuzz/TARGET_fuzz FILE)"
