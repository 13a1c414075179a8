#!/usr/bin/env python3
"""Checks the JetStream store from outside: three nats-server processes started here (one
cluster, JetStream on disk, sync_interval: always), two `aaa serve --store nats://...` receivers,
every published real-world body (shared/realdata) and generated ones signed here and posted to
both receivers, a receiver and a broker killed with SIGKILL under load, and the stream read back
with a NATS client of this script's own (nats-py), never with aaa: every acknowledged event is
there exactly once, and the stream has the settings deduplication relies on.

Usage: ha-outside.py PATH/TO/aaa PATH/TO/nats-server PATH/TO/realdata
"""

import asyncio
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SECRET = "ha-outside-consumer-secret"
PATH = "/webhooks/twitter"
GENERATED = 3000
FIRST_ID = 1_960_000_000_000_000_000


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def sign(body):
    mac = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """One nats-server of the cluster."""

    def __init__(self, binary, work, i, ports):
        self.binary = binary
        self.port, self.monitor, route = ports[i]
        routes = ", ".join(f"nats-route://127.0.0.1:{p[2]}" for j, p in enumerate(ports) if j != i)
        store = os.path.join(work, f"nats-{i}")
        self.config = os.path.join(work, f"nats-{i}.conf")
        with open(self.config, "w") as f:
            f.write(
                f"server_name: o{i}\nlisten: 127.0.0.1:{self.port}\nhttp: 127.0.0.1:{self.monitor}\n"
                f"jetstream {{\n  store_dir: \"{store}\"\n  sync_interval: always\n}}\n"
                f"cluster {{\n  name: outside\n  listen: 127.0.0.1:{route}\n  routes: [{routes}]\n}}\n"
            )
        self.log = open(os.path.join(work, f"nats-{i}.log"), "a")
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen([self.binary, "-c", self.config],
                                     stdout=subprocess.DEVNULL, stderr=self.log)

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def healthy(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.monitor, timeout=2)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False


def wait_healthy(brokers):
    deadline = time.time() + 60
    for b in brokers:
        while not b.healthy():
            if time.time() > deadline:
                fail(f"nats-server on {b.port} not healthy within a minute")
            time.sleep(0.1)


