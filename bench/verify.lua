-- wrk script for bench/verify.py: every request is a partner's POST with the next JSON body.
--
-- Arguments (after `--`): bodies_file token path expect
--   bodies_file  one JSON body per line (cycled: verify changes nothing)
--   token        the partner's bearer token
--   expect       text a successful answer's body contains, or "-" for any 200
-- done() (bench/wrk_common.lua) prints one line "BENCH_JSON {...}" with counts and latencies.

dofile("bench/wrk_common.lua")

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

request = cycle_request

response = expect_response
