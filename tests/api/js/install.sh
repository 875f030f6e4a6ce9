#!/usr/bin/env bash
# Installs what the TimelineJS browser test needs: TimelineJS from npm (package-lock.json) and Debian's
# headless Chromium with its chromedriver. Safe to run again; does nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -f node_modules/@knight-lab/timelinejs/dist/js/timeline.js ]; then
    npm ci --no-audit --no-fund
fi

# The fonts the figure is laid out for (tests/timeline/test_figure_rendered.py measures text in both).
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] \
    || [ ! -d /usr/share/fonts/truetype/liberation ] || [ ! -d /usr/share/fonts/truetype/dejavu ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install.sh: chromium, chromedriver or fonts missing and not root; install Debian's chromium chromium-driver fonts-liberation fonts-dejavu-core" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver fonts-liberation fonts-dejavu-core >/dev/null
fi
echo "install.sh: TimelineJS $(node -p "require('./node_modules/@knight-lab/timelinejs/package.json').version") and $(/usr/bin/chromium --version 2>/dev/null | head -1) ready"
