-- wrk script for bench/proof.py: every request is a GET of the next path of a file.
--
-- Arguments (after `--`): paths_file expect
--   paths_file  one path with its query string per line (cycled: a proof changes nothing)
--   expect      text a successful answer's body contains
-- done() (bench/wrk_common.lua) prints one line "BENCH_JSON {...}" with counts and latencies.

dofile("bench/wrk_common.lua")

function setup(thread)
   table.insert(threads, thread)
end

local requests = {}
local position = 1
local expect = nil

function init(args)
   expect = args[2]
   for line in io.lines(args[1]) do
      requests[#requests + 1] = wrk.format("GET", line)
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
   if status == 200 and body:find(expect, 1, true) then
      ok = ok + 1
   else
      count_bad(tostring(status) .. " " .. body:sub(1, 60))
   end
end
