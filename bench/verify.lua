-- wrk script for bench/verify.py: every request is a partner's POST with the next JSON body.
--
-- Arguments (after `--`): bodies_file token path expect
--   bodies_file  one JSON body per line (cycled: verify changes nothing)
--   token        the partner's bearer token
--   expect       text a successful answer's body contains, or "-" for any 200
-- done() (bench/wrk_common.lua) prints one line "BENCH_JSON {...}" with counts and latencies.

dofile("bench/wrk_common.lua")

function setup(thread)
   table.insert(threads, thread)
end

local requests = {}
local position = 1
local expect = nil

function init(args)
   local file, token, path = args[1], args[2], args[3]
   if args[4] ~= "-" then
      expect = args[4]
   end
   for line in io.lines(file) do
      requests[#requests + 1] = wrk.format("POST", path, {
         ["Authorization"] = "Bearer " .. token,
         ["Content-Type"] = "application/json",
      }, line)
   end
end

function request()
   if position > #requests then
      position = 1
   end
   local r = requests[position]
   position = position + 1
   sent = sent + 1
   return r
end

function response(status, headers, body)
   if status == 200 and (expect == nil or body:find(expect, 1, true)) then
      ok = ok + 1
   else
      count_bad(tostring(status) .. " " .. body:sub(1, 60))
   end
end
