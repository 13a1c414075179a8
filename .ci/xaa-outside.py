#!/usr/bin/env python3
"""Checks the X Activity API from outside, with Python's standard library only:

1. a bearer token from the emulator's /oauth2/token (HTTP Basic written here);
2. raw HTTP to /2/activity/subscriptions: create (bearer for a public type, the user's OAuth 2.0
   token for a private one, refused with the bearer token), list page by page, update, delete,
   bulk delete with a per-id failure, and X's validation;
3. a raw read of GET /2/activity/stream (chunked, newline-delimited, keep-alives);
4. `aaa trigger` of X Activity API event types arriving on that stream and, through a subscription
   with a webhook_id, at an `aaa serve` webhook (signed: aaa serve stores only verified bodies);
5. `aaa activity stream` reading the stream into the same data directory as `aaa serve`: every
   event stored once, with a key that holds the event_uuid seen on the raw stream;
6. the published real X Activity API bodies (never part of the repository): `aaa parse` decodes
   each with its event type, and a copy re-serialized here (compact, keys sorted, ASCII-escaped)
   gets the same key;
7. docs/xaa.md's step-by-step walkthrough, run as written (ports aside) by bash, its events
   stored once each.

Usage: xaa-outside.py PATH/TO/aaa PATH/TO/realdata
"""

import base64
import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def fail(msg):
    sys.exit(f"xaa-outside: FAILED: {msg}")


def expect(cond, what):
    if not cond:
        fail(what)
    print(f"ok: {what}")


def call(method, url, headers=None, body=None):
    """(status, JSON body or None, headers)."""
    headers = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            raw = res.read()
            return res.status, (json.loads(raw) if raw else None), res.headers
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None), e.headers


