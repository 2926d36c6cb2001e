#!/usr/bin/env bash
# Requests per second of the sandbox's GET /bank/currency, on the release build, with wrk
# (Debian package `wrk`). Usage: bash benches/wrk-sandbox.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 2; }
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/monoweb"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" sandbox --bind "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/bank/currency" >/dev/null && break; sleep 0.1; done
wrk -t2 -c32 -d"${1:-10}s" --latency "http://127.0.0.1:$port/bank/currency"
