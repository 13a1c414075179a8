#!/usr/bin/env python3
"""Drives `aaa emulate` from outside with plain HTTP and an OAuth 1.0a signer written here from
RFC 5849 on Python's standard library, and checks X's documented answers: a webhook registered
against a CRC responder written here, bearer-only endpoints, a tampered signature refused with
code 32, a subscription, a signed delivery verified here, and a replay job ending with
replay_job_status. Then every v1.1 endpoint against X's enterprise API reference: HTTP status,
error code and message, body shape, and the x-rate-limit-* headers with each endpoint's
documented limit per 15-minute window.

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


LAST_HEADERS = {}


def call(method, url, headers=None, body=None):
    """(status, JSON body or None); the answer's headers are kept in LAST_HEADERS."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            raw = res.read()
            LAST_HEADERS.clear()
            LAST_HEADERS.update({k.lower(): v for k, v in res.headers.items()})
            return res.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        LAST_HEADERS.clear()
        LAST_HEADERS.update({k.lower(): v for k, v in e.headers.items()})
        return e.code, json.loads(raw) if raw else None


def rate_limit():
    """The x-rate-limit-limit of the last answer, after checking all three headers are there."""
    for name in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
        if name not in LAST_HEADERS:
            sys.exit(f"emulator-outside: FAILED: no {name} header in {LAST_HEADERS}")
    return int(LAST_HEADERS["x-rate-limit-limit"])


def error(body):
    return (body["errors"][0]["code"], body["errors"][0]["message"])


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
        if "/broken" in self.path:
            self.send_response(404)
            self.end_headers()
            return
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
        expect(status == 200 and count["subscriptions_count_all"] == "1", f"v1.1 count: {count}")

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

        reference(base, ck, cs, owner, user, bearer, hook_url, server.server_port)
    finally:
        emu.terminate()
        emu.wait(timeout=15)


WEBHOOK_NOT_FOUND = ("Webhook does not exist or is associated with a different twitter "
                     "application.")


