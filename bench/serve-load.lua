-- wrk script of bench/serve-load.sh. Arguments after "--": MODEL BODY_DIR MIX
--   MIX "valid": every request is a valid v2 inference of MODEL;
--   MIX "json1", "json8": valid v2 inference of 1 or 8 samples in JSON;
--   MIX "bin1", "bin8", "bin32": the same through the binary tensor data extension (JSON header + raw FP32, answered
--                         in binary too);
--   MIX "picture", "picture1": every request the valid 320x240 picture (picture.png) to /predictions/MODEL (decode, the
--                  model's preprocessing, top 5);
--   MIX "soak":  70% valid (of all requests: 65% v2 inference, 5% a valid 320x240 picture to /predictions), and 30% spread over a wrong shape, broken JSON, INT8 data, an unknown model,
--                a broken picture and a metrics scrape, so that error paths run under load too.
--   MIX "soakbig": the same with the 5% pictures a 1600x1200 RGB picture (large.png, large to decode), for a server
--                  whose decode budget holds only a few of them (serve-load.sh --soak-pictures large): decodes then
--                  wait for the budget and some are refused with 503.
-- Every thread counts status codes; done() prints their sum ("status 200: N" lines) for the script to check.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

function init(args)
  counts = {}
  local model, dir, mix = args[1], args[2], args[3]
  local json = {["Content-Type"] = "application/json"}
  local infer = "/v2/models/" .. model .. "/infer"
  valid = wrk.format("POST", infer, json, read(dir .. "/valid.json"))
  broken = {
    wrk.format("POST", infer, json, read(dir .. "/wrong-shape.json")),
    wrk.format("POST", infer, json, read(dir .. "/bad.json")),
    wrk.format("POST", infer, json, read(dir .. "/int8.json")),
    wrk.format("POST", "/v2/models/no-such-model/infer", json, read(dir .. "/valid.json")),
    wrk.format("POST", "/predictions/" .. model, nil, read(dir .. "/broken.png")),
    wrk.format("GET", "/metrics"),
  }
  soak = (mix == "soak" or mix == "soakbig")
  if soak then
    local file = (mix == "soakbig") and "/large.png" or "/picture.png"
    picture = wrk.format("POST", "/predictions/" .. model, nil, read(dir .. file))
  end
  local kind, samples = string.match(mix, "^(%a+)(%d+)$")
  if mix == "picture" or kind == "picture" then
    valid = wrk.format("POST", "/predictions/" .. model, nil, read(dir .. "/picture.png"))
  elseif kind == "json" then
    valid = wrk.format("POST", infer, json, read(dir .. "/valid" .. samples .. ".json"))
  elseif kind == "bin" then
    local headers = {["Content-Type"] = "application/octet-stream",
                     ["Inference-Header-Content-Length"] = read(dir .. "/valid" .. samples .. ".bin.len")}
    valid = wrk.format("POST", infer, headers, read(dir .. "/valid" .. samples .. ".bin"))
  end
  n = 0
end

function request()
  n = n + 1
  if soak and n % 10 >= 7 then
    return broken[(n % #broken) + 1]
  end
  if soak and n % 20 == 6 then
    return picture
  end
  return valid
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do
      total[k] = (total[k] or 0) + v
    end
  end
  for k, v in pairs(total) do
    io.write(string.format("status %d: %d\n", k, v))
  end
  io.write(string.format("p50_ms %.2f\np99_ms %.2f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("rps %.2f\n", summary.requests / (summary.duration / 1e6)))
end
