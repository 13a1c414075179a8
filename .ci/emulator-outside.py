#!/usr/bin/env python3
"""Drives `aaa emulate` from outside with plain HTTP and an OAuth 1.0a signer written here from
RFC 5849 on Python's standard library, and checks X's documented answers: a webhook registered
against a CRC responder written here, bearer-only endpoints, a tampered signature refused with
code 32, a subscription, a signed delivery verified here, and a replay job ending with
replay_job_status.

Usage: emulator-outside.py PATH/TO/aaa
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def enc(s):
    return urllib.parse.quote(str(s), safe="-._~")


def oauth1(method, url, consumer_key, consumer_secret, token, token_secret, form=None):
    """The Authorization header value for a request (RFC 5849, HMAC-SHA1)."""
    parts = urllib.parse.urlsplit(url)
    base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    params += list((form or {}).items())
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time())),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    pairs = sorted((enc(k), enc(v)) for k, v in params + list(oauth.items()))
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join([method.upper(), enc(base_url), enc(normalized)])
    key = f"{enc(consumer_secret)}&{enc(token_secret)}".encode()
    oauth["oauth_signature"] = base64.b64encode(
        hmac.new(key, base.encode(), hashlib.sha1).digest()
    ).decode()
    return "OAuth " + ", ".join(f'{enc(k)}="{enc(v)}"' for k, v in sorted(oauth.items()))


def call(method, url, headers=None, body=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            raw = res.read()
            return res.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


def expect(cond, what):
    if not cond:
        sys.exit(f"emulator-outside: FAILED: {what}")
    print(f"ok: {what}")


class Hook(http.server.BaseHTTPRequestHandler):
    secret = b""
    bodies = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        token = query["crc_token"][0].encode()
        digest = hmac.new(self.secret, token, hashlib.sha256).digest()
        body = json.dumps({"response_token": "sha256=" + base64.b64encode(digest).decode()})
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        want = "sha256=" + base64.b64encode(
            hmac.new(self.secret, body, hashlib.sha256).digest()
        ).decode()
        ok = hmac.compare_digest(want, self.headers.get("x-twitter-webhooks-signature", ""))
        Hook.bodies.append((ok, json.loads(body)))
        self.send_response(200 if ok else 401)
        self.end_headers()


def main():
    aaa = sys.argv[1]
    emu = subprocess.Popen(
        [aaa, "emulate", "--listen", "127.0.0.1:0", "--crc-interval", "off",
         "--retry-delays", "100ms,200ms,300ms"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        summary = json.loads(emu.stdout.readline())
        base = summary["base_url"]
        app = summary["apps"][0]
        ck, cs = app["consumer_key"], app["consumer_secret"]
        owner = app["owner"]
        user = next(u for u in summary["users"] if u["user_id"] != owner["user_id"])

        Hook.secret = cs.encode()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        hook_url = f"http://127.0.0.1:{server.server_port}/webhooks/x"

        url = f"{base}/1.1/account_activity/webhooks.json?url={enc(hook_url)}"
        auth = oauth1("POST", url, ck, cs, owner["access_token"], owner["access_token_secret"])
        status, hook = call("POST", url, {"authorization": auth})
        expect(status == 200 and hook["valid"] is True and hook["url"] == hook_url,
               f"v1.1 register after the CRC check: {status} {hook}")
        webhook_id = hook["id"]

        tampered = auth.replace('oauth_signature="', 'oauth_signature="A')
        status, err = call("GET", f"{base}/1.1/account_activity/webhooks.json",
                           {"authorization": tampered})
        expect(status in (401, 403), f"a tampered signature is refused: {status} {err}")

        url = f"{base}/1.1/account_activity/webhooks/{webhook_id}/subscriptions/all.json"
        auth = oauth1("POST", url, ck, cs, user["access_token"], user["access_token_secret"])
        bad = auth.replace('oauth_signature="', 'oauth_signature="A')
        status, err = call("POST", url, {"authorization": bad})
        expect(status == 401 and err["errors"][0]["code"] == 32,
               f"a tampered subscribe gets 401 code 32: {status} {err}")
        status, _ = call("POST", url, {"authorization": auth})
        expect(status == 204, f"v1.1 subscribe as the user: {status}")

        basic = base64.b64encode(f"{enc(ck)}:{enc(cs)}".encode()).decode()
        status, tok = call("POST", f"{base}/oauth2/token",
                           {"authorization": f"Basic {basic}",
                            "content-type": "application/x-www-form-urlencoded"},
                           b"grant_type=client_credentials")
        expect(status == 200 and tok["token_type"] == "bearer", f"bearer token: {status}")
        bearer = {"authorization": f"Bearer {tok['access_token']}"}
        status, listed = call("GET", f"{base}/2/webhooks", bearer)
        expect(status == 200 and listed["data"][0]["id"] == webhook_id, f"v2 list: {listed}")
        status, count = call("GET", f"{base}/1.1/account_activity/subscriptions/count.json", bearer)
        expect(status == 200 and count["subscriptions_count_all"] == 1, f"v1.1 count: {count}")

        body = json.dumps({"kind": "favorite", "user_id": user["user_id"], "count": 2}).encode()
        status, _ = call("POST", f"{base}/_emulator/trigger",
                         {"content-type": "application/json"}, body)
        expect(status == 200, "trigger two favorites")
        deadline = time.time() + 10
        while len(Hook.bodies) < 2 and time.time() < deadline:
            time.sleep(0.05)
        expect(len(Hook.bodies) == 2 and all(ok for ok, _ in Hook.bodies)
               and all(b["for_user_id"] == user["user_id"] for _, b in Hook.bodies),
               "two deliveries whose signatures verify here")

        call("POST", f"{base}/_emulator/clock", {"content-type": "application/json"},
             b'{"advance_secs":3600}')
        now = time.time()
        fmt = lambda t: time.strftime("%Y%m%d%H%M", time.gmtime(t))
        url = (f"{base}/1.1/account_activity/replay/webhooks/{webhook_id}/subscriptions/all.json"
               f"?from_date={fmt(now - 120)}&to_date={fmt(now + 180)}")
        status, job = call("POST", url, bearer)
        expect(status == 202 and job["job_id"], f"v1.1 replay accepted: {status} {job}")
        deadline = time.time() + 10
        while time.time() < deadline and not any(
                "replay_job_status" in b for _, b in Hook.bodies):
            time.sleep(0.05)
        statuses = [b["replay_job_status"] for _, b in Hook.bodies if "replay_job_status" in b]
        expect(len(statuses) == 1 and statuses[0]["job_id"] == job["job_id"]
               and statuses[0]["job_state"] == "Complete",
               f"replay redelivered and reported: {statuses}")
        expect(len(Hook.bodies) == 5, "the two favorites came again before the status")
    finally:
        emu.terminate()
        emu.wait(timeout=15)


if __name__ == "__main__":
    main()
