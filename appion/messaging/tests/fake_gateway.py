"""A small bulk-SMS gateway on loopback, speaking the API HttpGatewayBackend expects
(form fields api_key, senderid, number, message, type; a JSON answer with
response_code 202 when accepted). Tests set its `mode`."""

import json
import threading
import time
import urllib.parse
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGateway:
    """mode: "accept", "reject" (code 1001, invalid number), "balance" (1007, temporary),
    "error" (HTTP 503), "slow" (answers after `delay` seconds), "garbage" (not JSON)."""

    def __init__(self, port=0):
        self.mode = "accept"
        self.delay = 2.0
        self.received = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                with gateway.lock:
                    gateway.received.append(fields)
                    mode = gateway.mode
                if mode == "slow":
                    time.sleep(gateway.delay)
                if mode == "error":
                    self._answer(503, b"Service Unavailable", "text/plain")
                elif mode == "garbage":
                    self._answer(200, b"<html>maintenance</html>", "text/html")
                elif mode == "reject":
                    self._json({"response_code": 1001, "error_message": "Invalid Number"})
                elif mode == "balance":
                    self._json({"response_code": 1007, "error_message": "Balance Insufficient"})
                else:
                    self._json(
                        {
                            "response_code": 202,
                            "message_id": len(gateway.received),
                            "success_message": "SMS Submitted Successfully",
                            "error_message": "",
                        }
                    )

            def _json(self, answer):
                self._answer(200, json.dumps(answer).encode(), "application/json")

            def _answer(self, status, body, content_type):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/smsapi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fake_gateway():
    gateway = FakeGateway().start()
    try:
        yield gateway
    finally:
        gateway.stop()
