#!/usr/bin/env bash
# Install Debian's Chromium (headless offline-report tests and `cs360 run --pdf`) and
# poppler-utils (pdftoppm, pdftotext: the PDF tests turn pages into images and text).
# Idempotent: installs only what is missing.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-browser: chromium ($(/usr/bin/chromium --version 2>/dev/null || echo unknown version)) and poppler-utils present, skipping"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
/usr/bin/chromium --version
pdftoppm -v 2>&1 | head -1
