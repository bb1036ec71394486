# The drill's stand-in for `systemctl reload checkout`: the lab has no systemd, so send the
# service the signal its unit's ExecReload would (SIGHUP: re-exec the current release on the
# same listening socket, between two requests).
pid=$(cat "${LAB:?}/checkout.pid") || exit 1
kill -HUP "$pid" && echo "Sent SIGHUP to checkout (pid $pid)"
