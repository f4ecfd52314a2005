-- GET /api/v1/reports/status for the office.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
function request()
  return wrk.format("GET", "/api/v1/reports/status", c.headers)
end
