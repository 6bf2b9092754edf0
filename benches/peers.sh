#!/usr/bin/env bash
# Side-by-side benchmark: affiche against what a user would otherwise run, i.e. a filled SVG per
# poster and one resvg / rsvg-convert process per poster, fanned out over every core with xargs.
#
#   bash benches/peers.sh [ROWS] [PRESETS]        (from the repository root)
#   bash benches/peers.sh 577 "instagram-square instagram-portrait instagram-story x-post facebook-link linkedin-post"
#
# Work dir: ${TMPDIR:-/tmp}/affiche-peers (photos are kept between runs; outputs are not).
# Results: printed, and written as markdown to the work dir's results.md.
set -euo pipefail

ROWS=${1:-40}
PRESETS=${2:-instagram-portrait}
read -ra PRESET_LIST <<<"$PRESETS"
W=${TMPDIR:-/tmp}/affiche-peers
JOBS=$(nproc)
POSTERS=$((ROWS * ${#PRESET_LIST[@]}))
HELPER=(python3 benches/peers_data.py)

[[ -f Cargo.toml && -d templates/hero && -d fonts ]] || { echo "run from the repository root" >&2; exit 2; }
say() { printf '\n== %s\n' "$*"; }

say "building affiche"
cargo build --release

say "peers"
export PATH="$HOME/.cargo/bin:$PATH"   # where cargo install puts resvg
if ! command -v resvg >/dev/null; then
  echo "resvg not found: installing it (cargo install resvg --version 0.49.0 --locked)"
  cargo install resvg --version 0.49.0 --locked || echo "could not install resvg: skipping that peer"
fi
if ! command -v rsvg-convert >/dev/null; then
  if [[ $(id -u) == 0 ]]; then
    echo "rsvg-convert not found: installing Debian librsvg2-bin"
    apt-get install -y librsvg2-bin || { apt-get update && apt-get install -y librsvg2-bin; } ||
      echo "could not install librsvg2-bin: skipping rsvg-convert"
  else
    echo "rsvg-convert not found and not root: skipping it (apt-get install librsvg2-bin)"
  fi
fi
if ! python3 -c 'import PIL' 2>/dev/null; then
  echo "Pillow not found: installing it with pip (needed to make the test data and check outputs)"
  python3 -m pip install --quiet Pillow || { echo "could not install Pillow" >&2; exit 1; }
fi
PEERS=()
if command -v resvg >/dev/null; then PEERS+=(resvg); echo "resvg $(resvg --version)"; fi
if command -v rsvg-convert >/dev/null; then PEERS+=(rsvg-convert); rsvg-convert --version; fi

say "test data: $ROWS rows × ${#PRESET_LIST[@]} preset(s) = $POSTERS posters, in $W"
mkdir -p "$W"
# stale outputs from an earlier run would pass the checks, so they go; the photos are
# deterministic and slow to make, so they stay
rm -rf "$W/affiche" "$W/resvg" "$W/rsvg-convert" "$W"/row*.svg "$W/times.tsv" "$W/good.tsv"
"${HELPER[@]}" gen "$W" "$ROWS"
# the peers' filled SVGs are written now so that only rendering is timed
"${HELPER[@]}" svgs "$W" "${PRESET_LIST[@]}"
# rsvg-convert finds fonts through fontconfig: point it at the repo's fonts only, as resvg
# (--skip-system-fonts) and affiche (fonts/ by default) are
cat >"$W/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>$PWD/fonts</dir><cachedir>$W/fontconfig-cache</cachedir></fontconfig>
EOF

# timed TOOL CMD...: wall seconds and peak RSS (GNU time), and the load just before, in times.tsv
timed() {
  local tool=$1; shift
  # each tool starts with nothing left to write back: affiche ends with a syncfs, which would
  # otherwise also wait for the test data written just before it (or a peer's outputs)
  sync
  local load; load=$(uptime | sed 's/.*load average: //')
  echo "$tool: uptime before: $(uptime)"
  /usr/bin/time -f '%e %M' -o "$W/time.$tool" "$@" || echo "warning: $tool exited with status $?"
  local wall rss
  read -r wall rss < <(tail -n 1 "$W/time.$tool")   # time prepends a line when the command fails
  printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$POSTERS" "$wall" "$rss" "$load" >>"$W/times.tsv"
  echo "$tool: $POSTERS posters in ${wall}s, peak RSS ${rss} KB"
}

say "affiche ($JOBS threads)"
PRESET_FLAGS=()
for p in "${PRESET_LIST[@]}"; do PRESET_FLAGS+=(--preset "$p"); done
timed affiche target/release/affiche render samples/campaign.toml --data "$W/people.csv" \
  --photos "$W/photos" --out "$W/affiche" --force --jobs "$JOBS" "${PRESET_FLAGS[@]}"

# jobs.txt has one "width height in.svg stem" line per poster; xargs appends those four words to
# `sh -c SCRIPT OUTDIR`, and exec leaves exactly one renderer process per poster
for peer in "${PEERS[@]}"; do
  say "$peer ($JOBS processes at a time, one per poster)"
  mkdir -p "$W/$peer"
  case $peer in
    resvg)
      timed resvg xargs -P "$JOBS" -n 4 sh -c \
        'exec resvg --skip-system-fonts --use-fonts-dir fonts -w "$1" -h "$2" "$3" "$0/$4.png"' \
        "$W/resvg" <"$W/jobs.txt" ;;
    rsvg-convert)
      # build fontconfig's cache once, untimed, rather than in every process of the first wave
      FONTCONFIG_FILE=$W/fonts.conf rsvg-convert -w 8 -h 8 "$(awk 'NR==1{print $3}' "$W/jobs.txt")" -o "$W/warmup.png"
      timed rsvg-convert env FONTCONFIG_FILE="$W/fonts.conf" xargs -P "$JOBS" -n 4 sh -c \
        'exec rsvg-convert -w "$1" -h "$2" "$3" -o "$0/$4.png"' \
        "$W/rsvg-convert" <"$W/jobs.txt" ;;
  esac
done

say "checking outputs (size of every PNG; for the peers, that the photo was drawn)"
"${HELPER[@]}" check "$W" "$ROWS" "${PRESET_LIST[@]}"

say "results ($JOBS cores)"
"${HELPER[@]}" report "$W"
echo "(also in $W/results.md)"
