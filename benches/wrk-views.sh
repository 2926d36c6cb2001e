#!/usr/bin/env bash
# Requests per second and latency of logged-in GET /api/mono/currencies/ and GET
# /api/mono/balance/ (warm: served from the rate cache and the client-info snapshot), against
# GET /healthz (the framework's ceiling), with the resident memory under that load. Release
# build, SQLite, the sandbox as Monobank, wrk (Debian package `wrk`).
# Usage: bash benches/wrk-views.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
source benches/lib.sh
for path in /api/mono/currencies/ /api/mono/balance/; do
  curl -sf -o /dev/null -H "Cookie: $cookie" "$url$path"   # warm the cache and the snapshot
done
for path in /healthz /api/auth/me /api/mono/currencies/ /api/mono/balance/; do
  echo "== GET $path"
  wrk -t2 -c32 -d"${secs}s" --latency -H "Cookie: $cookie" "$url$path" | grep -E "Requests/sec|50%|99%|Non-2xx"
  echo "   resident memory: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
done
