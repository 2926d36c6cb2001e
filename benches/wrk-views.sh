#!/usr/bin/env bash
# Requests per second and latency of logged-in GET /api/mono/currencies/ and GET
# /api/mono/balance/ (warm: served from the rate cache and the client-info snapshot), against
# GET /healthz (the framework's ceiling), with the resident memory under that load. Release
# build, SQLite, the sandbox as Monobank, wrk (Debian package `wrk`).
# Usage: bash benches/wrk-views.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 2; }
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/monoweb"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
dir=$(mktemp -d)
sandbox_port=$(free_port)
port=$(free_port)
"$bin" sandbox --bind "127.0.0.1:$sandbox_port" > "$dir/sandbox.out" 2>/dev/null &
sandbox_pid=$!
export MONOWEB_DATA_DIR="$dir" MONOWEB_BIND="127.0.0.1:$port" MONOWEB_LOG=warn \
  MONOWEB_MONO_API_URL="http://127.0.0.1:$sandbox_port"
printf 'violet staple lantern\n' | "$bin" user create bench --password-stdin >/dev/null
"$bin" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid $sandbox_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
token=$(awk '/^token / {print $2; exit}' "$dir/sandbox.out")
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"bench","password":"violet staple lantern"}' "$url/api/auth/login" \
  | awk 'tolower($1) == "set-cookie:" {split($2, a, ";"); print a[1]}')
curl -sf -o /dev/null -H "Cookie: $cookie" -H 'Content-Type: application/json' \
  -d "{\"mono_token\":\"$token\"}" "$url/api/mono"
for path in /api/mono/currencies/ /api/mono/balance/; do
  curl -sf -o /dev/null -H "Cookie: $cookie" "$url$path"   # warm the cache and the snapshot
done
for path in /healthz /api/auth/me /api/mono/currencies/ /api/mono/balance/; do
  echo "== GET $path"
  wrk -t2 -c32 -d"${secs}s" --latency -H "Cookie: $cookie" "$url$path" | grep -E "Requests/sec|50%|99%|Non-2xx"
  echo "   resident memory: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
done
