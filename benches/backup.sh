#!/usr/bin/env bash
# Backups against `cp -r`, side by side on this machine (issue #7):
#  - a vault of SIZE_GIB (default 5) in 128 MiB files, backed up once in full;
#  - then RUNS times: 1 % of the vault's size is imported as a new item, and both an
#    incremental `dossier backup` into the existing backup and a full `cp -r` of the vault
#    into a fresh folder are timed (order alternating);
#  - `dossier verify` against `dossier backup --verify` of the same content, RUNS times each.
# Prints every run and the medians. Needs the release CLI (cargo build --release --bin dossier).
#   benches/backup.sh [SIZE_GIB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
size_gib=${1:-5}
runs=${2:-3}
bin=$(pwd)/target/release/dossier
[ -x "$bin" ] || { echo "build first: cargo build --release --bin dossier" >&2; exit 2; }
work=${BENCH_DIR:-$(pwd)/target/bench-backup}
rm -rf "$work"
mkdir -p "$work/src"
printf 'bench passphrase of six words\n' > "$work/pass"
d() { "$bin" --vault "$work/vault" --passphrase-file "$work/pass" "$@"; }
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

d init --kdf-work-factor 10 2>/dev/null
files=$(( size_gib * 8 ))
echo "making a ${size_gib} GiB vault ($files files of 128 MiB)…"
for i in $(seq "$files"); do
    head -c $((128 << 20)) /dev/urandom > "$work/src/f$i.bin"
    d import "$work/src/f$i.bin" >/dev/null
    rm "$work/src/f$i.bin"
done
t0=$(now); d backup --to "$work/backup" >/dev/null; t1=$(now)
echo "first (full) backup: $(awk "BEGIN { print $t1 - $t0 }") s"

one_percent=$(( (size_gib << 30) / 100 ))
: > "$work/inc"; : > "$work/cp"
for r in $(seq "$runs"); do
    head -c "$one_percent" /dev/urandom > "$work/src/new$r.bin"
    d import "$work/src/new$r.bin" >/dev/null
    rm "$work/src/new$r.bin"
    sync
    inc() { t0=$(now); d backup --to "$work/backup" >/dev/null; t1=$(now); awk "BEGIN { print $t1 - $t0 }" >> "$work/inc"; }
    cpr() { rm -rf "$work/copy"; sync; t0=$(now); cp -r "$work/vault" "$work/copy"; sync; t1=$(now); awk "BEGIN { print $t1 - $t0 }" >> "$work/cp"; }
    if [ $((r % 2)) = 1 ]; then inc; cpr; else cpr; inc; fi
    echo "run $r: incremental $(tail -1 "$work/inc") s, cp -r $(tail -1 "$work/cp") s"
done
rm -rf "$work/copy"
mi=$(median < "$work/inc"); mc=$(median < "$work/cp")
echo "median: incremental backup ${mi} s, cp -r ${mc} s, ratio $(awk "BEGIN { printf \"%.3f\", $mi / $mc }")"

: > "$work/v"; : > "$work/bv"
for r in $(seq "$runs"); do
    t0=$(now); d verify >/dev/null; t1=$(now); awk "BEGIN { print $t1 - $t0 }" >> "$work/v"
    t0=$(now); d backup --verify "$work/backup" >/dev/null; t1=$(now); awk "BEGIN { print $t1 - $t0 }" >> "$work/bv"
    echo "run $r: verify $(tail -1 "$work/v") s, backup --verify $(tail -1 "$work/bv") s"
done
mv=$(median < "$work/v"); mb=$(median < "$work/bv")
echo "median: vault verify ${mv} s, backup verify ${mb} s, ratio $(awk "BEGIN { printf \"%.3f\", $mb / $mv }")"
rm -rf "$work"
