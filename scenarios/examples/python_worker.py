#!/usr/bin/env python3
"""A job-polling worker in plain Python (standard library only), for measuring with the harness.

It polls the reference server's POST /poll over one keep-alive HTTP connection and, when the
queue is empty, either re-polls at once (--strategy tight: the seed-000 bug) or sleeps
(--strategy backoff:<ms>). A claimed job is completed with POST /jobs/<id>/complete.

    python3 python_worker.py --server http://127.0.0.1:8080 --name py-1 --strategy backoff:100
"""
import argparse
import http.client
import json
import signal
import socket
import sys
import time
import urllib.parse


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", required=True, help="base URL of the job server, e.g. http://127.0.0.1:8080")
    p.add_argument("--name", default="py-worker", help="worker name sent with every poll")
    p.add_argument("--queue", default="default")
    p.add_argument("--loop", default="task", help="loop name sent with every poll")
    p.add_argument("--strategy", default="tight", help="tight | backoff:<ms> (sleep after an empty poll)")
    args = p.parse_args()
    if args.strategy == "tight":
        args.sleep_s = 0.0
    elif args.strategy.startswith("backoff:") and args.strategy[8:].isdigit():
        args.sleep_s = int(args.strategy[8:]) / 1000.0
    else:
        p.error(f"--strategy: expected tight or backoff:<ms>, got {args.strategy!r}")
    return args


class NoDelayConnection(http.client.HTTPConnection):
    """Small requests go out at once (no Nagle delay waiting for the previous answer's ACK)."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Client:
    """One keep-alive connection (http.client), reopened when the server closes it."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        if u.scheme != "http" or not u.hostname:
            raise SystemExit(f"--server: expected an http:// URL, got {base!r}")
        self.host, self.port = u.hostname, u.port or 80
        self.conn = None

    def post(self, path, body):
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = NoDelayConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request("POST", path, body=data, headers={"content-type": "application/json"})
                res = self.conn.getresponse()
                raw = res.read()
                if res.status >= 300:
                    raise RuntimeError(f"{path} answered {res.status}: {raw[:200]!r}")
                return json.loads(raw or b"{}")
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    client = Client(args.server)
    print(f"python worker {args.name}: polling {args.server} queue {args.queue}, strategy {args.strategy}", flush=True)
    polls = claims = 0
    while True:
        answer = client.post("/poll", {"worker": args.name, "loop": args.loop, "queue": args.queue})
        polls += 1
        job = answer.get("job")
        if job is None:
            if args.sleep_s > 0:
                time.sleep(args.sleep_s)
            continue
        claims += 1
        client.post(f"/jobs/{job['id']}/complete", {"worker": args.name})


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
