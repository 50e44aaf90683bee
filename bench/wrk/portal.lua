-- The portal's new-ticket POST, as a browser sends it: multipart, CSRF cookie and token,
-- the honeypot left empty, a fresh duplicate-submit key and a fresh address per request
-- (so neither the one-ticket-per-form rule nor the open-tickets cap turns a request away).
-- Environment: BENCH_RUN (unique per run), BENCH_TOPIC (help topic id), BENCH_CSRF_COOKIE and
-- BENCH_CSRF_TOKEN (the csrftoken cookie and the form's token, from one GET of the form),
-- BENCH_ATTACHMENT (a file to attach, or "").

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

-- Each thread counts the answers that are not the redirect to the confirmation page;
-- done() sums them.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_id", #threads)
end

unexpected = 0

done = function(summary, latency, requests)
   local total = 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("unexpected")
   end
   report(summary, latency, total)
end

local boundary = "benchboundary7MA4YWxkTrZu0gW"
local run = os.getenv("BENCH_RUN")
local topic = os.getenv("BENCH_TOPIC")
local csrf_cookie = os.getenv("BENCH_CSRF_COOKIE")
local csrf_token = os.getenv("BENCH_CSRF_TOKEN")
local attachment_path = os.getenv("BENCH_ATTACHMENT") or ""
local attachment = nil
if attachment_path ~= "" then
   local file = assert(io.open(attachment_path, "rb"))
   attachment = file:read("*a")
   file:close()
end
local headers = {
   ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
   ["Cookie"] = "csrftoken=" .. csrf_cookie,
}
local description = "Since this morning the VPN client disconnects every few minutes with "
   .. "error 809. I restarted the laptop and the router; colleagues on the same floor "
   .. "have the same problem. Three of us cannot reach the file shares."
local sent = 0

local function field(name, value)
   return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name
      .. "\"\r\n\r\n" .. value .. "\r\n"
end

local function file_part(name, filename, content)
   return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name
      .. "\"; filename=\"" .. filename .. "\"\r\nContent-Type: text/plain\r\n\r\n"
      .. content .. "\r\n"
end

function request()
   sent = sent + 1
   local key = string.format("%s%03d%09d", run, thread_id, sent)
   local parts = {
      field("csrfmiddlewaretoken", csrf_token),
      field("name", "Bench Customer " .. sent),
      field("email", key .. "@bench.example"),
      field("phone", ""),
      field("topic", topic),
      field("subject", "VPN drops every few minutes " .. key),
      field("body", description),
      field("website", ""),
      field("form_key", key),
   }
   if attachment then
      table.insert(parts, file_part("attachments", "vpn-client.log", attachment))
   end
   table.insert(parts, "--" .. boundary .. "--\r\n")
   return wrk.format("POST", "/tickets/new/", headers, table.concat(parts))
end

function response(status, headers, body)
   if status ~= 302 then
      unexpected = unexpected + 1
   end
end
