#!/usr/bin/env bash
# scripts/soak.sh MINUTES [CONC]: the soak test (tests/e2e/soak.sh) for MINUTES
# minutes with CONC connections at once (default 8), on its own testbed; prints
# its checks and a last line of figures (docs/security.md records them).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 1 && $1 =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "usage: scripts/soak.sh MINUTES [CONC]" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "soak: needs root" >&2; exit 2; }
[[ -x "${HAGD_BUILD:-$ROOT/build}/app/hagd" ]] || { echo "soak: build hagd first (meson setup build && ninja -C build)" >&2; exit 2; }
SOAK_MINUTES=$1 SOAK_CONC=${2:-8} bash "$ROOT/tests/e2e/soak.sh"
