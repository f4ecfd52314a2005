-- POST /api/v1/cases: every request a new applicant, at the offices of the run in turn.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local threads, thread_no, n = 0, 0, 0

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

function init(args)
  -- setup() set the global `thread_index` in this thread's Lua state
  thread_no = tonumber(rawget(_G, "thread_index")) or 0
end

function request()
  n = n + 1
  return wrk.format("POST", "/api/v1/cases", c.headers_of(n % #c.tokens + 1), c.applicant_body(c.fresh_cpr(thread_no)))
end
