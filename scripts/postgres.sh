#!/usr/bin/env bash
# Make sure a PostgreSQL server for the tests runs on loopback, installing it from Debian's
# packages when missing. Prints the admin URL on stdout; everything else goes to stderr.
set -euo pipefail
PORT="${PQCPLAN_PG_PORT:-55432}"
DATA="${PQCPLAN_PG_DATA:-/tmp/pqcplan-pg-$PORT}"

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

BIN="$(find_bin || true)"
if [ -z "$BIN" ]; then
  echo "PostgreSQL server not found: installing Debian's postgresql package" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
fi

# The server refuses to run as root: use the postgres system user then.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  AS=(runuser -u postgres --)
  DBUSER=postgres
else
  AS=()
  DBUSER="$(id -un)"
fi

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    "${AS[@]}" "$BIN/initdb" -D "$DATA" -U "$DBUSER" --auth=trust -E UTF8 >/dev/null
  fi
  # A server killed a moment ago may still hold its lock file: try a few times.
  for attempt in 1 2 3; do
    if "${AS[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DATA -c fsync=off -c max_connections=200" \
      start >&2; then
      break
    fi
    [ "$attempt" = 3 ] && { tail -n 5 "$DATA/server.log" >&2; exit 1; }
    sleep 2
  done
fi
echo "postgresql+psycopg://$DBUSER@127.0.0.1:$PORT/postgres"
