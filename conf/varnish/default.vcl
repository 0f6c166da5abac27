#
# Varnish (7.x, Debian package `varnish`) in front of several httpd servers
# running mod_bantin over copies of the same content dir.
# See README.md, "Running on several servers".
#
#   varnishd -a :80 -f /etc/varnish/default.vcl -s malloc,256m
#
# What it does:
#  * one cache object per page and font size: every cookie but the font-size
#    cookie (bantin_fs) is stripped from portal requests, so analytics cookies
#    (_ga, _gid, _fbp, ...) never split the cache, and the normalised cookie is
#    part of the hash (the module also sends Vary: Cookie, which then sees the
#    same normalised header);
#  * TTLs come from the module's Cache-Control (BantinArticleMaxAge,
#    BantinListMaxAge, BantinErrorMaxAge); pages are content-addressed
#    (strong ETags made of the article, the templates and the settings), so
#    the servers agree and Varnish revalidates with If-None-Match;
#  * round robin over the servers, with health probes; a fetch that fails on
#    one server is retried on the next, so a server going down costs no reader
#    an error, even before its probe says it is sick;
#  * PURGE from the purgers ACL drops a page in every font size (see
#    bantin_purge below).
#
# The cookie name and the /portal prefix are those of mod_bantin's defaults
# (BantinFontCookie, the <Location>): change them here if you change them
# there.

vcl 4.1;

import cookie;
import directors;
import std;

# A server is healthy while 2 of its last 3 probes answered 200 within 1 s;
# it is taken out after 2 failed probes (about 2 s) and back in after 2 good.
probe bantin_health {
    .url = "/portal/";
    .expected_response = 200;
    .interval = 1s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}

# One backend per httpd server.  Add more the same way, and add them to the
# director in vcl_init.
backend web1 {
    .host = "127.0.0.1";
    .port = "8081";
    .probe = bantin_health;
    .connect_timeout = 1s;
    .first_byte_timeout = 10s;
    .between_bytes_timeout = 5s;
}

backend web2 {
    .host = "127.0.0.1";
    .port = "8082";
    .probe = bantin_health;
    .connect_timeout = 1s;
    .first_byte_timeout = 10s;
    .between_bytes_timeout = 5s;
}

# Who may PURGE.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_init {
    new portal = directors.round_robin();
    portal.add_backend(web1);
    portal.add_backend(web2);
}

sub vcl_recv {
    set req.backend_hint = portal.backend();

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        call bantin_purge;
        return (synth(200, "Purged"));
    }

    if (req.url ~ "^/portal(/|\?|$)") {
        call bantin_recv;
    }
    # Anything else on this site: Varnish's built-in rules.
}

sub bantin_recv {
    # POST /portal/fontsize, and the 405 answers to other methods.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # Sets the cookie and redirects: per reader, never cached.  It reads the
    # reader's current step from the cookie, which is kept below.
    if (req.url ~ "^/portal/fontsize(\?|$)") {
        call bantin_font_cookie;
        return (pass);
    }
    # The theme's files, the images, the feeds and the sitemap are the same
    # for every reader.
    if (req.url ~ "^/portal/(static/|media/|feed\.xml|category/[a-z0-9-]+/feed\.xml|sitemap[-0-9]*\.xml)") {
        unset req.http.Cookie;
        return (hash);
    }
    call bantin_font_cookie;
    # While a server is up, serve an expired page for at most 10 s while it is
    # fetched again in the background; when all are down, up to beresp.grace.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    return (hash);
}

# Keeps only the font-size cookie, in the one form the module writes
# (bantin_fs=N).  A repeated font cookie means the default step to the
# module, so it is dropped here too; so is anything that is not a number.
sub bantin_font_cookie {
    if (req.http.Cookie ~ "(^|;)\s*bantin_fs=[^;]*;(.*;)?\s*bantin_fs=") {
        unset req.http.Cookie;
    } elsif (req.http.Cookie) {
        cookie.parse(req.http.Cookie);
        if (cookie.get("bantin_fs") ~ "^[1-9][0-9]?$") {
            set req.http.Cookie = "bantin_fs=" + cookie.get("bantin_fs");
        } else {
            unset req.http.Cookie;
        }
    }
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.host) {
        hash_data(req.http.host);
    } else {
        hash_data(server.ip);
    }
    # The normalised font cookie: one object per font size.
    if (req.http.Cookie) {
        hash_data(req.http.Cookie);
    }
    return (lookup);
}

# PURGE <url> drops every font size of a page at once (the cookie is in the
# hash, so a plain purge would drop only one), using bans on the URL that
# vcl_backend_response records on each object:
#   PURGE /portal/article/<slug>  the article page and its two blocks;
#   PURGE /portal/                every page of the list and the list block;
#   PURGE <anything else>         that URL.
sub bantin_purge {
    if (req.url ~ "^/portal/article/[a-z0-9/-]+$") {
        if (!std.ban("obj.http.x-bantin-host == " + req.http.host +
                     " && obj.http.x-bantin-url ~ ^/portal/(article|block/toolbar|block/view)/" +
                     regsub(req.url, "^/portal/article/", "") + "$")) {
            return (synth(400, std.ban_error()));
        }
    } elsif (req.url ~ "^/portal/?(\?.*)?$") {
        if (!std.ban("obj.http.x-bantin-host == " + req.http.host +
                     " && obj.http.x-bantin-url ~ ^/portal/(block/list)?(\?|$)")) {
            return (synth(400, std.ban_error()));
        }
    } elsif (!std.ban("obj.http.x-bantin-host == " + req.http.host +
                      " && obj.http.x-bantin-url == " + req.url)) {
        return (synth(400, std.ban_error()));
    }
}

sub vcl_backend_response {
    # For bantin_purge (bans the ban lurker can evaluate on its own).
    set beresp.http.x-bantin-url = bereq.url;
    set beresp.http.x-bantin-host = bereq.http.host;

    # A server answering 5xx: try the next one once.
    if (beresp.status >= 500 && bereq.retries < 1) {
        return (retry);
    }
    if (bereq.url ~ "^/portal(/|\?|$)") {
        # The TTL is the module's max-age.  Its error pages carry a short one
        # (BantinErrorMaxAge, 5 s), so that an article published at its <date>
        # shows up soon; httpd's own error pages (e.g. for a %2F in the URL)
        # carry none: keep those as briefly.
        if ((beresp.status == 404 || beresp.status == 400)
            && !beresp.http.Cache-Control) {
            set beresp.ttl = 5s;
        }
        # If every server is down, readers still get pages up to 6 h old.
        set beresp.grace = 6h;
    }
}

# A server that cannot be reached (refused, timed out): the next one.
sub vcl_backend_error {
    if (bereq.retries < 1) {
        return (retry);
    }
}

sub vcl_deliver {
    unset resp.http.x-bantin-url;
    unset resp.http.x-bantin-host;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
