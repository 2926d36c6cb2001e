#!/usr/bin/env bash
# Server time of the HTML pages: median and p99 latency of the dashboard and of a 500-row
# statement page (one connection, so the latency is the render time plus the database trips),
# and the dashboard's page weight (HTML + CSS bytes). Release build, SQLite, the sandbox as
# Monobank, wrk (Debian package `wrk`).
# Usage: bash benches/wrk-pages.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
source benches/lib.sh
today=$(TZ=Europe/Kyiv date +%F)
from=$(TZ=Europe/Kyiv date -d '-30 days' +%F)
statement="/statement?from=$from&to=$today&per=500"
curl -sf -o /dev/null -H "Cookie: $cookie" "$url/"                 # the client-info snapshot
# The background sync's first statement call brings the newest 500 transactions into the store.
for _ in $(seq 60); do
  rows=$(curl -sf -H "Cookie: $cookie" "$url$statement" | grep -c '<td class="nowrap">' || true)
  [ "$rows" -ge 500 ] && break
  sleep 0.5
done
echo "statement page rows: $rows"
html=$(curl -sf -H "Cookie: $cookie" "$url/" | wc -c)
css=$(curl -sf "$url/static/app.css" | wc -c)
echo "dashboard weight: HTML $html + CSS $css = $((html + css)) bytes"
for path in / "$statement"; do
  echo "== GET $path"
  wrk -t1 -c1 -d"${secs}s" --latency -H "Cookie: $cookie" "$url$path" | grep -E "Requests/sec|50%|99%|Non-2xx"
done
