#!/usr/bin/env bash
# The logged-in hot path against the framework's ceiling, in one run: requests per second, p99
# latency and resident memory for bare /healthz, /healthz with the session cookie, the currencies
# and balance views and the dashboard page (all with the cookie), and each one's share of bare
# /healthz. Release build, SQLite, the sandbox as Monobank, wrk -t2 -c16 (Debian package `wrk`).
# Usage: bash benches/wrk-hot.sh [seconds per endpoint, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
source benches/lib.sh
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }
for path in /api/mono/currencies/ /api/mono/balance/ /; do
  curl -sf -o /dev/null -H "Cookie: $cookie" "$url$path"   # warm the rates and the snapshot
done
echo "resident memory idle: $(rss) MB"
printf '%-32s %10s %10s %8s %10s\n' endpoint req/s p99 share "RSS MB"
base=
row() {
  local name=$1 path=$2
  shift 2
  local out rps p99
  out=$(wrk -t2 -c16 -d"${secs}s" --latency "$@" "$url$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$name: $(grep Non-2xx <<<"$out")" >&2
  fi
  base=${base:-$rps}
  printf '%-32s %10.0f %10s %8.2f %10s\n' "$name" "$rps" "$p99" \
    "$(awk -v a="$rps" -v b="$base" 'BEGIN {print a / b}')" "$(rss)"
}
row "/healthz" /healthz
row "/healthz with the cookie" /healthz -H "Cookie: $cookie"
row "/api/mono/currencies/" /api/mono/currencies/ -H "Cookie: $cookie"
row "/api/mono/balance/" /api/mono/balance/ -H "Cookie: $cookie"
row "/ (dashboard)" / -H "Cookie: $cookie"
