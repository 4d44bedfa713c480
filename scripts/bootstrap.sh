#!/usr/bin/env bash
# Set-up steps behind `make demo`, `make test` and `make bench`.
#
#   scripts/bootstrap.sh venv DIR   create the virtual environment (torch first, then the project)
#   scripts/bootstrap.sh system demo|test
#                                   make sure the Debian packages that target needs are present
#
# Each step is safe to repeat; the Makefile runs `venv` only when pyproject.toml or
# constraints.txt changed, and `system` is a few `command -v` checks when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.13.0
say() { printf 'talkgate setup: %s\n' "$*" >&2; }

have_postgres_server() {
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null
}

# The demo needs espeak-ng (speech synthesis); the tests also start PostgreSQL and Redis servers.
missing_debian_packages() {
    command -v espeak-ng >/dev/null || echo espeak-ng
    [ "$1" = test ] || return 0
    have_postgres_server || echo postgresql
    command -v redis-server >/dev/null || echo redis-server
}

system() {
    local target=$1 missing
    missing=$(missing_debian_packages "$target" | tr '\n' ' ')
    [ -z "${missing// /}" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "missing Debian packages: ${missing}"
        say "install them as root, then run make again:  sudo apt-get install -y ${missing}"
        exit 1
    fi
    say "installing Debian packages: ${missing}"
    apt-get update -qq
    # The tests start their own throwaway servers; the system services are not needed.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        ${missing} >/dev/null
    local still
    still=$(missing_debian_packages "$target" | tr '\n' ' ')
    if [ -n "${still// /}" ]; then
        say "apt-get finished but these are still missing: ${still}"
        exit 1
    fi
}

venv() {
    local dir=$1
    python3 - <<'PY' || { say "Python >= 3.11 is required (python3 is $(python3 --version 2>&1))"; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
    [ -x "$dir/bin/python" ] || { say "creating $dir"; python3 -m venv "$dir"; }
    local pip=("$dir/bin/python" -m pip install --quiet --disable-pip-version-check)
    # torch first and pinned: packages that declare a bare `torch` would pull the CUDA build.
    say "installing torch ${TORCH_VERSION} (CPU)"
    "${pip[@]}" "torch==${TORCH_VERSION}"
    say "installing talkgate with its [dev] extras under constraints.txt"
    "${pip[@]}" -c constraints.txt -e ".[dev]"
    one_opencv "$dir"
    touch "$dir/.installed"
}

# opencv-python, -headless and contrib all install the same `cv2` package; keep contrib only.
one_opencv() {
    local dir=$1 others
    others=$("$dir/bin/python" -m pip list --format=freeze 2>/dev/null \
        | grep -iE '^opencv-(python|python-headless|contrib-python-headless)==' | cut -d= -f1 || true)
    [ -z "$others" ] && return 0
    say "removing extra OpenCV builds: ${others//$'\n'/ }"
    "$dir/bin/python" -m pip uninstall --quiet --yes $others
    "$dir/bin/python" -m pip install --quiet --no-deps --force-reinstall -c constraints.txt opencv-contrib-python
}

case "${1:-}" in
    venv) venv "${2:-.venv}" ;;
    system) system "${2:-test}" ;;
    *) echo "usage: $0 venv DIR | system demo|test" >&2; exit 2 ;;
esac
