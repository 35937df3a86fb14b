"""Importing 1 GiB through the app against the CLI, on the same machine in the same run:
8 files of 128 MiB (pseudo-random), imported through the app's folder dialog (timed from the
moment the folder is chosen to the summary on screen) and with `dossier import` into a fresh
vault (timed around the process). Alternates app and CLI runs and prints medians and the
ratio. Both are debug builds (WebDriver attaches only to those). Run by hand with the e2e
harness's environment (see docs/BENCHMARKS.md):
    tests/e2e/run --bench-import
"""

import os
import statistics
import subprocess
import time
from pathlib import Path

from selenium.webdriver.common.by import By

from session import WORK, App, dialog, log

RUNS = int(os.environ.get("RUNS", "3"))
PASS = "bench passphrase for a throwaway vault"


def make_files(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(8):
        with open(folder / f"part-{i}.bin", "wb") as f:
            for _ in range(128):
                f.write(os.urandom(1 << 20))


def app_import(folder):
    app = App()
    try:
        app.type("#passphrase", PASS)
        app.type("#confirm", PASS)
        app.click("#unlock-submit")
        app.click("#created-done")
        app.click("#nav-import")
        app.click("#import-folder")
        dialog("Import a folder of evidence", folder)
        start = time.monotonic()  # from the moment the folder is chosen
        summary = app.wait(lambda: app.d.find_element(By.ID, "import-summary").text, 600)
        elapsed = time.monotonic() - start
        assert "8 stored" in summary, summary
        return elapsed
    finally:
        app.quit()


def cli_import(folder, vault):
    cli = os.environ["DOSSIER_CLI"]
    (WORK / "pass").write_text(PASS + "\n")
    args = ["--vault", str(vault), "--passphrase-file", str(WORK / "pass")]
    subprocess.run([cli, "init", *args], check=True, capture_output=True)
    start = time.monotonic()
    subprocess.run([cli, "import", *sorted(map(str, folder.iterdir())), *args], check=True,
                   capture_output=True)
    return time.monotonic() - start


def main():
    folder = WORK / "gib"
    make_files(folder)
    apps, clis = [], []
    for run in range(RUNS):
        vault = Path(os.environ["DOSSIER_VAULT"])
        subprocess.run(["rm", "-rf", str(vault)], check=True)
        apps.append(app_import(folder))
        cli_vault = WORK / f"cli-vault-{run}"
        clis.append(cli_import(folder, cli_vault))
        subprocess.run(["rm", "-rf", str(cli_vault)], check=True)
        log(f"run {run + 1}: app {apps[-1]:.2f} s, CLI {clis[-1]:.2f} s")
    a, c = statistics.median(apps), statistics.median(clis)
    print(f"import 1 GiB (8 x 128 MiB): app median {a:.2f} s, CLI median {c:.2f} s, ratio {a / c:.2f}")


if __name__ == "__main__":
    main()
