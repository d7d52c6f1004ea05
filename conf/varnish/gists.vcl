vcl 4.1;
# Varnish 7.1 in front of one or more gists instances (docs/fleet.md,
# "The Varnish front"). What it keeps of gists' contract:
#   - Accept is reduced to the one of our two formats it selects, the way
#     the responder decides (fcgi/http.c, http_prefers_html), so that
#     "Vary: Accept" makes two variants per URL, not one per browser;
#   - the TTL is gists' own: Cache-Control max-age minus the Age it sends,
#     never extended; Age on the way out counts from gists' fetch;
#   - If-None-Match is answered 304 here, from the cached ETag;
#   - an expired copy is served at once, while one background fetch
#     refreshes it, for as long as gists itself would (its Cache-Control
#     stale-while-revalidate, X-Front-Cache: UPDATING); after that it is
#     kept (grace) and served only when gists fails (5xx, or no instance
#     answers);
#   - /-/ (health, metrics) and anything not GET/HEAD goes through uncached;
#   - errors (Cache-Control: no-store) are never stored.
# Backends live in a file of their own, found on vcl_path: it defines the
# backends and "sub gists_backend", which sets req.backend_hint.
# conf/varnish/gists-backends.vcl is one local instance; the fleet's image
# writes its own (deploy/varnish/gists-front).

import std;

include "gists-backends.vcl";

# How long an expired copy is kept to answer for a failing gists: the
# responder's own default GISTS_STALE_TTL.
sub gists_grace {
	set beresp.grace = 1h;
}

sub vcl_recv {
	call gists_backend;
	# Our own bookkeeping, never the client's.
	if (req.restarts == 0) {
		unset req.http.X-Gists-Phase;
	}
	if (req.url ~ "^/-/") {
		return (pass);
	}
	if (req.method != "GET" && req.method != "HEAD") {
		return (pass);
	}
	# gists reads no cookie and authenticates no client, so neither a
	# Cookie nor an Authorization makes an answer private (the builtin
	# vcl_recv, which would pass both, is not reached).
	unset req.http.Cookie;
	call gists_accept;
	if (req.http.X-Gists-Phase == "fresh") {
		# an expired copy exists: ask gists, do not serve it
		set req.grace = 0s;
	} else {
		set req.grace = 1h;
	}
	return (hash);
}

# Accept becomes "text/html" or "application/json": HTML when the best
# match for text/html (exact, text/*, */*; the first of the most specific)
# has a higher quality than the best match for application/json.
sub gists_accept {
	unset req.http.X-Gists-Html-Q;
	unset req.http.X-Gists-Json-Q;
	if (req.http.Accept ~ "(?i)(^|,)[ \t]*text/html[ \t]*(;|,|$)") {
		set req.http.X-Gists-Html-Q = regsub(req.http.Accept,
		    "(?i)^(?:.*?,)??[ \t]*text/html[ \t]*((?:;[^,]*)?)(?:,.*)?$", "\1");
	} elsif (req.http.Accept ~ "(?i)(^|,)[ \t]*text/\*[ \t]*(;|,|$)") {
		set req.http.X-Gists-Html-Q = regsub(req.http.Accept,
		    "(?i)^(?:.*?,)??[ \t]*text/\*[ \t]*((?:;[^,]*)?)(?:,.*)?$", "\1");
	} elsif (req.http.Accept ~ "(^|,)[ \t]*\*/\*[ \t]*(;|,|$)") {
		set req.http.X-Gists-Html-Q = regsub(req.http.Accept,
		    "^(?:.*?,)??[ \t]*\*/\*[ \t]*((?:;[^,]*)?)(?:,.*)?$", "\1");
	}
	if (req.http.Accept ~ "(?i)(^|,)[ \t]*application/json[ \t]*(;|,|$)") {
		set req.http.X-Gists-Json-Q = regsub(req.http.Accept,
		    "(?i)^(?:.*?,)??[ \t]*application/json[ \t]*((?:;[^,]*)?)(?:,.*)?$", "\1");
	} elsif (req.http.Accept ~ "(?i)(^|,)[ \t]*application/\*[ \t]*(;|,|$)") {
		set req.http.X-Gists-Json-Q = regsub(req.http.Accept,
		    "(?i)^(?:.*?,)??[ \t]*application/\*[ \t]*((?:;[^,]*)?)(?:,.*)?$", "\1");
	} elsif (req.http.Accept ~ "(^|,)[ \t]*\*/\*[ \t]*(;|,|$)") {
		set req.http.X-Gists-Json-Q = regsub(req.http.Accept,
		    "^(?:.*?,)??[ \t]*\*/\*[ \t]*((?:;[^,]*)?)(?:,.*)?$", "\1");
	}
	# parameters to quality: q=0.x as a number, no q= is 1, no match is 0
	if (!req.http.X-Gists-Html-Q) {
		set req.http.X-Gists-Html-Q = "0";
	} elsif (req.http.X-Gists-Html-Q ~ "(?i)(^|[; ])q=") {
		set req.http.X-Gists-Html-Q = regsub(req.http.X-Gists-Html-Q,
		    "(?i)^.*?(?:^|[; ])q=([0-9](?:\.[0-9]{0,3})?).*$", "\1");
	} else {
		set req.http.X-Gists-Html-Q = "1";
	}
	if (!req.http.X-Gists-Json-Q) {
		set req.http.X-Gists-Json-Q = "0";
	} elsif (req.http.X-Gists-Json-Q ~ "(?i)(^|[; ])q=") {
		set req.http.X-Gists-Json-Q = regsub(req.http.X-Gists-Json-Q,
		    "(?i)^.*?(?:^|[; ])q=([0-9](?:\.[0-9]{0,3})?).*$", "\1");
	} else {
		set req.http.X-Gists-Json-Q = "1";
	}
	if (std.real(req.http.X-Gists-Html-Q, 0) >
	    std.real(req.http.X-Gists-Json-Q, 0)) {
		set req.http.Accept = "text/html";
	} else {
		set req.http.Accept = "application/json";
	}
	unset req.http.X-Gists-Html-Q;
	unset req.http.X-Gists-Json-Q;
}

