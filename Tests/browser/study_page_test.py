#!/usr/bin/env python3
"""The standalone study page in a real browser (headless Chromium over the DevTools protocol).

Creates the CIFAR-10 Likert study in a fresh store, writes its task pages, opens one
assignment page in Chromium, checks that submitting with questions open is refused, answers
every question, submits, and imports the payload the page produced. Exits non-zero on any
failure. Also saves a screenshot (study-page.png) next to the store for a person to look at.

Usage: Tests/browser/study_page_test.py [path/to/explicable]   (default .build/debug/explicable)
Needs: chromium (Debian package), websocket-client (PyPI).
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "explicable")


def run(*args):
    result = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL: explicable {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


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
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    sys.exit(f"FAIL: {method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
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


def main():
    work = tempfile.mkdtemp(prefix="explicable-browser-")
    db = os.path.join(work, "study.sqlite")
    out = os.path.join(work, "tasks")
    run("study", "create", os.path.join(ROOT, "studies", "cifar10-class-likert.json"), "--db", db)
    run("study", "tasks", "cifar10-class-likert", "--out", out, "--db", db)
    page = os.path.join(out, "study.html")
    url = f"file://{page}?assignment=3&PROLIFIC_PID=browser-test-pid&STUDY_ID=s1&SESSION_ID=session-3"
    browser = Browser(os.path.join(work, "profile"))
    try:
        browser.call("Page.enable")
        browser.call("Page.navigate", url=url)
        for _ in range(100):
            if browser.evaluate("document.querySelectorAll('fieldset.item').length") or 0:
                break
            time.sleep(0.1)
        count = browser.evaluate("document.querySelectorAll('fieldset.item').length")
        if count != 17:
            sys.exit(f"FAIL: expected 17 questions (15 pairs + 2 checks), found {count}")
        if "assignment-0003.html" not in browser.evaluate("location.pathname"):
            sys.exit("FAIL: study.html did not forward to assignment 3")
        # Submitting with every question open is refused.
        browser.evaluate("document.getElementById('submit').click()")
        message = browser.evaluate("document.getElementById('message').textContent")
        if "17 of 17 still open" not in message or browser.evaluate("window.explicablePayload || null"):
            sys.exit(f"FAIL: an unanswered form was accepted (message: {message!r})")
        # Answer: attention checks correctly, the rest with a spread of values.
        browser.evaluate("""
            (() => {
              const study = window.Explicable.study;
              document.querySelectorAll('fieldset.item').forEach((box, i) => {
                const key = box.dataset.key;
                let value = String(i % 5);
                if (key === 'attn:circle-triangle') value = '0';
                if (key === 'attn:circle-circle') value = '4';
                box.querySelector('input[value="' + value + '"]').click();
              });
              document.getElementById('submit').click();
            })()
        """)
        payload = None
        for _ in range(50):
            payload = browser.evaluate("window.explicablePayload || null")
            if payload:
                break
            time.sleep(0.1)
        if not payload:
            sys.exit("FAIL: the page produced no payload")
        done = browser.evaluate("document.getElementById('done').textContent")
        if "Thank you" not in done:
            sys.exit(f"FAIL: no completion message (got {done!r})")
        shot = browser.call("Page.captureScreenshot", format="png")
        with open(os.path.join(work, "study-page.png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    finally:
        browser.close()
    data = json.loads(payload)
    if data["prolific_pid"] != "browser-test-pid" or data["session_id"] != "session-3" or data["assignment"] != 3:
        sys.exit(f"FAIL: URL parameters not in the payload: {data}")
    if len(data["responses"]) != 17 or any(r["rt_ms"] is None or r["rt_ms"] < 0 for r in data["responses"]):
        sys.exit("FAIL: payload responses are incomplete")
    payload_file = os.path.join(work, "payload.json")
    with open(payload_file, "w") as f:
        f.write(payload)
    report = run("study", "import", "cifar10-class-likert", payload_file, "--format", "payload", "--db", db)
    if "17 accepted, 0 rejected" not in report or "1 submissions" not in report:
        sys.exit(f"FAIL: the payload did not import cleanly: {report}")
    qc = run("study", "qc", "cifar10-class-likert", "--db", db)
    if "failed 0" in qc or "\t0\t" not in qc.splitlines()[1]:
        sys.exit(f"FAIL: attention checks answered correctly were counted as failed:\n{qc}")
    print(f"1 passed, 0 failed: browser study page (screenshot {os.path.join(work, 'study-page.png')})")


if __name__ == "__main__":
    main()
