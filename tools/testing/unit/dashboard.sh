#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the Grafana dashboard (tools/deploy/grafana-dashboard.json)
# against the metrics serve exports (tools/ebpfdmactl/metrics.c): valid
# JSON; job and instance variables that every query filters by; every
# metric a query names is one serve exports; every query and variable
# query is PromQL that promtool parses; goodput counts each block once.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$here/../selftests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dash=$top/tools/deploy/grafana-dashboard.json

check "the dashboard is valid JSON" python3 -m json.tool "$dash"
# The families metrics.c writes: counter(), gauge(), and its histogram.
sed -n -e 's/.*\(counter\|gauge\)(f, \(&sc, \)\{0,1\}"\(ebpfdma_[a-z_]*\)".*/\3/p' \
	-e 's/.*# TYPE \(ebpfdma_[a-z_]*\) histogram.*/\1/p' \
	"$top/tools/ebpfdmactl/metrics.c" | sort -u >"$tmp/families"
check "metrics.c declares its metric families ($(wc -l <"$tmp/families"))" \
	test "$(wc -l <"$tmp/families")" -ge 30

python3 - "$dash" "$tmp" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
tmp = sys.argv[2]
variables = {v["name"]: v for v in d["templating"]["list"]}
exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
var_queries = [v["query"]["query"] for v in variables.values()
               if isinstance(v.get("query"), dict)]
with open(f"{tmp}/vars", "w") as f:
    f.write(" ".join(sorted(variables)) + "\n")
with open(f"{tmp}/exprs", "w") as f:
    f.write("\n".join(exprs) + "\n")
with open(f"{tmp}/var_queries", "w") as f:
    f.write("\n".join(var_queries) + "\n")
# Every metric selector of a query, with its label matchers ("" if none).
sel = re.compile(r"(ebpfdma_[a-z_]+)(\{[^}]*\})?")
with open(f"{tmp}/selectors", "w") as f:
    for e in exprs:
        for name, labels in sel.findall(e):
            f.write(f"{name}\t{labels}\n")
# A rules file of every query, the variables replaced, for promtool.
rules = {"groups": [{"name": "dashboard", "rules": [
    {"record": f"dashboard:query{i}",
     "expr": e.replace("$job", ".*").replace("$instance", ".*")}
    for i, e in enumerate(exprs)]}]}
json.dump(rules, open(f"{tmp}/rules.yml", "w"))  # JSON is YAML
goodput = [t["expr"] for p in d["panels"] if p["title"] == "Goodput to disk"
           for t in p["targets"]]
with open(f"{tmp}/goodput", "w") as f:
    f.write("\n".join(goodput) + "\n")
PY
check "it has job and instance variables" grep -qw 'instance' "$tmp/vars"
check "... the job one too" grep -qw 'job' "$tmp/vars"
check "every query's metric selector filters by \$job and \$instance ($(wc -l <"$tmp/selectors") selectors)" \
	test -z "$(grep -v 'job=~"\$job",instance=~"\$instance"' "$tmp/selectors")"
# A histogram's series are its family's with _bucket, _sum or _count.
cut -f1 "$tmp/selectors" | sed 's/_\(bucket\|sum\|count\)$//' | sort -u >"$tmp/used"
check "every metric a query names is one serve exports ($(wc -l <"$tmp/used") of them)" \
	test -z "$(comm -23 "$tmp/used" "$tmp/families")"
check "... the variables' queries too" \
	test -z "$(grep -o 'ebpfdma_[a-z_]*' "$tmp/var_queries" | sort -u | comm -23 - "$tmp/families")"
check "promtool parses every query" promtool check rules "$tmp/rules.yml"
check "goodput is the bytes written (each block once), not datagrams received or duplicates" \
	bash -c "grep -q 'ebpfdma_written_bytes_total' '$tmp/goodput' && ! grep -q 'duplicate\|datagrams' '$tmp/goodput'"
tap_done
