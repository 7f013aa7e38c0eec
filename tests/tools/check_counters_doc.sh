#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# check_counters_doc.sh [-v] [DOC]: is every counter of `hagctl stats` documented?
#
# Run from the repository root. DOC defaults to docs/operations.md.
#
# The counters are read from the sources, not from a running hagd (no build needed):
#   1. every name array that feeds the telemetry: each `*_mib_names` array defined
#      under app/ or lib/, and each array app/telemetry.c uses as a key
#      (`rte_tel_data_add_dict_u64(d, some_names[c], v)`, e.g. hag_impair_ctr_names);
#      the names are the string literals of its initializer (`[X] = "Name", ...`);
#   2. every literal key of a number in app/telemetry.c
#      (`rte_tel_data_add_dict_u64(d, "CurrConns", ...)`, also _int / _uint).
# Each counter must appear in backticks in the first cell of a table row of DOC
# (`| `Name` | what it counts | what to do |`).
# The literal names of groups and text fields in app/telemetry.c ("tcp", "ports",
# "impair", "link", ...) must appear in backticks somewhere in DOC.
#
# A key of a number that is neither a string literal nor an element of a name
# array (say a variable) cannot be checked: the script stops with an error that
# says where, so that it gets taught the new form instead of passing silently.
#
# Prints the missing names and exits 1; otherwise prints "counters documented: N"
# (N distinct counter names) and exits 0. Exit 2: usage or sources not readable.
set -euo pipefail

verbose=0
if [[ ${1:-} == -v ]]; then
	verbose=1
	shift
