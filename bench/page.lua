-- wrk script for bench/pages.py: GETs of one path or of many, each with its session cookie or
-- none, cycled (reading a page changes nothing).
--
-- Arguments (after `--`): cookies expect paths
--   cookies  "-" for none (a first-time visitor), or a file with one Cookie header per line:
--            one signed-in resident each, taken in turn
--   expect   text a successful answer's body contains, or "-" for any 200
--   paths    "-" for the URL's own path, or a file with one path per line, taken in turn
-- With both files, request i has cookie i and path i (the shorter file is cycled).
-- done() (bench/wrk_common.lua) prints one line "BENCH_JSON {...}" with counts and latencies.

dofile("bench/wrk_common.lua")

local function lines(file)
   local found = {}
   if file ~= "-" then
      for line in io.lines(file) do
         found[#found + 1] = line
      end
   end
   return found
end

function init(args)
   local cookies, paths = lines(args[1]), lines(args[3])
   if args[2] ~= "-" then
      expect = args[2]
   end
   local count = math.max(#cookies, #paths, 1)
   for i = 1, count do
      local headers = { ["Accept-Language"] = "zh-CN" }
      if #cookies > 0 then
         headers["Cookie"] = cookies[(i - 1) % #cookies + 1]
      end
      local path = nil
      if #paths > 0 then
         path = paths[(i - 1) % #paths + 1]
      end
      requests[#requests + 1] = wrk.format("GET", path, headers)
   end
end

request = cycle_request

response = expect_response