class Receiver:
    """One `aaa serve --store nats://...`."""

    def __init__(self, aaa, url, data_dir):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AAA_")}
        env["AAA_CONSUMER_SECRET"] = SECRET
        # Each receiver keeps its outage journal in its own data directory.
        self.proc = subprocess.Popen([aaa, "serve", "--listen", "127.0.0.1:0", "--store", url,
                                      "--data-dir", data_dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self.addr = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            if "listening on " in line:
                self.addr = urllib.parse.urlsplit(line.split("listening on ", 1)[1].strip()).netloc
                break
        if self.addr is None:
            self.proc.kill()
            fail("aaa serve --store nats:// did not start")
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()

    def post(self, body):
        host, port = self.addr.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            conn.request("POST", PATH, body=body, headers={
                "content-type": "application/json", "x-twitter-webhooks-signature": sign(body)})
            res = conn.getresponse()
            return res.status, res.read()
        finally:
            conn.close()

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def tweet(n):
    return json.dumps({
        "for_user_id": str(1000 + n % 7),
        "tweet_create_events": [{
            "id": FIRST_ID + n, "id_str": str(FIRST_ID + n), "text": f"ha outside {n}",
            "user": {"id": 6253282, "id_str": "6253282", "screen_name": "outside"},
        }],
    }, separators=(",", ":")).encode()


def post_both(receivers, body):
    """Posts to every live receiver; the `stored` counts of the 200 answers, empty when none."""
    stored = []
    for r in list(receivers):
        try:
            status, raw = r.post(body)
        except OSError:
            continue
        if status == 200:
            stored.append(json.loads(raw).get("stored", 0))
        elif status != 503:
            fail(f"unexpected {status}: {raw[:200]!r}")
    return stored


async def read_stream(url):
    """Every message of the stream, read with nats-py: (settings, [(subject, headers, data)])."""
    import nats
    nc = await nats.connect(servers=url.split(","), connect_timeout=5)
    try:
        js = nc.jetstream(timeout=10)
        info = await js.stream_info("AAA")
        messages = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            m = await js.get_msg("AAA", seq)
            messages.append((m.subject, m.headers or {}, m.data))
        return info.config, messages
    finally:
        await nc.close()


def main():
    if len(sys.argv) != 4:
        fail(__doc__)
    aaa, nats_server, realdata = sys.argv[1:]
    work = tempfile.mkdtemp(prefix="aaa-ha-outside-")
    ports = [(free_port(), free_port(), free_port()) for _ in range(3)]
    brokers = [Broker(nats_server, work, i, ports) for i in range(3)]
    receivers = []
    try:
        wait_healthy(brokers)
        url = ",".join(f"nats://127.0.0.1:{p[0]}" for p in ports)
        receivers = [Receiver(aaa, url, os.path.join(work, "r0")),
                     Receiver(aaa, url, os.path.join(work, "r1"))]

        # Real bodies, each to both receivers.
        real_stored = 0
        bodies = []
        for root, _, files in os.walk(os.path.join(realdata, "payloads")):
            bodies += [os.path.join(root, f) for f in sorted(files) if f.endswith(".json")]
        for path in sorted(bodies):
            with open(path, "rb") as f:
                body = f.read()
            stored = post_both(receivers, body)
            if len(stored) != 2:
                fail(f"{path}: not acknowledged by both receivers")
            real_stored += sum(stored)
        print(f"ok: {len(bodies)} real bodies posted to both receivers, {real_stored} events new")

        # Generated bodies under load, while a receiver and a broker are killed and restarted.
        acked, lock, next_n = {}, threading.Lock(), [0]

        def poster():
            deadline = time.time() + 180
            while time.time() < deadline:
                with lock:
                    n = next_n[0]
                    next_n[0] += 1
                if n >= GENERATED:
                    return
                body = tweet(n)
                while True:
                    stored = post_both(receivers, body)
                    if stored:
                        with lock:
                            acked[n] = sum(stored)
                        break
                    if time.time() > deadline:
                        fail(f"body {n} never acknowledged")
                    time.sleep(0.02)

        threads = [threading.Thread(target=poster) for _ in range(8)]
        for t in threads:
            t.start()

        def wait_acked(n):
            deadline = time.time() + 60
            while len(acked) < n:
                if time.time() > deadline:
                    fail(f"only {len(acked)} bodies acknowledged")
                time.sleep(0.05)

        wait_acked(300)
        victim = receivers[0]
        receivers.remove(victim)
        victim.kill()
        wait_acked(len(acked) + 300)
        receivers.append(Receiver(aaa, url, os.path.join(work, "r2")))
        brokers[2].kill()
        wait_acked(len(acked) + 300)
        brokers[2].start()
        wait_healthy(brokers)
        for t in threads:
            t.join()
        if len(acked) != GENERATED:
            fail(f"{len(acked)} of {GENERATED} generated bodies acknowledged")
        if any(v > 1 for v in acked.values()):
            fail("a body was stored by two answers")
        print(f"ok: {GENERATED} generated bodies acknowledged through a receiver kill -9 and a broker kill -9")

        for r in receivers:
            r.stop()
        receivers = []
        config, messages = asyncio.run(read_stream(url))
        if config.num_replicas != 3:
            fail(f"stream replicas {config.num_replicas}, not 3")
        if config.max_msgs_per_subject != 1 or str(config.discard).lower().find("new") < 0:
            fail(f"stream does not keep one message per subject: {config}")
        events = [(s, h, d) for s, h, d in messages if s.startswith("aaa.events.")]
        keys = [h.get("Aaa-Key") for _, h, _ in events]
        if len(keys) != len(set(keys)):
            fail("a dedupe key is in the stream twice")
        ids = {}
        for _, _, d in events:
            event = json.loads(d)
            n = int(event.get("id_str", "0")) - FIRST_ID
            if 0 <= n < GENERATED:
                ids[n] = ids.get(n, 0) + 1
        if sorted(ids) != list(range(GENERATED)) or any(c != 1 for c in ids.values()):
            fail(f"generated events stored {len(ids)} distinct, expected {GENERATED} once each")
        others = len(events) - GENERATED
        if others != real_stored:
            fail(f"{others} real events in the stream, but the answers said {real_stored} new")
        print(f"ok: read back with nats-py: {len(events)} events, each key once, R3, one message per subject")
    finally:
        for r in receivers:
            r.kill()
        for b in brokers:
            if b.proc and b.proc.poll() is None:
                b.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
