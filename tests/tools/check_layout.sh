#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# check_layout.sh [ROOT]: the house's rules that a build does not check by itself.
#   1. Every C source and header under lib/ and app/ has its row in the file table of
#      docs/architecture.md (its path in backticks in a row's first cell), and every
#      row names a file that exists.
#   2. Nothing includes upward: lib/net includes nothing of lib/tcp, lib/mptcp or
#      app/; lib/tcp nothing of lib/mptcp or app/; lib/mptcp nothing of app/ (by path,
#      "tcp/...", "mptcp/...", or any path that leaves lib/). lib/ is also built with
#      only lib/ on its include path (meson.build), which catches an app/ header
#      included by its bare name.
#   3. app/ uses lib/ through its public headers: no `*_internal.h` and not
#      `tcp/tcp_sock.h` (struct tcp_sock is lib/tcp's and its ULP's; an owner has
#      lib/tcp/tcp.h's functions).
# Prints what is wrong and exits 1, else prints "files: N, includes: N" and exits 0.
set -euo pipefail
ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"
DOC=docs/architecture.md
[[ -r $DOC ]] || { echo "$DOC: not readable" >&2; exit 2; }
bad=0

mapfile -t files < <(find lib app -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
mapfile -t rows < <(sed -n 's/^| `\([^`]*\.[ch]\)` |.*/\1/p' "$DOC" | LC_ALL=C sort)
for f in "${files[@]}"; do
	printf '%s\n' "${rows[@]}" | grep -qxF "$f" || { echo "$DOC: no row for $f"; bad=1; }
done
for r in "${rows[@]}"; do
	[[ -f $r ]] || { echo "$DOC: a row names $r, which does not exist"; bad=1; }
done

# rank of a layer; an include may name its own layer or a lower one.
rank() { case $1 in net) echo 1 ;; tcp) echo 2 ;; mptcp) echo 3 ;; *) echo 9 ;; esac; }
n=0
for f in "${files[@]}"; do
	[[ $f == lib/* ]] || continue
	layer=${f#lib/}
	layer=${layer%%/*}
	while IFS= read -r inc; do
		n=$((n + 1))
		case $inc in
		../* | */../* | app/*)
			echo "$f: includes \"$inc\", outside lib/"; bad=1 ;;
		*/*)
			to=${inc%%/*}
			if (($(rank "$to") > $(rank "$layer"))); then
				echo "$f: includes \"$inc\": lib/$layer must not include lib/$to"
				bad=1
			fi ;;
		esac
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
for f in "${files[@]}"; do
	[[ $f == app/* ]] || continue
	while IFS= read -r inc; do
		n=$((n + 1))
		case $inc in
		*_internal.h | tcp/tcp_sock.h)
			echo "$f: includes \"$inc\": app/ uses lib/'s public headers"; bad=1 ;;
		esac
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
((bad)) && exit 1
echo "files: ${#files[@]}, includes: $n"
