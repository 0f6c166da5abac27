-- bench/wrk/report.lua -- headers from the command line, a JSON summary.
--
--   wrk -t2 -c64 -d10s --latency -s bench/wrk/report.lua URL -- \
--       "Cookie: bantin_fs=4" "Accept-Encoding: gzip"
--
-- Every argument after `--` is one "Name: value" request header.  The
-- request is still built once per thread (no request() or response()
-- function here), so the script costs wrk nothing per request: what is
-- measured is the server.  At the end one line is printed,
--   BENCH_JSON {"requests": ..., "p99_us": ..., "status_errors": ...}
-- which bench/run.py reads.  status_errors is wrk's own count of answers
-- that were not 2xx or 3xx (see status.lua for a count per status).

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

function init(args)
   for _, h in ipairs(args) do
      local name, value = h:match("^%s*([^:]+):%s*(.-)%s*$")
      if name then
         wrk.headers[name] = value
      end
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
      '"status_errors": %d, "timeouts": %d, "lat_mean_us": %.1f, ' ..
      '"lat_stdev_us": %.1f, "lat_max_us": %d, "p50_us": %d, ' ..
      '"p90_us": %d, "p99_us": %d, "p999_us": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9)))
end