fi
if [[ $# -gt 1 || ${1:-} == -h || ${1:-} == --help ]]; then
	echo "usage: $0 [-v] [DOC]   (from the repository root; DOC: docs/operations.md)" >&2
	exit 2
fi
doc=${1:-docs/operations.md}
telemetry=app/telemetry.c

if [[ ! -f $telemetry || ! -d lib ]]; then
	echo "check_counters_doc: run me from the repository root (no $telemetry here)" >&2
	exit 2
fi
if [[ ! -f $doc ]]; then
	echo "check_counters_doc: $doc: no such file" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# C source -> one line per file: "FILE<TAB>text", comments removed (string and
# character literals kept as they are), newlines turned into spaces, so that a
# definition or a call split over several lines is matched as a whole.
clean_c() {
	awk '
	FNR == 1 {
		if (NR > 1)
			printf "\n"
		printf "%s\t", FILENAME
		incom = 0
	}
	{
		line = $0
		n = length(line)
		out = ""
		instr = 0
		i = 1
		while (i <= n) {
			c = substr(line, i, 1)
			if (incom) {
				if (c == "*" && substr(line, i + 1, 1) == "/") {
					incom = 0
					i += 2
				} else {
					i++
				}
				continue
			}
			if (instr) {
				out = out c
				if (c == "\\") {
					out = out substr(line, i + 1, 1)
					i += 2
					continue
				}
				if (c == q)
					instr = 0
				i++
				continue
			}
			if (c == "/" && substr(line, i + 1, 1) == "*") {
				incom = 1
				out = out " "
				i += 2
				continue
			}
			if (c == "/" && substr(line, i + 1, 1) == "/")
				break
			if (c == "\"" || c == "\047") {
				instr = 1
				q = c
			}
			out = out c
			i++
		}
		gsub(/\t/, " ", out)
		printf "%s ", out
	}
	END { printf "\n" }
	' "$@"
}

mapfile -t sources < <(find app lib -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
clean_c "${sources[@]}" >"$tmp/all.clean"
clean_c "$telemetry" >"$tmp/telemetry.clean"

# From app/telemetry.c: the keys of numbers ("C<TAB>literal", "A<TAB>array",
# "X<TAB>expression" when neither) and the other literal keys ("L<TAB>literal":
# groups, nested dicts, text fields).
awk -F '\t' '
function trim(s) {
	sub(/^[ ]+/, "", s)
	sub(/[ ]+$/, "", s)
	return s
}
# The second argument of the call whose argument list starts at s (after "(").
function second_arg(s,    i, c, depth, q, start, arg) {
	depth = 0
	q = ""
	start = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (q != "") {
			if (c == "\\") { i++; continue }
			if (c == q) q = ""
			continue
		}
		if (c == "\"" || c == "\047") { q = c; continue }
		if (c == "(" || c == "[" || c == "{") { depth++; continue }
		if (c == ")" || c == "]" || c == "}") {
			if (depth == 0) break
			depth--
			continue
		}
		if (c == "," && depth == 0) {
			if (start == 0) { start = i + 1; continue }
			break
		}
	}
	if (start == 0)
		return ""
	return trim(substr(s, start, i - start))
}
{
	text = $2
	rest = text
	while (match(rest, /(rte_tel_data_add_dict_[a-z0-9_]+|[^A-Za-z0-9_]add)[ ]*\(/)) {
		call = substr(rest, RSTART, RLENGTH)
		rest = substr(rest, RSTART + RLENGTH)
		arg = second_arg(rest)
		number = call ~ /rte_tel_data_add_dict_(u64|int|uint)/
		if (arg ~ /^"[^"]*"$/) {
			print (number ? "C" : "L") "\t" substr(arg, 2, length(arg) - 2)
		} else if (number && arg ~ /^[A-Za-z_][A-Za-z0-9_]*[ ]*\[/) {
			sub(/[ ]*\[.*/, "", arg)
			print "A\t" arg
		} else if (number) {
			print "X\t" arg
		}
	}
}
' "$tmp/telemetry.clean" >"$tmp/telemetry.keys"

if grep -q '^X' "$tmp/telemetry.keys"; then
	echo "check_counters_doc: $telemetry exports numbers under keys this script cannot resolve:" >&2
	sed -n 's/^X\t/  /p' "$tmp/telemetry.keys" >&2
	echo "  (a string literal or an element of a name array is expected: teach the script the new form)" >&2
	exit 2
fi

# The name arrays to read: every *_mib_names, and every array telemetry.c uses as a key.
{
	sed -n 's/^A\t//p' "$tmp/telemetry.keys"
	grep -o '[A-Za-z_][A-Za-z0-9_]*_mib_names[ ]*\[[^]=;{}]*\][ ]*=[ ]*{' "$tmp/all.clean" |
		sed 's/[ ]*\[.*//' || true
} | LC_ALL=C sort -u >"$tmp/arrays"

# Every name of those arrays: "NAME<TAB>array<TAB>file"; problems as "!<TAB>message".
awk -F '\t' '
FNR == NR { want[$1] = 1; next }
{
	file = $1
	rest = $2
	while (match(rest, /[A-Za-z_][A-Za-z0-9_]*[ ]*\[[^]=;{}]*\][ ]*=[ ]*\{[^}]*\}/)) {
		def = substr(rest, RSTART, RLENGTH)
		rest = substr(rest, RSTART + RLENGTH)
		name = def
		sub(/[ ]*\[.*/, "", name)
		if (!(name in want))
			continue
		found[name] = 1
		body = def
		sub(/^[^{]*\{/, "", body)
		desig = 0
		b = body
		while (match(b, /\[[ ]*[A-Za-z_][A-Za-z0-9_]*[ ]*\][ ]*=/)) {
			desig++
			b = substr(b, RSTART + RLENGTH)
		}
		strs = 0
		b = body
		while (match(b, /"[^"]*"/)) {
			strs++
			print substr(b, RSTART + 1, RLENGTH - 2) "\t" name "\t" file
			b = substr(b, RSTART + RLENGTH)
		}
		if (strs == 0)
			print "!\t" name " (" file "): no string literal in its initializer"
		else if (desig > 0 && desig != strs)
			print "!\t" name " (" file "): " desig " designators but " strs " names: an entry is not a plain string literal"
	}
}
END {
	for (name in want)
		if (!(name in found))
			print "!\t" name ": used by app/telemetry.c or named *_mib_names, but no initializer found under app/ or lib/"
}
' "$tmp/arrays" "$tmp/all.clean" >"$tmp/array.names"

if grep -q '^!' "$tmp/array.names"; then
	echo "check_counters_doc: cannot read every counter name:" >&2
	sed -n 's/^!\t/  /p' "$tmp/array.names" >&2
	exit 2
fi

# Counters: "NAME<TAB>where".
{
	grep -v '^!' "$tmp/array.names" | awk -F '\t' '{ print $1 "\t" $2 " (" $3 ")" }'
	sed -n 's/^C\t\(.*\)/\1\tliteral key in app\/telemetry.c/p' "$tmp/telemetry.keys"
} >"$tmp/counters"
sed -n 's/^L\t\(.*\)/\1\tgroup or field key in app\/telemetry.c/p' "$tmp/telemetry.keys" >"$tmp/labels"

# DOC: the backticked words of the first cell of table rows, and all backticked words
# (fenced code blocks left out).
awk '
/^[ ]*```/ { fence = !fence; next }
fence { next }
{
	line = $0
	if (line ~ /^[ ]*\|/ && line !~ /^[ ]*\|[ :|-]*$/) {
		cell = line
		sub(/^[ ]*\|/, "", cell)
		sub(/\|.*/, "", cell)
		while (match(cell, /`[^`]+`/)) {
			print "R\t" substr(cell, RSTART + 1, RLENGTH - 2)
			cell = substr(cell, RSTART + RLENGTH)
		}
	}
	while (match(line, /`[^`]+`/)) {
		print "B\t" substr(line, RSTART + 1, RLENGTH - 2)
		line = substr(line, RSTART + RLENGTH)
	}
}
' "$doc" >"$tmp/doc.words"

awk -F '\t' -v doc="$doc" -v verbose="$verbose" '
FILENAME == ARGV[1] { if ($1 == "R") row[$2] = 1; else tick[$2] = 1; next }
FILENAME == ARGV[2] {
	if (!($1 in seen)) { seen[$1] = 1; n++ }
	if (verbose)
		printf "counter %-28s %s\n", $1, $2
	if (!($1 in row) && !($1 in missing)) {
		missing[$1] = 1
		printf "missing in %s: `%s` (%s): no table row starts with it\n", doc, $1, $2
		bad++
	}
	next
}
{
	if (!($1 in tick) && !($1 in missing)) {
		missing[$1] = 1
		printf "missing in %s: `%s` (%s): not in backticks anywhere\n", doc, $1, $2
		bad++
	}
}
END {
	if (bad) {
		printf "%d name%s not documented in %s\n", bad, bad == 1 ? "" : "s", doc
		exit 1
	}
	printf "counters documented: %d\n", n
}
' "$tmp/doc.words" "$tmp/counters" "$tmp/labels"
