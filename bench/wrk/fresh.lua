-- Every request to a new address (an extra parameter the queue ignores), so no page is served
-- as remembered (agents/drawn.py): what drawing the page afresh costs, rows and all.
-- Environment: BENCH_RUN (unique per run, so two runs never ask for the same address).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local run = os.getenv("BENCH_RUN")
local sent = 0

request = function()
   sent = sent + 1
   local separator = wrk.path:find("?", 1, true) and "&" or "?"
   return wrk.format(nil, wrk.path .. separator .. "fresh=" .. run .. "-" .. sent)
end
