#!/usr/bin/env bash
# Every target of issue 6 in one run: the side-by-side runs with the peers (six presets, then one),
# 2 threads against 1, the A1 print poster, and where the CPU goes (with perf, when installed).
#
#   bash benches/targets.sh [ROWS]        (from the repository root; ROWS defaults to 577)
#
# About 35 minutes for 577 rows on 2 cores, most of it the peers. Nothing else should run meanwhile.
# Results: printed, and written as markdown to ${TMPDIR:-/tmp}/affiche-peers/targets.md.
set -euo pipefail

ROWS=${1:-577}
SIX="instagram-square instagram-portrait instagram-story x-post facebook-link linkedin-post"
ONE=instagram-portrait
W=${TMPDIR:-/tmp}/affiche-peers
T=$W/targets
AFFICHE=target/release/affiche
[[ -f Cargo.toml && -d templates/hero ]] || { echo "run from the repository root" >&2; exit 2; }
say() { printf '\n=== %s\n' "$*"; }
rm -rf "$T" && mkdir -p "$T"

say "side by side: $ROWS rows × 6 presets"
bash benches/peers.sh "$ROWS" "$SIX"
cp "$W/times.tsv" "$T/six.tsv" && cp "$W/good.tsv" "$T/six.good.tsv" && cp "$W/affiche/report.json" "$T/six.report.json"

say "side by side: $ROWS rows × 1 preset ($ONE)"
bash benches/peers.sh "$ROWS" "$ONE"
cp "$W/times.tsv" "$T/one.tsv" && cp "$W/good.tsv" "$T/one.good.tsv"

PRESET_FLAGS=()
for p in $SIX; do PRESET_FLAGS+=(--preset "$p"); done
# the first N rows of the benchmark data, all six presets
subset() { head -n $(($1 + 1)) "$W/people.csv" >"$T/rows$1.csv"; }

N=$((ROWS < 60 ? ROWS : 60))
say "threads: $N rows × 6 presets, --jobs 1 and --jobs 2, alternated twice"
subset $N
for round in 1 2; do
  for jobs in 1 2; do
    sync
    /usr/bin/time -f '%e %U %S %M' -o "$T/time" "$AFFICHE" render samples/campaign.toml --data "$T/rows$N.csv" \
      --photos "$W/photos" --out "$T/jobs$jobs" --force --jobs "$jobs" "${PRESET_FLAGS[@]}" >/dev/null
    printf '%s\t%s\n' "$jobs" "$(tail -n 1 "$T/time")" >>"$T/jobs.tsv"
    echo "--jobs $jobs: $(tail -n 1 "$T/time") (wall user sys KB)"
  done
done

say "one A1 print poster (7016×9933), the sample's first row"
head -n 2 samples/candidates.csv >"$T/one-row.csv"
/usr/bin/time -f '%e %M' -o "$T/a1.time" "$AFFICHE" render samples/campaign.toml --data "$T/one-row.csv" \
  --photos samples/photos --preset print-a1 --out "$T/a1" --force >/dev/null
echo "A1: $(tail -n 1 "$T/a1.time") (wall KB)"

if command -v perf >/dev/null && perf record -o "$T/probe.data" -- true >/dev/null 2>&1; then
  say "where the CPU goes: perf over 30 rows × 6 presets at --jobs 1"
  subset 30
  perf record -F 999 -o "$T/perf.data" -- "$AFFICHE" render samples/campaign.toml --data "$T/rows30.csv" \
    --photos "$W/photos" --out "$T/perf-out" --force --jobs 1 "${PRESET_FLAGS[@]}" >/dev/null 2>&1
  python3 benches/cpu_split.py "$T/perf.data" "$T/cpu.tsv"
else
  echo "perf is not installed or not allowed here: skipping the CPU split (time outside raster + encode)"
fi

say "targets"
python3 benches/peers_data.py targets "$W"
echo "(also in $W/targets.md)"