def reference(base, ck, cs, owner, user, bearer, hook_url, port):
    """Every v1.1 endpoint as X's enterprise API reference documents it."""
    aa = f"{base}/1.1/account_activity"

    def as_owner(method, url):
        auth = oauth1(method, url, ck, cs, owner["access_token"], owner["access_token_secret"])
        return call(method, url, {"authorization": auth})

    def as_user(method, url):
        auth = oauth1(method, url, ck, cs, user["access_token"], user["access_token_secret"])
        return call(method, url, {"authorization": auth})

    bad_bearer = {"authorization": "Bearer AAAAAAAAAAAAAAAAAAAAAnotatoken"}

    # POST webhooks.json: 200 {id,url,valid,created_at "2016-06-02T23:54:02Z"}, 15 / 15 min.
    second = f"http://127.0.0.1:{port}/webhooks/second"
    status, hook = as_owner("POST", f"{aa}/webhooks.json?url={enc(second)}")
    expect(status == 200 and sorted(hook) == ["created_at", "id", "url", "valid"]
           and len(hook["created_at"]) == 20 and hook["created_at"].endswith("Z")
           and rate_limit() == 15, f"register: 200, documented shape, limit 15: {hook}")
    second_id = hook["id"]
    status, err = as_owner("POST", f"{aa}/webhooks.json?url={enc(second)}")
    expect(status == 403 and error(err)[0] == 214,
           f"register the same URL again: 403 code 214: {status} {err}")
    broken = f"http://127.0.0.1:{port}/webhooks/broken"
    status, err = as_owner("POST", f"{aa}/webhooks.json?url={enc(broken)}")
    expect(status == 403 and error(err) == (
        214, "Non-200 response code during CRC GET request (i.e. 404, 500, etc)."),
        f"a non-200 CRC answer: 403 code 214 and X's message: {status} {err}")
    third = f"http://127.0.0.1:{port}/webhooks/third"
    status, _ = as_owner("POST", f"{aa}/webhooks.json?url={enc(third)}")
    expect(status == 200, "a third webhook (the enterprise tier has 3)")
    fourth = f"http://127.0.0.1:{port}/webhooks/fourth"
    status, err = as_owner("POST", f"{aa}/webhooks.json?url={enc(fourth)}")
    expect(status == 403 and error(err) == (214, "Too many resources already created."),
           f"a fourth: 403 code 214 Too many resources already created.: {status} {err}")

    # GET webhooks.json: bearer, 200 array of the documented shape, 15 / 15 min.
    status, listed = call("GET", f"{aa}/webhooks.json", bearer)
    expect(status == 200 and isinstance(listed, list) and len(listed) == 3
           and all(sorted(w) == ["created_at", "id", "url", "valid"] for w in listed)
           and rate_limit() == 15, f"list webhooks: 200, documented shape, limit 15: {listed}")
    status, err = as_owner("GET", f"{aa}/webhooks.json")
    expect(status == 403 and error(err)[0] == 220,
           f"list webhooks with user context: 403 code 220: {status} {err}")

    # PUT webhooks/:id.json: 204, 15 / 15 min; a missing webhook is code 34 in X's words.
    status, _ = as_owner("PUT", f"{aa}/webhooks/{second_id}.json")
    expect(status == 204 and rate_limit() == 15, f"validate: 204, limit 15: {status}")
    status, err = as_owner("PUT", f"{aa}/webhooks/404404.json")
    expect(error(err) == (34, WEBHOOK_NOT_FOUND), f"validate a missing webhook: {status} {err}")

    # POST .../subscriptions/all.json: 204, 500 / 15 min; code 34 for a missing webhook.
    subs = f"{aa}/webhooks/{second_id}/subscriptions/all.json"
    status, _ = as_user("POST", subs)
    expect(status == 204 and rate_limit() == 500, f"subscribe: 204, limit 500: {status}")
    status, err = as_user("POST", f"{aa}/webhooks/404404/subscriptions/all.json")
    expect(error(err) == (34, WEBHOOK_NOT_FOUND), f"subscribe to a missing webhook: {err}")

    # GET .../subscriptions/all.json: 204 when subscribed, 500 / 15 min.
    status, _ = as_user("GET", subs)
    expect(status == 204 and rate_limit() == 500, f"check: 204, limit 500: {status}")

    # GET subscriptions/count.json: strings, 15 / 15 min; 401 code 32 for bad credentials.
    status, count = call("GET", f"{aa}/subscriptions/count.json", bearer)
    expect(status == 200 and sorted(count) == [
        "account_name", "provisioned_count", "subscriptions_count_all",
        "subscriptions_count_direct_messages"]
        and all(isinstance(count[k], str) for k in count)
        and count["subscriptions_count_all"] == "2" and count["provisioned_count"] == "500"
        and rate_limit() == 15, f"count: strings, provisioned 500, limit 15: {count}")
    status, err = call("GET", f"{aa}/subscriptions/count.json", bad_bearer)
    expect(status == 401 and error(err) == (32, "Could not authenticate you."),
           f"count with bad credentials: 401 code 32: {status} {err}")

    # GET .../subscriptions/all/list.json: the documented shape, 50 / 15 min.
    listing = f"{aa}/webhooks/{second_id}/subscriptions/all/list.json"
    status, subs_list = call("GET", listing, bearer)
    expect(status == 200 and sorted(subs_list) == [
        "application_id", "subscriptions", "webhook_id", "webhook_url"]
        and subs_list["subscriptions"] == [{"user_id": user["user_id"]}]
        and rate_limit() == 50, f"list subscriptions: documented shape, limit 50: {subs_list}")
    status, err = call("GET", listing, bad_bearer)
    expect(status == 401 and error(err) == (32, "Could not authenticate you."),
           f"list with bad credentials: 401 code 32: {status} {err}")

    # DELETE .../subscriptions/all.json (deprecated, as the user): 204, 500 / 15 min.
    status, _ = as_user("DELETE", subs)
    expect(status == 204 and rate_limit() == 500, f"deactivate: 204, limit 500: {status}")
    status, err = as_user("GET", subs)
    expect(status == 404 and error(err)[0] == 34, f"check after deactivate: 404: {status}")

    # DELETE .../subscriptions/:user_id/all.json (bearer): 404 "Sorry, that page does not
    # exist." for a user who is not subscribed, 500 / 15 min.
    by_id = f"{aa}/webhooks/{second_id}/subscriptions/{user['user_id']}/all.json"
    status, err = call("DELETE", by_id, bearer)
    expect(status == 404 and error(err) == (34, "Sorry, that page does not exist.")
           and rate_limit() == 500, f"deactivate a user who is not subscribed: {status} {err}")

    # DELETE webhooks/:id.json: 204, 15 / 15 min.
    status, _ = as_owner("DELETE", f"{aa}/webhooks/{second_id}.json")
    expect(status == 204 and rate_limit() == 15, f"delete webhook: 204, limit 15: {status}")

    # Count's window: 15 calls, then 429 code 88 with the headers.
    for _ in range(14):
        call("GET", f"{aa}/subscriptions/count.json", bearer)
    status, err = call("GET", f"{aa}/subscriptions/count.json", bearer)
    expect(status == 429 and error(err)[0] == 88 and rate_limit() == 15
           and LAST_HEADERS["x-rate-limit-remaining"] == "0",
           f"the 16th count in a window: 429 code 88: {status} {err}")


if __name__ == "__main__":
    main()
