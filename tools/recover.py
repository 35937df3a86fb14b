#!/usr/bin/env python3
"""Restore every item of a Dossier vault without Dossier.

    python3 tools/recover.py VAULT IDENTITY OUTDIR

Uses only the Python standard library (3.11+, for sqlite3's deserialize) and the stock `age`
command-line tool. IDENTITY is the file written by `dossier identity export`, or the output of
`age -d VAULT/keys/passphrase.age` (which asks for the vault passphrase).

Format 2 vaults are read from their journal: every device's segments, each authenticated
(HMAC-SHA-256 with the key HKDF derives from the identity), replayed in clock order. Format 1
vaults from their newest catalog generation.

Small items may share a pack: one age file holding a POSIX tar whose first member names the
pack and whose other members are items' bytes, named by their blob ids (`age -d … | tar x`
opens one by hand).

OUTDIR must be new or empty. Active items are written to OUTDIR/files/ under their original
names, deleted (not purged) items to OUTDIR/deleted/. Every file is checked against the SHA-256
in the catalog before it is kept, and OUTDIR/SHA256SUMS lists them in `sha256sum -c` format.
See docs/FORMAT.md.
"""

import hashlib
import hmac
import json
import os
import sqlite3
import struct
import io
import subprocess
import sys
import tarfile
from pathlib import Path

BLOB_MAGIC = b"DSBLOB\x00\x01"
CATALOG_MAGIC = b"DSCATL\x00\x01"
HEADER_LEN = 32
FLOOR = 64 * 1024
CHUNK = 1 << 20


