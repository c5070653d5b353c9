# SPDX-License-Identifier: GPL-2.0
#
# Turn KUnit's KTAP (from the kernel log, timestamps already removed) into
# flat TAP lines, one per leaf result: a parameterised case counts each of
# its parameters, a plain case counts once.  Suites and cases with children
# are not counted again.  Usage: awk -v label=L -f ktap2tap.awk
function indent(s) { match(s, /^ */); return RLENGTH }
{
	sub(/\r$/, "")
	d = indent($0)
	line = substr($0, d + 1)
	if (line ~ /^# Subtest: /) {
		name[d] = substr(line, 12) # names the results at this indent
		next
	}
	if (line !~ /^(not )?ok [0-9]+ /)
		next
	# A result line closes the level below it: it is a leaf only if no
	# result was seen at a deeper indent since this level opened.
	leaf = !(d + 4 in seen) || !seen[d + 4]
	delete seen[d + 4]
	seen[d] = 1
	if (!leaf)
		next
	desc = line
	sub(/^(not )?ok [0-9]+ (- )?/, "", desc)
	path = label
	for (i = 4; i <= d; i += 4)
		if (i in name)
			path = path ": " name[i]
	status = (line ~ /^not ok/) ? "not ok" : "ok"
	if (desc ~ /# SKIP/) {
		reason = desc
		sub(/.*# SKIP */, "", reason)
		sub(/ *# SKIP.*/, "", desc)
		print "ok - " path ": " desc " # SKIP " reason
	} else {
		sub(/ *# .*/, "", desc)
		print status " - " path ": " desc
	}
}
