-- wrk script of tests/faults.py: a mix of portal requests, and a count of
-- answers by status (and of 5xx separately), printed at the end as lines
-- "STATUS <code> <count>" and "ERRORS connect=... read=... write=...
-- status=... timeout=...".
--
-- The requests come from $WRK_REQUESTS: entries separated by '|', each
-- "GET /path" or "POST /path body".

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  reqs = {}
  local spec = os.getenv("WRK_REQUESTS") or "GET /"
  for entry in string.gmatch(spec, "[^|]+") do
    local method, path, body = string.match(entry, "^(%S+)%s+(%S+)%s*(.*)$")
    if method == "POST" then
      table.insert(reqs, wrk.format("POST", path,
        {["Content-Type"] = "application/x-www-form-urlencoded"}, body))
    else
      table.insert(reqs, wrk.format("GET", path))
    end
  end
  n = math.random(#reqs)
end

function request()
  n = n % #reqs + 1
  return reqs[n]
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for code, k in pairs(c) do
      total[code] = (total[code] or 0) + k
    end
  end
  local five = 0
  for code, k in pairs(total) do
    io.write(string.format("STATUS %d %d\n", code, k))
    if code >= 500 then five = five + k end
  end
  io.write(string.format("FIVEXX %d\n", five))
  local e = summary.errors
  io.write(string.format("ERRORS connect=%d read=%d write=%d status=%d timeout=%d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("REQUESTS %d\n", summary.requests))
end
