#!/usr/bin/env python3
"""A tiny job server in plain Python (standard library only), standing in for "your own server".

It speaks the same small protocol as the reference server (POST /jobs, POST /poll,
POST /jobs/<id>/complete) from an in-memory queue, and exposes its own Prometheus counters on
GET /metrics under its own names (myapp_*), which a scenario maps onto the report's poll columns
with `metricsMap`. It binds 127.0.0.1 on a port the OS picks and prints `listening on <url>`.

    python3 -m python_server --port 0
"""
import argparse
import collections
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
queues = collections.defaultdict(collections.deque)
claimed = {}
next_id = [1]
counters = collections.Counter()  # (metric, worker, loop) -> count


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real server

    def log_message(self, *args):  # no access log: it would cost more CPU than the polls
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_json(self):
        n = int(self.headers.get("content-length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return None

    def do_GET(self):
        if self.path == "/metrics":
            lines = []
            for metric in ("myapp_requests_total", "myapp_empty_total", "myapp_jobs_claimed_total"):
                lines.append(f"# TYPE {metric} counter")
                with lock:
                    for (m, worker, loop), v in sorted(counters.items()):
                        if m == metric:
                            lines.append(f'{m}{{worker="{worker}",loop="{loop}"}} {v}')
            data = ("\n".join(lines) + "\n").encode()
            self.send_response(200)
            self.send_header("content-type", "text/plain; version=0.0.4")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif self.path == "/healthz":
            self.send_json(200, {"ok": True})
        else:
            self.send_json(404, {"error": "no route"})

    def do_POST(self):
        body = self.read_json()
        if not isinstance(body, dict):
            return self.send_json(400, {"error": "expected a JSON object"})
        if self.path == "/poll":
            worker, loop, queue = str(body.get("worker", "")), str(body.get("loop", "main")), str(body.get("queue", "default"))
            with lock:
                counters[("myapp_requests_total", worker, loop)] += 1
                job = queues[queue].popleft() if queues[queue] else None
                if job is None:
                    counters[("myapp_empty_total", worker, loop)] += 1
                else:
                    counters[("myapp_jobs_claimed_total", worker, loop)] += 1
                    claimed[job["id"]] = job
            return self.send_json(200, {"job": job})
        if self.path == "/jobs":
            with lock:
                job = {"id": next_id[0], "queue": str(body.get("queue", "default")), "payload": body.get("payload")}
                next_id[0] += 1
                queues[job["queue"]].append(job)
            return self.send_json(201, {"id": job["id"]})
        m = re.fullmatch(r"/jobs/(\d+)/complete", self.path)
        if m:
            with lock:
                found = claimed.pop(int(m.group(1)), None)
            return self.send_json(200 if found else 404, {"ok": True} if found else {"error": "no such claimed job"})
        self.send_json(404, {"error": "no route"})


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0, help="0: the OS picks a free port")
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
