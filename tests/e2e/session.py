"""One full session on the real app, driven through WebDriver (tauri-driver + WebKitWebDriver)
under Xvfb, with GTK's file dialogs answered by xdotool as a person would: create a vault, add a
case and a person, import a folder (with a duplicate), link, add an event, search, export and
verify a signed dossier, lock, unlock with a wrong then the right passphrase. Screenshots of
each main screen go to docs/screenshots/. Afterwards, run by tests/e2e/run, the leak scan looks
for what was imported in the places a desktop app leaves traces.

Environment (set by tests/e2e/run): DISPLAY, E2E_WORK (scratch folder), DOSSIER_APP (the
binary), DOSSIER_CLI, SHOTS (screenshot folder), WEBDRIVER_URL (tauri-driver).
"""

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support.ui import Select

WORK = Path(os.environ["E2E_WORK"])
SHOTS = Path(os.environ["SHOTS"])
EVIDENCE = WORK / "evidence"

# Canaries: every one of these must be findable in the app and nowhere on disk afterwards.
# Each run draws its own, so another checkout's session on the same machine (its source, its
# evidence, its exports under /tmp) can never be mistaken for a leak of this one.
RUN = secrets.token_hex(4)
PASSPHRASE = f"quiet harbour lantern orchard velvet {RUN}"
LETTER_TEXT = f"Постановление canary-text-{RUN}-1 о задержании Ерлана"
NOTES_TEXT = f"Meeting notes, canary-text-{RUN}-2"
CASE_TITLE = f"Жұмабаев canary-case-{RUN}"
PERSON_NAME = f"Ерлан Сұлтанұлы canary-person-{RUN}"
EVENT_TITLE = f"Arrest canary-event-{RUN}"
LETTER = f"Письмо canary-name-{RUN}-1.txt"
PHOTO = f"photo canary-name-{RUN}-2.jpg"
NOTES = f"notes canary-name-{RUN}-3.txt"
SCAN_COPY = f"scan copy canary-name-{RUN}-4.txt"
SCAN = f"decision canary-name-{RUN}-5.pdf"
SCAN_TEXT = [f"Decision of the district court canary-ocr-{RUN}", "Judge Zhaksybekov refused the request",
             "of the defence to release the detainee."]


def log(msg):
    print(f"e2e: {msg}", flush=True)


def make_evidence():
    """A folder as a lawyer would have it: a letter, a photo, a PDF-less scan, a duplicate."""
    EVIDENCE.mkdir(parents=True)
    (EVIDENCE / "letters").mkdir()
    (EVIDENCE / "letters" / LETTER).write_text(LETTER_TEXT + "\n")
    subprocess.run(
        ["convert", "-size", "640x480", "plasma:fractal", "-seed", str(int(RUN, 16) % 100_000),
         str(EVIDENCE / PHOTO)],
        check=True,
    )
    (EVIDENCE / NOTES).write_text(NOTES_TEXT + "\n")
    # The same bytes as the letter under another name: flagged, not stored twice.
    (EVIDENCE / SCAN_COPY).write_text(LETTER_TEXT + "\n")
    return sorted(p for p in EVIDENCE.rglob("*") if p.is_file())


def pdf(objects):
    """A PDF of the objects given (object 1 the catalog), with its cross-reference table."""
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def make_scan():
    """A scanned court decision: a page of text drawn at 200 dpi by pdftoppm (an RGB JPEG, even
    with -gray), put back into a PDF as a picture (no text layer), as a scanner makes it."""
    lines = b" ".join(b"(%s) Tj 0 -28 Td" % t.encode() for t in SCAN_TEXT)
    content = b"BT /F1 20 Tf 72 700 Td " + lines + b" ET"
    text = pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
                b" /Resources << /Font << /F1 5 0 R >> >> >>",
                b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])
    jpeg = subprocess.run(["pdftoppm", "-r", "200", "-gray", "-jpeg", "-singlefile", "-"], input=text,
                          capture_output=True, check=True).stdout
    draw = b"612 0 0 792 0 0 cm /Im0 Do"
    scan = pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
                b" /Resources << /XObject << /Im0 5 0 R >> >> >>",
                b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream",
                b"<< /Type /XObject /Subtype /Image /Width 1700 /Height 2200 /ColorSpace /DeviceRGB"
                b" /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % len(jpeg)
                + jpeg + b"\nendstream"])
    path = WORK / "scans" / SCAN
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(scan)
    return path


def canaries(files):
    out = [LETTER_TEXT.split()[1], NOTES_TEXT.split()[-1], CASE_TITLE.split()[1],
           PERSON_NAME.split()[-1], EVENT_TITLE.split()[1], PASSPHRASE, SCAN_TEXT[0].split()[-1]]
    for f in files:
        out.append(f.name)
        out.append(hashlib.sha256(f.read_bytes()).hexdigest())
    return out


