#!/usr/bin/env bash
# The Debian packages the test suite needs besides Node and git: Python with venv and setuptools
# (the task-environment tests make virtualenvs with editable installs, offline). Installed with
# apt-get when missing and this runs as root; otherwise says what to install.
set -euo pipefail
packages=(python3 python3-venv python3-setuptools)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
elif ! /usr/bin/python3 -c 'import venv, setuptools' >/dev/null 2>&1; then
  echo "error: the tests need /usr/bin/python3 with venv and setuptools; install them with your system's package manager" >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the tests need these Debian packages: ${missing[*]}" >&2
  echo "  hint: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
