-- wrk script for bench/reserve.py: every request is a POST by the next signed-in resident.
--
-- Arguments (after `--`): pairs_file first count path mode expect_status expect_location threads
--   pairs_file       lines "<sessionid> <csrftoken>", one signed-in resident each
--   first, count     the lines this run may use (0-based); each wrk thread takes a disjoint slice
--   mode             "once": each pair at most once, the thread stops when its slice runs out;
--                    "cycle": start the slice again (for the baseline, which reserves nothing)
--   expect_status    the status of a success, e.g. 302
--   expect_location  how the Location of a success starts, or "-" for any
--   threads          wrk's -t, so that every thread knows its share
-- done() (bench/wrk_common.lua) prints one line "BENCH_JSON {...}" with counts and latencies.

dofile("bench/wrk_common.lua")

local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local requests = {}
local position = 1
local mode = "once"
local expect_status = 200
local expect_location = nil
local stop_request = nil

function init(args)
   local file, first, count, path = args[1], tonumber(args[2]), tonumber(args[3]), args[4]
   mode = args[5]
   expect_status = tonumber(args[6])
   if args[7] ~= "-" then
      expect_location = args[7]
   end
   local nthreads = tonumber(args[8])
   local share = math.floor(count / nthreads)
   local lo = first + id * share
   local hi = lo + share - 1
   local line_no = 0
   for line in io.lines(file) do
      if line_no > hi then
         break
      end
      if line_no >= lo then
         local session, token = line:match("^(%S+) (%S+)$")
         requests[#requests + 1] = wrk.format("POST", path, {
            ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. token,
            ["X-CSRFToken"] = token,
            ["Content-Type"] = "application/x-www-form-urlencoded",
         }, "")
      end
      line_no = line_no + 1
   end
   -- Sent once when a "once" slice has run out, while the thread stops: reserves nothing.
   stop_request = wrk.format("GET", "/bench/baseline", {}, nil)
end

function request()
   if position > #requests then
      if mode == "cycle" and #requests > 0 then
         position = 1
      else
         exhausted = 1
         wrk.thread:stop()
         return stop_request
      end
   end
   local r = requests[position]
   position = position + 1
   sent = sent + 1
   return r
end

function response(status, headers, body)
   if exhausted == 1 then
      return
   end
   local location = headers["Location"] or headers["location"]
   -- A success's Location starts with expect_location (it may carry a query string).
   if status == expect_status and (expect_location == nil
         or (location ~= nil and location:sub(1, #expect_location) == expect_location)) then
      ok = ok + 1
   else
      count_bad(tostring(status) .. " " .. tostring(location or ""))
   end
end
