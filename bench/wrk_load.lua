-- Many users, random pages, a share of writes: the load of bench/run.py, driven by wrk (C, not Python, so the
-- driver does not take the cores from gunicorn). Run with as many wrk threads as connections: each thread has
-- one connection, so a request and its response pair up and each thread times its own requests (LuaJIT ffi,
-- CLOCK_MONOTONIC) into its own file, a line per answer (wrk 4.1 crashes copying tables out of a thread).
-- Usage: wrk -t8 -c8 -d10s -s wrk_load.lua URL -- PLAN.lua THREADS LOG_PREFIX (writes LOG_PREFIX.1 ... .THREADS)
--
-- PLAN.lua (written by bench/run.py) returns:
--   cookies = {"sessionid=...; csrftoken=...", ...}, csrf = {secret, ...}  (one per signed-in user)
--   pages = {{label=, paths={...}, users={cookie index, ...}, weight=}, ...}
--   write_share = 0.05
--   status = {{path=, prefix=, user=, shift=}, ...}      milestone status changes (a lead of the milestone)
--   progress = {{path=, user=}, ...}                     progress drafts filed on a milestone
--   contribution = {{member=, activity=, user=}, ...}    contributions recorded by a member's focal point
-- Every write goes through the real view with the CSRF cookie and the X-CSRFToken header. A status change is
-- two requests, as in a browser without JavaScript: the form (a GET, key "wstatus-form", whose page carries
-- the milestone's version) and then the change at that version; threads change disjoint milestones, so no
-- two changes race for one (a conflict, 409, would be counted as an unexpected answer).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local threads, counter = {}, 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local plan, nthreads
local weights_total = 0
local STATUSES = {"on_track", "at_risk", "delayed"}
local WRITE_KINDS = {"status", "progress", "contribution"}
local mine = {}           -- this thread's status targets
local done_count = {}     -- successful status changes per target of this thread
local pending             -- what the request in flight is: {kind=, key=, index=, started=}
local status_next         -- a status form loaded: {index=, version=} to send next
local out                 -- this thread's log: a line per answer (key, status, as expected, microseconds)

function init(args)
  plan = dofile(args[1])
  nthreads = tonumber(args[2]) or 1
  out = assert(io.open(args[3] .. "." .. tid, "w"))
  out:setvbuf("line")  -- no thread hook runs at the end: each line is written when it is complete
  math.randomseed(tid * 7919 + os.time())
  for _, page in ipairs(plan.pages) do weights_total = weights_total + (page.weight or 1) end
  for i, target in ipairs(plan.status or {}) do
    if (i - 1) % nthreads == tid - 1 then table.insert(mine, target) end
  end
end

local function pick(list) return list[math.random(#list)] end

local function post(path, user, body)
  return wrk.format("POST", path, {
    ["Cookie"] = plan.cookies[user], ["X-CSRFToken"] = plan.csrf[user],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

local writes_sent = 0
-- A progress form's one-time key: unique per run, thread and write (a key sent again files nothing new).
local function form_key()
  return string.format("%08x-%04x-4%03x-a%03x-%06x%06x", os.time(), tid, writes_sent % 4096,
    math.random(0, 0xfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end

local function write_request()
  -- A kind at random; the next one if this thread has no target of that kind.
  local first = math.random(3)
  for attempt = 0, 2 do
    local kind = WRITE_KINDS[(first + attempt - 1) % 3 + 1]
    if kind == "status" and #mine > 0 then
      -- As a browser does: load the status form (its version), then send it (the next request of this thread).
      local i = (writes_sent % #mine) + 1
      local t = mine[i]
      writes_sent = writes_sent + 1
      pending = {kind = "form", key = "wstatus-form", index = i}
      return wrk.format("GET", t.path, {["Cookie"] = plan.cookies[t.user]})
    elseif kind == "progress" and plan.progress and #plan.progress > 0 then
      local t = pick(plan.progress)
      writes_sent = writes_sent + 1
      pending = {kind = "progress", key = "wprogress"}
      return post(t.path, t.user, "period_start=2014-04-01&period_end=2014-06-30&reported_status=on_track"
        .. "&narrative=Progress+filed+by+the+load+benchmark.&evidence_links=&form_key=" .. form_key())
    elseif kind == "contribution" and plan.contribution and #plan.contribution > 0 then
      local t = pick(plan.contribution)
      writes_sent = writes_sent + 1
      pending = {kind = "contribution", key = "wcontribution"}
      return post("/contributions/new/", t.user, string.format(
        "member=%d&activity=%d&kind=time&year=2014&staff_days=3&amount_usd=&state=pledged"
        .. "&note=Recorded+by+the+load+benchmark.&version=", t.member, t.activity))
    end
  end
  return nil
end

local function status_post()
  local i, version = status_next.index, status_next.version
  status_next = nil
  local t = mine[i]
  local n = done_count[i] or 0
  pending = {kind = "status", key = "wstatus", index = i}
  local body = string.format("%s-status=%s&%s-completed_on=&%s-version=%d", t.prefix,
    STATUSES[(n + t.shift) % 3 + 1], t.prefix, t.prefix, version)
  return post(t.path, t.user, body)
end

function request()
  if status_next then
    local req = status_post()
    pending.started = now_us()
    return req
  end
  if plan.write_share > 0 and math.random() < plan.write_share then
    local req = write_request()
    if req then
      pending.started = now_us()
      return req
    end
  end
  local r, index = math.random() * weights_total, #plan.pages
  for i, page in ipairs(plan.pages) do
    r = r - (page.weight or 1)
    if r <= 0 then index = i break end
  end
  local page = plan.pages[index]
  local user = pick(page.users)
  pending = {kind = "page", key = "p" .. index, started = now_us()}
  return wrk.format("GET", pick(page.paths), {["Cookie"] = plan.cookies[user]})
end

-- What a request must answer to count as done: pages 200 (a redirect to sign-in is a failure), a status
-- change and the two creations a redirect (the form without JavaScript; an invalid form answers 200).
local EXPECTED = {page = 200, form = 200, status = 302, progress = 302, contribution = 302}

function response(status, headers, body)
  if not pending then return end
  local ok = status == EXPECTED[pending.kind]
  if pending.kind == "form" then
    local t = mine[pending.index]
    local version = body and body:match('name="' .. t.prefix .. '%-version" value="(%d+)"')
    if ok and version then
      status_next = {index = pending.index, version = tonumber(version)}
    else
      ok = false
    end
  end
  out:write(string.format("%s %d %d %d\n", pending.key, status, ok and 1 or 0, now_us() - pending.started))
  if ok and pending.kind == "status" then done_count[pending.index] = (done_count[pending.index] or 0) + 1 end
  pending = nil
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
end
