-- perf/http/pipeline.lua — wrk script for HTTP/1.1 pipelining.
-- Every write carries DEPTH back-to-back GET requests (default 16; pass
-- another after `--`, e.g. `wrk ... -s pipeline.lua URL -- 32`); wrk counts
-- each response as one request and records latency once per batch.
local batch

function init(args)
  local depth = tonumber(args[1]) or 16
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format()
  end
  batch = table.concat(requests)
end

function request()
  return batch
end
