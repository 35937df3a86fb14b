"""Cold start to the unlock screen: launches the app on an existing vault under Xvfb, polls
the screen until the Unlock button's colour is painted, and prints the elapsed time; runs
alternate with the reference, WebKitGTK's own MiniBrowser painting a static page with the same
button (tests/e2e/startup-reference.html). Run by hand (see docs/BENCHMARKS.md):
    DISPLAY=:95 python3 tests/e2e/startup.py target/release/dossier-app VAULT [RUNS]
Each run uses a fresh HOME, so WebKit starts cold as on a first launch after boot (the file
system cache is warm; drop it with `echo 3 > /proc/sys/vm/drop_caches` to be stricter)."""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

app, vault = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
BUTTON = bytes((0x14, 0x32, 0x6E))  # the primary button's background


def painted():
    raw = subprocess.run(["import", "-window", "root", "-depth", "8", "rgb:-"],
                         capture_output=True).stdout
    return raw.count(BUTTON) > 2000  # a button's worth of pixels


MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
REFERENCE = "file://" + os.path.abspath(os.path.join(os.path.dirname(__file__), "startup-reference.html"))


def once(cmd):
    home = tempfile.mkdtemp(prefix="dossier-start-")
    env = dict(os.environ, HOME=home, DOSSIER_VAULT=vault)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not painted():
            if time.monotonic() - start > 30:
                sys.exit(f"{cmd[0]}: nothing painted within 30 s")
        return time.monotonic() - start
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(home, ignore_errors=True)
        time.sleep(0.5)


times, refs = [], []
for _ in range(runs):
    times.append(once([app]))
    refs.append(once([MINIBROWSER, REFERENCE]))
fmt = lambda ts: ", ".join(f"{t:.2f}" for t in ts)
a, r = statistics.median(times), statistics.median(refs)
print(f"cold start to the unlock screen: {fmt(times)} s; median {a:.2f} s")
print(f"reference (MiniBrowser, static page): {fmt(refs)} s; median {r:.2f} s; ratio {a / r:.2f}")