class Lines:
    """The stderr lines of a child process, readable with a timeout."""

    def __init__(self, pipe):
        self.q = queue.Queue()
        threading.Thread(target=self._pump, args=(pipe,), daemon=True).start()

    def _pump(self, pipe):
        for line in pipe:
            self.q.put(line.rstrip("\n"))

    def wait_for(self, text, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.q.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if text in line:
                return line
        fail(f"no line with {text!r} within {timeout}s")


class RawStream:
    """A raw reader of GET /2/activity/stream: every line, keep-alives counted."""

    def __init__(self, url, bearer):
        req = urllib.request.Request(url, headers={"authorization": f"Bearer {bearer}"})
        self.res = urllib.request.urlopen(req, timeout=30)
        self.status = self.res.status
        self.events = queue.Queue()
        self.keepalives = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for raw in self.res:
                line = raw.decode().strip()
                if not line:
                    self.keepalives += 1
                else:
                    self.events.put(json.loads(line))
        except Exception:  # the stream ends when the emulator stops
            pass

    def take(self, n, timeout=30):
        out, deadline = [], time.time() + timeout
        while len(out) < n:
            try:
                out.append(self.events.get(timeout=max(0.01, deadline - time.time())))
            except queue.Empty:
                fail(f"only {len(out)} of {n} events on the raw stream")
        return out


def aaa_run(aaa, args, env=None):
    res = subprocess.run([aaa] + args, capture_output=True, text=True, timeout=60,
                         env={**os.environ, **(env or {})})
    return res.returncode, res.stdout, res.stderr


def stored(aaa, data_dir):
    code, out, err = aaa_run(aaa, ["events", "list", "--data-dir", data_dir, "--json"])
    if code != 0:
        fail(f"aaa events list: {err}")
    return [json.loads(l) for l in out.splitlines()]


def check_subscriptions(base, bearer, user, oauth2, webhook_id):
    api = f"{base}/2/activity/subscriptions"
    auth = {"authorization": f"Bearer {bearer}"}
    status, body, headers = call("POST", api, auth, {
        "event_type": "profile.update.bio", "filter": {"user_id": user},
        "tag": "bios", "webhook_id": webhook_id})
    sub = (body or {}).get("data", {}).get("subscription", {})
    expect(status == 200 and sub.get("event_type") == "profile.update.bio"
           and sub.get("webhook_id") == webhook_id and sub.get("filter") == {"user_id": user},
           f"create with the bearer token, answered in the OpenAPI shape: {status} {body}")
    expect(headers.get("x-rate-limit-limit") == "500", "500 calls per window per endpoint")
    bio_id = sub["subscription_id"]

    status, body, _ = call("POST", api, auth, {
        "event_type": "like.create", "filter": {"user_id": user, "direction": "outbound"}})
    expect(status == 403 and "not-authorized-for-resource" in body["errors"][0]["type"],
           f"a private type with the bearer token is refused: {status}")
    status, body, _ = call("POST", api, {"authorization": f"Bearer {oauth2}"}, {
        "event_type": "like.create", "filter": {"user_id": user, "direction": "sent"}})
    expect(status == 200 and body["data"]["subscription"]["filter"]["direction"] == "outbound",
           f"the user's OAuth 2.0 token creates it (sent read as outbound): {status} {body}")
    like_id = body["data"]["subscription"]["subscription_id"]
    status, body, _ = call("POST", api, auth, {"event_type": "post.create", "filter": {"user_id": user}})
    expect(status == 200, "a stream-only subscription (no webhook)")
    for bad, param in [({"event_type": "post.nope", "filter": {"user_id": user}}, "event_type"),
                       ({"event_type": "news.new", "filter": {"user_id": user}}, "filter.keyword"),
                       ({"event_type": "post.create", "filter": {"user_id": user}, "x": 1}, "body")]:
        status, body, _ = call("POST", api, auth, bad)
        expect(status == 400 and body["errors"][0]["parameter"] == param,
               f"X's validation refuses {bad}: {status} {param}")

    ids, token = [], None
    while True:
        url = f"{api}?max_results=1" + (f"&pagination_token={token}" if token else "")
        status, page, _ = call("GET", url, auth)
        ids += [s["subscription_id"] for s in page.get("data", [])]
        token = page.get("meta", {}).get("next_token")
        if not token:
            break
    expect(len(ids) == 3 and page["meta"]["total_subscriptions"] == 3,
           f"list, one per page, three pages: {ids}")

    status, body, _ = call("PUT", f"{api}/{like_id}", auth, {"tag": "likes"})
    expect(status == 200 and body["data"]["subscription"]["tag"] == "likes"
           and body["data"]["total_subscriptions"] == 3, f"update the tag: {status}")
    status, body, _ = call("PUT", f"{api}/{like_id}", auth, {"event_type": "post.create"})
    expect(status == 400, "the event type cannot change")
    status, body, _ = call("DELETE", f"{api}/{like_id}", auth)
    expect(status == 200 and body == {"data": {"deleted": True}, "meta": {"total_subscriptions": 2}},
           f"delete one: {body}")
    # A scratch subscription, deleted in bulk with an id that no longer exists.
    status, body, _ = call("POST", api, auth, {"event_type": "follow.follow", "filter": {"user_id": user}})
    scratch = body["data"]["subscription"]["subscription_id"]
    status, body, _ = call("DELETE", f"{api}?ids={scratch},{like_id}", auth)
    expect(status == 200 and body["data"] == [{"subscription_id": scratch, "deleted": True}]
           and body["errors"][0]["subscription_id"] == like_id
           and body["errors"][0]["reason"] == "not_found"
           and body["meta"] == {"total_subscriptions": 2},
           f"bulk delete reports each id: {body}")
    return bio_id


def check_real_bodies(aaa, realdata):
    folder = os.path.join(realdata, "payloads", "v2_activity")
    checked = 0
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        body = json.loads(text)
        if "data" not in body:
            continue
        code, out, err = aaa_run(aaa, ["parse", path])
        line = json.loads(out.splitlines()[0]) if out else {}
        want = body["data"]["event_type"].replace("chat.conversation_join", "chat.conversation.join")
        if code != 0 or line.get("kind") != want or line.get("typed") is not True:
            fail(f"{name}: aaa parse gave {code} {out} {err}")
        uuid = body["data"].get("event_uuid")
        if uuid is not None and not line["key"].endswith("/" + uuid):
            fail(f"{name}: key {line['key']} does not hold the event_uuid {uuid}")
        for variant in (json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                        json.dumps(body, separators=(",", ":"), sort_keys=True),
                        json.dumps(body, indent=4, ensure_ascii=True)):
            res = subprocess.run([aaa, "parse", "-"], input=variant, capture_output=True,
                                 text=True, timeout=30)
            again = json.loads(res.stdout.splitlines()[0])
            if again["key"] != line["key"]:
                fail(f"{name}: re-serialized, the key changed: {line['key']} -> {again['key']}")
        checked += 1
    expect(checked >= 25, f"{checked} real X Activity API bodies decode with their type, "
                          "and keep their key when re-serialized three ways")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check_walkthrough(aaa):
    """docs/xaa.md's step-by-step block, run as written in a directory of its own (only its two
    ports changed to free ones, and a wait for each server it starts in the background)."""
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "xaa.md")).read()
    after = doc.split("Or step by step.", 1)[1]
    block = after.split("```sh\n", 1)[1].split("```", 1)[0]
    emulator, receiver = free_port(), free_port()
    block = block.replace("127.0.0.1:8181", f"127.0.0.1:{emulator}")
    block = block.replace("127.0.0.1:8080", f"127.0.0.1:{receiver}")
    wait_port = ("until python3 -c 'import socket,sys; socket.create_connection((\"127.0.0.1\", "
                 "int(sys.argv[1])), 1)' {} 2>/dev/null; do sleep 0.1; done")
    wait_stream = ("until python3 -c 'import json,sys,urllib.request; "
                   "sys.exit(not any(json.load(urllib.request.urlopen(sys.argv[1]))"
                   "[\"streams\"].values()))' "
                   f"http://127.0.0.1:{emulator}/_emulator/activity 2>/dev/null; "
                   "do sleep 0.1; done")
    lines = []
    for line in block.splitlines():
        lines.append(line)
        code = line.split("#", 1)[0].strip()
        if code.startswith("aaa emulate") and code.endswith("&"):
            lines.append(wait_port.format(emulator))
        elif code.startswith("aaa serve") and code.endswith("&"):
            lines.append(wait_port.format(receiver))
        elif code.startswith("aaa activity stream") and code.endswith("&"):
            lines.append(wait_stream)
    script = "\n".join(
        ["set -e", "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT"] + lines + [
            # The posts come by webhook and by stream: wait for all five events, then a little
            # longer for the second copies, which must not be stored.
            "for i in $(seq 300); do",
            "  [ \"$(aaa events list --data-dir ./data --json | wc -l)\" -ge 5 ] && break",
            "  sleep 0.1",
            "done",
            "sleep 1",
            "aaa events list --data-dir ./data --json > events.json",
        ])
    work = tempfile.mkdtemp(prefix="aaa-xaa-walkthrough-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AAA_")}
    env["PATH"] = os.path.dirname(os.path.abspath(aaa)) + os.pathsep + env.get("PATH", "")
    try:
        res = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True,
                             text=True, timeout=180)
        expect(res.returncode == 0,
               f"docs/xaa.md's walkthrough runs as written: exit {res.returncode}"
               + ("" if res.returncode == 0 else f"\n{res.stdout}\n{res.stderr}"))
        events = [json.loads(l) for l in open(os.path.join(work, "events.json"))]
        kinds = sorted(e["kind"] for e in events)
        keys = [e["key"] for e in events]
        expect(kinds == ["dm.received", "news.new"] + ["post.create"] * 3
               and len(set(keys)) == 5,
               f"the walkthrough's events stored once each: {keys}")
    finally:
        subprocess.run(["rm", "-rf", work])


