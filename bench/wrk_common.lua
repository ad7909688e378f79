-- What the wrk scripts of bench/ share, loaded by each with dofile (wrk runs in
-- the project's root): the counters, counting an unexpected answer, and done(), which prints
-- one line "BENCH_JSON {...}" with the counts and latency percentiles (µs).

threads = {} -- filled by each script's setup()

-- Read by done() through thread:get().
sent = 0
ok = 0
bad = 0
exhausted = 0
bad_kinds = ""
local kinds = {}

function count_bad(kind)
   bad = bad + 1
   kinds[kind] = (kinds[kind] or 0) + 1
   local parts = {}
   for k, v in pairs(kinds) do
      parts[#parts + 1] = k .. "=" .. v
   end
   bad_kinds = table.concat(parts, "; ")
end

-- Each thread's state is collected for done(); every script keeps this setup.
function setup(thread)
   table.insert(threads, thread)
end

-- The requests a script's init() prepared, sent in turn and from the first again after the
-- last (for requests that change nothing: verify, proof).
requests = {}
local position = 1

function cycle_request()
   if position > #requests then
      position = 1
   end
   local r = requests[position]
   position = position + 1
   sent = sent + 1
   return r
end

-- A good answer is a 200 whose body holds `expect` (any 200 while it is nil).
expect = nil

function expect_response(status, headers, body)
   if status == 200 and (expect == nil or body:find(expect, 1, true)) then
      ok = ok + 1
   else
      count_bad(tostring(status) .. " " .. body:sub(1, 60))
   end
end

local function json_string(s)
   return '"' .. s:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end) .. '"'
end

function done(summary, latency, _)
   local totals = { sent = 0, ok = 0, bad = 0, exhausted = 0 }
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
         .. "\"bad\": %d, \"exhausted\": %d, \"bad_kinds\": %s, \"connect_errors\": %d, "
         .. "\"read_errors\": %d, \"write_errors\": %d, \"status_errors\": %d, "
         .. "\"timeouts\": %d, \"p50_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
      summary.requests, summary.duration, totals.sent, totals.ok, totals.bad, totals.exhausted,
      json_string(table.concat(all_kinds, " | ")), errors.connect, errors.read, errors.write,
      errors.status, errors.timeout, latency:percentile(50), latency:percentile(99), latency.max
   ))
end
