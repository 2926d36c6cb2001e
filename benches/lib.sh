# Shared by the wrk scripts: checks for wrk, starts the release build's sandbox and app (see
# .ci/serve.sh), creates the user `bench`, logs it in and attaches a sandbox token.
# Sets what .ci/serve.sh sets, and cookie.
# Usage: source benches/lib.sh
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 2; }
source .ci/serve.sh
cookie=$(new_user bench)
attach "$cookie" 1
