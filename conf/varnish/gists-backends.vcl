# The gists instance behind the front (gists.vcl includes this file from
# vcl_path): one instance on this machine's port 8080. A fleet's version,
# with health probes and a director, is deploy/varnish/gists-backends.vcl.

backend gists {
	.host = "127.0.0.1";
	.port = "8080";
	.connect_timeout = 2s;
	.first_byte_timeout = 60s;	# a cold listing of 30 pages
}

sub gists_backend {
	set req.backend_hint = gists;
}
