-- wrk's done() hook: the totals and latency percentiles as one line bench/run.py reads.
-- portal.lua loads this file and calls report() from its own done().

function report(summary, latency, unexpected)
   local errors = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d http_errors=%d "
         .. "socket_errors=%d unexpected=%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      errors.status, errors.connect + errors.read + errors.write + errors.timeout, unexpected))
end

done = function(summary, latency, requests)
   report(summary, latency, 0)
end
