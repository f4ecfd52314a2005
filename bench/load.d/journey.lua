-- A full standard journey per connection: open, identity check, first half, second half,
-- activation; each action with If-Match from the previous answer. Run with as many threads as
-- connections, so each thread's state is one connection's journey.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local threads, thread_no = 0, 0
local step, id, etag, cpr = 0, nil, nil, nil
local ACTIONS = {"identity-check", "first-half", "second-half", "activation"}

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

function init(args)
  -- setup() set the global `thread_index` in this thread's Lua state
  thread_no = tonumber(rawget(_G, "thread_index")) or 0
end

function request()
  if step == 0 then
    cpr = c.fresh_cpr(thread_no)
    return wrk.format("POST", "/api/v1/cases", c.headers, c.applicant_body(cpr))
  end
  local h = {["Authorization"] = c.headers["Authorization"], ["Content-Type"] = "application/json", ["If-Match"] = etag}
  local body = "{}"
  if step == 1 then
    body = '{"photo_id":{"type":"passport","number":"P1234567","expires_on":"2099-12-31","issuing_country":"DK"},' ..
      '"photo_matches":true,"health_card_presented":true,"health_card_cpr":"' .. cpr .. '"}'
  end
  return wrk.format("POST", "/api/v1/cases/" .. id .. "/" .. ACTIONS[step], h, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    if step == 0 then
      id = body:match('"id":"([^"]+)"')
    end
    etag = headers["etag"] or headers["ETag"]
    step = (step + 1) % 5
  else
    step = 0 -- start a new journey; the failure is counted by wrk as non-2xx
  end
end
