-- GET /api/v1/cases/{id}: a random case of the run's offices, read by its office's clerk, from
-- the list bench/load wrote (lines "id office-index").
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local ids, offices = {}, {}

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    local id, k = line:match("^(%S+) (%d+)$")
    ids[#ids + 1] = id
    offices[#offices + 1] = tonumber(k)
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
end

function request()
  local i = math.random(#ids)
  return wrk.format("GET", "/api/v1/cases/" .. ids[i], c.headers_of(offices[i]))
end
