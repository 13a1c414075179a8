#!/usr/bin/env python3
"""The operations layer from outside, with the debug `aaa` binary only:

1. The dashboard opened in headless Chromium (over chromedriver's WebDriver, plain HTTP and
   JSON from here) shows events triggered after it was opened.
2. A receiver outage longer than the emulator's retries (`aaa emulate --retry-delays none`,
   `aaa serve` killed with SIGKILL while events are delivered) ends with every triggered event
   stored once and the window listed by `aaa gaps` with its replay.

Usage: ops-outside.py AAA_BINARY
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

AAA = sys.argv[1]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def fail(msg):
    print("ops-outside: FAIL: " + msg, flush=True)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read()
    return json.loads(text) if text else None


def wait_for(what, check, bound=150):
    start = time.time()
    while time.time() - start < bound:
        v = check()
        if v:
            return v
        time.sleep(0.5)
    fail(what + f": not within {bound} s")


def aaa(*args, env=None):
    r = subprocess.run([AAA, *args], capture_output=True, text=True, env=env, timeout=120)
    if r.returncode != 0:
        fail(f"aaa {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


for b in (CHROMIUM, CHROMEDRIVER):
    if not os.path.exists(b):
        fail(f"{b} missing: apt-get install -y chromium chromium-driver")

work = tempfile.mkdtemp(prefix="aaa-ops-outside-")
procs = []
try:
    emu = subprocess.Popen([AAA, "emulate", "--listen", "127.0.0.1:0", "--retry-delays", "none",
                            "--replay-min-age", "0s,0s", "--crc-interval", "off"],
                           stdout=subprocess.PIPE, stderr=open(os.path.join(work, "emulate.log"), "w"), text=True)
    procs.append(emu)
    summary = json.loads(emu.stdout.readline())
    base = summary["base_url"]
    app = summary["apps"][0]
    owner = app["owner"]
    user = [u for u in summary["users"] if u["user_id"] != owner["user_id"]][0]
    env = dict(os.environ, AAA_BASE_URL=base, AAA_CONSUMER_KEY=app["consumer_key"],
               AAA_CONSUMER_SECRET=app["consumer_secret"], AAA_ACCESS_TOKEN=owner["access_token"],
               AAA_ACCESS_TOKEN_SECRET=owner["access_token_secret"], AAA_LOG="info")
    data = os.path.join(work, "data")
    port, dash = free_port(), free_port()

    def serve():
        p = subprocess.Popen([AAA, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data, "--manage",
                              "--watchdog-interval", "10s", "--replay-min-age", "0s,0s",
                              "--dashboard", f"127.0.0.1:{dash}"],
                             env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "a"))
        procs.append(p)
        wait_for("aaa serve answering", lambda: _up(f"http://127.0.0.1:{port}/healthz"), 30)
        wait_for("the dashboard answering", lambda: _up(f"http://127.0.0.1:{dash}/api/stats"), 30)
        return p

    def _up(url):
        try:
            http("GET", url)
            return True
        except Exception:
            return False

    server = serve()
    hook = f"http://127.0.0.1:{port}/webhooks/twitter"
    webhook = json.loads(aaa("webhooks", "register", hook, "--allow-local-urls", "--json", env=env))["id"]
    uenv = dict(env, AAA_ACCESS_TOKEN=user["access_token"], AAA_ACCESS_TOKEN_SECRET=user["access_token_secret"])
    aaa("subscriptions", "add", "--webhook", webhook, env=uenv)

    # 1. The dashboard in headless Chromium sees events triggered after it was opened.
    dport = free_port()
    driver = subprocess.Popen([CHROMEDRIVER, f"--port={dport}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(driver)
    wd = f"http://127.0.0.1:{dport}"
    wait_for("chromedriver ready", lambda: _up(wd + "/status") and http("GET", wd + "/status")["value"]["ready"], 30)
    profile = os.path.join(work, "chromium")
    session = http("POST", wd + "/session", {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "binary": CHROMIUM, "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                     f"--user-data-dir={profile}"]}}}})["value"]["sessionId"]
    s = f"{wd}/session/{session}"
    script = lambda js: http("POST", s + "/execute/sync", {"script": js, "args": []})["value"]
    http("POST", s + "/url", {"url": f"http://127.0.0.1:{dash}/"})
    wait_for("the page live", lambda: script("return document.getElementById('conn').textContent") == "live", 30)
    before = script("return document.querySelectorAll('#events tbody tr').length")
    if before != 0:
        fail(f"the page showed {before} events before any was triggered")
    aaa("trigger", "tweet_create", "--user", user["user_id"], "--count", "3", "--emulator", base)
    wait_for("three events on the page", lambda: script("return document.querySelectorAll('#events tbody tr').length") == 3, 30)
    print("ops-outside: the dashboard in headless Chromium showed 3 events triggered after it was opened", flush=True)
    http("DELETE", s)

    # 2. An outage longer than the emulator's retries (none): kill -9, deliver, restart.
    server.send_signal(signal.SIGKILL)
    server.wait()
    aaa("trigger", "favorite", "--user", user["user_id"], "--count", "4", "--emulator", base)
    wait_for("the emulator gave up on 4 deliveries", lambda: http("GET", base + "/_emulator/deliveries")["gave_up"] >= 4, 30)
    server = serve()

    def stored():
        out = aaa("events", "list", "--data-dir", data, "--json")
        keys = [json.loads(l)["key"] for l in out.splitlines() if l.strip()]
        return [k for k in keys if not k.startswith("replay_job_status/")]

    def replayed():
        gaps = [json.loads(l) for l in aaa("gaps", "--data-dir", data, "--json").splitlines() if l.strip()]
        return [g for g in gaps if g["state"] == "replayed" and g["cause"] == "crashed"]

    gaps = wait_for("the window replayed", replayed, 180)
    keys = wait_for("seven events stored", lambda: (lambda k: k if len(k) == 7 else None)(stored()), 60)
    if len(set(keys)) != len(keys):
        fail(f"an event stored twice: {keys}")
    if sum(1 for k in keys if k.startswith("favorite/")) != 4:
        fail(f"not every missed like arrived: {keys}")
    g = gaps[0]
    if not g["replays"] or not all(r["state"] == "complete" and r["job_id"] for r in g["replays"]):
        fail(f"the window's replay is not listed complete: {g}")
    print(f"ops-outside: outage {g['from']}..{g['to']} (crashed) replayed by job {g['replays'][0]['job_id']}; "
          f"7 events stored once each", flush=True)
    print(aaa("gaps", "--data-dir", data), flush=True)
finally:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    shutil.rmtree(work, ignore_errors=True)
print("ops-outside: ok")
