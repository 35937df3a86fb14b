"""The leak scan: after a full session, nothing the session imported or typed may be found in
the places a desktop app leaves traces: ~/.cache, ~/.local/share, ~/.local/state (where the
vault keeps its encrypted device record), ~/.config, /tmp, /var/tmp, and the app's folder in the
session's runtime directory (GTK's and WebKit's per-user data: a tmpfs on a desktop, a folder
of the test here).
Looks for each canary (file names, texts, case/person/event names, SHA-256 of every file,
the passphrase) as UTF-8 and UTF-16LE bytes, in every readable file, compressed or not."""

import json
import os
import sys
from pathlib import Path

home = Path(os.environ["HOME_UNDER_TEST"])
work = Path(os.environ["E2E_WORK"]).resolve()
canaries = json.loads((work / "canaries.json").read_text())
needles = []
for c in canaries:
    needles.append((c, c.encode()))
    needles.append((c, c.encode("utf-16-le")))
    if c.lower() != c:
        needles.append((c, c.lower().encode()))

# This checkout holds the canaries by design (the test's source, the session's evidence,
# vault and exports under target/e2e): skip it, except the HOME the app ran with. Other
# checkouts need no exception: each session draws fresh canaries (session.py).
repo = Path(__file__).resolve().parents[2]
home_real = home.resolve()
runtime = Path(os.environ["XDG_RUNTIME_DIR"]) / "dossier-app" if os.environ.get("XDG_RUNTIME_DIR") else None


def skipped(d):
    inside = lambda root: d == root or root in d.parents
    return inside(repo) and not inside(home_real) and not (runtime and inside(runtime.resolve()))


roots = [home / ".cache", home / ".local" / "share", home / ".local" / "state", home / ".config", Path("/tmp"), Path("/var/tmp")]
if runtime:
    roots.append(runtime)
hits, scanned, created = [], 0, []
for root in roots:
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: None):
        d = Path(dirpath).resolve()
        if skipped(d):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            for c in canaries:
                if c in name:
                    hits.append(f"{d / name}: its name contains {c!r}")
        for name in filenames:
            p = d / name
            if p.is_relative_to(home):
                created.append(str(p.relative_to(home)))
            try:
                if not p.is_file() or p.is_symlink():
                    continue
                data = p.read_bytes()
            except OSError:
                continue
            scanned += 1
            for c, b in needles:
                if b in data:
                    hits.append(f"{p}: contains {c!r}")

print(f"leak scan: {scanned} files read under {', '.join(map(str, roots))}; {len(canaries)} canaries")
print("files the session left under HOME:", ", ".join(sorted(created)) or "none")
if hits:
    print("LEAKS:\n  " + "\n  ".join(sorted(set(hits))), file=sys.stderr)
    sys.exit(1)
print("leak scan: no canary found")
