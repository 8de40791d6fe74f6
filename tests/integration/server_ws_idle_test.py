#!/usr/bin/env python3
"""WebSocket idle time-out on a real `sijill serve --ws-idle-timeout-ms 1000` (docs/api.md): the
server pings a silent connection at half the time-out and closes one that answers nothing by
the time-out; a client that answers the pings stays connected however long it says nothing.

Usage: server_ws_idle_test.py SIJILL
"""
import asyncio
import base64
import json
import os
import re
import socket
import sys
import time
import unittest
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_support import Server  # noqa: E402

SIJILL = sys.argv[1]
IDLE = 1.0  # seconds


def upgrade(port, token):
    """A WebSocket handshake by hand, so that nothing answers the server's pings."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Authorization: Bearer {token}\r\n\r\n").encode())
    reply = b""
    while b"\r\n\r\n" not in reply:
        part = sock.recv(4096)
        if not part:
            raise AssertionError("closed during the handshake: " + repr(reply))
        reply += part
    head, rest = reply.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock, rest


def frames(sock, pending, until):
    """Yields (opcode, payload, seconds) of the server's frames (never masked) until it closes
    the connection, or raises TimeoutError at `until`."""
    buf = pending
    while True:
        while len(buf) >= 2:
            length = buf[1] & 0x7f
            start = 2 + {126: 2, 127: 8}.get(length, 0)
            if len(buf) < start:
                break
            if length == 126:
                length = int.from_bytes(buf[2:4], "big")
            elif length == 127:
                length = int.from_bytes(buf[2:10], "big")
            if len(buf) < start + length:
                break
            yield buf[0] & 0x0f, buf[start:start + length], time.monotonic()
            buf = buf[start + length:]
        sock.settimeout(max(until - time.monotonic(), 0.01))
        try:
            part = sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("the connection is still open")
        except ConnectionResetError:
            part = b""
        if not part:
            return
        buf += part


class IdleTimeout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(SIJILL, "--ws-idle-timeout-ms", str(int(IDLE * 1000)))

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def subscribers(self):
        status, _, text = self.s.get("/metrics")
        self.assertEqual(status, 200)
        return float(re.search(r"^sijill_ws_subscribers (\S+)$", text, re.M).group(1))

    def test_a_silent_connection_is_pinged_then_closed(self):
        started = time.monotonic()
        sock, pending = upgrade(self.s.port, self.s.admin)
        with sock:
            self.assertEqual(self.subscribers(), 1)
            seen = list(frames(sock, pending, started + 10 * IDLE))
            closed = time.monotonic() - started
        opcodes = [op for op, _, _ in seen]
        self.assertIn(0x9, opcodes, "the server pings a silent connection")
        ping_at = next(t for op, _, t in seen if op == 0x9) - started
        self.assertGreaterEqual(ping_at, IDLE / 2 * 0.8)
        self.assertGreaterEqual(closed, IDLE * 0.8)  # not before the time-out
        self.assertLess(closed, 5 * IDLE)
        deadline = time.monotonic() + 5
        while self.subscribers() != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.subscribers(), 0)

    def test_a_connection_that_answers_pings_stays_open(self):
        async def go():
            url = self.s.url.replace("http", "ws") + "/v1/stream"
            # ping_interval=None: the client sends no pings of its own, it only answers the server's.
            async with websockets.connect(url, extra_headers={"Authorization": "Bearer " + self.s.admin},
                                          ping_interval=None) as ws:
                await asyncio.sleep(4 * IDLE)
                await ws.send(json.dumps({"op": "subscribe", "id": "s1", "topic": "events", "from": 0}))
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                self.assertEqual((message["op"], message["sub"]), ("events", "s1"))
        asyncio.run(go())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