def padme(n: int) -> int:
    if n < 2:
        return n
    e = n.bit_length() - 1
    s = e.bit_length()
    step = 1 << (e - s)
    return -(-n // step) * step


def padded_len(n: int) -> int:
    return padme(max(n, FLOOR))


class RecoveryError(Exception):
    pass


def age_decrypt_all(identity: Path, path: Path) -> bytes:
    """Decrypts a (small) age file into memory; only a zero exit means it authenticated."""
    proc = subprocess.run(["age", "-d", "-i", str(identity), str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RecoveryError(f"{path}: age could not decrypt it: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def load_catalog(vault: Path, identity: Path) -> sqlite3.Connection:
    candidates = []
    for path in sorted((vault / "catalog").glob("*.age")):
        try:
            data = age_decrypt_all(identity, path)
        except RecoveryError as e:
            print(f"warning: skipping catalog file: {e}", file=sys.stderr)
            continue
        if len(data) < HEADER_LEN or data[:8] != CATALOG_MAGIC:
            print(f"warning: {path} is not a Dossier catalog", file=sys.stderr)
            continue
        generation, _saved_at, length = struct.unpack("<QqQ", data[8:32])
        body = data[HEADER_LEN:HEADER_LEN + length]
        padding = data[HEADER_LEN + length:]
        if len(body) != length or len(data) != padded_len(HEADER_LEN + length) or padding.count(0) != len(padding):
            print(f"warning: {path} has an inconsistent length or padding", file=sys.stderr)
            continue
        candidates.append((generation, path, body))
    if not candidates:
        raise RecoveryError(f"no catalog generation in {vault / 'catalog'} could be decrypted with {identity}")
    generation, path, body = max(candidates, key=lambda c: c[0])
    print(f"catalog generation {generation} ({path.name})", file=sys.stderr)
    db = sqlite3.connect(":memory:")
    db.deserialize(body)
    return db


def read_pack(identity: Path, vault: Path, pack: str) -> tuple[bytes, dict]:
    """A pack decrypted whole and checked: its label, a tar, zeros after it. Returns the
    plaintext and its members by name: (offset of the data, size)."""
    path = vault / "blobs" / pack[:2] / f"{pack[2:]}.age"
    plain = age_decrypt_all(identity, path)
    members, end = {}, 0
    try:
        with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tar:
            for i, m in enumerate(tar):
                data = plain[m.offset_data:m.offset_data + m.size]
                if i == 0 and (m.name != "dossier-pack" or data != f"Dossier evidence pack {pack}\n".encode()):
                    raise RecoveryError(f"{path}: holds a different pack (files swapped?)")
                if i > 0:
                    members[m.name] = (m.offset_data, m.size)
                end = m.offset_data + -(-m.size // 512) * 512
    except tarfile.TarError as e:
        raise RecoveryError(f"{path}: not a Dossier pack ({e})")
    end += 1024
    if not end or len(plain) != padded_len(end) or plain[end:].count(0) != len(plain) - end:
        raise RecoveryError(f"{path}: unexpected bytes after the members")
    return plain, members


def restore_packed(identity: Path, vault: Path, places: list, blob: str, size: int,
                   sha256: str, dest: Path, cache: dict) -> None:
    """Writes a packed item's bytes to dest from the first of its packs where they check out."""
    problems = []
    for pack, offset in places:
        if pack not in cache:
            try:
                cache.clear()  # one pack in memory at a time: items come pack by pack
                cache[pack] = read_pack(identity, vault, pack)
            except RecoveryError as e:
                cache[pack] = e
        found = cache[pack]
        if isinstance(found, RecoveryError):
            problems.append(str(found))
            continue
        plain, members = found
        if members.get(blob) != (offset, size):
            problems.append(f"pack {pack} does not hold it where the journal says")
            continue
        data = plain[offset:offset + size]
        if hashlib.sha256(data).hexdigest() != sha256:
            problems.append(f"pack {pack}: SHA-256 differs from the catalog's {sha256}")
            continue
        partial = dest.with_name(f".partial-{dest.name}")
        partial.write_bytes(data)
        os.replace(partial, dest)
        return
    raise RecoveryError("; ".join(problems))


MAX_NAME_BYTES = 200  # leaves room for " (id)" and the partial-file prefix within 255


def safe_name(name: str, item_id: str) -> str:
    """The original name, changed only where a file system or SHA256SUMS cannot hold it."""
    for bad in ("/", "\x00", "\n", "\r"):
        name = name.replace(bad, "_")
    if name in ("", ".", ".."):
        return item_id
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext) > 16:
            stem, ext = name, ""
        while len((stem + " (" + item_id + ")." + ext).encode("utf-8")) > MAX_NAME_BYTES:
            stem = stem[:-1]
        return f"{stem} ({item_id})" + (f".{ext}" if ext else "")
    return name


def restore_blob(identity: Path, blob_path: Path, blob: str, size: int, sha256: str, dest: Path) -> None:
    """Streams one blob through `age -d` into dest, keeping it only if everything checks out."""
    partial = dest.with_name("." + dest.name + ".partial")
    proc = subprocess.Popen(["age", "-d", "-i", str(identity), str(blob_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        header = proc.stdout.read(HEADER_LEN)
        if len(header) != HEADER_LEN and proc.wait() != 0:
            raise RecoveryError(f"{blob_path}: age refused it (damaged or altered): "
                                f"{proc.stderr.read().decode(errors='replace').strip()}")
        if len(header) != HEADER_LEN or header[:8] != BLOB_MAGIC:
            raise RecoveryError(f"{blob_path}: not a Dossier blob")
        if header[8:24] != bytes.fromhex(blob):
            raise RecoveryError(f"{blob_path}: holds a different blob (files swapped?)")
        (length,) = struct.unpack("<Q", header[24:32])
        if length != size:
            raise RecoveryError(f"{blob_path}: length {length} differs from the catalog's {size}")
        digest = hashlib.sha256()
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            remaining = length
            while remaining:
                chunk = proc.stdout.read(min(CHUNK, remaining))
                if not chunk:
                    raise RecoveryError(f"{blob_path}: ends before its data does")
                digest.update(chunk)
                out.write(chunk)
                remaining -= len(chunk)
            padding = 0
            while True:
                chunk = proc.stdout.read(CHUNK)
                if not chunk:
                    break
                if chunk.count(0) != len(chunk):
                    raise RecoveryError(f"{blob_path}: unexpected bytes after the data")
                padding += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if proc.wait() != 0:
            raise RecoveryError(f"{blob_path}: age failed: {proc.stderr.read().decode(errors='replace').strip()}")
        if HEADER_LEN + length + padding != padded_len(HEADER_LEN + length):
            raise RecoveryError(f"{blob_path}: padding length is wrong")
        if digest.hexdigest() != sha256:
            raise RecoveryError(f"{blob_path}: SHA-256 {digest.hexdigest()} differs from the catalog's {sha256}")
        os.link(partial, dest)  # never overwrites
        os.unlink(partial)
    except BaseException:
        proc.kill()
        proc.wait()
        if partial.exists():
            partial.unlink()
        raise


SEGMENT_MAGIC = b"DSSEG\x00\x00\x02"
SEGMENT_FLOOR = 4096


def hkdf_sha256(salt: bytes, ikm: bytes, info: bytes) -> bytes:
    """RFC 5869 with SHA-256, one 32-byte block: what the journal key is (docs/FORMAT.md)."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def identity_secret(identity: Path) -> bytes:
    for line in identity.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("AGE-SECRET-KEY-1"):
            return line.strip().encode()
    raise RecoveryError(f"{identity} holds no AGE-SECRET-KEY-1 line")


def read_segment(identity: Path, path: Path, secret: bytes) -> dict:
    """Decrypts, parses and authenticates one journal segment."""
    data = age_decrypt_all(identity, path)
    if data[:8] != SEGMENT_MAGIC:
        raise RecoveryError(f"{path}: not a Dossier journal segment")
    vault, device = data[8:24], data[24:40]
    seq, hlc = struct.unpack("<QQ", data[40:56])
    prev = data[56:88]
    (ndeps,) = struct.unpack("<I", data[88:92])
    at = 92 + 56 * ndeps
    (blen,) = struct.unpack("<I", data[at:at + 4])
    body = data[at + 4:at + 4 + blen]
    end = at + 4 + blen
    tag = data[end:end + 32]
    key = hkdf_sha256(b"dossier-journal-v2", secret, vault)
    if len(body) != blen or not hmac.compare_digest(tag, hmac.new(key, data[:end], hashlib.sha256).digest()):
        raise RecoveryError(f"{path}: its authentication tag does not verify (altered, or another vault's)")
    if len(data) != padme(max(end + 32, SEGMENT_FLOOR)) or data[end + 32:].count(0) != len(data) - end - 32:
        raise RecoveryError(f"{path}: unexpected bytes after the segment")
    if device.hex() != path.parent.name or f"{seq:016x}.age" != path.name:
        raise RecoveryError(f"{path}: holds another segment than its name says")
    return {"vault": vault, "device": device.hex(), "seq": seq, "hlc": hlc, "prev": prev,
            "id": hashlib.sha256(data[:end + 32]).digest(), "ops": json.loads(body)["ops"]}


def load_journal(vault: Path, identity: Path) -> sqlite3.Connection:
    """The items of a format-2 vault: every segment's changes to `items`, last writer (by the
    hybrid clock, then device id) winning per field. Enough to find and check every blob."""
    secret = identity_secret(identity)
    segments = []
    for device in sorted((vault / "journal").iterdir()):
        prev = bytes(32)
        for path in sorted(device.glob("*.age")):
            try:
                seg = read_segment(identity, path, secret)
            except RecoveryError as e:
                print(f"warning: {e}; later entries of device {device.name} are not used", file=sys.stderr)
                break
            if seg["prev"] != prev:
                print(f"warning: {path} does not follow the entry before it; later entries of "
                      f"device {device.name} are not used", file=sys.stderr)
                break
            prev = seg["id"]
            segments.append(seg)
    if not segments:
        raise RecoveryError(f"no journal segment in {vault / 'journal'} could be read with {identity}")
    segments.sort(key=lambda s: (s["hlc"], s["device"], s["seq"]))
    items: dict[str, dict] = {}
    retired: set[str] = set()
    packed: list[tuple] = []
    for seg in segments:
        for op in seg["ops"]:
            if op["t"] == "packs" and op.get("v", {}).get("retired"):
                retired.add(op["pk"]["id"])
            if op["t"] == "packed" and op["k"] == "insert":
                packed.append((op["pk"]["blob"], op["pk"]["pack"], op["v"]["offset"]))
            if op["t"] != "items":
                continue
            row = items.setdefault(op["pk"]["id"], {"id": op["pk"]["id"]})
            if op["k"] in ("insert", "update"):
                row.update(op.get("v", {}))
    print(f"journal: {len(segments)} entries from {len({s['device'] for s in segments})} device(s)", file=sys.stderr)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE items (id, name, size, sha256, blob, imported_at, deleted_at, purged_at)")
    for r in items.values():
        db.execute("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   tuple(r.get(c) for c in ("id", "name", "size", "sha256", "blob", "imported_at",
                                            "deleted_at", "purged_at")))
    db.execute("CREATE TABLE packed (blob, pack, offset, retired)")
    db.executemany("INSERT INTO packed VALUES (?, ?, ?, ?)",
                   [(*p, p[1] in retired) for p in packed])
    return db


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    vault, identity, outdir = Path(argv[1]), Path(argv[2]), Path(argv[3])
    header = (vault / "DOSSIER").read_text(encoding="utf-8", errors="replace").splitlines()
    if header[:2] not in (["dossier vault", "format 1"], ["dossier vault", "format 2"]):
        print(f"error: {vault} is not a Dossier vault of format 1 or 2 (header: {header[:2]})", file=sys.stderr)
        return 2
    try:
        db = load_journal(vault, identity) if header[1] == "format 2" else load_catalog(vault, identity)
    except RecoveryError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if outdir.exists() and any(outdir.iterdir()):
        print(f"error: {outdir} is not empty; give a new folder", file=sys.stderr)
        return 2
    outdir.mkdir(parents=True, exist_ok=True)
    rows = db.execute(
        "SELECT id, name, size, sha256, blob, deleted_at IS NOT NULL FROM items "
        "WHERE purged_at IS NULL ORDER BY imported_at, id").fetchall()
    has_packs = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'packed'").fetchone()[0]
    if has_packs:  # pack by pack, so each is decrypted once
        first = dict(db.execute("SELECT blob, min(pack) FROM packed GROUP BY blob").fetchall())
        rows.sort(key=lambda r: first.get(r[4], ""))
    packs: dict = {}
    sums, failures = [], 0
    for item_id, name, size, sha256, blob, deleted in rows:
        folder = outdir / ("deleted" if deleted else "files")
        folder.mkdir(exist_ok=True)
        dest = folder / safe_name(name, item_id)
        if dest.exists():
            stem, dot, ext = dest.name.rpartition(".")
            if not dot:
                stem, ext = dest.name, ""
            dest = folder / (f"{stem} ({item_id})" + (f".{ext}" if ext else ""))
        blob_path = vault / "blobs" / blob[:2] / f"{blob[2:]}.age"
        # Live packs first; a retired one stays until the pack replacing it is here.
        places = db.execute("SELECT pack, offset FROM packed WHERE blob = ? ORDER BY retired, pack",
                            (blob,)).fetchall() if has_packs else []
        here = [(pk, off) for pk, off in places if (vault / "blobs" / pk[:2] / f"{pk[2:]}.age").exists()]
        try:
            if places and not here:
                raise RecoveryError(f"its pack {places[0][0]} is not in {vault / 'blobs'}")
            if places:
                restore_packed(identity, vault, here, blob, size, sha256, dest, packs)
            else:
                restore_blob(identity, blob_path, blob, size, sha256, dest)
        except (RecoveryError, OSError) as e:
            failures += 1
            print(f"FAILED  {item_id}  {name}: {e}", file=sys.stderr)
            continue
        sums.append(f"{sha256}  {dest.relative_to(outdir)}\n")
        print(f"OK      {item_id}  {dest.relative_to(outdir)}")
    (outdir / "SHA256SUMS").write_text("".join(sums), encoding="utf-8")
    print(f"restored {len(rows) - failures} of {len(rows)} items into {outdir}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
