#!/bin/sh
# Build the custom Plotly.js bundle used by ovp_assess.
#
#   Output: static/vendor/plotly/plotly-ovp.min.js  (minified IIFE/UMD-style, global `Plotly`)
#           static/vendor/plotly/LICENSE            (plotly.js MIT licence)
#
# Traces: scatter (part of plotly.js core), bar, heatmap, scatterpolar.
# Versions are pinned exactly in package.json / package-lock.json; needs Node >= 18 and npm.
#
# Usage: sh tools/plotly/build.sh   (from anywhere)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT_DIR="$HERE/../../static/vendor/plotly"
cd "$HERE"

# Clean, lockfile-exact install. Install scripts are skipped: esbuild finds its
# platform binary through its optional @esbuild/* dependency without them.
npm ci --ignore-scripts --no-audit --no-fund

mkdir -p "$OUT_DIR"

# Options mirror plotly.js's own esbuild-config.js:
#   global -> window, define.amd -> false (keep d3 & co. from taking the AMD path),
#   target es2016. `.css` is loaded as empty: the only CSS import is maplibre-gl's
#   stylesheet for the `map` subplot, which this bundle does not include.
./node_modules/.bin/esbuild index.js \
  --bundle \
  --minify \
  --format=iife \
  --global-name=Plotly \
  --target=es2016 \
  --define:global=window \
  --define:define.amd=false \
  --loader:.css=empty \
  --legal-comments=eof \
  --log-level=warning \
  --outfile="$OUT_DIR/plotly-ovp.min.js"

cp node_modules/plotly.js/LICENSE "$OUT_DIR/LICENSE"

ls -l "$OUT_DIR/plotly-ovp.min.js" "$OUT_DIR/LICENSE"
