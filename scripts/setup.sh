#!/usr/bin/env bash
# Sets up everything evalkit needs on a Debian machine, and is safe to run again:
#   - Debian packages when missing: chromium (PDF), fonts-noto-cjk (Chinese text),
#     poppler-utils (the tests read PDFs back), libreoffice-writer and libreoffice-calc (the tests open,
#     convert and recalculate what evalkit writes in Word and Excel formats), python3-venv (to bootstrap uv);
#   - uv from PyPI when it is not on PATH (into .tools/);
#   - the Python environment .venv/ exactly as uv.lock pins it, with evalkit installed editable and
#     its report template in .venv/share/jupyter/nbconvert/templates/evalkit, where
#     `jupyter nbconvert --template evalkit` finds it by name (docs/notebooks.md §3).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/lib/chromium/chromium ] || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
dpkg -s libreoffice-writer >/dev/null 2>&1 || need+=(libreoffice-writer)
dpkg -s libreoffice-calc >/dev/null 2>&1 || need+=(libreoffice-calc)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if ! command -v uv >/dev/null 2>&1 && [ ! -x .tools/bin/uv ]; then
  python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if command -v uv >/dev/null 2>&1; then
  uv=uv
else
  if [ ! -x .tools/bin/uv ]; then
    echo "setup: installing uv into .tools/" >&2
    python3 -m venv .tools
    .tools/bin/pip install --quiet --disable-pip-version-check uv
  fi
  uv=.tools/bin/uv
fi
UV_PYTHON_DOWNLOADS=never "$uv" sync --frozen --quiet --python python3
# the install copies templates/evalkit into the environment, and uv copies it again when a template file
# is newer than the copy; a copy that still differs (a file put back with an older date) is renewed here
installed=.venv/share/jupyter/nbconvert/templates/evalkit
if ! diff -r templates/evalkit "$installed" >/dev/null 2>&1; then
  echo "setup: renewing the installed copy of templates/evalkit" >&2
  UV_PYTHON_DOWNLOADS=never "$uv" sync --frozen --quiet --python python3 --reinstall-package evalkit
  diff -r templates/evalkit "$installed" >/dev/null || { echo "setup: $installed differs from templates/evalkit" >&2; exit 1; }
fi
echo "setup: ready ($(.venv/bin/evalkit --version))" >&2
