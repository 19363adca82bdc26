#!/usr/bin/python3
"""A weights server on 127.0.0.1 for walking the pretrained-weights features by hand (docs/WEIGHTS.md).

Serves the files of DIR under several prefixes, with HTTP Range support:
  /FILE            the file (a mirror: CONVNET4J_WEIGHTS_MIRROR=http://127.0.0.1:PORT/)
  /cut/FILE        promises the whole file, sends half, drops the connection once per file; then serves it
  /tampered/FILE   the file with one byte flipped
  /slow/FILE       waits 5 s before answering
  /other/FILE      other bytes under the same name (the file reversed): another host's file of that name
  anything else    404
Every request is logged on stderr with its Range header. Usage: walk_server.py DIR PORT_FILE
(the port it listens on is written to PORT_FILE).
"""
import http.server
import os
import sys
import threading
import time

ROOT = sys.argv[1]
cut_done = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("%s Range=%s\n" % (fmt % args, self.headers.get("Range")))

    def do_GET(self):
        parts = self.path.lstrip("/").split("/")
        mode, name = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
        path = os.path.join(ROOT, name)
        if mode not in ("", "cut", "tampered", "slow", "other") or "/" in name or not os.path.isfile(path):
            self.send_error(404)
            return
        body = open(path, "rb").read()
        if mode == "tampered":
            body = body[:1000] + bytes([body[1000] ^ 1]) + body[1001:]
        if mode == "other":
            body = body[::-1]
        if mode == "slow":
            time.sleep(5)
        rng = self.headers.get("Range")
        start = int(rng[len("bytes="):].split("-")[0]) if rng else 0
        if mode == "cut" and not rng:
            with lock:
                first = name not in cut_done
                cut_done.add(name)
            if first:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
        if rng:
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        for i in range(start, len(body), 1 << 16):
            self.wfile.write(body[i:i + (1 << 16)])
            time.sleep(0.01)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
