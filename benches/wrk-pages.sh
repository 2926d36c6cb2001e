#!/usr/bin/env bash
# Server time of the HTML pages: median and p99 latency of the dashboard and of a 500-row
# statement page (one connection, so the latency is the render time plus the database trips),
# and the dashboard's page weight (HTML + CSS bytes). Release build, SQLite, the sandbox as
# Monobank, wrk (Debian package `wrk`).
# Usage: bash benches/wrk-pages.sh [seconds]
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
today=$(TZ=Europe/Kyiv date +%F)
from=$(TZ=Europe/Kyiv date -d '-30 days' +%F)
statement="/statement?from=$from&to=$today&per=500"
curl -sf -o /dev/null -H "Cookie: $cookie" "$url/"                 # the client-info snapshot
rows=$(curl -sf -H "Cookie: $cookie" "$url$statement" | grep -c '<td class="nowrap">' || true)
echo "statement page rows: $rows"
html=$(curl -sf -H "Cookie: $cookie" "$url/" | wc -c)
css=$(curl -sf "$url/static/app.css" | wc -c)
html_gz=$(curl -sf -H "Cookie: $cookie" -H 'Accept-Encoding: gzip' "$url/" | wc -c)
css_gz=$(curl -sf -H 'Accept-Encoding: gzip' "$url/static/app.css" | wc -c)
echo "dashboard weight: HTML $html + CSS $css = $((html + css)) bytes (gzip: $((html_gz + css_gz)))"
for path in / "$statement"; do
  echo "== GET $path"
  wrk -t1 -c1 -d"${secs}s" --latency -H "Cookie: $cookie" "$url$path" | grep -E "Requests/sec|50%|99%|Non-2xx"
done
