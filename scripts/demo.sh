#!/usr/bin/env bash
# Runs the portal with the demo district on the embedded default: SQLite, no Redis (jobs run
# in-process). Usage: bash scripts/demo.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
port="${1:-${PORT:-8000}}"
# Printed QR codes point to this port when no address is configured and staff have not opened the portal yet.
export PORT="$port"
export DEBUG="${DEBUG:-true}"
export DISTRICT_NAME="${DISTRICT_NAME:-西岗区}"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo
echo
echo "==> The portal is at http://127.0.0.1:${port}/  (API docs: http://127.0.0.1:${port}/api/docs/)"
echo "    Demo logins (password demo12345): cadre, handler, taskforce, leader, admin"
echo
exec .venv/bin/python manage.py runserver "127.0.0.1:${port}"
