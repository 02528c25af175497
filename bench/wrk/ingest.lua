-- wrk script for POST /api/v1/readings: one device token per request, round robin over this
-- thread's share of the tokens, `batch` readings per request with distinct timestamps per device.
-- args (after `--`): tokens_file batch base_ms wrk_threads
-- Prints one line `BENCH_JSON {...}` with requests, latency percentiles and the counts parsed
-- from the 202 answers (accepted, duplicates, rejected).
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
  tokens = {}
  headers = {}
  for i = thread_id + 1, #all, nthreads do
    tokens[#tokens + 1] = all[i]
    headers[#tokens] = {["Authorization"] = "Bearer " .. all[i], ["Content-Type"] = "application/json"}
  end
  sent = 0
  accepted = 0
  duplicates = 0
  rejected = 0
  other = 0
end

-- reading k of a device: one second apart, k = round * batch + position
local function item(k)
  local ts = base_ms + k * 1000
  local power = 100 + (k % 50) * 10
  return string.format('{"ts":%d,"power_w":%d.5,"energy_wh":%d.25,"voltage_v":230.1}', ts, power, 1000000 + k)
end

function request()
  local count = #tokens
  local index = sent % count
  local round = math.floor(sent / count)
  sent = sent + 1
  local body
  if batch == 1 then
    body = item(round)
  else
    local parts = {}
    local first = round * batch
    for i = 0, batch - 1 do parts[i + 1] = item(first + i) end
    body = '{"readings":[' .. table.concat(parts, ",") .. "]}"
  end
  return wrk.format("POST", "/api/v1/readings", headers[index + 1], body)
end

function response(status, hdrs, body)
  if status == 202 then
    accepted = accepted + tonumber(body:match('"accepted":%s*(%d+)') or 0)
    duplicates = duplicates + tonumber(body:match('"duplicates":%s*(%d+)') or 0)
    local list = body:match('"rejected":%s*%[(.-)%]')
    if list and #list > 0 then
      local _, n = list:gsub('"index"', "")
      rejected = rejected + n
    end
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = {accepted = 0, duplicates = 0, rejected = 0, other = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + (thread:get(key) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f,"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,' ..
    '"errors_timeout":%d,"accepted":%d,"duplicates":%d,"rejected":%d,"non_202":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout,
    totals.accepted, totals.duplicates, totals.rejected, totals.other))
end
