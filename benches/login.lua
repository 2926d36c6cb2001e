-- wrk script: POST /api/auth/login with a random client address each time, so the per-IP burst
-- limit (which trusts X-Forwarded-For only from the configured proxy, 127.0.0.1 here) does not
-- turn the benchmark into a 429 benchmark.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"bench","password":"violet staple lantern"}'
request = function()
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  wrk.headers["X-Forwarded-For"] = ip
  return wrk.format()
end
