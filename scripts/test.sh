#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL and Redis on this machine, with Debian's
# Chromium for the browser tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system

# Start the local services if they are down (machines that keep them stopped).
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "==> Starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "==> Starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/liaison}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"

echo "==> Checks: ruff, migrations, system check"
.venv/bin/ruff check .
DJANGO_SETTINGS_MODULE=liaison.test_settings .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
DJANGO_SETTINGS_MODULE=liaison.test_settings .venv/bin/python manage.py check --fail-level WARNING
echo "==> pytest"
exec .venv/bin/pytest "$@"
