#!/usr/bin/env bash
# The whole benchmark suite in one run (about 5 minutes), then the README table.
#
#   bash benches/run.sh                                        # Rust only + stdlib contextvars
#   PYTHONPATH=<extracontext 1.2.0 source> bash benches/run.sh # + the extracontext peer
#
# Clears target/criterion first, so that the table holds this run only.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf target/criterion
cargo bench --bench reads --bench writes --bench frames --bench async_poll --bench memory \
    -- --warm-up-time 1 --measurement-time 2
python3 benches/python_peer.py --json target/criterion/python_peer.json
python3 benches/report.py
