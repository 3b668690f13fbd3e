#!/usr/bin/env python3
"""The standalone study page in a real browser (headless Chromium over the DevTools protocol).

Two studies in a fresh store: the CIFAR-10 class-pair Likert study (URL parameters, refusal
of a form with open questions, payload) and a 40-image instance-label study (the CIFAR-10
images load from the PNGs `study tasks` writes; needs the CIFAR-10 binary release in
$EXPLICABLE_DATA or ../shared/data). For each, Chromium opens an assignment page, answers every
question (attention checks correctly), submits, and the payload the page produced is imported
and passes QC. Then the demo runs on a tiny subset and its HTML report must render in Chromium
with every figure and section. A class-neighbours study (CIFAR-10, WordNet prior, example
images) is answered on its standalone page and through `study serve`, and a study with
test–retest repeats, a self-pair, a free-text and a multi-select check on its page. A failed check
prints `FAIL: CASE: what went wrong` and the next case still runs; the last line says how many
cases passed and failed, and the exit status is non-zero when any failed. Saves screenshots next
to the store for a person to look at.

Usage: Tests/browser/study_page_test.py [path/to/explicable]   (default .build/debug/explicable)
Needs: chromium (Debian package), websocket-client (PyPI).
"""
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "explicable")
DATA_DIR = os.environ.get("EXPLICABLE_DATA") or os.path.join(os.path.dirname(ROOT), "shared", "data")


