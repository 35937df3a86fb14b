#!/usr/bin/env bash
# Import side by side: this checkout's CLI against another build of it (e.g. the main branch
# before the parser worker), on this machine, alternating, medians and ratios (issue #12):
#  - 1,000 small text files and 100 photos (3000×2000 JPEGs) in one `import` command, into a
#    fresh vault each run (OCR not run: the old build has none; the OCR pass is timed apart);
#  - the OCR pass over those 100 photos (`dossier ocr`), this build only;
#  - 512 MiB imported, and a 1 GiB vault verified, against `age` + `sha256sum` as before.
# Needs release builds, ImageMagick (/usr/bin/convert, for the photos), age and GNU time.
#   benches/import.sh OLD_DOSSIER_BINARY [RUNS]      (NEW=binary to test another build than
#                                                    target/release/dossier)
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: benches/import.sh OLD_DOSSIER_BINARY [RUNS]}
runs=${2:-5}
new=${NEW:-$(pwd)/target/release/dossier}
[ -x "$new" ] || { echo "build first: cargo build --release --bin dossier" >&2; exit 2; }
work=${BENCH_DIR:-$(pwd)/target/bench-import}
rm -rf "$work" && mkdir -p "$work/small" "$work/photos"
printf 'bench passphrase of six words\n' > "$work/pass"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# wall seconds of a command (its output discarded)
wall() { /usr/bin/time -f %e -o "$work/t" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; cat "$work/t"; }

echo "making 1,000 text files and 100 photos…"
for i in $(seq 1000); do
    printf 'Письмо № %d по делу № 2-1547/2031. Прошу приобщить к материалам дела. Хат %d.\n' "$i" "$i" > "$work/small/letter-$i.txt"
done
for k in 1 2 3 4 5; do
    /usr/bin/convert -size 3000x2000 "plasma:fractal" -seed "$k" -quality 88 "$work/base$k.jpg"
done
for i in $(seq 100); do
    # The same five pictures, each made unique by bytes after its end marker.
    { cat "$work/base$(( i % 5 + 1 )).jpg"; printf 'photo %d' "$i"; } > "$work/photos/photo-$i.jpg"
done
"$new" --vault "$work/empty" --passphrase-file "$work/pass" init --kdf-work-factor 10 2>/dev/null

: > "$work/old.txt"; : > "$work/new.txt"; : > "$work/ratio.txt"
for r in $(seq "$runs"); do
    for which in old new; do
        rm -rf "$work/v" && cp -a "$work/empty" "$work/v"
        if [ "$which" = old ]; then
            t=$(wall "$old" --vault "$work/v" --passphrase-file "$work/pass" import "$work"/small/* "$work"/photos/*)
        else
            t=$(wall "$new" --vault "$work/v" --passphrase-file "$work/pass" import --no-ocr "$work"/small/* "$work"/photos/*)
        fi
        echo "$t" >> "$work/$which.txt"
    done
    o=$(tail -1 "$work/old.txt"); n=$(tail -1 "$work/new.txt")
    awk "BEGIN { print $n / $o }" >> "$work/ratio.txt"
    echo "run $r: old $o s, new $n s"
done
echo "import 1,000 texts + 100 photos: old median $(median < "$work/old.txt") s, new median $(median < "$work/new.txt") s, ratio new/old median $(median < "$work/ratio.txt")"

t=$(wall "$new" --vault "$work/v" --passphrase-file "$work/pass" ocr)
echo "OCR pass over the 100 photos: $t s"

head -c $((512 << 20)) /dev/urandom > "$work/big.bin"
age-keygen -o "$work/age.key" 2>/dev/null
recipient=$(age-keygen -y "$work/age.key")
: > "$work/imp_new.txt"; : > "$work/imp_old.txt"; : > "$work/imp_ref.txt"
for r in $(seq 3); do
    rm -rf "$work/v" && cp -a "$work/empty" "$work/v"
    wall "$new" --vault "$work/v" --passphrase-file "$work/pass" import --no-ocr "$work/big.bin" >> "$work/imp_new.txt"
    rm -rf "$work/v" && cp -a "$work/empty" "$work/v"
    wall "$old" --vault "$work/v" --passphrase-file "$work/pass" import "$work/big.bin" >> "$work/imp_old.txt"
    a=$(wall age -r "$recipient" -o "$work/big.age" "$work/big.bin")
    s=$(wall sha256sum "$work/big.bin")
    awk "BEGIN { print $a + $s }" >> "$work/imp_ref.txt"
done
n=$(median < "$work/imp_new.txt"); o=$(median < "$work/imp_old.txt"); f=$(median < "$work/imp_ref.txt")
echo "import 512 MiB: new $n s, old $o s, age -r + sha256sum $f s; ratio new/reference $(awk "BEGIN { print $n / $f }"), old/reference $(awk "BEGIN { print $o / $f }")"

rm -rf "$work/v" && cp -a "$work/empty" "$work/v"
"$new" --vault "$work/v" --passphrase-file "$work/pass" import --no-ocr "$work/big.bin" >/dev/null 2>&1
head -c $((512 << 20)) /dev/urandom > "$work/big2.bin"
"$new" --vault "$work/v" --passphrase-file "$work/pass" import --no-ocr "$work/big2.bin" >/dev/null 2>&1
cat "$work/big.bin" "$work/big2.bin" > "$work/gib.bin"
age -r "$recipient" -o "$work/gib.age" "$work/gib.bin"
: > "$work/ver_new.txt"; : > "$work/ver_old.txt"; : > "$work/ver_ref.txt"
for r in $(seq 3); do
    wall "$new" --vault "$work/v" --passphrase-file "$work/pass" verify >> "$work/ver_new.txt"
    wall "$old" --vault "$work/v" --passphrase-file "$work/pass" verify >> "$work/ver_old.txt"
    wall sh -c "age -d -i '$work/age.key' '$work/gib.age' | sha256sum" >> "$work/ver_ref.txt"
done
n=$(median < "$work/ver_new.txt"); o=$(median < "$work/ver_old.txt"); f=$(median < "$work/ver_ref.txt")
echo "verify 1 GiB: new $n s, old $o s, age -d | sha256sum $f s; ratio new/reference $(awk "BEGIN { print $n / $f }"), old/reference $(awk "BEGIN { print $o / $f }")"
rm -rf "$work"
