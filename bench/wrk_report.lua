-- Prints one machine-readable line at the end of a wrk run: requests/s, p50 and p95 latency (ms),
-- responses with a status of 400 or more, requests, and the mean response size in bytes.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("WRK %.1f %.1f %.1f %d %d %d\n", summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.errors.status, summary.requests,
    summary.bytes / math.max(summary.requests, 1)))
end