def run(*args):
    result = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL: explicable {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


class Navigating(Exception):
    """The page navigated while DevTools evaluated an expression in it."""


class Browser:
    def __init__(self, profile):
        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(profile, "DevToolsActivePort")
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        else:
            self.close()
            sys.exit("FAIL: Chromium did not start")
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        # No Origin header: Chromium refuses DevTools connections from origins it was not told to allow
        # (newer websocket-client versions send one by default).
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    if "navigated or closed" in str(message["error"]) or "context" in str(message["error"]):
                        raise Navigating(f"FAIL: {method}: {message['error']}")
                    sys.exit(f"FAIL: {method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression, polling=False):
        """Runs `expression` in the page. With `polling` (a read-only check repeated until the
        page is ready), a page still navigating answers None instead of failing the test."""
        try:
            result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        except Navigating as error:
            if polling:
                return None
            sys.exit(str(error))
        if "exceptionDetails" in result:
            sys.exit(f"FAIL: script error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        self.process.terminate()
        self.process.wait(timeout=10)


def open_page(browser, url, expected):
    """Loads an assignment page and waits until its `expected` questions are built."""
    browser.call("Page.navigate", url=url)
    count = 0
    for _ in range(100):
        count = browser.evaluate("document.querySelectorAll('fieldset.item').length", polling=True) or 0
        if count:
            break
        time.sleep(0.1)
    if count != expected:
        sys.exit(f"FAIL: {url}: expected {expected} questions, found {count}")


def wait_for_payload(browser, failure):
    """The payload a submitted standalone page leaves in window.explicablePayload (5 s at most)."""
    for _ in range(50):
        payload = browser.evaluate("window.explicablePayload || null", polling=True)
        if payload:
            return payload
        time.sleep(0.1)
    sys.exit("FAIL: " + failure)


def submit(browser, answers_js):
    """Answers every question with `answers_js` (a function of key and position returning the
    value to click), submits, and returns the payload the page produced and what was clicked:
    item key → the text of the clicked option's label, as the participant read it."""
    clicked = browser.evaluate("""
        (() => {
          const answer = %s;
          const clicked = {};
          document.querySelectorAll('fieldset.item').forEach((box, i) => {
            const input = box.querySelector('input[value="' + answer(box.dataset.key, i) + '"]');
            input.click();
            clicked[box.dataset.key] = input.closest('label').textContent.trim();
          });
          document.getElementById('submit').click();
          return clicked;
        })()
    """ % answers_js)
    payload = wait_for_payload(browser, "the page produced no payload")
    done = browser.evaluate("document.getElementById('done').textContent")
    if "Thank you" not in done:
        sys.exit(f"FAIL: no completion message (got {done!r})")
    return payload, clicked


def screenshot(browser, path):
    shot = browser.call("Page.captureScreenshot", format="png")
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))


def stored_answers(db, study):
    """Item key → stored value of every answer of `study`, read from the store with SQLite."""
    with sqlite3.connect(db) as connection:
        return dict(connection.execute("""
            SELECT i.key, r.value FROM response r JOIN item i ON i.id = r.itemId
            JOIN submission s ON s.id = r.submissionId JOIN study st ON st.id = s.studyId WHERE st.name = ?
            """, (study,)).fetchall())


def import_payload(work, db, study, payload, expected, clicked, value_of_label):
    """Imports the payload, checks every stored value against the option clicked for its item
    (`value_of_label` maps a label's text to the value it must be stored as) and that QC accepts
    the one submission."""
    payload_file = os.path.join(work, f"{study}-payload.json")
    with open(payload_file, "w") as f:
        f.write(payload)
    report = run("study", "import", study, payload_file, "--format", "payload", "--db", db)
    if f"{expected} answers added in 1 new submission" not in report or "rejected" in report:
        sys.exit(f"FAIL: the {study} payload did not import cleanly: {report}")
    stored = stored_answers(db, study)
    wanted = {key: value_of_label(label) for key, label in clicked.items()}
    if len(clicked) != expected or stored != wanted:
        wrong = {k: (wanted.get(k), stored.get(k)) for k in set(stored) | set(wanted) if stored.get(k) != wanted.get(k)}
        sys.exit(f"FAIL: {study}: stored values differ from the options clicked (key: (clicked, stored)): {wrong}")
    qc = run("study", "qc", study, "--db", db)
    lines = qc.splitlines()
    header, row = lines[0].split("\t"), lines[1].split("\t")
    if row[header.index("failed checks")] != "0":
        sys.exit(f"FAIL: {study}: attention checks answered correctly were counted as failed:\n{qc}")
    if row[header.index("decision")] != "accepted" or lines[-1] != "1 accepted, 0 rejected of 1 submissions":
        sys.exit(f"FAIL: {study}: QC did not accept the submission:\n{qc}")
    with sqlite3.connect(db) as connection:
        statuses = [status for (status,) in connection.execute(
            "SELECT s.qcStatus FROM submission s JOIN study st ON st.id = s.studyId WHERE st.name = ?", (study,))]
    if statuses != ["accepted"]:
        sys.exit(f"FAIL: {study}: stored QC statuses {statuses}, expected ['accepted']")


def likert_case(browser, work, db):
    """The paper's CIFAR-10 class-pair Likert study: URL parameters, validation, payload."""
    out = os.path.join(work, "likert")
    with open(os.path.join(ROOT, "studies", "cifar10-class-likert.json")) as f:
        spec = json.load(f)
    # A script answers far faster than a person: without this, QC rightly rejects it as too fast.
    del spec["qc"]["minSecondsPerItem"]
    spec_file = os.path.join(work, "cifar10-class-likert.json")
    with open(spec_file, "w") as f:
        json.dump(spec, f)
    run("study", "create", spec_file, "--db", db)
    run("study", "tasks", "cifar10-class-likert", "--out", out, "--db", db)
    page = os.path.join(out, "study.html")
    open_page(browser, f"file://{page}?assignment=3&PROLIFIC_PID=browser-test-pid&STUDY_ID=s1&SESSION_ID=session-3", 17)
    if "assignment-0003.html" not in browser.evaluate("location.pathname"):
        sys.exit("FAIL: study.html did not forward to assignment 3")
    # Submitting with every question open is refused.
    browser.evaluate("document.getElementById('submit').click()")
    message = browser.evaluate("document.getElementById('message').textContent")
    if "17 of 17 still open" not in message or browser.evaluate("window.explicablePayload || null"):
        sys.exit(f"FAIL: an unanswered form was accepted (message: {message!r})")
    screenshot(browser, os.path.join(work, "likert-page.png"))
    # Attention checks answered correctly, the rest with a spread of values.
    payload, clicked = submit(browser, """(key, i) => key === 'attn:circle-triangle' ? '0'
        : key === 'attn:circle-circle' ? '4' : String(i % 5)""")
    data = json.loads(payload)
    if data["prolific_pid"] != "browser-test-pid" or data["session_id"] != "session-3" or data["assignment"] != 3:
        sys.exit(f"FAIL: URL parameters not in the payload: {data}")
    if len(data["responses"]) != 17 or any(r["rt_ms"] is None or r["rt_ms"] < 0 for r in data["responses"]):
        sys.exit("FAIL: payload responses are incomplete")
    # A Likert option reads "3 – Plausible": it must be stored as the number before the dash.
    import_payload(work, db, "cifar10-class-likert", payload, 17, clicked, lambda label: float(label.split(" – ")[0]))


def instance_label_case(browser, work, db):
    """CIFAR-10H's design on 40 test images: the CIFAR-10 images must load from the PNGs
    `study tasks` writes, and a chosen class must import as the class index."""
    with open(os.path.join(ROOT, "studies", "cifar10-instance-labels.json")) as f:
        spec = json.load(f)
    spec.update(name="browser-instance-labels", ratingsPerItem=2, itemsPerAssignment=20,
                attentionChecksPerAssignment=2, images={"source": "cifar10-test", "count": 40})
    del spec["qc"]["minSecondsPerItem"]  # a script answers far faster than a person
    spec_file = os.path.join(work, "instance-labels.json")
    with open(spec_file, "w") as f:
        json.dump(spec, f)
    expected = {"attn:" + c["key"]: c["expected"] for c in spec["attentionChecks"]}
    out = os.path.join(work, "instance")
    data_dir = os.environ.get("EXPLICABLE_DATA") or os.path.join(os.path.dirname(ROOT), "shared", "data")
    run("study", "create", spec_file, "--db", db)
    run("study", "tasks", "browser-instance-labels", "--out", out, "--data", data_dir, "--db", db)
    open_page(browser, f"file://{os.path.join(out, 'pages', 'assignment-0001.html')}?PROLIFIC_PID=p-instance&STUDY_ID=s2&SESSION_ID=session-i1", 22)
    for _ in range(50):
        loaded = browser.evaluate(polling=True, expression="""Array.from(document.images).filter(i => i.complete && i.naturalWidth === 32
            && i.naturalHeight === 32).length""")
        if loaded == 22:
            break
        time.sleep(0.1)
    else:
        total = browser.evaluate("document.images.length")
        sys.exit(f"FAIL: {loaded} of {total} images loaded as 32x32 PNGs (expected 22)")
    screenshot(browser, os.path.join(work, "instance-page.png"))
    payload, clicked = submit(browser, "(key, i) => String(%s[key] ?? (i %% 10))" % json.dumps(expected))
    data = json.loads(payload)
    if len(data["responses"]) != 22:
        sys.exit(f"FAIL: expected 22 responses, got {len(data['responses'])}")
    # A chosen class (the label's text, e.g. "frog") must be stored as its index in wordnet/cifar10.tsv.
    with open(os.path.join(ROOT, "wordnet", "cifar10.tsv")) as f:
        index = {row.split("\t")[1]: float(row.split("\t")[0]) for row in f.read().splitlines()[1:]}
    if len(set(clicked.values())) < 2:
        sys.exit("FAIL: every question was answered with the same class; the check would prove little")
    import_payload(work, db, "browser-instance-labels", payload, 22, clicked, lambda label: index[label])


def report_case(browser, work):
    """The demo's HTML report on a tiny subset: it renders offline, every figure is drawn, and a
    screenshot is kept for a person to look at."""
    out = os.path.join(work, "demo")
    data_dir = os.environ.get("EXPLICABLE_DATA") or os.path.join(os.path.dirname(ROOT), "shared", "data")
    result = subprocess.run([BINARY, "demo", "--out", out, "--data", data_dir, "--subset", "200", "--test-subset", "200",
                             "--epochs", "1", "--ood-images", "20", "--corruptions", "jpeg,pixelate"],
                            capture_output=True, text=True, env={**os.environ, "EXPLICABLE_OFFLINE": "1"})
    if result.returncode != 0:
        sys.exit(f"FAIL: explicable demo exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    report = os.path.join(out, "report.html")
    if f"report: {report}" not in result.stdout:
        sys.exit(f"FAIL: the demo did not say where the report is: {result.stdout}")
    browser.call("Page.navigate", url=f"file://{report}")
    for _ in range(100):
        if browser.evaluate("document.readyState", polling=True) == "complete":
            break
        time.sleep(0.1)
    counts = browser.evaluate("""({
        svg: document.querySelectorAll('svg').length,
        drawn: Array.from(document.querySelectorAll('svg')).filter(s => s.getBoundingClientRect().width > 100).length,
        tables: document.querySelectorAll('table').length,
        sections: ['summary', 'matrices', 'models', 'ood', 'audit'].filter(id => document.getElementById(id)).length,
        summary: document.getElementById('summary') ? document.getElementById('summary').innerText : ''
    })""")
    # 3 matrix heatmaps, 2 training curves, 2 confusion matrices.
    if counts["svg"] < 7 or counts["drawn"] != counts["svg"]:
        sys.exit(f"FAIL: the report's figures did not all render: {counts}")
    if counts["sections"] != 5 or counts["tables"] < 5:
        sys.exit(f"FAIL: report sections missing: {counts}")
    if "Accuracy:" not in counts["summary"] or "Labels:" not in counts["summary"]:
        sys.exit(f"FAIL: the summary is incomplete: {counts['summary']!r}")
    browser.call("Emulation.setDeviceMetricsOverride", width=1200, height=3000, deviceScaleFactor=1, mobile=False)
    screenshot(browser, os.path.join(work, "report.png"))


def served_case(browser, work):
    """`explicable study serve`: consent, instructions, half the answers, a reload that resumes
    them, the rest, finish, completion code; the admin export holds every answer."""
    db = os.path.join(work, "served.sqlite")
    spec = json.load(open(os.path.join(ROOT, "studies", "cifar10-class-likert.json")))
    spec["name"], spec["completionURL"] = "served-likert", "BROWSER-OK"
    spec_file = os.path.join(work, "served-likert.json")
    json.dump(spec, open(spec_file, "w"))
    run("study", "create", spec_file, "--db", db)
    env = dict(os.environ, EXPLICABLE_HOME=ROOT, EXPLICABLE_ADMIN_TOKEN="browser-admin")
    server = subprocess.Popen([BINARY, "study", "serve", "served-likert", "--port", "0", "--db", db],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        line = server.stdout.readline()
        port = line.split("127.0.0.1:")[1].split("/")[0]
        base = f"http://127.0.0.1:{port}"
        browser.call("Page.navigate", url=f"{base}/?PROLIFIC_PID=browser1&STUDY_ID=s1&SESSION_ID=x1")
        wait_for(browser, "!!document.getElementById('consent')", "the consent page")
        browser.evaluate("document.getElementById('consent').click()")
        wait_for(browser, "!!document.getElementById('begin')", "the instructions page")
        browser.evaluate("document.getElementById('begin').click()")
        count = browser.evaluate("document.querySelectorAll('fieldset.item').length")
        if count != 17:
            sys.exit(f"FAIL: served page: expected 17 questions, found {count}")
        expected = {c["key"]: int(c["expected"]) for c in spec["attentionChecks"]}
        answer_js = """(limit) => { const expected = %s; let n = 0;
            for (const box of document.querySelectorAll('fieldset.item')) {
              if (n >= limit) break;
              const key = box.dataset.key;
              const value = key.startsWith('attn:') ? expected[key.slice(5)] : 3;
              const input = box.querySelector('input[value="' + value + '"]');
              if (!input.disabled) { input.click(); n++; }
            } return n; }""" % json.dumps(expected)
        browser.evaluate(f"({answer_js})(8)")
        wait_for(browser, "document.getElementById('progress').textContent.startsWith('8 of 17')", "8 saved answers")
        browser.call("Page.reload")
        wait_for(browser, "!!document.getElementById('progress') && "
                 "document.getElementById('progress').textContent.startsWith('8 of 17')", "the resumed page")
        browser.evaluate(f"({answer_js})(17)")
        wait_for(browser, "document.getElementById('progress').textContent.startsWith('17 of 17')", "17 saved answers")
        screenshot(browser, os.path.join(work, "served-page.png"))
        browser.evaluate("document.getElementById('finish').click()")
        wait_for(browser, "!!document.getElementById('completion-code')", "the completion page")
        code = browser.evaluate("document.getElementById('completion-code').textContent")
        if code != "BROWSER-OK":
            sys.exit(f"FAIL: completion code {code!r}")
        request = urllib.request.Request(f"{base}/admin/export.csv", headers={"Authorization": "Bearer browser-admin"})
        rows = urllib.request.urlopen(request).read().decode().strip().split("\n")
        if len(rows) != 18 or rows[0] != "annotator,assignment,item,value,rt_ms":
            sys.exit(f"FAIL: served export has {len(rows) - 1} answers, expected 17")
        # Every stored value is the one clicked: the expected answer for attention checks, 3 otherwise.
        exported = {row.split(",")[2]: row.split(",")[3] for row in rows[1:]}
        wanted = {key: str(expected[key[5:]]) if key.startswith("attn:") else "3" for key in exported}
        if exported != wanted:
            sys.exit(f"FAIL: served export values differ from the options clicked: {exported} vs {wanted}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    if server.returncode != 0:
        sys.exit(f"FAIL: study serve exited {server.returncode} on SIGTERM")


def neighbour_study(work, db, name):
    """The shipped CIFAR-10 class-neighbours spec under another name, with its WordNet prior and
    CIFAR-10 example images (the data folder holds the LMF and the test batch)."""
    with open(os.path.join(ROOT, "studies", "cifar10-class-neighbours.json")) as f:
        spec = json.load(f)
    spec.update(name=name, ratingsPerItem=2, completionURL="NEIGHBOURS-OK")
    del spec["qc"]["minSecondsPerItem"]  # a script answers far faster than a person
    spec_file = os.path.join(work, name + ".json")
    with open(spec_file, "w") as f:
        json.dump(spec, f)
    run("study", "create", spec_file, "--db", db, "--data", DATA_DIR)
    return spec


def tick_js(level):
    """Ticks the first candidate of every screen that is not a decoy and, with `level`, chooses
    that level; returns the keys ticked."""
    return """(() => { const ticked = [];
        document.querySelectorAll('fieldset.screen').forEach(screen => {
          const row = Array.from(screen.querySelectorAll('.candidate')).find(r => !r.dataset.key.startsWith('decoy:'));
          row.querySelector('input[type=checkbox]').click();
          %s
          ticked.push(row.dataset.key);
        });
        return ticked; })()""" % ("" if level is None else
        "row.querySelector('input[type=radio][value=\"%d\"]').click();" % level)


def check_screens(browser, what):
    """Every screen shows its class's WordNet definition and three 32×32 example images."""
    for _ in range(50):
        state = browser.evaluate(polling=True, expression="""({
            screens: document.querySelectorAll('fieldset.screen').length,
            definitions: Array.from(document.querySelectorAll('fieldset.screen')).filter(s => {
                const d = s.querySelector('.definition'); return d && d.textContent.length > 10; }).length,
            images: Array.from(document.querySelectorAll('fieldset.screen img')).filter(i => i.complete
                && i.naturalWidth === 32 && i.naturalHeight === 32).length,
            candidates: document.querySelectorAll('.candidate').length })""") or {"screens": 0}
        if state["screens"] and state["images"] == 3 * state["screens"]:
            break
        time.sleep(0.1)
    if not state["screens"] or state["definitions"] != state["screens"] or state["images"] != 3 * state["screens"]:
        sys.exit(f"FAIL: {what}: screens without definitions or example images: {state}")
    return state


def neighbour_case(browser, work, db):
    """class-neighbours on a standalone page: screens with definitions and examples, a ticked
    candidate without a level is refused, unticked candidates are stored as 0, decoys pass QC."""
    neighbour_study(work, db, "browser-neighbours")
    out = os.path.join(work, "neighbours")
    run("study", "tasks", "browser-neighbours", "--out", out, "--data", DATA_DIR, "--db", db)
    browser.call("Page.navigate", url=f"file://{os.path.join(out, 'pages', 'assignment-0000.html')}?SESSION_ID=n1")
    wait_for(browser, "document.querySelectorAll('fieldset.screen').length > 0", "the neighbour screens")
    state = check_screens(browser, "neighbour page")
    if state["screens"] != 5:
        sys.exit(f"FAIL: neighbour page: expected 5 screens, found {state['screens']}")
    ticked = browser.evaluate(tick_js(None))
    browser.evaluate("document.getElementById('submit').click()")
    message = browser.evaluate("document.getElementById('message').textContent")
    if "5 still open" not in message or browser.evaluate("window.explicablePayload || null"):
        sys.exit(f"FAIL: ticked candidates without a level were accepted (message: {message!r})")
    browser.evaluate("""document.querySelectorAll('.candidate').forEach(row => {
        const radio = row.querySelector('input[type=radio][value="3"]');
        if (row.querySelector('input[type=checkbox]').checked) radio.click(); })""")
    screenshot(browser, os.path.join(work, "neighbours-page.png"))
    browser.evaluate("document.getElementById('submit').click()")
    wait_for(browser, "!!window.explicablePayload", "the neighbour payload")
    payload = browser.evaluate("window.explicablePayload")
    data = json.loads(payload)
    if len(data["responses"]) != state["candidates"]:
        sys.exit(f"FAIL: {len(data['responses'])} responses for {state['candidates']} candidates")
    clicked = {r["item"]: ("3" if r["item"] in ticked else "0") for r in data["responses"]}
    import_payload(work, db, "browser-neighbours", payload, state["candidates"], clicked, float)


def served_neighbour_case(browser, work):
    """class-neighbours through `study serve`: a ticked candidate's level is saved when chosen,
    Finish saves the unticked ones as 0, and the export holds every candidate."""
    db = os.path.join(work, "served-neighbours.sqlite")
    neighbour_study(work, db, "served-neighbours")
    env = dict(os.environ, EXPLICABLE_HOME=ROOT, EXPLICABLE_ADMIN_TOKEN="browser-admin")
    server = subprocess.Popen([BINARY, "study", "serve", "served-neighbours", "--port", "0", "--db", db,
                               "--data", DATA_DIR], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        line = server.stdout.readline()
        base = f"http://127.0.0.1:{line.split('127.0.0.1:')[1].split('/')[0]}"
        browser.call("Page.navigate", url=f"{base}/?PROLIFIC_PID=nb1&STUDY_ID=s1&SESSION_ID=y1")
        wait_for(browser, "!!document.getElementById('consent')", "the consent page")
        browser.evaluate("document.getElementById('consent').click()")
        wait_for(browser, "!!document.getElementById('begin')", "the instructions page")
        browser.evaluate("document.getElementById('begin').click()")
        state = check_screens(browser, "served neighbour page")
        ticked = browser.evaluate(tick_js(4))
        wait_for(browser, "document.getElementById('progress').textContent.startsWith('%d of')" % len(ticked),
                 "the ticked candidates saved")
        screenshot(browser, os.path.join(work, "served-neighbours-page.png"))
        browser.evaluate("document.getElementById('finish').click()")
        wait_for(browser, "!!document.getElementById('completion-code')", "the completion page")
        request = urllib.request.Request(f"{base}/admin/export.csv", headers={"Authorization": "Bearer browser-admin"})
        rows = urllib.request.urlopen(request).read().decode().strip().split("\n")[1:]
        exported = {row.split(",")[2]: row.split(",")[3] for row in rows}
        wanted = {key: "4" if key in ticked else "0" for key in exported}
        if len(rows) != state["candidates"] or exported != wanted:
            sys.exit(f"FAIL: served neighbour export ({len(rows)} rows for {state['candidates']} candidates) "
                     f"differs from what was ticked: {exported} vs {wanted}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    if server.returncode != 0:
        sys.exit(f"FAIL: study serve exited {server.returncode} on SIGTERM")


def wait_for(browser, condition, what):
    for _ in range(100):
        try:
            if browser.evaluate(condition):
                return
        except SystemExit:
            pass
        time.sleep(0.1)
    sys.exit(f"FAIL: timed out waiting for {what}")


def retest_case(browser, work, db):
    """Test–retest repeats, a self-pair, a free-text and a multi-select check on the standalone
    page: every showing answered by position, the text typed and the boxes ticked reach the store."""
    out = os.path.join(work, "retest")
    with open(os.path.join(ROOT, "studies", "cifar10-class-likert.json")) as f:
        spec = json.load(f)
    del spec["qc"]["minSecondsPerItem"]  # a script answers far faster than a person
    spec["name"] = "retest"
    spec["repeats"] = {"perAssignment": 3, "minGap": 2}
    spec["selfPairChecks"] = {"perAssignment": 1}
    spec["attentionChecksPerAssignment"] = 3
    spec["attentionChecks"] = [
        {"key": "circle-triangle", "prompt": "A circle for a triangle?", "expected": 0},
        {"key": "colour", "prompt": "Type the colour of a clear sky.", "pattern": "blue|light blue"},
        {"key": "pets", "prompt": "Tick the pets.", "options": ["cat", "ship", "dog"], "expectedOptions": ["cat", "dog"]},
    ]
    spec_file = os.path.join(work, "retest.json")
    with open(spec_file, "w") as f:
        json.dump(spec, f)
    run("study", "create", spec_file, "--db", db)
    run("study", "tasks", "retest", "--out", out, "--db", db)
    open_page(browser, f"file://{out}/pages/assignment-0000.html?PROLIFIC_PID=retest-pid&SESSION_ID=r0", 22)
    browser.evaluate("""
        (() => {
          document.querySelectorAll('fieldset.item').forEach((box, i) => {
            const key = box.dataset.key;
            if (key === 'attn:colour') {
              const field = box.querySelector('input[type=text]');
              field.value = 'Light Blue';
              field.dispatchEvent(new Event('input'));
            } else if (key === 'attn:pets') {
              box.querySelectorAll('input[type=checkbox]').forEach(b => { if (b.value !== 'ship') b.click(); });
            } else {
              const value = key === 'attn:circle-triangle' ? '0' : key.startsWith('self:') ? '4' : String(i % 5);
              box.querySelector('input[value="' + value + '"]').click();
            }
          });
        })()
    """)
    screenshot(browser, os.path.join(work, "retest-page.png"))
    browser.evaluate("document.getElementById('submit').click()")
    payload = wait_for_payload(browser, "retest: the page produced no payload")
    responses = json.loads(payload)["responses"]
    keys = [r["item"] for r in responses]
    if len(responses) != 22 or len(set(keys)) != 19 or [r["position"] for r in responses] != list(range(22)):
        sys.exit(f"FAIL: retest: the payload does not hold one answer per showing: {keys}")
    payload_file = os.path.join(work, "retest-payload.json")
    with open(payload_file, "w") as f:
        f.write(payload)
    report = run("study", "import", "retest", payload_file, "--format", "payload", "--db", db)
    if "22 answers added in 1 new submission" not in report:
        sys.exit(f"FAIL: retest: the payload did not import cleanly: {report}")
    with sqlite3.connect(db) as connection:
        repeats = connection.execute("SELECT count(*) FROM responseRepeat WHERE showing = 2").fetchone()[0]
        texts = sorted(t for (t,) in connection.execute(
            "SELECT r.text FROM response r JOIN item i ON i.id = r.itemId WHERE r.text IS NOT NULL"))
    if repeats != 3 or texts != ['Light Blue', '["cat","dog"]']:
        sys.exit(f"FAIL: retest: stored {repeats} repeats and texts {texts}")
    qc = run("study", "qc", "retest", "--db", db).splitlines()
    header, row = qc[0].split("\t"), qc[1].split("\t")
    if "retest r" not in header or row[header.index("failed checks")] != "0" or not qc[-1].startswith("test–retest: 3 pairs"):
        sys.exit("FAIL: retest: QC did not count the checks as passed or report test–retest:\n" + "\n".join(qc))


def main():
    work = tempfile.mkdtemp(prefix="explicable-browser-")
    db = os.path.join(work, "study.sqlite")
    browser = Browser(os.path.join(work, "profile"))
    cases = [
        ("class-pair Likert page", lambda: likert_case(browser, work, db)),
        ("instance-label page", lambda: instance_label_case(browser, work, db)),
        ("demo report", lambda: report_case(browser, work)),
        ("served study", lambda: served_case(browser, work)),
        ("class-neighbours page", lambda: neighbour_case(browser, work, db)),
        ("served class-neighbours study", lambda: served_neighbour_case(browser, work)),
        ("retest page", lambda: retest_case(browser, work, db)),
    ]
    failed = []
    try:
        browser.call("Page.enable")
        for name, case in cases:
            # Every check fails with sys.exit("FAIL: …"); name the case, then go on with the next one.
            try:
                case()
            except SystemExit as error:
                message = str(error.code)
                print(f"FAIL: {name}: {message[6:] if message.startswith('FAIL: ') else message}", file=sys.stderr)
                failed.append(name)
            except Exception as error:  # a crash of the test itself (DevTools, sockets): still this case's
                print(f"FAIL: {name}: {type(error).__name__}: {error}", file=sys.stderr)
                failed.append(name)
    finally:
        browser.close()
    print(f"{len(cases) - len(failed)} passed, {len(failed)} failed: browser study pages, the served study, the "
          f"report, the class-neighbours page standalone and served, and a retest page with text and multi-select "
          f"checks (screenshots in {work})")
    if failed:
        sys.exit(f"FAIL: {', '.join(failed)}")


if __name__ == "__main__":
    main()
