-- One request, again and again, as the benchmark set it up through the environment:
-- BENCH_METHOD (GET or POST), BENCH_BODY (an urlencoded form) and BENCH_COOKIE (the session).
-- Each BENCH_FRESH in the body becomes a new value in every request (a form's one-time token,
-- a message that is not a copy of the last one). Every answer other than 200, or without
-- BENCH_EXPECT when given, is counted; done() prints one JSON line for bench/run.py.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local expect = os.getenv("BENCH_EXPECT") or ""
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
local cookie = os.getenv("BENCH_COOKIE") or ""
if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

local function fresh()
  local picked = {}
  for i = 1, 22 do
    local n = math.random(1, 64)
    picked[i] = symbols:sub(n, n)
  end
  return table.concat(picked)
end

if body:find("BENCH_FRESH", 1, true) then
  function request()
    local value = fresh()
    return wrk.format(nil, nil, nil, (body:gsub("BENCH_FRESH", value)))
  end
end

function init(args)
  not_ok = 0
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6))
end

function response(status, headers, body)
  if status ~= 200 or (expect ~= "" and not body:find(expect, 1, true)) then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("not_ok")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "not_200": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, failed,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
