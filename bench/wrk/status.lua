-- bench/wrk/status.lua -- counts the answers by status, body length and
-- Content-Encoding, over all of wrk's threads.
--
--   wrk -t2 -c64 -d2s -s bench/wrk/status.lua URL -- "Cookie: bantin_fs=4"
--
-- Arguments after `--` are request headers, as in report.lua.  Defining
-- response() makes wrk hand every answer to Lua, which slows wrk down, so
-- bench/run.py uses this script for the warm-up runs (which also check
-- that every answer under load is a 200 of the expected length) and
-- report.lua for the measured ones.  Prints one line:
--   BENCH_STATUS {"statuses": {"200": 1234}, "lengths": {"8480": 1234},
--                 "encodings": {"identity": 1234}}

-- BENCH_PACE_MS=n in the environment: each connection waits n ms after
-- each answer before its next request, so the load offered is at most
-- connections x 1000/n a second (goal 4: latency at a load both sides
-- carry, not at saturation).  Unset, wrk sends as fast as answers come.
local pace = tonumber(os.getenv("BENCH_PACE_MS") or "")
if pace then
   function delay()
      return pace
   end
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   statuses, lengths, encodings = {}, {}, {}
   for _, h in ipairs(args) do
      local name, value = h:match("^%s*([^:]+):%s*(.-)%s*$")
      if name then
         wrk.headers[name] = value
      end
   end
end

function response(status, headers, body)
   local s = tostring(status)
   statuses[s] = (statuses[s] or 0) + 1
   local n = tostring(#body)
   lengths[n] = (lengths[n] or 0) + 1
   local enc = "identity"
   for k, v in pairs(headers) do
      if k:lower() == "content-encoding" then
         enc = v
      end
   end
   encodings[enc] = (encodings[enc] or 0) + 1
end

local function add(total, part)
   for k, v in pairs(part or {}) do
      total[k] = (total[k] or 0) + v
   end
end

local function json(t)
   local out = {}
   for k, v in pairs(t) do
      table.insert(out, string.format('"%s": %d', k, v))
   end
   return "{" .. table.concat(out, ", ") .. "}"
end

function done(summary, latency, requests)
   local s, l, e = {}, {}, {}
   for _, t in ipairs(threads) do
      add(s, t:get("statuses"))
      add(l, t:get("lengths"))
      add(e, t:get("encodings"))
   end
   io.write(string.format(
      'BENCH_STATUS {"statuses": %s, "lengths": %s, "encodings": %s, ' ..
      '"requests": %d, "status_errors": %d}\n',
      json(s), json(l), json(e), summary.requests, summary.errors.status))
end