class App:
    def __init__(self):
        opts = ArgOptions()
        opts.set_capability("tauri:options", {"application": os.environ["DOSSIER_APP"]})
        self.d = webdriver.Remote(command_executor=os.environ["WEBDRIVER_URL"], options=opts)
        self.d.implicitly_wait(0)

    def quit(self):
        self.d.quit()

    def wait(self, what, timeout=20):
        """Polls `what()` until it returns something truthy without raising."""
        end = time.time() + timeout
        last = None
        while time.time() < end:
            try:
                value = what()
                if value:
                    return value
            except Exception as e:  # not there yet
                last = e
            time.sleep(0.1)
        self.shot("failure", WORK)
        raise AssertionError(f"timed out waiting ({last!r})")

    def el(self, css, timeout=20):
        return self.wait(lambda: self.d.find_element(By.CSS_SELECTOR, css), timeout)

    def click(self, css):
        self.el(css).click()

    def scroll_to(self, css):
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", self.el(css))

    def text(self, css):
        return self.el(css).text

    def type(self, css, text):
        """Types and waits until the field holds exactly `text` (WebKitWebDriver delivers
        keys asynchronously; starting the next field early sends keys to the wrong one)."""
        el = self.el(css)
        el.clear()
        el.click()
        self.wait(lambda: self.d.execute_script("return document.activeElement === arguments[0]", el), 10)
        el.send_keys(text)
        self.wait(lambda: el.get_property("value") == text, 10)

    def select(self, css, label):
        Select(self.el(css)).select_by_visible_text(label)

    def shot(self, name, folder=SHOTS):
        """Screenshots the display once the window shows something: the DOM can hold a screen
        before WebKit first paints it (the first screenshot was once a blank window)."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        time.sleep(0.4)  # let WebKit paint what the DOM already holds
        for _ in range(60):
            subprocess.run(["import", "-window", "root", str(path)], check=False)
            colours = subprocess.run(["identify", "-format", "%k", str(path)],
                                     capture_output=True, text=True).stdout.strip()
            # A blank window has a handful of colours, "Working…" about 150, the sparsest
            # real screen here (Verify) over 800.
            if colours.isdigit() and int(colours) > 400:
                return
            time.sleep(0.25)
        log(f"screenshot {name}: the window stayed blank")


def dialog(title, path):
    """Answers the GTK file dialog titled `title` by typing `path` into its location field."""
    end = time.time() + 20
    wid = ""
    while time.time() < end and not wid:
        r = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title], capture_output=True, text=True)
        wid = r.stdout.split()[0] if r.stdout.split() else ""
        time.sleep(0.2)
    assert wid, f"no dialog titled {title!r}"
    time.sleep(0.5)
    subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True)
    xdo = lambda *a: subprocess.run(["xdotool", *a], check=True)
    if title.startswith("Save"):
        xdo("key", "ctrl+a")
    else:
        xdo("key", "ctrl+l")
    time.sleep(0.2)
    xdo("type", "--delay", "5", str(path))
    # GTK completes inline (a selected "/" after a folder name): drop the completion, or
    # Return would open the folder and choose what is inside it.
    time.sleep(0.5)
    xdo("key", "Delete")
    time.sleep(0.2)
    xdo("key", "Return")


# Another program's entry in the desktop's list of recently used files: the app must leave it.
RECENT = "file:///home/aliya/letter-to-my-mother.odt"


def seed_recent_files():
    recent = Path(os.environ["HOME_UNDER_TEST"]) / ".local/share/recently-used.xbel"
    recent.parent.mkdir(parents=True, exist_ok=True)
    recent.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<xbel version="1.0" '
        'xmlns:bookmark="http://www.freedesktop.org/standards/desktop-bookmarks" '
        'xmlns:mime="http://www.freedesktop.org/standards/shared-mime-info">'
        f'<bookmark href="{RECENT}" added="2026-11-01T10:00:00Z" modified="2026-11-01T10:00:00Z" '
        'visited="2026-11-01T10:00:00Z"><info><metadata owner="http://freedesktop.org">'
        '<mime:mime-type type="application/vnd.oasis.opendocument.text"/><bookmark:applications>'
        '<bookmark:application name="LibreOffice" exec="soffice %u" modified="2026-11-01T10:00:00Z" count="1"/>'
        '</bookmark:applications></metadata></info></bookmark></xbel>\n')
    return recent


def main():
    seed_recent_files()
    files = make_evidence()
    (WORK / "canaries.json").write_text(json.dumps(canaries(files), ensure_ascii=False))
    app = App()
    try:
        run(app, files)
    finally:
        app.quit()


def run(app, files):
    log("create the vault")
    app.el("#passphrase")
    app.shot("01-create-vault")
    # A weak passphrase needs an explicit "keep it anyway"; six suggested words do not.
    app.type("#passphrase", "password")
    app.el("#accept-weak")
    app.click("#suggest-passphrase")
    suggested = app.wait(lambda: app.text("#suggested"), 10)
    words = app.el("#passphrase").get_property("value").split(" ")
    assert len(words) == 6 and all(w in suggested for w in words), suggested
    assert "strong" in app.text("#strength") and not app.d.find_elements(By.CSS_SELECTOR, "#accept-weak")
    app.shot("01b-create-suggested")
    app.type("#passphrase", PASSPHRASE)
    app.type("#confirm", PASSPHRASE)
    assert "strong" in app.text("#strength"), app.text("#strength")
    app.click("#unlock-submit")
    app.el("#recovery-paper")
    app.shot("01c-created-recovery")
    app.click("#created-done")

    log("a case and a person")
    app.click("#nav-cases")
    app.type("#case-title", CASE_TITLE)
    app.type("#case-number", "2-1547/2031")
    app.click("#case-add")
    assert app.wait(lambda: CASE_TITLE in app.text("#case-name"))
    app.click("#nav-people")
    app.type("#person-name", PERSON_NAME)
    app.type("#person-aliases", "Erlan Zhumabayev")
    app.click("#person-add")
    app.wait(lambda: PERSON_NAME in app.d.find_element(By.CSS_SELECTOR, ".cards").text)

    log("import a folder through the GTK dialog")
    app.click("#nav-import")
    app.click("#import-folder")
    dialog("Import a folder of evidence", EVIDENCE)
    summary = app.wait(lambda: app.d.find_element(By.ID, "import-summary").text, 60)
    log(summary)
    assert "3 stored, 1 already in the vault, 0 failed" in summary, summary
    app.select("#link-case", CASE_TITLE)
    app.click("#link-all")
    app.wait(lambda: "Linked" in app.text("#link-message"))
    app.shot("03-import")

    log("library and search")
    app.click("#nav-library")
    app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) == 3)
    app.wait(lambda: app.d.execute_script(
        "return [...document.querySelectorAll('.thumb img')].every(i => i.complete && i.naturalWidth > 0)"
        " && document.querySelectorAll('.thumb img').length === 1"))
    app.shot("02-library")
    t0 = time.time()
    app.type("#search", "задержании")
    app.wait(lambda: app.text("#shown-count").startswith("1 of 3"), 10)
    log(f"search answered in {time.time() - t0:.2f} s (typing included)")
    # The letter's row says why it matched: the passage of its text, asked for once the row
    # is in view. (textContent: WebKitWebDriver gives no text for a span inside a button.)
    why = app.wait(lambda: app.el(".item-row .why").get_property("textContent"), 10)
    assert "задержании" in why, why

    rows = app.d.find_elements(By.CSS_SELECTOR, ".item-row")
    first = rows[0].get_property("textContent")
    assert "Письмо" in first, first
    rows[0].click()
    assert app.wait(lambda: LETTER_TEXT in app.text(".text"))
    sha = hashlib.sha256(files[[f.name for f in files].index(LETTER)].read_bytes()).hexdigest()
    assert app.text("#sha256") == sha, (app.text("#sha256"), sha)
    app.shot("04-item-text")
    # An item is found by its case's title, not only by its own text.
    app.click("#nav-library")
    app.type("#search", "canary-case")
    app.wait(lambda: app.text("#shown-count").startswith("3 of 3"), 10)
    app.click("#nav-people")
    app.click("#nav-library")  # a fresh library: the search box starts empty
    photo = app.wait(lambda: [r for r in app.d.find_elements(By.CSS_SELECTOR, ".item-row") if "photo" in r.get_property("textContent")])
    photo[0].click()
    app.wait(lambda: app.d.execute_script(
        "const i = document.querySelector('.preview img'); return i && i.complete && i.naturalWidth > 0"))
    app.shot("05-item-photo")

    log("link every item at once to the person, then find them by the person's name")
    app.click("#nav-people")
    app.click("#nav-library")
    app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) == 3)
    app.type("#search", "Сұлтанұлы")
    app.wait(lambda: app.text("#shown-count").startswith("0 of 3"), 10)
    app.type("#search", " ")
    app.wait(lambda: app.text("#shown-count").startswith("3 of 3"), 10)
    app.click(".head .pick")
    assert app.text("#selected-count") == "3 selected", app.text("#selected-count")
    app.select("#link-target", PERSON_NAME)
    app.shot("02b-library-link-selected")
    app.click("#link-selected")
    app.wait(lambda: "3 items linked to" in app.text("#link-note"))
    assert not app.d.find_elements(By.CSS_SELECTOR, "#selected-count"), "the selection is cleared"
    # Her name as written, in Latin letters, and typed with у for ұ on a Russian keyboard.
    for query in ["Сұлтанұлы", "Sultanuly", "Султанулы"]:
        # From an empty search (no "why" on any row), so each query's own answer is awaited.
        app.type("#search", " ")
        app.wait(lambda: not app.d.find_elements(By.CSS_SELECTOR, ".item-row .why"), 10)
        app.type("#search", query)
        app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row .why")) == 3, 10)
        assert app.text("#shown-count").startswith("3 of 3"), app.text("#shown-count")
        log(f"'{query}' finds the 3 items linked to the person")

    log("an event in the case, the person in the case")
    app.click("#nav-cases")
    app.click(".cards button.link")
    app.select("#case-person", PERSON_NAME)
    app.type("#case-role", "detainee")
    app.click("#case-person-add")
    app.wait(lambda: "detainee" in app.text(".cols"))
    app.type("#event-title", EVENT_TITLE)
    app.type("#event-date", "~2031-03")
    app.select("#event-kind", "arrest")
    # Its evidence, picked in the form (the dossier's chronology lists it as annexes).
    Select(app.el("#event-items")).select_by_index(0)
    app.click("#event-add")
    app.wait(lambda: "about March 2031" in app.text("#timeline"))
    assert "1 evidence" in app.text("#timeline"), app.text("#timeline")
    # Right-click shows no web-view menu (Back, Reload, Inspect Element), except in fields.
    prevented = app.d.execute_script(
        "const e = new MouseEvent('contextmenu', {bubbles: true, cancelable: true});"
        "const f = new MouseEvent('contextmenu', {bubbles: true, cancelable: true});"
        "document.querySelector('#timeline').dispatchEvent(e);"
        "document.querySelector('#event-title').dispatchEvent(f);"
        "return [e.defaultPrevented, f.defaultPrevented];")
    assert prevented == [True, False], prevented
    app.shot("06-case")

    log("a scanned decision: OCR in the background, then its recognised text and its picture")
    scan = make_scan()
    files.append(scan)
    (WORK / "canaries.json").write_text(json.dumps(canaries(files), ensure_ascii=False))
    app.click("#nav-import")
    app.click("#import-files")
    dialog("Import evidence", scan)
    summary = app.wait(lambda: app.d.find_element(By.ID, "ocr-summary").text, 180)
    log(summary)
    assert "OCR done: 1 scan or photo read" in summary, summary
    app.click("#nav-library")
    app.type("#search", "Zhaksybekov")
    app.wait(lambda: app.text("#shown-count").startswith("1 of 4"), 10)
    app.d.find_elements(By.CSS_SELECTOR, ".item-row")[0].click()
    app.wait(lambda: "Zhaksybekov" in app.text("#recognised-text"), 20)
    assert "Machine-recognised" in app.text("#recognised-hint")
    app.wait(lambda: app.d.execute_script(
        "const i = document.querySelector('.preview img'); return i && i.complete && i.naturalWidth > 0"))
    app.shot("05b-item-scan")

    log("export and sign a dossier")
    app.click("#nav-dossier")
    app.select("#dossier-case", CASE_TITLE)
    app.type("#dossier-signer", "Counsel for the detainee")
    # The submission's form: a yes/no field saved, then the checklist of what is still empty.
    app.select("#field-source-consent", "Yes")
    app.scroll_to("#field-source-consent")
    app.d.find_element(By.XPATH, "//select[@id='field-source-consent']/following-sibling::button").click()
    app.wait(lambda: "source consent" not in app.text("#dossier-checklist").lower()
             and "consented" not in app.text("#dossier-checklist"), 20)
    # Before exporting: what would leave the vault (personal data) and what is missing.
    app.click("#dossier-check")
    app.wait(lambda: "Personal data this dossier carries" in app.text("#dossier-preview"), 60)
    app.shot("07-dossier-builder")
    # The pages as they will be signed, drawn in memory.
    app.click("#dossier-pages-show")
    app.wait(lambda: app.d.execute_script(
        "const i = document.querySelector('#dossier-pages img.page'); return i && i.complete && i.naturalWidth > 0"), 60)
    app.scroll_to("#dossier-pages")
    app.shot("07b-dossier-pages")
    app.click("#dossier-export")
    # Required parts are still empty: the app asks first.
    app.click("#dossier-export-anyway")
    out = WORK / "exports" / "dossier-wgad.pdf"
    out.parent.mkdir(exist_ok=True)
    dialog("Save the signed dossier", out)
    fingerprint = app.wait(lambda: app.d.find_element(By.ID, "dossier-fingerprint").text, 120)
    app.shot("08-dossier-done")
    cli = subprocess.run([os.environ["DOSSIER_CLI"], "verify-pdf", str(out), "--fingerprint", fingerprint],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    log("the exported dossier verifies with the CLI and the fingerprint the app showed")

    log("verify: the dossier, then a file from the vault")
    app.click("#nav-verify")
    app.click("#verify-choose")
    dialog("Choose a file or a dossier to verify", out)
    app.wait(lambda: "signed by this vault" in app.text("#verify-result"), 60)
    app.shot("09-verify")
    app.click("#verify-choose")
    # An ASCII name: xdotool types non-Latin letters unreliably.
    dialog("Choose a file or a dossier to verify", EVIDENCE / NOTES)
    app.wait(lambda: "This file is in the vault" in app.text("#verify-result"), 30)
    app.click("#verify-vault")
    app.wait(lambda: "The vault is intact" in app.text("#vault-check"), 120)
    app.shot("09b-verify-vault")
    app.click("#nav-settings")
    app.wait(lambda: "items intact" in app.text("#last-check"), 20)
    log("the whole vault checked from the app; Settings shows when, and that it was intact")
    app.click("#nav-log")
    app.wait(lambda: "imported" in app.text("#custody-log") and "copy saved out" in app.text("#custody-log"), 20)
    assert "{" not in app.text("#custody-log"), "no raw JSON in the custody log"
    app.shot("09c-custody-log")
    log("the vault's custody log, in words")

    log("settings")
    app.click("#nav-settings")
    app.wait(lambda: app.el("#signer-fingerprint").text == fingerprint)
    app.wait(lambda: app.el("#ocr-enabled").is_selected() and
             app.el("#ocr-languages").get_property("value") == "rus+kaz+eng")
    app.scroll_to("#ocr-languages")
    app.shot("10a-settings-ocr")
    # Saving auto-lock says so beside the field.
    app.type("#auto-lock", "30")
    app.click("#auto-lock-save")
    app.wait(lambda: "30 idle minutes" in app.text("#auto-lock-saved"), 10)

    log("a recovery key, then a backup through the folder dialog")
    app.type("#recovery-label", "paper copy")
    app.type("#recovery-passphrase", PASSPHRASE)
    app.click("#recovery-add")
    sheet = WORK / "recovery-key.pdf"
    dialog("Save the recovery key to print", sheet)
    secret = app.text("#recovery-secret")
    assert sheet.read_bytes().startswith(b"%PDF-"), "the page to print was saved"
    assert secret.startswith("AGE-SECRET-KEY-1"), secret
    # The recovery key must never reach the disk either (the scan looks for it).
    (WORK / "canaries.json").write_text(json.dumps(canaries(files) + [secret], ensure_ascii=False))
    app.scroll_to("#recovery-secret")
    app.shot("10-settings")
    app.click("#recovery-done")
    stick = WORK / "backup-stick"
    stick.mkdir()
    app.click("#backup-now")
    dialog("Choose the backup folder", stick)
    app.wait(lambda: "Backed up" in app.text("#backup-result"), 120)
    app.scroll_to("#backup-result")
    app.shot("12-backup")
    # The backup is a vault: the recovery key opens it, and everything in it verifies.
    key_file = WORK / "recovery.txt"
    key_file.write_text(secret + "\n")
    cli = subprocess.run([os.environ["DOSSIER_CLI"], "--vault", str(stick), "--identity", str(key_file), "verify"],
                         capture_output=True, text=True)
    assert cli.returncode == 0 and "4 items: 4 OK" in cli.stdout, cli.stdout + cli.stderr
    key_file.unlink()
    log("the backup opens with the recovery key and verifies")

    # A lost passphrase: the recovery key, as printed, opens the vault from the unlock screen.
    app.click("#lock")
    app.click("#with-key-open")
    slip = secret[:-3] + ("QQQ" if not secret.endswith("QQQ") else "PPP")
    app.type("#recovery-key", slip)
    app.click("#open-with-key")
    err = app.text("#unlock-error")
    assert "not a recovery key as printed" in err, err
    app.type("#recovery-key", secret)
    app.shot("11b-open-with-recovery-key")
    app.click("#open-with-key")
    app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) == 4)
    assert not app.d.find_elements(By.CSS_SELECTOR, "#recovery-key"), "the key field is gone"
    app.click("#nav-settings")
    app.el("#key-slots")
    log("the vault opened with the recovery key instead of the passphrase (a slip in it refused)")

    # A hardware key through its age plugin: the stand-in plugin (examples/) plays a YubiKey,
    # "touch your key" and PIN included (tests/e2e/run puts it on PATH and sets its PIN).
    made = subprocess.run(["age-plugin-dossiertest"], capture_output=True, text=True, check=True).stdout
    recipient = next(line.split(": ", 1)[1] for line in made.splitlines() if line.startswith("# recipient: "))
    hardware_key = WORK / "hardware-key.txt"
    hardware_key.write_text(made)
    # Its identity is read by Rust only: it must not reach the disk anywhere else either.
    identity_line = next(line for line in made.splitlines() if line.startswith("AGE-PLUGIN-"))
    (WORK / "canaries.json").write_text(json.dumps(canaries(files) + [secret, identity_line], ensure_ascii=False))
    app.click("#plugin-open")
    app.type("#plugin-recipient", recipient)
    app.type("#plugin-label", "YubiKey on the keyring")
    app.type("#plugin-passphrase", PASSPHRASE)
    app.click("#plugin-add")
    app.wait(lambda: "YubiKey on the keyring" in app.text("#key-message"), 20)
    app.click("#lock")
    app.click("#with-key-open")
    app.click("#open-with-key-file")
    dialog("Choose the key file that opens this vault", hardware_key)
    app.el("#key-prompt-answer")
    assert "Touch your dossiertest key" in app.text("#key-prompts"), app.text("#key-prompts")
    assert "Enter the PIN" in app.text("#key-prompts"), app.text("#key-prompts")
    app.shot("11c-hardware-key-pin")
    app.type("#key-prompt-answer", os.environ["DOSSIERTEST_PIN"])
    app.click("#key-prompt-ok")
    app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) == 4, 30)
    assert not app.d.find_elements(By.CSS_SELECTOR, "#key-prompts"), "the question is gone"
    app.click("#nav-settings")
    app.el("#key-slots")
    log("a hardware key added from the app, then the vault opened with it and its PIN")

    # Removing a way in asks first, with its own passphrase field; a wrong one removes nothing.
    app.click('.remove-key[data-label="paper copy"]')
    assert "no longer open this vault" in app.text("#key-slots")
    app.type("#remove-passphrase", "not the passphrase")
    app.click("#remove-key-yes")
    app.wait(lambda: app.d.find_elements(By.CSS_SELECTOR, "#key-slots .error"), 20)
    slots = lambda: [e.text for e in app.d.find_elements(By.CSS_SELECTOR, "#key-slots li.slot strong")]
    assert "paper copy" in slots(), slots()
    app.type("#remove-passphrase", PASSPHRASE)
    app.click("#remove-key-yes")
    app.wait(lambda: "Key slot removed" in app.text("#key-message"), 20)
    assert "paper copy" not in slots(), slots()
    log("a recovery key removed after a confirmation with the passphrase")

    log("lock, a wrong passphrase, then the right one")
    app.click("#lock")
    app.el("#passphrase")
    assert not app.d.find_elements(By.CSS_SELECTOR, ".item-row"), "nothing of the vault stays on screen"
    assert CASE_TITLE not in app.d.page_source, "the case title left the page when locking"
    app.type("#passphrase", "quiet harbour lantern orchard velvet")
    app.click("#unlock-submit")
    err = app.text("#unlock-error")
    assert "Wrong passphrase" in err, err
    app.shot("11-wrong-passphrase")
    # A sync engine's marker appeared meanwhile: the app shows what opening found.
    (Path(os.environ["DOSSIER_VAULT"]) / ".stfolder").mkdir()
    app.type("#passphrase", PASSPHRASE)
    app.click("#unlock-submit")
    app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) == 4)
    banner = app.text("#opened")
    assert "Syncthing" in banner, banner
    app.shot("13-opened-warnings")
    app.click("#opened-dismiss")
    app.click("#nav-conflicts")
    app.wait(lambda: "nothing was changed on two devices" in app.text("#conflicts-none"))
    log("opening's warnings are shown; the conflicts page answers")


    # A person corrected from the app.
    app.click("#nav-people")
    app.wait(lambda: app.d.find_element(By.XPATH, f"//button[contains(., 'canary-person-{RUN}')]")).click()
    app.wait(lambda: f"canary-person-{RUN}" in app.text("#person-title"))
    app.click("#person-edit")
    app.type("#person-edit-nationality", "Kazakhstan")
    app.click("#person-save")
    app.wait(lambda: "Kazakhstan" in app.d.find_element(By.CSS_SELECTOR, "p.muted").text, 20)
    log("a person corrected from the app")

    # A case's mistakes undone: the event deleted (asked first), the person taken off it.
    app.click("#nav-cases")
    app.click(".cards button.link")
    # The case's number corrected (its court added) and a second number given.
    app.click("#case-edit")
    numbers = app.d.find_elements(By.CSS_SELECTOR, ".case-edit-number")
    numbers[0].find_element(By.XPATH, "following-sibling::input").send_keys("Almaty City Court")
    numbers[-1].send_keys("WGAD 12/2031")
    app.click("#case-edit-save")
    app.wait(lambda: "(Almaty City Court)" in app.text("article p.muted")
             and "WGAD 12/2031" in app.text("article p.muted"), 20)
    # An event corrected in place.
    app.click(".event-edit")
    app.type(".event-edit-title", "Arrest at home, corrected")
    app.click(".event-edit-save")
    app.wait(lambda: "Arrest at home, corrected" in app.text("#timeline"), 20)
    log("a case's numbers and an event corrected from the app")
    app.click(".event-delete")
    app.click(".event-delete-yes")
    app.wait(lambda: not app.d.find_elements(By.CSS_SELECTOR, "#timeline li"), 20)
    app.click(".case-person-remove")
    app.wait(lambda: not app.d.find_elements(By.CSS_SELECTOR, ".case-person-remove"), 20)
    log("an event deleted and a person taken off the case from the app")

    # An item deleted from the app: asked first, the reason kept, gone from the list.
    app.click("#nav-library")
    app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) == 4)
    app.d.find_elements(By.CSS_SELECTOR, ".item-row")[0].click()
    app.click("#item-rename")
    app.type("#item-new-source", "client USB stick")
    app.click("#item-rename-save")
    app.wait(lambda: "client USB stick" in app.text(".item dl"), 20)
    app.click("#item-delete")
    app.type("#item-delete-reason", "duplicate scan")
    app.click("#item-delete-yes")
    app.wait(lambda: "duplicate scan" in app.text("#item-deleted"), 20)
    # Purged for good, after the passphrase is given again.
    app.type("#item-purge-passphrase", PASSPHRASE)
    app.click("#item-purge-yes")
    app.wait(lambda: "bytes are gone" in app.text("#item-purged"), 20)
    app.click("#nav-library")
    app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) == 3)
    log("an item deleted from the app, with its reason, then purged with the passphrase")

    log("the app in Russian, then Kazakh: the library, a case, the dossier builder")
    for code, word in (("ru", "Доказательства"), ("kk", "Дәлелдер"), ("en", "Evidence")):
        app.click("#nav-settings")
        app.el("#ui-language")
        # Switching is one change event; time it to the next frame (the screen redrawn).
        ms = app.d.execute_async_script(
            "const done = arguments[arguments.length - 1]; const s = document.querySelector('#ui-language');"
            f"const t0 = performance.now(); s.value = '{code}';"
            "s.dispatchEvent(new Event('change', {bubbles: true}));"
            "requestAnimationFrame(() => done(performance.now() - t0));")
        app.wait(lambda: app.text("#nav-library") == word, 10)
        log(f"switched to {code} in {ms:.1f} ms")
        if code == "en":
            break
        app.shot(f"10-settings-{code}")
        app.click("#nav-library")
        app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) == 3)
        kinds = app.text(".library")
        assert ("Письмо" if code == "ru" else "Хат") in kinds, kinds
        app.shot(f"02-library-{code}")
        app.d.find_elements(By.CSS_SELECTOR, ".item-row")[0].click()
        app.el("#item-rename")
        app.shot(f"04-item-{code}")
        app.click("#nav-cases")
        app.click(".cards button.link")
        app.wait(lambda: CASE_TITLE in app.text("#case-name"))
        app.shot(f"06-case-{code}")
        app.click("#nav-dossier")
        app.select("#dossier-case", CASE_TITLE)
        app.el("#dossier-export")
        app.shot(f"07-dossier-builder-{code}")
        app.click("#nav-import")
        app.el("#import-files")
        app.shot(f"03-import-{code}")
        app.click("#nav-verify")
        app.shot(f"09-verify-{code}")
        app.click("#nav-log")
        app.wait(lambda: "импортировано" in app.text("#custody-log") if code == "ru"
                 else "импортталды" in app.text("#custody-log"), 20)
        app.shot(f"09c-custody-log-{code}")
    # Last, the case deleted (asked first); its evidence stays.
    app.click("#nav-cases")
    app.click(".cards button.link")
    app.click("#case-delete")
    app.click("#case-delete-yes")
    app.wait(lambda: not app.d.find_elements(By.CSS_SELECTOR, ".cards button.link"), 20)
    app.click("#nav-library")
    app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) == 3)
    log("a case deleted from the app; its evidence stays")

    # An import linked to a case made on the spot ("New case…": a first run has none).
    note = WORK / "new-case-note.txt"
    note.write_text("A note for a case that does not exist yet.\n")
    app.click("#nav-import")
    app.click("#import-files")
    dialog("Import evidence", note)
    app.wait(lambda: "1 stored" in app.text("#import-summary"), 60)
    app.select("#link-case", "New case…")
    app.type("#link-new-case", "Appeal to the Supreme Court")
    app.click("#link-all")
    app.wait(lambda: "Linked" in app.text("#link-message"), 20)
    app.click("#nav-cases")
    app.wait(lambda: "Appeal to the Supreme Court" in app.text(".cards"), 20)
    log("an import linked to a new case made at the import")

    # An e-mail's attachments imported as evidence of their own, from its page.
    mail = WORK / "decision-mail.eml"
    mail.write_bytes(
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Decision\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        b"See the decision.\r\n--b\r\nContent-Type: text/plain; name=\"decision.txt\"\r\n"
        b"Content-Disposition: attachment; filename=\"decision.txt\"\r\n\r\nThe court decided.\r\n--b--\r\n")
    app.click("#nav-import")
    app.click("#import-files")
    dialog("Import evidence", mail)
    app.wait(lambda: "1 stored" in app.text("#import-summary"), 60)
    app.click("#nav-library")
    app.type("#search", "decision-mail")
    app.wait(lambda: app.text("#shown-count").startswith("1 of"), 10)
    app.d.find_elements(By.CSS_SELECTOR, ".item-row")[0].click()
    app.click("#item-import-attachments")
    app.wait(lambda: "1 stored" in app.text("#item-message"), 30)
    log("an e-mail's attachments imported from the app")

    # Every item read again (`dossier reindex`), then the whole vault checked after someone
    # changed the evidence on disk: each changed item is named.
    app.click("#nav-verify")
    app.click("#reindex")
    app.wait(lambda: "items read again" in app.text("#reindex-result"), 120)
    log(app.text("#reindex-result"))
    app.wait(lambda: app.el("#verify-vault").is_enabled(), 120)  # OCR of any queued scan
    for blob in (Path(os.environ["DOSSIER_VAULT"]) / "blobs").rglob("*.age"):
        data = bytearray(blob.read_bytes())
        data[len(data) // 2] ^= 1
        blob.write_bytes(bytes(data))
    app.click("#verify-vault")
    app.wait(lambda: "CHANGED" in app.text("#vault-check-problems"), 120)
    problems = app.text("#vault-check-problems")
    # Every item still in the vault is named (one was purged earlier: which one depends on the order).
    named = [i for i in ["new-case-note.txt", "decision-mail.eml", "decision.txt"] + [f"canary-name-{RUN}-{k}" for k in (1, 2, 3, 5)]
             if i in problems]
    assert len(named) == 6 and problems.count("CHANGED") == 6, problems
    app.scroll_to("#vault-check-problems")
    app.shot("09d-verify-vault-changed")
    # Settings says when the vault was last checked, and what that check found.
    app.click("#nav-settings")
    app.wait(lambda: "CHANGED" in app.text("#last-check"), 20)
    assert "items CHANGED, MISSING or UNREADABLE" in app.text("#last-check"), app.text("#last-check")
    log("a byte flipped on disk: the check names the changed items, and Settings says so")

    # A damaged journal file: read-only until the user goes on without it (it stays on disk).
    app.click("#lock")
    app.el("#passphrase")
    # The newest segment is this (only) device's highest number (times on disk say nothing).
    devices = [d for d in (Path(os.environ["DOSSIER_VAULT"]) / "journal").iterdir() if d.is_dir()]
    assert len(devices) == 1, devices
    segments = sorted(devices[0].glob("*.age"), key=lambda p: p.name)
    newest = segments[-1]
    data = bytearray(newest.read_bytes())
    data[-1] ^= 1
    newest.write_bytes(bytes(data))
    app.type("#passphrase", PASSPHRASE)
    app.click("#unlock-submit")
    app.wait(lambda: "read-only" in app.text("#opened"), 30)
    app.click("#repair")
    app.shot("13b-opened-read-only")
    app.click("#repair-yes")
    app.wait(lambda: "can be changed again" in app.text("#repaired"), 30)
    app.wait(lambda: len(app.d.find_elements(By.CSS_SELECTOR, ".item-row")) >= 5, 30)
    assert newest.exists(), "the damaged file is kept"
    log("a damaged journal file set aside from the app")

    # Last, as it leaves this device writing under a new id: an entry the backup holds goes
    # from the vault folder (an older copy put back). The notice says so at unlock, and the
    # app brings it back from the backup.
    app.click("#lock")
    app.el("#passphrase")
    vault = Path(os.environ["DOSSIER_VAULT"])
    # This device's first id: the one the backup holds (setting the damaged file aside above
    # moved it on to a new one).
    first = next(d for d in (vault / "journal").iterdir() if (stick / "journal" / d.name).is_dir())
    kept = sorted(first.glob("*.age"), key=lambda p: p.name)
    assert (stick / "journal" / first.name / kept[2].name).exists(), "the backup holds it"
    kept[2].unlink()
    shutil.rmtree(vault / "snapshots", ignore_errors=True)
    app.type("#passphrase", PASSPHRASE)
    app.click("#unlock-submit")
    app.wait(lambda: "missing from this vault" in app.text("#opened"), 30)
    missing = lambda: len(app.d.find_elements(By.CSS_SELECTOR, "#opened li.opened-notice[data-key=missing_entries]"))
    before = missing()
    app.click("#pull-backup")
    dialog("Choose the backup that has the missing entries", stick)
    app.wait(lambda: "Brought back from the backup" in app.text("#pulled"), 60)
    # The entry the backup held is back; one the backup never had (the damaged one set
    # aside above) may still be named.
    assert missing() < before, (before, missing())
    app.shot("13c-pulled-from-backup")
    app.click("#opened-dismiss")
    log("a missing journal entry brought back from the backup in the app")
    log("core dumps and shader caches are off for the app and its web processes")
    for var in ("MESA_SHADER_CACHE_DISABLE", "WEBKIT_DISABLE_COMPOSITING_MODE"):
        assert var not in os.environ, f"the harness must not set {var} itself"
    pids, checked = [], 0
    for pattern in (os.environ["DOSSIER_APP"], "WebKitWebProcess", "WebKitNetworkProcess"):
        found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
        assert found or pattern != "WebKitWebProcess", f"no process matches {pattern}"
        pids += found
    for pid in pids:
        try:
            limits = Path(f"/proc/{pid}/limits").read_text()
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        if f"HOME={os.environ['HOME_UNDER_TEST']}".encode() not in environ:
            continue  # another program's WebKit process, not this session's
        checked += 1
        core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
        assert core.split()[4] == "0", f"process {pid} may dump core: {core}"
        # GPU drivers cache no shaders under ~/.cache: the app restarted itself with this set.
        # WebKit draws without GL (no shaders to compile at start, none to cache).
        for var in (b"MESA_SHADER_CACHE_DISABLE=true", b"MESA_GLSL_CACHE_DISABLE=true", b"__GL_SHADER_DISK_CACHE=0",
                    b"WEBKIT_DISABLE_COMPOSITING_MODE=1"):
            assert var in environ, f"process {pid} may cache shaders: no {var!r}"
    assert checked >= 2, f"only {checked} of the session's processes were checked"
    # GTK's recent files (switched off) and WebKit's data live in the session's runtime folder:
    # the desktop's own list kept the other program's entry through every file dialog, and
    # nothing of WebKit's is under ~/.local/share.
    home = Path(os.environ["HOME_UNDER_TEST"])
    recent = (home / ".local/share/recently-used.xbel").read_text()
    assert RECENT in recent, "the desktop's recent files were rewritten:\n" + recent
    assert not (home / ".local/share/org.dossier.app").exists(), "WebKit wrote under ~/.local/share"
    assert (Path(os.environ["XDG_RUNTIME_DIR"]) / "dossier-app").is_dir()
    log("the desktop's recent files are untouched, and WebKit's data is in the session's runtime folder")
    log("session done")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, NoSuchElementException):
        traceback.print_exc()
        print("e2e: FAILED (target/e2e/failure.png shows the screen when the last wait timed out)", file=sys.stderr)
        sys.exit(1)
