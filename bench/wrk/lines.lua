-- wrk script for InfluxDB line protocol, the same bodies to Digital Factory's /write and to a real
-- InfluxDB 1.x: one device token per request (InfluxDB ignores it), round robin over this thread's
-- share of the tokens, `batch` lines per request with distinct millisecond timestamps per device.
-- args (after `--`): tokens_file batch base_ms wrk_threads path
-- Prints one line `BENCH_JSON {...}` as ingest.lua does; 204 answers count as accepted lines.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local all = {}
  for line in io.lines(args[1]) do
    if #line > 0 then all[#all + 1] = line end
  end
  batch = tonumber(args[2])
  base_ms = tonumber(args[3])
  local nthreads = tonumber(args[4])
  path = args[5]
  tokens = {}
  headers = {}
  for i = thread_id + 1, #all, nthreads do
    tokens[#tokens + 1] = all[i]
    headers[#tokens] = {["Authorization"] = "Token " .. all[i], ["Content-Type"] = "text/plain; charset=utf-8"}
  end
  sent = 0
  accepted = 0
  other = 0
end

-- line k of a device: one second apart
local function line(device, k)
  return string.format("meter,device=d%d power_w=%d.5,energy_wh=%d.25,voltage_v=230.1 %d",
                       device, 100 + (k % 50) * 10, 1000000 + k, base_ms + k * 1000)
end

function request()
  local count = #tokens
  local index = sent % count
  local round = math.floor(sent / count)
  sent = sent + 1
  local device = thread_id * 100000 + index
  local parts = {}
  local first = round * batch
  for i = 0, batch - 1 do parts[i + 1] = line(device, first + i) end
  return wrk.format("POST", path, headers[index + 1], table.concat(parts, "\n"))
end

function response(status, hdrs, body)
  if status == 204 then
    accepted = accepted + batch
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = {accepted = 0, other = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + (thread:get(key) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f,"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,' ..
    '"errors_timeout":%d,"accepted":%d,"duplicates":0,"rejected":0,"non_202":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout,
    totals.accepted, totals.other))
end
