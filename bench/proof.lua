-- wrk script for bench/proof.py: every request is a GET of the next path of a file.
--
-- Arguments (after `--`): paths_file expect
--   paths_file  one path with its query string per line (cycled: a proof changes nothing)
--   expect      text a successful answer's body contains
-- done() (bench/wrk_common.lua) prints one line "BENCH_JSON {...}" with counts and latencies.

dofile("bench/wrk_common.lua")

function init(args)
   expect = args[2]
   for line in io.lines(args[1]) do
      requests[#requests + 1] = wrk.format("GET", line)
   end
end

request = cycle_request

response = expect_response
