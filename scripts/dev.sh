#!/usr/bin/env bash
# The one script behind `make run`, `make test` and `make bench`: it sets up everything a fresh
# clone needs (virtualenv, dependencies, PostgreSQL and Redis, database, migrations, messages),
# then does the one thing asked.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
DATA="$ROOT/.data"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Settings read a `.env` file if there is one; variables set in the shell win over it.
if [ -f .env ]; then set -a; . ./.env; set +a; fi
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/puhui}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

ensure_python() {
  if [ ! -x "$PY" ]; then
    log "creating virtualenv in .venv"
    python3 -m venv "$VENV" || {
      echo "python3 -m venv failed: install Python 3.11+ with venv (Debian: apt-get install python3-venv)" >&2
      exit 1
    }
  fi
  local stamp="$VENV/.requirements.sha"
  local want
  want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing dependencies"
    "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$PY" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    echo "$want" >"$stamp"
  fi
}

port_open() { "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(1)
PYEOF
}

url_host_port() {  # prints "host port" of a URL
  "$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or int(sys.argv[2]))' "$1" "$2"
}

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null || {
      apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
    }
  else
    echo "Please install the Debian packages: $* (sudo apt-get install $*)" >&2
    exit 1
  fi
}

ensure_postgres() {
  read -r host port < <(url_host_port "$DATABASE_URL" 5432)
  if port_open "$host" "$port"; then return; fi
  # Nothing listens where DATABASE_URL points: run a project-local server on a loopback port.
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$bin" ]; then apt_install postgresql; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); fi
  local dir="$DATA/postgres" lport=55432
  export DATABASE_URL="postgres://postgres@127.0.0.1:$lport/puhui"
  if port_open 127.0.0.1 "$lport"; then return; fi  # started by an earlier run
  log "PostgreSQL is not reachable at $host:$port; starting a project-local one on 127.0.0.1:$lport"
  local as=()
  if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); mkdir -p "$DATA"; fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
  fi
  "${as[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
    -o "-p $lport -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
}

ensure_redis() {
  read -r host port < <(url_host_port "$REDIS_URL" 6379)
  if port_open "$host" "$port"; then return; fi
  command -v redis-server >/dev/null || apt_install redis-server
  local lport=56379
  export REDIS_URL="redis://127.0.0.1:$lport/0"
  if port_open 127.0.0.1 "$lport"; then return; fi  # started by an earlier run
  log "Redis is not reachable at $host:$port; starting a project-local one on 127.0.0.1:$lport"
  mkdir -p "$DATA/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$lport" --save "" --appendonly no \
    --dir "$DATA/redis" --logfile "$DATA/redis/redis.log"
}

ensure_messages() {
  command -v msgfmt >/dev/null || apt_install gettext
  "$PY" manage.py compilemessages --ignore=.venv -v 0
}

setup() {
  ensure_python
  ensure_postgres
  ensure_redis
  "$PY" scripts/ensure_database.py
  ensure_messages
}

cmd_run() {
  setup
  local port="${PORT:-8000}"
  "$PY" manage.py migrate --noinput -v 0
  "$PY" manage.py load_fuzhou
  # DEBUG is on for `make run` (config.settings.local): the demo accounts, the demo window and
  # the steps to try; kept in a file, since the worker's log soon scrolls them away.
  "$PY" manage.py setup_demo --site "http://127.0.0.1:$port" | tee "$DATA/demo.txt"
  log "starting Celery worker and beat, and the site at http://127.0.0.1:$port (Ctrl-C stops all; the steps to try: .data/demo.txt)"
  pids=()
  trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; exit 0' INT TERM
  trap 'kill "${pids[@]}" 2>/dev/null' EXIT
  "$VENV/bin/celery" -A config worker --loglevel=INFO --concurrency=2 & pids+=($!)
  "$VENV/bin/celery" -A config beat --loglevel=INFO --schedule "$DATA/celerybeat-schedule" & pids+=($!)
  "$PY" manage.py runserver "127.0.0.1:$port" & pids+=($!)
  wait -n "${pids[@]}"
}

# The accessibility test injects axe-core, pinned in tests/e2e/package-lock.json: test tooling,
# never served by the site. Installed again only when the lock file changed.
ensure_axe() {
  local lock=tests/e2e/package-lock.json stamp=tests/e2e/node_modules/.lock.sha want
  command -v npm >/dev/null || apt_install npm
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing the browser tests' npm tooling (axe-core)"
    npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
}

cmd_test() {
  setup
  # The resident journey runs in a real browser: Debian's chromium, driven by Playwright, with
  # a CJK font so that Chinese renders as glyphs, not boxes, in layouts and screenshots.
  command -v chromium >/dev/null || apt_install chromium
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || apt_install fonts-noto-cjk
  ensure_axe
  log "ruff format --check"
  "$VENV/bin/ruff" format --check .
  log "ruff check"
  "$VENV/bin/ruff" check .
  log "lint-imports"
  "$VENV/bin/lint-imports" --no-logo --no-cache
  log "manage.py check"
  DJANGO_SETTINGS_MODULE=config.settings.test "$PY" manage.py check
  log "makemigrations --check"
  DJANGO_SETTINGS_MODULE=config.settings.test "$PY" manage.py makemigrations --check --dry-run
  log "pytest"
  "$VENV/bin/pytest" "$@"
}

cmd_bench() {
  setup
  # Benchmarks fill tables with synthetic data: they get a database of their own.
  DATABASE_URL=$("$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path=p.path + "_bench")))' "$DATABASE_URL")
  export DATABASE_URL
  "$PY" scripts/ensure_database.py
  "$PY" manage.py migrate --noinput -v 0
  "$PY" -m bench "$@"
}

mkdir -p "$DATA"
case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  setup) setup ;;
  *) echo "usage: scripts/dev.sh run|test|bench|setup" >&2; exit 2 ;;
esac
