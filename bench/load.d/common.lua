-- Shared by the wrk scripts of bench/load: the tokens (one per office of the run, from
-- BENCH_TOKENS), and CPR numbers nobody in the seeded data has (born 1858-1899: a 7th digit of
-- 5-8 with a year of 58-99), unique per run (BENCH_RUN), thread and request: 56 million
-- numbers, 2.56 million per run, 20,000 per thread.
local M = {}

M.tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  M.tokens[#M.tokens + 1] = line
end
M.token = M.tokens[1]

local counter = 0
local run = tonumber(os.getenv("BENCH_RUN") or "0")
function M.fresh_cpr(thread_no)
  local n = run * 2560000 + thread_no * 20000 + counter % 20000
  counter = counter + 1
  local day = n % 28 + 1
  local month = math.floor(n / 28) % 12 + 1
  local yy = 58 + math.floor(n / 336) % 42
  local serial = 5000 + math.floor(n / 14112) % 4000
  return string.format("%02d%02d%02d-%04d", day, month, yy, serial)
end

function M.applicant_body(cpr)
  return '{"kind":"standard","applicant":{"cpr":"' .. cpr ..
    '","name":"Bench Applicant","address":{"street":"Vestergade 1","postal_code":"7100","city":"Vejle","country":"DK"}}}'
end

-- The headers of a request by the clerk of office k (1-based).
function M.headers_of(k)
  return {["Authorization"] = "Bearer " .. M.tokens[k], ["Content-Type"] = "application/json"}
end

M.headers = M.headers_of(1)

return M
