#!/usr/bin/env python3
"""`sijill serve --tls-cert F --tls-key F` (docs/operations.md): HTTPS and WSS on one port, with a
self-signed certificate made here with `openssl req -x509`, checked by clients that trust only
that certificate; plain HTTP on that port gets no answer; bad TLS files stop the start.

Usage: server_tls_test.py SIJILL
"""
import asyncio
import hashlib
import http.client
import json
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_support import Server  # noqa: E402

SIJILL = sys.argv[1]


def make_certificate(folder, name="server", cn="127.0.0.1"):
    cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={cn}",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class Tls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="sijill-tls-"))
        cls.cert, cls.key = make_certificate(cls.tmp)
        cls.trust = ssl.create_default_context(cafile=str(cls.cert))  # verifies the chain and the name
        cls.s = Server(SIJILL, "--tls-cert", str(cls.cert), "--tls-key", str(cls.key), ssl_context=cls.trust)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_https_serves_the_api(self):
        self.assertTrue(self.s.url.startswith("https://"))
        status, _, body = self.s.request("GET", "/health")
        self.assertEqual((status, body["status"]), (200, "ok"))
        status, _, body = self.s.command("RegisterUser", {"person_id": "T-1", "roles": ["auditor"]})
        self.assertEqual(status, 201, body)
        status, _, body = self.s.get("/v1/streams/user/T-1")
        self.assertEqual((status, body["version"]), (200, 1))
        status, _, body = self.s.request("GET", "/v1/events", None, "sjl_wrong")
        self.assertEqual(status, 401)

    def test_keep_alive_and_an_upload_over_tls(self):
        content = bytes(range(256)) * 2000
        conn = http.client.HTTPSConnection("127.0.0.1", self.s.port, context=self.trust, timeout=30)
        try:
            for _ in range(3):  # one connection, several requests
                conn.request("GET", "/health")
                res = conn.getresponse()
                self.assertEqual(res.status, 200)
                res.read()
            conn.request("PUT", "/v1/documents", body=content, headers={"Authorization": "Bearer " + self.s.admin})
            res = conn.getresponse()
            self.assertIn(res.status, (200, 201))
            self.assertEqual(json.loads(res.read())["sha256"], hashlib.sha256(content).hexdigest())
        finally:
            conn.close()

    def test_a_client_that_does_not_trust_the_certificate_is_refused(self):
        with self.assertRaises(urllib.error.URLError) as caught:
            urllib.request.urlopen(self.s.url + "/health", timeout=10, context=ssl.create_default_context())
        self.assertIsInstance(caught.exception.reason, ssl.SSLCertVerificationError)
        other_cert, _ = make_certificate(self.tmp, "other")
        with self.assertRaises(urllib.error.URLError):
            urllib.request.urlopen(self.s.url + "/health", timeout=10,
                                   context=ssl.create_default_context(cafile=str(other_cert)))

    def test_plain_http_on_the_tls_port_gets_no_answer(self):
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=20) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            try:
                while True:
                    part = sock.recv(4096)
                    if not part:
                        break
                    received += part
            except ConnectionResetError:
                pass
        self.assertNotIn(b"HTTP/1.1", received)
        self.assertEqual(self.s.request("GET", "/health")[0], 200)  # the server goes on

    def test_wss_streams_events(self):
        async def go():
            url = f"wss://127.0.0.1:{self.s.port}/v1/stream"
            async with websockets.connect(url, ssl=self.trust,
                                          extra_headers={"Authorization": "Bearer " + self.s.admin}) as ws:
                await ws.send(json.dumps({"op": "subscribe", "id": "s1", "topic": "events", "from": 0}))
                positions = []
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if message["op"] == "events":
                        positions += [e["position"] for e in message["events"]]
                    elif message["op"] == "caught_up":
                        break
                    else:
                        self.fail(message)
                self.assertEqual(positions, list(range(1, len(positions) + 1)))
                self.assertGreaterEqual(len(positions), 2)
                # Live: a command's event arrives over the same TLS connection.
                status, _, body = self.s.command("RegisterUser", {"person_id": "T-live", "roles": ["auditor"]})
                self.assertEqual(status, 201, body)
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if message["op"] == "events" and any(e["stream"] == "user/T-live" for e in message["events"]):
                        break
            # The browser way: authenticate with the first message.
            async with websockets.connect(url, ssl=self.trust) as ws:
                await ws.send(json.dumps({"op": "auth", "token": self.s.admin}))
                reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
                self.assertEqual((reply["op"], reply["user"]), ("authenticated", "admin"))
        asyncio.run(go())


class BadTlsFiles(unittest.TestCase):
    def test_the_server_refuses_to_start(self):
        tmp = Path(tempfile.mkdtemp(prefix="sijill-tls-"))
        try:
            cert, key = make_certificate(tmp)
            other_cert, other_key = make_certificate(tmp, "other")
            garbage = tmp / "garbage.pem"
            garbage.write_text("not a certificate\n")
            cases = [
                (["--tls-cert", str(cert)], "both --tls-cert and --tls-key"),
                (["--tls-key", str(key)], "both --tls-cert and --tls-key"),
                (["--tls-cert", str(garbage), "--tls-key", str(key)], "cannot load the TLS certificate"),
                (["--tls-cert", str(cert), "--tls-key", str(tmp / "missing.pem")], "cannot load the TLS private key"),
                (["--tls-cert", str(cert), "--tls-key", str(other_key)], "not the certificate's"),
            ]
            for n, (flags, message) in enumerate(cases):
                with self.subTest(flags=flags):
                    r = subprocess.run([SIJILL, "serve", "--data", str(tmp / f"data-{n}"), "--listen", "127.0.0.1:0",
                                        "--admin-token-file", str(tmp / "token"), *flags],
                                       capture_output=True, timeout=60)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn(message, (r.stdout + r.stderr).decode())
                    self.assertFalse((tmp / f"data-{n}").exists())  # refused before the folder is made
                    self.assertFalse((tmp / "token").exists())
            del other_cert
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