# The answer depends on the path and query only (Links are relative), not
# on the Host a client used; Accept is in Vary.
sub vcl_hash {
	hash_data(req.url);
	return (lookup);
}

sub vcl_hit {
	if (obj.ttl <= 0s && !req.http.X-Gists-Phase &&
	    obj.ttl + std.duration(obj.http.X-Gists-Swr, 0s) > 0s) {
		# within gists' stale-while-revalidate: this copy now, while
		# Varnish's background fetch (one per object) refreshes it
		set req.http.X-Gists-Phase = "updating";
		return (deliver);
	}
	if (obj.ttl <= 0s && req.http.X-Gists-Phase != "stale") {
		# expired (kept for grace): gists first; the copy only if it fails
		set req.http.X-Gists-Phase = "fresh";
		return (restart);
	}
	return (deliver);
}

sub vcl_backend_fetch {
	if (bereq.is_bgfetch && bereq.http.X-Gists-Phase == "stale") {
		# gists just failed this request; the next one asks again
		return (abandon);
	}
	return (fetch);
}

sub vcl_backend_response {
	if (beresp.status >= 500) {
		# Where an expired copy is kept, store nothing (a stored error
		# would replace it): vcl_synth then serves the copy.
		if (bereq.is_bgfetch || bereq.http.X-Gists-Phase == "fresh") {
			return (abandon);
		}
		set beresp.ttl = 0s;
		set beresp.grace = 0s;
		set beresp.uncacheable = true;
		return (deliver);
	}
	# The TTL is Varnish's reading of max-age minus Age, as gists sent
	# them; the builtin VCL then refuses no-store, private and Set-Cookie.
	# How long past it the copy is served while refreshed in the
	# background: gists' stale-while-revalidate, kept on the object
	# (beresp.grace becomes the longer grace for failures below).
	if (beresp.http.Cache-Control ~
	    "(^|,)[ \t]*stale-while-revalidate=[0-9]{1,9}[ \t]*(,|$)") {
		set beresp.http.X-Gists-Swr = regsub(beresp.http.Cache-Control,
		    "^.*stale-while-revalidate=([0-9]+).*$", "\1s");
	} else {
		set beresp.http.X-Gists-Swr = "0s";
	}
	call gists_grace;
}

# No gists instance answered (after a retry or two): the expired copy
# (vcl_synth), else a problem like gists' own, never stored.
sub vcl_backend_error {
	# A refused connection: with a director, the next replica (twice).
	if (bereq.retries < 2 && bereq.method ~ "^(GET|HEAD)$") {
		return (retry);
	}
	if (bereq.is_bgfetch || bereq.http.X-Gists-Phase == "fresh") {
		return (abandon);
	}
	set beresp.http.Content-Type = "application/problem+json";
	set beresp.http.Cache-Control = "no-store";
	set beresp.http.Retry-After = "1";
	set beresp.http.X-Content-Type-Options = "nosniff";
	set beresp.http.Content-Security-Policy = "default-src 'none'; frame-ancestors 'none'";
	set beresp.body = {"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"no gists instance answered""} + "}";
	set beresp.ttl = 0s;
	set beresp.grace = 0s;
	set beresp.uncacheable = true;
	return (deliver);
}

sub vcl_deliver {
	if (resp.status >= 500 && req.http.X-Gists-Phase == "fresh") {
		# gists failed where an expired copy is kept: serve that
		set req.http.X-Gists-Phase = "stale";
		return (restart);
	}
	unset resp.http.X-Gists-Swr;
	if (req.http.X-Gists-Phase == "stale" && obj.hits > 0) {
		set resp.http.X-Front-Cache = "STALE";
	} elsif (req.http.X-Gists-Phase == "updating") {
		set resp.http.X-Front-Cache = "UPDATING";
	} elsif (obj.uncacheable) {
		set resp.http.X-Front-Cache = "PASS";
	} elsif (obj.hits > 0) {
		set resp.http.X-Front-Cache = "HIT";
	} else {
		set resp.http.X-Front-Cache = "MISS";
	}
	unset resp.http.Via;	# no version on the wire, like lighttpd's
	return (deliver);
}

# Varnish's own answers: a fetch abandoned above (serve the expired copy),
# else a problem in gists' format.
sub vcl_synth {
	if (req.http.X-Gists-Phase == "fresh") {
		set req.http.X-Gists-Phase = "stale";
		return (restart);
	}
	set resp.http.Content-Type = "application/problem+json";
	set resp.http.Cache-Control = "no-store";
	set resp.http.X-Content-Type-Options = "nosniff";
	set resp.http.Content-Security-Policy = "default-src 'none'; frame-ancestors 'none'";
	set resp.body = {"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"the front could not answer""} + "}";
	set resp.status = 503;
	set resp.reason = "Service Unavailable";
	return (deliver);
}
