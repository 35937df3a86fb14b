"""Checking a 1 GiB vault in the app against `dossier verify`, on the same machine in the same
run: a vault of 8 items of 128 MiB (pseudo-random) made with the CLI; then, alternating, the
app's "Check the whole vault" (timed from the click to "The vault is intact" on screen) and
`dossier verify` (timed around the process, with a scrypt work factor of 10 its unwrap is
milliseconds). Prints medians
and the ratio. Both are debug builds of the app and CLI with the same optimised
dependencies (WebDriver attaches only to debug builds). Run by hand (docs/BENCHMARKS.md):
    tests/e2e/run --bench-verify
"""

import os
import statistics
import subprocess
import time

from session import WORK, App, log

RUNS = int(os.environ.get("RUNS", "3"))
PASS = "bench passphrase for a throwaway vault"


def make_vault(vault):
    folder = WORK / "gib"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(8):
        with open(folder / f"part-{i}.bin", "wb") as f:
            for _ in range(128):
                f.write(os.urandom(1 << 20))
    subprocess.run(["rm", "-rf", str(vault)], check=True)
    cli(vault, "init", "--kdf-work-factor", "10")  # the CLI's unwrap is timed: keep it short
    cli(vault, "import", "--no-ocr", *sorted(map(str, folder.iterdir())))
    subprocess.run(["rm", "-rf", str(folder)], check=True)


def cli(vault, *args):
    (WORK / "pass").write_text(PASS + "\n")
    return subprocess.run([os.environ["DOSSIER_CLI"], *args, "--vault", str(vault),
                           "--passphrase-file", str(WORK / "pass")], check=True, capture_output=True,
                          text=True)


def app_check():
    app = App()
    try:
        app.type("#passphrase", PASS)
        app.click("#unlock-submit")
        app.click("#nav-verify")
        button = app.el("#verify-vault")
        app.wait(lambda: button.is_enabled(), 60)
        # As a user would click it: once the window has settled after the unlock (right after
        # it, the web process is still busy for a second and takes a core from the check).
        time.sleep(3)
        # Timed in the page, from the click to the result, and waited for there: WebDriver
        # polling runs Selenium's JavaScript in the page ten times a second, which took a
        # third of a core from the check being measured.
        app.d.set_script_timeout(600)
        elapsed = app.d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const intact = () => (document.querySelector('#vault-check')?.textContent ?? '').includes('intact');
            const t0 = performance.now();
            const seen = new MutationObserver(() => {
                if (intact()) { seen.disconnect(); done((performance.now() - t0) / 1000); }
            });
            seen.observe(document.body, {subtree: true, childList: true, characterData: true});
            document.querySelector('#verify-vault').click();
        """)
        result = app.text("#vault-check")
        assert "8" in result, result
        return elapsed
    finally:
        app.quit()


def cli_check(vault):
    start = time.monotonic()
    out = cli(vault, "verify")
    elapsed = time.monotonic() - start
    assert "8 items: 8 OK" in out.stdout, out.stdout
    return elapsed


def main():
    vault = os.environ["DOSSIER_VAULT"]
    make_vault(vault)
    apps, clis = [], []
    for run in range(RUNS):
        apps.append(app_check())
        clis.append(cli_check(vault))
        log(f"run {run + 1}: app {apps[-1]:.2f} s, CLI {clis[-1]:.2f} s")
    a, c = statistics.median(apps), statistics.median(clis)
    print(f"check a 1 GiB vault (8 x 128 MiB): app median {a:.2f} s, CLI median {c:.2f} s, ratio {a / c:.2f}")


if __name__ == "__main__":
    main()
