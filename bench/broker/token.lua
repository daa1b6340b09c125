-- wrk script for bench/broker.sh: POST /link/oauth2/token, one broker code per request
-- from CODES_FILE (each used once; thread i takes lines i, i+T, ...), then, when they
-- run out, a fixed unknown code (the invalid_grant path). Env: APP_ID, APP_SECRET_FILE,
-- CODES_FILE (may be empty for the invalid_grant path only).
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local function read_all(path)
  local f = io.open(path, "r")
  if not f then return "" end
  local s = f:read("*a")
  f:close()
  return s
end

function init(args)
  app_id = os.getenv("APP_ID")
  secret = read_all(os.getenv("APP_SECRET_FILE")):gsub("%s+$", "")
  codes = {}
  local path = os.getenv("CODES_FILE") or ""
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  local i = 0
  if path ~= "" then
    for line in io.lines(path) do
      if i % nthreads == (tid - 1) then table.insert(codes, line) end
      i = i + 1
    end
  end
  next_code = 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local code = codes[next_code] or "no-such-code-0123456789abcdef0123456789abc"
  next_code = next_code + 1
  local body = '{"code":"' .. code .. '","client_id":"' .. app_id .. '","client_secret":"' .. secret .. '"}'
  return wrk.format("POST", "/link/oauth2/token", nil, body)
end

statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  -- With codes, stop when they are used up, so that a "success" run is only successes.
  if #codes > 0 and next_code > #codes then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses") or {}) do counts[status] = (counts[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, n .. "x" .. status) end
  -- A run with codes ends when they are used up, but wrk still counts its whole -d: the
  -- rate is then the closed-loop one, connections / mean latency (Little's law).
  local rate = summary.requests / (summary.duration / 1e6)
  local how = "measured"
  if (os.getenv("CODES_FILE") or "") ~= "" then
    rate = tonumber(os.getenv("WRK_CONNECTIONS")) / (latency.mean / 1e6)
    how = "connections/mean latency"
  end
  io.write(string.format("  requests/s %.0f (%s)  p50 %.2f ms  p99 %.2f ms  (%d requests: %s)\n",
    rate, how, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    table.concat(parts, " ")))
end
