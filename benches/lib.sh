# Shared by the wrk scripts: builds the release binary, starts the sandbox and the app (SQLite,
# a throwaway data directory, both stopped on exit), creates the user `bench`, logs it in and
# attaches the first sandbox token. Sets: bin, dir, url, pid, cookie.
# Usage: source benches/lib.sh
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
