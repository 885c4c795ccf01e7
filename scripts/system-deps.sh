#!/usr/bin/env bash
# Debian packages the project needs: TeX Live for the PDF, poppler for reading it back,
# Chromium for the browser test. Installs only what is missing; needs root (or sudo).
set -euo pipefail
need=()
command -v latexmk >/dev/null || need+=(latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended tex-gyre)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v chromium >/dev/null || need+=(chromium chromium-driver)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
