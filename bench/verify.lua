-- wrk script for bench/verify.py: every request is a partner's POST with the next JSON body.
--
-- Arguments (after `--`): bodies_file token path expect
--   bodies_file  one JSON body per line (cycled: verify changes nothing)
--   token        the partner's bearer token
--   expect       text a successful answer's body contains, or "-" for any 200
-- done() prints one line "BENCH_JSON {...}" with the counts and latency percentiles (µs).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

local requests = {}
local position = 1
local expect = nil

sent = 0
ok = 0
bad = 0
bad_kinds = ""
local kinds = {}

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
      bad = bad + 1
      local kind = tostring(status) .. " " .. body:sub(1, 60)
      kinds[kind] = (kinds[kind] or 0) + 1
      local parts = {}
      for k, v in pairs(kinds) do
         parts[#parts + 1] = k .. "=" .. v
      end
      bad_kinds = table.concat(parts, "; ")
   end
end

local function json_string(s)
   return '"' .. s:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end) .. '"'
end

function done(summary, latency, _)
   local totals = { sent = 0, ok = 0, bad = 0 }
   local all_kinds = {}
   for _, thread in ipairs(threads) do
      for name, _ in pairs(totals) do
         totals[name] = totals[name] + thread:get(name)
      end
      local k = thread:get("bad_kinds")
      if k ~= "" then
         all_kinds[#all_kinds + 1] = k
      end
   end
   local errors = summary.errors
   io.write(string.format(
      "BENCH_JSON {\"requests\": %d, \"duration_us\": %d, \"sent\": %d, \"ok\": %d, "
         .. "\"bad\": %d, \"exhausted\": 0, \"bad_kinds\": %s, \"connect_errors\": %d, "
         .. "\"read_errors\": %d, \"write_errors\": %d, \"status_errors\": %d, "
         .. "\"timeouts\": %d, \"p50_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
      summary.requests, summary.duration, totals.sent, totals.ok, totals.bad,
      json_string(table.concat(all_kinds, " | ")), errors.connect, errors.read, errors.write,
      errors.status, errors.timeout, latency:percentile(50), latency:percentile(99), latency.max
   ))
end
