-- lighttpd's own server errors (the 500 or 503 while the responder is
-- down or respawning) are never stored by a cache: Cache-Control:
-- no-store, as the responder's errors say themselves. Answers that say
-- something already (every answer of the responder) are left alone.
local r = lighty.r
if r.req_item.http_status >= 500 and r.resp_header["Cache-Control"] == nil then
	r.resp_header["Cache-Control"] = "no-store"
end
return 0
