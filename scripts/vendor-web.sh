#!/usr/bin/env bash
# vendor-web.sh copies the pinned uPlot release from npm into web/vendor/uplot/, so the
# pages serve it from the binary with no build step. Run by `make vendor-web`; the result
# is committed. It uses `npm pack` (a tarball, no install scripts, no node_modules) and
# refuses a package whose licence is not MIT, keeping the LICENSE file next to the code.
set -euo pipefail
UPLOT_VERSION="${UPLOT_VERSION:-1.6.32}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/web/vendor/uplot"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
command -v npm >/dev/null || { echo "vendor-web: npm is not installed" >&2; exit 1; }
(cd "$tmp" && npm pack --silent "uplot@$UPLOT_VERSION" >/dev/null)
tar -xzf "$tmp"/uplot-"$UPLOT_VERSION".tgz -C "$tmp"
pkg="$tmp/package"
lic="$(node -e 'process.stdout.write(require(process.argv[1]).license||"")' "$pkg/package.json")"
if [[ "$lic" != "MIT" ]]; then
  echo "vendor-web: uplot@$UPLOT_VERSION has licence '$lic', not MIT: refusing to vendor it" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$pkg/dist/uPlot.esm.js" "$dest/uPlot.esm.js"
cp "$pkg/dist/uPlot.min.css" "$dest/uPlot.min.css"
cp "$pkg/LICENSE" "$dest/LICENSE"
echo "uplot@$UPLOT_VERSION ($lic) from npm; files: uPlot.esm.js uPlot.min.css LICENSE" > "$dest/VERSION"
echo "vendor-web: uplot@$UPLOT_VERSION → ${dest#$root/}"
