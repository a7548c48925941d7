#!/usr/bin/env bash
# Install the Debian packages Dropin needs to run and to be tested, if any are missing.
# Used by `make run`, `make test` and CI. Needs root or sudo only when something is missing.
#   --kiosk   only what a kiosk PC needs to run Dropin (deploy/README.md): not the
#             PostgreSQL server, LibreOffice, Xvfb and poppler that the tests use.
set -euo pipefail

packages=(
  python3 python3-venv python3-pip
  # Qt's xcb and EGL platform plugins and what the offscreen plugin links against
  libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0
  libpulse0 fonts-dejavu-core
)
if [ "${1:-}" != "--kiosk" ]; then
  # a virtual screen for screenshots, a PostgreSQL server for the tests, LibreOffice to
  # open exported workbooks and poppler to render card sheets in the tests
  packages+=(xvfb postgresql libreoffice-calc-nogui poppler-utils)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
