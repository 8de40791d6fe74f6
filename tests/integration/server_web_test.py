#!/usr/bin/env python3
"""The dashboard page's files as a real `sijill serve` serves them (docs/dashboard.md): GET / and
/ui/<file> without a token, byte for byte the files of src/web/, with their content types, a
strict Content-Security-Policy, ETags and 304s; other methods 405, unknown files 404.

Usage: server_web_test.py SIJILL SOURCE_DIR
"""
import re
import sys
import unittest
import urllib.error
import urllib.request
from pathlib import Path

from server_support import Server

SIJILL, SOURCE = sys.argv[1], Path(sys.argv[2])
WEB = SOURCE / "src" / "web"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def fetch(url, method="GET", headers=None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Web(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(SIJILL)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def test_every_file_is_served_as_built_in(self):
        files = sorted(p for p in WEB.iterdir() if p.suffix in TYPES)
        self.assertIn("index.html", [p.name for p in files])
        for p in files:
            path = "/" if p.name == "index.html" else "/ui/" + p.name
            status, headers, body = fetch(self.s.url + path)
            self.assertEqual(status, 200, path)
            self.assertEqual(body, p.read_bytes(), path)
            self.assertEqual(headers["Content-Type"], TYPES[p.suffix], path)
            self.assertEqual(headers["Cache-Control"], "no-cache", path)
            self.assertEqual(headers["X-Content-Type-Options"], "nosniff", path)
            csp = headers["Content-Security-Policy"]
            self.assertIn("default-src 'none'", csp)
            self.assertIn("script-src 'self';", csp)
            self.assertNotIn("unsafe-inline", csp)
            self.assertIn("frame-ancestors 'none'", csp)
            etag = headers["ETag"]
            self.assertRegex(etag, r'^"[0-9a-f]+"$')
            status, headers2, body2 = fetch(self.s.url + path, headers={"If-None-Match": etag})
            self.assertEqual((status, body2), (304, b""), path)
            self.assertEqual(headers2["ETag"], etag)
            self.assertIsNone(headers2["Content-Length"])
            status, _, _ = fetch(self.s.url + path, headers={"If-None-Match": 'W/"other", ' + etag})
            self.assertEqual(status, 304, "a list with a weak tag")
            status, _, _ = fetch(self.s.url + path, headers={"If-None-Match": '"other"'})
            self.assertEqual(status, 200)

    def test_the_page_has_no_inline_script_and_nothing_from_elsewhere(self):
        _, _, body = fetch(self.s.url + "/")
        html = body.decode()
        self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)[^>]*>")
        self.assertNotRegex(html, r"\sstyle=")
        self.assertNotRegex(html, r'(src|href)="(https?:)?//')
        self.assertIn('<script type="module" src="/ui/app.js">', html)

    def test_methods_and_unknown_files(self):
        status, headers, _ = fetch(self.s.url + "/", method="POST")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "GET")
        self.assertEqual(fetch(self.s.url + "/ui/nothing.js")[0], 404)
        self.assertEqual(fetch(self.s.url + "/ui/")[0], 404)
        self.assertEqual(fetch(self.s.url + "/other")[0], 404)
        # The API still wants a token.
        self.assertEqual(fetch(self.s.url + "/v1/events")[0], 401)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
