-- POST /api/v1/cases/search: the office's first page (50 cases, newest first).
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
function request()
  return wrk.format("POST", "/api/v1/cases/search", c.headers, "{}")
end
