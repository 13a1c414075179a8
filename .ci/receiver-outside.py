#!/usr/bin/env python3
"""Drives `aaa serve` from outside with plain HTTP and an HMAC-SHA256 signer written here, the
way X would: every published real-world body (shared/realdata) signed and posted twice, hostile
requests, and kill -9 cycles under concurrent load, counting what got a 200 against what
`aaa events list --json` finds in the store.

Usage: receiver-outside.py PATH/TO/aaa PATH/TO/realdata
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SECRET = "outside-consumer-secret"
PATH = "/webhooks/twitter"


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def sign(body, secret=SECRET):
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


class Serve:
    """One `aaa serve` process on a free loopback port."""

    def __init__(self, aaa, data_dir, extra=()):
        self.proc = subprocess.Popen(
            [aaa, "serve", "--listen", "127.0.0.1:0", "--consumer-secret", SECRET,
             "--data-dir", data_dir, *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("AAA_")},
        )
        deadline = time.time() + 30
        self.addr = None
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            if "listening on " in line:
                url = line.split("listening on ", 1)[1].strip()
                self.addr = urllib.parse.urlsplit(url).netloc
                break
        if self.addr is None:
            self.proc.kill()
            fail("aaa serve did not start")
        # Keep reading stderr so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()

    def request(self, method, target, body=None, headers=None, timeout=10):
        host, port = self.addr.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        try:
            conn.request(method, target, body=body, headers=headers or {})
            res = conn.getresponse()
            raw = res.read()
            return res.status, res.getheader("content-type"), raw
        finally:
            conn.close()

    def post(self, body, signature=None):
        headers = {"content-type": "application/json"}
        if signature is not False:
            headers["x-twitter-webhooks-signature"] = sign(body) if signature is None else signature
        status, ctype, raw = self.request("POST", PATH, body, headers)
        return status, ctype, raw

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def stored(aaa, data_dir):
    """Every stored event, from `aaa events list --json`."""
    out = subprocess.run(
        [aaa, "events", "list", "--json", "--limit", "1000000", "--data-dir", data_dir],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("AAA_")},
    )
    if out.returncode != 0:
        fail(f"aaa events list: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def json_error(status, ctype, raw, want_status, what):
    if status != want_status:
        fail(f"{what}: status {status}, wanted {want_status}: {raw[:200]!r}")
    if not (ctype or "").startswith("application/json"):
        fail(f"{what}: content-type {ctype}")
    body = json.loads(raw)
    if not body.get("error"):
        fail(f"{what}: no error in {body}")


def real_bodies(realdata):
    valid, invalid = [], []
    for root, _, files in os.walk(os.path.join(realdata, "payloads")):
        for name in sorted(files):
            if name.endswith(".json"):
                valid.append(os.path.join(root, name))
    for name in sorted(os.listdir(os.path.join(realdata, "invalid"))):
        if name.endswith(".txt"):
            invalid.append(os.path.join(realdata, "invalid", name))
    return sorted(valid), invalid


def check_crc(serve):
    token = "outside-crc-token-0123456789"
    status, ctype, raw = serve.request("GET", f"{PATH}?crc_token={token}&nonce=x")
    want = "sha256=" + base64.b64encode(
        hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest()).decode()
    if status != 200 or json.loads(raw).get("response_token") != want:
        fail(f"CRC: {status} {raw!r}, wanted {want}")
    print("ok: CRC response token matches the one computed here")


def check_real_bodies(aaa, serve, data_dir, realdata):
    valid, invalid = real_bodies(realdata)
    new_first = 0
    for path in valid:
        body = open(path, "rb").read()
        status, _, raw = serve.post(body)
        if status != 200:
            fail(f"{path}: {status} {raw[:200]!r}")
        answer = json.loads(raw)
        new_first += answer.get("stored", 0)
    events = stored(aaa, data_dir)
    if len(events) != new_first:
        fail(f"{len(events)} events stored, but the answers said {new_first} were new")
    keys = [e["key"] for e in events]
    if len(set(keys)) != len(keys):
        fail("a dedupe key is stored twice")
    print(f"ok: {len(valid)} real bodies posted, {new_first} events stored, each key once")
    for path in valid:
        body = open(path, "rb").read()
        status, _, raw = serve.post(body)
        answer = json.loads(raw)
        if status != 200 or answer.get("stored", 0) != 0:
            fail(f"{path} posted again: {status} {answer}")
    if len(stored(aaa, data_dir)) != new_first:
        fail("posting the same bodies again stored more events")
    print(f"ok: the same {len(valid)} bodies again: 200 each, nothing new stored")
    quarantined = 0
    for path in invalid:
        body = open(path, "rb").read()
        status, _, raw = serve.post(body)
        if status != 200 or json.loads(raw).get("status") != "quarantined":
            fail(f"{path}: {status} {raw[:200]!r}, wanted 200 quarantined")
        quarantined += 1
    if len(stored(aaa, data_dir)) != new_first:
        fail("a broken body added events")
    print(f"ok: {quarantined} broken published bodies: 200 quarantined, no event stored")
    return valid, new_first


def check_hostile(aaa, serve, data_dir, sample, expected):
    body = open(sample, "rb").read()
    other = body.replace(b"}", b" }", 1)
    good = sign(body)
    cases = [
        ("no signature header", body, False, 401),
        ("empty signature", body, "", 401),
        ("bare sha256=", body, "sha256=", 401),
        ("wrong prefix", body, good.replace("sha256=", "sha1="), 401),
        ("not base64", body, "sha256=!!!notbase64!!!", 401),
        ("short signature", body, good[:20], 401),
        ("long signature", body, good + "AAAA", 401),
        ("signature of another body", other, good, 401),
        ("signature under another secret", body, sign(body, "not-the-secret"), 401),
    ]
    for what, b, sig, want in cases:
        status, ctype, raw = serve.post(b, sig)
        json_error(status, ctype, raw, want, what)
    # Raw requests, written header by header.
    def raw_post(headers, send, what, want):
        host, port = serve.addr.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.putrequest("POST", PATH)
        for k, v in [("content-type", "application/json")] + headers:
            conn.putheader(k, v)
        conn.endheaders()
        try:
            send(conn)
        except OSError:
            pass  # the server answered and closed before taking it all
        res = conn.getresponse()
        json_error(res.status, res.getheader("content-type"), res.read(), want, what)
        conn.close()

    sig = ("x-twitter-webhooks-signature", good)
    raw_post([sig, sig, ("content-length", str(len(body)))], lambda c: c.send(body),
             "two signature headers", 401)
    # A body declared over the 1 MiB limit is refused before it is read: headers only.
    raw_post([sig, ("content-length", str(2 << 20))], lambda c: None, "a 2 MiB body", 413)

    def chunks(conn):
        chunk = b" " * 65536
        for _ in range(64):
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")

    raw_post([sig, ("transfer-encoding", "chunked")], chunks, "a 4 MiB chunked body", 413)
    nested = b"[" * 10000 + b"]" * 10000
    status, _, raw = serve.post(nested)
    if status != 200 or json.loads(raw).get("status") != "quarantined":
        fail(f"JSON nested 10,000 deep: {status} {raw[:200]!r}")
    if len(stored(aaa, data_dir)) != expected:
        fail("a hostile request changed the stored events")
    print(f"ok: {len(cases) + 4} hostile requests refused or quarantined, nothing stored")


def tweet(n):
    return json.dumps({
        "for_user_id": "2244994945",
        "tweet_create_events": [{
            "created_at": "Wed Nov 22 12:00:00 +0000 2026",
            "id": 1900000000000000000 + n,
            "id_str": str(1900000000000000000 + n),
            "text": f"outside load {n} \u001b[31mred\u001b[0m",
            "user": {"id": 2244994945, "id_str": "2244994945", "screen_name": "outside"},
        }],
    }, separators=(",", ":")).encode()


def check_kill9(aaa, rounds=6):
    data_dir = tempfile.mkdtemp(prefix="aaa-outside-kill-")
    acked = set()
    lock = threading.Lock()
    counter = [0]
    rng = random.Random(7)
    for r in range(rounds):
        serve = Serve(aaa, data_dir)
        stop = threading.Event()

        def worker():
            while not stop.is_set():
                with lock:
                    n = counter[0]
                    counter[0] += 1
                try:
                    status, _, raw = serve.post(tweet(n))
                except OSError:
                    continue
                if status == 200:
                    with lock:
                        acked.add(n)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.2))
        serve.proc.send_signal(signal.SIGKILL)
        serve.proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=30)
    serve = Serve(aaa, data_dir)
    serve.stop()
    events = stored(aaa, data_dir)
    keys = [e["key"] for e in events]
    if len(set(keys)) != len(keys):
        fail("after kill -9 cycles a key is stored twice")
    ids = {int(e["key"].rsplit("/", 1)[1]) - 1900000000000000000 for e in events}
    lost = acked - ids
    if lost:
        fail(f"{len(lost)} events answered 200 are not in the store after kill -9: {sorted(lost)[:5]}")
    print(f"ok: {rounds} kill -9 cycles under 16 concurrent posters: {len(acked)} answered 200, "
          f"all in the store once ({len(events)} stored in all)")


def main():
    if len(sys.argv) != 3:
        fail(__doc__)
    aaa, realdata = sys.argv[1], sys.argv[2]
    data_dir = tempfile.mkdtemp(prefix="aaa-outside-")
    serve = Serve(aaa, data_dir)
    try:
        check_crc(serve)
        valid, expected = check_real_bodies(aaa, serve, data_dir, realdata)
        sample = next(p for p in valid if "tweet_create_events" in p)
        check_hostile(aaa, serve, data_dir, sample, expected)
    finally:
        serve.stop()
    check_kill9(aaa)


if __name__ == "__main__":
    main()
