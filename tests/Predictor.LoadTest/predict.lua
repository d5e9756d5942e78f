-- wrk body for POST /predict: one row of the 20-feature load-test model (features f0..f19).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local parts = {}
for i = 0, 19 do
  parts[#parts + 1] = string.format('"f%d":%.3f', i, (i % 7) * 0.37 - 1.1)
end
wrk.body = '{"model":"load","features":{' .. table.concat(parts, ",") .. '}}'

-- Report non-2xx/3xx replies so a run with errors cannot pass for a fast one.
done = function(summary, latency, requests)
  io.write(string.format("non-200 responses: %d\n", summary.errors.status))
end
