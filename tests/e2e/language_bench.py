"""Switching the app's language, timed in the page (issue #15: under 100 ms). A vault made with
the CLI is unlocked, then Settings' language picker is set to Russian, Kazakh, French and
English in turn, ROUNDS times. Each switch is one change event; three times are taken in the
page: the script's share (the handler and Svelte's updates, to the end of the microtasks they
queue), the next animation frame, and the frame after it (the new words painted). The first
round is the cold one (each language's first time: its glyphs, its date formats). Run by hand
(docs/BENCHMARKS.md):
    tests/e2e/run --bench-language
"""

import os
import statistics
import subprocess

from session import WORK, App, log

ROUNDS = int(os.environ.get("ROUNDS", "5"))
PASS = "bench passphrase for a throwaway vault"
WORDS = {"ru": "Доказательства", "kk": "Дәлелдер", "fr": "Preuves", "en": "Evidence"}

SWITCH = """
const done = arguments[arguments.length - 1];
const s = document.querySelector('#ui-language');
const t0 = performance.now();
let script = 0;
s.value = arguments[0];
s.dispatchEvent(new Event('change', {bubbles: true}));
// Svelte flushes in a microtask queued during the event: a chain queued after it ends later.
Promise.resolve().then(() => Promise.resolve()).then(() => { script = performance.now() - t0; });
requestAnimationFrame(() => {
  const frame = performance.now() - t0;
  requestAnimationFrame(() => done([script, frame, performance.now() - t0]));
});
"""


def main():
    vault = os.environ["DOSSIER_VAULT"]
    (WORK / "pass").write_text(PASS + "\n")
    subprocess.run(["rm", "-rf", vault], check=True)
    subprocess.run([os.environ["DOSSIER_CLI"], "init", "--kdf-work-factor", "10", "--vault", vault,
                    "--passphrase-file", str(WORK / "pass")], check=True, capture_output=True)
    app = App()
    try:
        app.type("#passphrase", PASS)
        app.click("#unlock-submit")
        app.click("#nav-settings")
        app.el("#ui-language")
        times = {code: [] for code in WORDS}
        for n in range(ROUNDS):
            for code, word in WORDS.items():
                script, frame, painted = app.d.execute_async_script(SWITCH, code)
                app.wait(lambda: app.text("#nav-library") == word, 10)
                times[code].append((script, frame, painted))
                log(f"round {n + 1}, {code}: script {script:.1f} ms, next frame {frame:.1f} ms, painted {painted:.1f} ms")
        for code, ts in times.items():
            med = [statistics.median(t[i] for t in ts[1:] or ts) for i in range(3)]
            first = ts[0]
            print(f"{code}: first switch script {first[0]:.1f} / frame {first[1]:.1f} / painted {first[2]:.1f} ms; "
                  f"later (median) {med[0]:.1f} / {med[1]:.1f} / {med[2]:.1f} ms")
    finally:
        app.quit()


if __name__ == "__main__":
    main()
