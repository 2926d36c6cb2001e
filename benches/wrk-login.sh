#!/usr/bin/env bash
# Login latency at 1 and 8 concurrent logins, and /healthz latency while 16 logins run at once
# (hashing must never starve other requests). Release build, SQLite, wrk (Debian package `wrk`).
# Usage: bash benches/wrk-login.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 2; }
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/monoweb"
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export MONOWEB_DATA_DIR="$dir" MONOWEB_BIND="127.0.0.1:$port" MONOWEB_TRUSTED_PROXIES=127.0.0.1 MONOWEB_LOG=warn
printf 'violet staple lantern\n' | "$bin" user create bench --password-stdin >/dev/null
"$bin" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port"
for c in 1 8; do
  echo "== login, $c concurrent"
  wrk -t1 -c"$c" -d"${secs}s" --latency -s benches/login.lua "$url/api/auth/login" | grep -E "Requests/sec|50%|99%|Non-2xx"
done
echo "== /healthz while 16 logins run"
wrk -t2 -c16 -d"$((secs + 2))s" -s benches/login.lua "$url/api/auth/login" >/dev/null &
load=$!
sleep 1
wrk -t1 -c4 -d"${secs}s" --latency "$url/healthz" | grep -E "Requests/sec|50%|99%"
wait $load
echo "== resident memory after the run: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
