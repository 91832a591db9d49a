#!/usr/bin/env bash
# Markdown fidelity, as `.ci/run` checks it: the shared CommonMark 0.31.2 / GFM 0.29 /
# footnote harness (../shared/bench/commonmark, beside the checkout) builds every example
# through BIN and through pulldown-cmark's own renderer, then gate.py fails on any example
# outside the documented decisions, any probe, any leaked marker.
#   bench/commonmark/run.sh BIN OUT     (e.g. target/debug/anthology target/commonmark)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:?usage: bench/commonmark/run.sh BIN OUT}"
out="${2:?usage: bench/commonmark/run.sh BIN OUT}"
harness="${CM_HARNESS:-$here/../../../shared/bench/commonmark}"
[ -x "$harness/run.sh" ] || { echo "the CommonMark harness is missing: $harness/run.sh (../shared beside the checkout)" >&2; exit 1; }
"$harness/run.sh" "$bin" "$out" | tail -n 1
python3 "$here/gate.py" "$out/results/compared.json"