def main():
    aaa, realdata = sys.argv[1], sys.argv[2]
    procs = []
    data_dir = tempfile.mkdtemp(prefix="aaa-xaa-outside-")
    try:
        emu = subprocess.Popen(
            [aaa, "emulate", "--listen", "127.0.0.1:0", "--users", "1", "--crc-interval", "off",
             "--retry-delays", "100ms,200ms", "--stream-keepalive", "200ms"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(emu)
        summary = json.loads(emu.stdout.readline())
        base = summary["base_url"]
        app = summary["apps"][0]
        ck, cs = app["consumer_key"], app["consumer_secret"]
        user = next(u for u in summary["users"] if u["user_id"] != app["owner"]["user_id"])
        uid = user["user_id"]
        oauth2 = app["oauth2_user_tokens"][uid]

        basic = base64.b64encode(f"{ck}:{cs}".encode()).decode()
        req = urllib.request.Request(
            f"{base}/oauth2/token", data=b"grant_type=client_credentials", method="POST",
            headers={"authorization": f"Basic {basic}",
                     "content-type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=10) as res:
            token = json.loads(res.read())
        expect(token["token_type"] == "bearer", "a bearer token from /oauth2/token")
        bearer = token["access_token"]

        serve = subprocess.Popen(
            [aaa, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir],
            env={**os.environ, "AAA_CONSUMER_SECRET": cs}, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        procs.append(serve)
        hook_url = Lines(serve.stderr).wait_for("listening on").split("listening on ")[1]
        status, body, _ = call("POST", f"{base}/2/webhooks", {"authorization": f"Bearer {bearer}"},
                               {"url": hook_url})
        expect(status == 200 and body["data"]["valid"], f"aaa serve registered as a webhook: {status}")
        webhook_id = body["data"]["id"]

        check_subscriptions(base, bearer, uid, oauth2, webhook_id)

        raw = RawStream(f"{base}/2/activity/stream", bearer)
        expect(raw.status == 200, "GET /2/activity/stream opens")
        env = {"AAA_BASE_URL": base, "AAA_CONSUMER_KEY": ck, "AAA_CONSUMER_SECRET": cs}
        consumer = subprocess.Popen(
            [aaa, "activity", "stream", "--data-dir", data_dir],
            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(consumer)
        Lines(consumer.stderr).wait_for("activity stream connected")
        time.sleep(0.5)
        expect(raw.keepalives >= 1, f"keep-alives on a quiet stream: {raw.keepalives}")

        for kind, n in (("profile.update.bio", "2"), ("post.create", "3")):
            code, out, err = aaa_run(aaa, ["trigger", kind, "--user", uid, "--count", n,
                                           "--emulator", base])
            expect(code == 0, f"aaa trigger {kind} --count {n}: {out.strip()}")
        events = raw.take(5)
        uuids = {e["data"]["event_uuid"] for e in events}
        expect(len(uuids) == 5 and all(e["data"]["filter"] == {"user_id": uid} for e in events)
               and sorted(e["data"]["event_type"] for e in events)
               == ["post.create"] * 3 + ["profile.update.bio"] * 2,
               "the five events on the raw stream, each with its own event_uuid")

        deadline = time.time() + 30
        while time.time() < deadline:
            got = stored(aaa, data_dir)
            if len(got) >= 5:
                break
            time.sleep(0.2)
        # The two bio events also went to aaa serve's webhook; wait for the emulator to count them.
        while time.time() < deadline:
            _, stats, _ = call("GET", f"{base}/_emulator/deliveries")
            if stats["delivered"] >= 2:
                break
            time.sleep(0.1)
        expect(stats["delivered"] == 2, f"the webhook took both bio events: {stats}")
        got = stored(aaa, data_dir)
        keys = [e["key"] for e in got]
        expect(len(keys) == 5 and len(set(keys)) == 5,
               f"stored once each although the bio events came on both paths: {keys}")
        expect({k.rsplit("/", 1)[1] for k in keys} == uuids,
               "every stored key holds an event_uuid seen on the raw stream")

        check_real_bodies(aaa, realdata)
        check_walkthrough(aaa)
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run(["rm", "-rf", data_dir])
    print("xaa-outside: all checks passed")


if __name__ == "__main__":
    main()
