#!/usr/bin/env bash
# Installs what the portal needs into .venv: a Python 3.12, the pinned packages, and (with
# --system, as root) Debian's Chromium, CJK fonts and gettext for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in "${PYTHON:-}" python3.12 python3.13; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  # pyenv machines: python3.12 is a shim that needs the version named; or look in the versions folder.
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]' | sort -V); do
    candidate=$(PYENV_VERSION="$version" pyenv which python3 2>/dev/null) && [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9]; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

if [ "${1:-}" = "--system" ]; then
  need=()
  [ -x /usr/bin/chromium ] || need+=(chromium)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
  command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
  # WeasyPrint draws the handbook PDF with Pango; pdftoppm turns PDFs into PNG pages to look at.
  dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0)
  dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || need+=(libpangoft2-1.0-0)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then
      echo "==> Installing Debian packages: ${need[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
      echo "!! Missing Debian packages (${need[*]}); install them as root: apt-get install ${need[*]}" >&2
    fi
  fi
fi

if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || { echo "!! Python 3.12 or newer is needed (Django 6)." >&2; exit 1; }
  echo "==> Creating .venv with $py"
  "$py" -m venv .venv
fi
if [ ! -f .venv/.requirements.sha ] || ! sha1sum -c --status .venv/.requirements.sha 2>/dev/null; then
  echo "==> Installing Python packages (requirements.txt, requirements-nodeps.txt)"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  # Packages whose metadata refuses our Django although they work on it: see the file's comment.
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
  sha1sum requirements.txt requirements-nodeps.txt > .venv/.requirements.sha
fi
