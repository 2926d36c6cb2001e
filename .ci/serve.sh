# Starts the release binary as the sandbox (the fake Monobank) and as the app, on a throwaway data
# directory (SQLite), both stopped on exit. Shared by `.ci/fuzz` and the wrk benchmarks.
# Sets: bin, dir, url, pid, sandbox_pid, tokens (the sandbox's tokens, one a line).
# Defines: free_port; login USER PASSWORD (prints the session cookie `name=value`);
#          new_user NAME (creates the user with the CLI, logs it in and prints the cookie);
#          attach COOKIE N (attaches the sandbox's Nth token, from 1, to that session's user).
# Usage: source .ci/serve.sh
# SERVE_BIN runs another build instead (e.g. an older one, to compare figures).
if [ -n "${SERVE_BIN:-}" ]; then
  bin=$SERVE_BIN
else
  cargo build --release --quiet
  bin="${CARGO_TARGET_DIR:-target}/release/monoweb"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
dir=$(mktemp -d)
sandbox_port=$(free_port)
port=$(free_port)
"$bin" sandbox --bind "127.0.0.1:$sandbox_port" > "$dir/sandbox.out" 2>/dev/null &
sandbox_pid=$!
export MONOWEB_DATA_DIR="$dir" MONOWEB_BIND="127.0.0.1:$port" MONOWEB_LOG=warn \
  MONOWEB_MONO_API_URL="http://127.0.0.1:$sandbox_port"
url="http://127.0.0.1:$port"
# The first user becomes admin; create it before the server starts, as an operator would.
serve_password='violet staple lantern'
printf '%s\n' "$serve_password" | "$bin" user create admin --password-stdin >/dev/null
"$bin" >"$dir/app.log" 2>&1 &
pid=$!
trap 'kill $pid $sandbox_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  curl -sf "$url/healthz" >/dev/null && grep -q '^sandbox listening' "$dir/sandbox.out" && break
  sleep 0.1
done
tokens=$(awk '/^token / {print $2}' "$dir/sandbox.out")

login() {
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" "$url/api/auth/login" \
    | awk 'tolower($1) == "set-cookie:" {split($2, a, ";"); print a[1]}'
}

new_user() {
  printf '%s\n' "$serve_password" | "$bin" user create "$1" --password-stdin >/dev/null
  login "$1" "$serve_password"
}

attach() {
  curl -sf -o /dev/null -H "Cookie: $1" -H 'Content-Type: application/json' \
    -d "{\"mono_token\":\"$(sed -n "$2p" <<<"$tokens")\"}" "$url/api/mono"
}
