-- wrk script: authenticated reads of random org nodes from a list of ids (one per line).
-- Env: HUOJU_COOKIE (session cookie), HUOJU_IDS (file of ids), HUOJU_PATH_SUFFIX (e.g. /children).
local ids = {}
for line in io.lines(os.getenv("HUOJU_IDS")) do ids[#ids + 1] = line end
local cookie = os.getenv("HUOJU_COOKIE")
local suffix = os.getenv("HUOJU_PATH_SUFFIX") or ""
local counter = 0
request = function()
  counter = counter + 1
  local id = ids[(counter * 7919) % #ids + 1]
  return wrk.format("GET", "/api/v1/org/nodes/" .. id .. suffix, { Cookie = cookie })
end
