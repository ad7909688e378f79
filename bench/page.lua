-- wrk script for bench/pages.py: every request is the same GET, with a session cookie or none.
--
-- Arguments (after `--`): cookie expect
--   cookie  the Cookie header to send, or "-" for none (a first-time visitor)
--   expect  text a successful answer's body contains, or "-" for any 200
-- done() (bench/wrk_common.lua) prints one line "BENCH_JSON {...}" with counts and latencies.

dofile("bench/wrk_common.lua")

local prepared = nil

function init(args)
   local headers = { ["Accept-Language"] = "zh-CN" }
   if args[1] ~= "-" then
      headers["Cookie"] = args[1]
   end
   if args[2] ~= "-" then
      expect = args[2]
   end
   prepared = wrk.format("GET", nil, headers)
end

function request()
   sent = sent + 1
   return prepared
end

response = expect_response
