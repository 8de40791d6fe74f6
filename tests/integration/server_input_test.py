#!/usr/bin/env python3
"""Bad input against a real `sijill serve`: each malformed body or request gets its status, and the
log's head does not move. Also pipelining and a client that sends its headers byte by byte.

Usage: server_input_test.py SIJILL
"""
import socket
import sys
import time
import unittest

from server_support import Server

SIJILL = sys.argv[1]


def raw_exchange(port, data, timeout=10, chunks=None, delay=0.0):
    """Sends raw bytes (optionally in chunks with a delay) and returns everything received."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        for piece in (chunks or [data]):
            sock.sendall(piece)
            if delay:
                time.sleep(delay)
        sock.shutdown(socket.SHUT_WR) if not chunks else None
        out = b""
        try:
            while True:
                got = sock.recv(65536)
                if not got:
                    break
                out += got
        except (socket.timeout, ConnectionResetError):
            pass
        return out


def status_of(response):
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else None


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(SIJILL, "--header-timeout-ms", "1500")

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def post_raw(self, body, content_type="application/json"):
        return self.s.request("POST", "/v1/commands/RegisterUser", body, self.s.admin,
                              headers={"Content-Type": content_type})

    def assert_refused(self, body, status, problem_type=None):
        head = self.s.head()
        got, headers, problem = self.post_raw(body)
        self.assertEqual(got, status, problem)
        self.assertEqual(headers["Content-Type"], "application/problem+json")
        if problem_type:
            self.assertEqual(problem["type"], problem_type)
        self.assertEqual(self.s.head(), head, "the log's head does not move")
        return problem

    def test_corpus(self):
        corpus = [
            (b"", 400),
            (b"not json", 400),
            (b'{"person_id": "X", "roles": ["auditor"]', 400),  # truncated
            (b'{"person_id": "X", "roles": ["auditor"],}', 400),  # trailing comma
            (b"[" * 10000 + b"]" * 10000, 400),  # 10,000-deep nesting
            (b'{"person_id": "\xc3\x28", "roles": ["auditor"]}', 400),  # invalid UTF-8
            (b'{"person_id": "\xed\xa0\x80", "roles": ["auditor"]}', 400),  # an encoded surrogate
            (b'{"person_id": "X", "person_id": "Y", "roles": ["auditor"]}', 400),  # duplicate keys
            (b'["person_id"]', 400),  # not an object
            (b'{"person_id": "X", "roles": ["auditor"]} {}', 400),  # data after the value
            (b'{"person_id": "X", "roles": 1e999}', 400),  # a number out of range
            (b'{"person_id": "a\x01b", "roles": ["auditor"]}', 400),  # control character
            (b'\xef\xbb\xbf{"person_id": "X", "roles": ["auditor"]}', 400),  # byte-order mark
        ]
        for body, status in corpus:
            with self.subTest(body=body[:40]):
                problem = self.assert_refused(body, status, "/problems/invalid-argument")
                self.assertIn("errors", problem)

    def test_deep_nesting_points_at_the_place(self):
        problem = self.assert_refused(b'{"name": ' + b"[" * 100 + b"]" * 100 + b"}", 400)
        self.assertIn("nesting deeper than", problem["detail"])
        self.assertIn("byte", problem["errors"][0]["message"])

    def test_oversized_body_413(self):
        body = b'{"person_id": "' + b"x" * (2 << 20) + b'", "roles": ["auditor"]}'
        head = self.s.head()
        try:
            status, _, problem = self.post_raw(body)
            self.assertEqual(status, 413)
            self.assertEqual(problem["type"], "/problems/too-large")
        except ConnectionResetError:
            self.fail("the 413 must be readable")
        self.assertEqual(self.s.head(), head)

    def test_oversized_chunked_body_413(self):
        chunk = b"x" * 65536
        body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(20)) + b"0\r\n\r\n"
        req = (b"POST /v1/commands/RegisterUser HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
               self.s.admin.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        head = self.s.head()
        self.assertEqual(status_of(raw_exchange(self.s.port, req)), 413)
        self.assertEqual(self.s.head(), head)

    def test_bad_headers(self):
        head = self.s.head()
        for req, status in [
            (b"GARBAGE\r\n\r\n", 400),
            (b"GET /health HTTP/1.1\r\nHost x\r\n\r\n", 400),  # no colon
            (b"GET /health HTTP/9.9\r\n\r\n", 400),
            (b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n", 431),
            (b"POST /v1/commands/RegisterUser HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
            (b"GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x01\x02\r\n\r\n", 400),
        ]:
            with self.subTest(req=req[:40]):
                self.assertEqual(status_of(raw_exchange(self.s.port, req)), status)
        self.assertEqual(self.s.head(), head)

    def test_bad_idempotency_key_and_if_match(self):
        body = {"person_id": "BH-1", "roles": ["auditor"]}
        head = self.s.head()
        self.assertEqual(self.s.command("RegisterUser", body, headers={"Idempotency-Key": "caf\u00e9"})[0], 400)
        self.assertEqual(self.s.command("RegisterUser", body, headers={"If-Match": "W/\"x\""})[0], 400)
        self.assertEqual(self.s.head(), head)

    def test_headers_byte_by_byte(self):
        req = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        out = raw_exchange(self.s.port, None, chunks=[bytes([b]) for b in req], delay=0.005)
        self.assertEqual(status_of(out), 200)

    def test_slow_headers_time_out(self):
        started = time.time()
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=10) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\n")
            out = b""
            try:
                for _ in range(20):
                    sock.sendall(b"X: y\r\n")
                    time.sleep(0.2)
                    got = sock.recv(1, socket.MSG_DONTWAIT) if False else b""
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                out = sock.recv(4096)
            except (socket.timeout, ConnectionResetError):
                pass
        self.assertEqual(out, b"")  # closed without an answer once the header time-out passed
        self.assertLess(time.time() - started, 8)

    def test_pipelined_requests_answer_in_order(self):
        auth = b"Authorization: Bearer " + self.s.admin.encode() + b"\r\n"
        reqs = b""
        for i in range(5):
            body = b'{"person_id": "PL-%d", "roles": ["auditor"]}' % i
            reqs += (b"POST /v1/commands/RegisterUser HTTP/1.1\r\nHost: x\r\n" + auth +
                     b"Content-Length: %d\r\n\r\n" % len(body) + body)
        reqs += b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        out = raw_exchange(self.s.port, reqs)
        self.assertEqual(out.count(b"HTTP/1.1 201"), 5)
        self.assertEqual([int(x) for x in __import__("re").findall(rb'"stream":"user/PL-(\d)"', out)], [0, 1, 2, 3, 4])
        self.assertTrue(out.rstrip().endswith(b"}"))
        self.assertIn(b"HTTP/1.1 200", out)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[2:]])
