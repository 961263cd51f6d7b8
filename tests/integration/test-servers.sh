#!/bin/bash
# Real servers under the command, stopped the way their users stop them: a
# signal sent to the pid the shell got ($!), which is zpoline's.  lighttpd
# stops gracefully on SIGINT and nginx on SIGQUIT; both were swallowed by
# the command once (the servers kept running).  nginx's workers must be
# traced too.  Loopback only; each server is skipped when not installed
# (CI installs both; tools/setup.sh does not, as Debian's packages would
# start them as services).
. "$(dirname "$0")/../lib.sh"
Z=$ZP_BUILD/zpoline
need() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
# A port from the range these tests may use, varied so parallel runs rarely meet.
PORT=$((18000 + $$ % 1000))

# up URL: waits up to ~10 s for the server to answer.
up() {
	for _ in $(seq 100); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}
# killtree PID: SIGKILL to PID and every process below it (a server's
# workers would otherwise outlive a failed case, holding the port).  Stopped
# from the top down first, so a master cannot respawn a worker meanwhile.
stoptree() {
	local c
	kill -STOP "$1" 2>/dev/null
	for c in $(pgrep -P "$1"); do stoptree "$c"; done
	tree+=("$1")
}
killtree() {
	local tree=()
	stoptree "$1"
	kill -KILL "${tree[@]}" 2>/dev/null
}
# stops PID SIG: sends SIG and waits up to ~10 s for PID (a child of this
# shell) to end; sets rc to its status, or "still running".
stops() {
	kill -"$2" "$1"
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		killtree "$1"
		wait "$1"
		rc="still running"
		return
	fi
	wait "$1"
	rc=$?
}

need curl || { skip "servers (curl not installed)"; finish; }
mkdir -p "$TMP/html" "$TMP/cgi" "$TMP/logs"
head -c 3000000 /dev/urandom >"$TMP/html/big.bin"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\nq=%%s\\n" "$QUERY_STRING"\n' >"$TMP/cgi/t.sh"
chmod +x "$TMP/cgi/t.sh"
chmod -R a+rX "$TMP"
want=$(md5sum <"$TMP/html/big.bin")

# --- lighttpd ----------------------------------------------------------------
if need lighttpd; then
	cat >"$TMP/lighttpd.conf" <<EOF
server.document-root = "$TMP/html"
server.port = $PORT
server.bind = "127.0.0.1"
server.errorlog = "$TMP/logs/lighttpd.log"
server.modules = ("mod_alias", "mod_cgi")
alias.url = ("/cgi/" => "$TMP/cgi/")
\$HTTP["url"] =~ "^/cgi/" { cgi.assign = (".sh" => "") }
EOF
	"$Z" run --hook pass -- lighttpd -D -f "$TMP/lighttpd.conf" &
	zpid=$!
	if up "http://127.0.0.1:$PORT/big.bin"; then
		[ "$(curl -s "http://127.0.0.1:$PORT/big.bin" | md5sum)" = "$want" ]
		outcome "lighttpd: a static file (sendfile) comes back whole"
		[ "$(curl -s "http://127.0.0.1:$PORT/cgi/t.sh?x=1")" = "q=x=1" ]
		outcome "lighttpd: a CGI script (fork, exec) answers"
		stops $zpid INT
		[ "$rc" = 0 ] && pass "lighttpd: SIGINT to \$! stops it gracefully (exit 0)" ||
			fail "lighttpd: SIGINT to \$!: $rc (wanted exit 0)"
		grep -q 'server stopped by' "$TMP/logs/lighttpd.log"
		outcome "lighttpd: its log says it stopped on the signal"
	else
		killtree $zpid
		wait $zpid
		fail "lighttpd never answered: $(tail -3 "$TMP/logs/lighttpd.log" 2>&1)"
	fi
else
	skip "lighttpd (not installed)"
fi

# --- nginx: master and two workers, traced -----------------------------------
NGINX=/usr/sbin/nginx
if need $NGINX; then
	mkdir -p "$TMP/ng/logs" "$TMP/ng/conf"
	cat >"$TMP/ng/conf/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $TMP/ng/logs/nginx.pid;
error_log $TMP/ng/logs/error.log notice;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $TMP/ng/logs/cbt;
  proxy_temp_path $TMP/ng/logs/pt;
  fastcgi_temp_path $TMP/ng/logs/ft;
  uwsgi_temp_path $TMP/ng/logs/ut;
  scgi_temp_path $TMP/ng/logs/st;
  sendfile on;
  server { listen 127.0.0.1:$PORT; root $TMP/html; }
}
EOF
	"$Z" trace -f -o "$TMP/ng.trace" -- $NGINX -p "$TMP/ng" -c conf/nginx.conf 2>"$TMP/ng.err" &
	zpid=$!
	if up "http://127.0.0.1:$PORT/big.bin"; then
		[ "$(curl -s "http://127.0.0.1:$PORT/big.bin" | md5sum)" = "$want" ]
		outcome "nginx: a static file (sendfile) comes back whole"
		master=$(cat "$TMP/ng/logs/nginx.pid")
		stops $zpid QUIT
		[ "$rc" = 0 ] && pass "nginx: SIGQUIT to \$! stops it gracefully (exit 0)" ||
			fail "nginx: SIGQUIT to \$!: $rc (wanted exit 0)"
		grep -q 'SIGQUIT.*shutting down' "$TMP/ng/logs/error.log"
		outcome "nginx: its log says it shut down on SIGQUIT"
		# A worker (another pid than the master's) accepted and sent the file.
		workers=$(grep -aE "^[0-9]+ +sendfile\(" "$TMP/ng.trace" | awk -v m="$master" '$1 != m {print $1}' | sort -u | wc -l)
		[ "$workers" -ge 1 ]
		outcome "nginx: a worker's sendfile is in the trace"
		[ "$(grep -ac 'clone(.*SIGCHLD' "$TMP/ng.trace")" = 2 ] &&
			[ "$(grep -ac '+++ exited with 0 +++' "$TMP/ng.trace")" = 3 ]
		outcome "nginx: two workers started and all three processes' exits traced"
	else
		killtree $zpid
		wait $zpid
		fail "nginx never answered: $(tail -3 "$TMP/ng/logs/error.log" "$TMP/ng.err" 2>&1)"
	fi
else
	skip "nginx (not installed)"
fi
finish
