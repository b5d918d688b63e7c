#!/usr/bin/env bash
# End-to-end check of the HTML report in a real browser: builds a report from the sample trace,
# opens it in headless Chromium, takes a screenshot, and fails if the page logged anything to
# the console (the report has no scripts, so any console message is an error) or rendered blank.
# Installs Debian's chromium when it is missing (CI may run on a fresh machine).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser check: chromium is not installed and we are not root to install it" >&2
    exit 1
  fi
  echo "browser check: installing chromium from Debian's packages"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --quiet -- report traces/sample.csv --window 0,1y --system quorum \
  --out "$work/report" --quiet >/dev/null

# The flags keep Chromium off the network (this machine has none) and out of the user's profile.
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --enable-logging=stderr --v=0 --window-size=1000,2400 \
  --screenshot="$work/shot.png" "file://$work/report/index.html" 2>"$work/chromium.log" || true

failed=0
if grep -E 'CONSOLE' "$work/chromium.log"; then
  echo "browser check: the page logged to the console (above)" >&2
  failed=1
fi
if ! python3 - "$work/shot.png" <<'PY'
# Not blank: decode the PNG screenshot and require a good share of non-background pixels.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, bpp = 8, b"", 0, 0, 4
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color = struct.unpack(">IIBB", body[:10])
        bpp = {2: 3, 6: 4}.get(color, 4)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
pixels = []
for y in range(height):
    ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
        if ftype == 1:
            line[i] = (line[i] + a) & 255
        elif ftype == 2:
            line[i] = (line[i] + b) & 255
        elif ftype == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif ftype == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pred) & 255
    if y % 8 == 0:
        pixels += [bytes(line[x:x + 3]) for x in range(0, stride, 8 * bpp)]
    prev = line
background = max(set(pixels), key=pixels.count)
share = sum(1 for px in pixels if px != background) / len(pixels)
print(f"browser check: {width}x{height} screenshot, {share:.1%} of sampled pixels drawn")
sys.exit(0 if share > 0.10 else 1)
PY
then
  echo "browser check: the page rendered blank" >&2
  failed=1
fi
if [ "$failed" -eq 0 ]; then
  echo "browser check: 1 passed, 0 failed"
else
  echo "browser check: 0 passed, 1 failed"
  exit 1
fi
