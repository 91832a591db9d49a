#!/usr/bin/env bash
# Installs the peers (pandoc 3 from PyPI's pypandoc-binary, mdbook + mdbook-epub from crates.io)
# and the measuring tools (GNU time, libdeflate-gzip), builds anthology in release mode, then
# compares the tools on each collection given:
#
#   bench/compare.sh ../shared/corpus/*/            # RUNS=5 by default; EPUBCHECK=1 to validate
#   bench/compare.sh /tmp/synthetic-1000x2000
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
[ -x /usr/bin/time ] || need_apt+=(time)
command -v libdeflate-gzip >/dev/null || need_apt+=(libdeflate-tools)
command -v unzip >/dev/null || need_apt+=(unzip)
if [ "${#need_apt[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 -c 'import pypandoc, yaml' 2>/dev/null || python3 -m pip install -q "pypandoc-binary==1.17" pyyaml
export PATH="$HOME/.cargo/bin:$PATH"
command -v mdbook >/dev/null || cargo install -q mdbook --version 0.5.4 --locked
# mdbook-epub 0.5.3 and later need rustc 1.96; 0.5.2 is the version measured in the issue.
command -v mdbook-epub >/dev/null || cargo install -q mdbook-epub --version 0.5.2 --locked
cargo build -q --release
for c in "$@"; do
  python3 bench/compare.py "$c" --runs "${RUNS:-5}" ${EPUBCHECK:+--epubcheck}
done
