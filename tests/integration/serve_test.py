#!/usr/bin/env python3
"""`sijill serve` as an operator meets it: it creates a data folder, stops cleanly on SIGTERM,
and refuses to start on stale time zone data, saying what to do.

Usage: serve_test.py SIJILL STALE_ZONE_SOURCE
"""
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SIJILL, STALE_SOURCE = sys.argv[1:3]


class Serve(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="sijill-serve-"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_creates_the_data_folder_and_stops_on_sigterm(self):
        data = self.tmp / "data"
        proc = subprocess.Popen([SIJILL, "serve", "--data", str(data), "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        first = proc.stdout.readline()  # the server says when the folder is open
        self.assertIn(b"head at position 0", first)
        self.assertTrue((data / "log" / "CURRENT").exists())
        self.assertTrue((data / "keys").exists())
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        out = first + out
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn(b"stopping on SIGTERM", out)

    def test_demo_fills_an_empty_folder_once_and_the_chain_verifies(self):
        data = self.tmp / "data"
        token_file = self.tmp / "admin-token"
        args = [SIJILL, "serve", "--data", str(data), "--demo", "--listen", "127.0.0.1:0",
                "--admin-token-file", str(token_file)]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines = []
        for line in proc.stdout:  # until it listens
            lines.append(line)
            if b"listening on" in line:
                break
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        log = b"".join(lines) + out
        self.assertEqual(proc.returncode, 0, log)
        self.assertRegex(log, rb"demo programme generated: 350 organisations, 350 applications, 150 selected")
        self.assertTrue(token_file.exists())
        verify = subprocess.run([SIJILL, "verify", "--data", str(data), "--json", "--quiet"], capture_output=True)
        self.assertEqual(verify.returncode, 0, verify.stdout)
        count = json.loads(verify.stdout)["count"]
        self.assertGreater(count, 4000)
        # Every demo decision was notified: its letter prints in French and Arabic.
        letter = subprocess.run([SIJILL, "letter", "--data", str(data), "--application", "APP-0001"],
                                capture_output=True)
        self.assertEqual(letter.returncode, 0, letter.stderr)
        text = letter.stdout.decode()
        for expected in ("Objet : décision sur votre candidature APP-0001", "Motif : ", "Vous pouvez former un recours",
                         "Cofinancé par l'Union européenne", "الاتحاد الأوروبي"):
            self.assertIn(expected, text)
        missing = subprocess.run([SIJILL, "letter", "--data", str(data), "--application", "APP-9999"],
                                 capture_output=True)
        self.assertEqual(missing.returncode, 1)
        # A second start with --demo leaves the folder as it is.
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in proc.stdout:
            if b"listening on" in line:
                break
            self.assertNotIn(b"demo programme generated", line)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
        again = subprocess.run([SIJILL, "verify", "--data", str(data), "--json", "--quiet"], capture_output=True)
        self.assertEqual(json.loads(again.stdout)["count"], count)

    def test_refuses_stale_zone_data(self):
        zoneinfo = self.tmp / "zoneinfo"
        zic = shutil.which("zic") or "/usr/sbin/zic"
        subprocess.run([zic, "-b", "fat", "-d", str(zoneinfo), STALE_SOURCE], check=True)
        r = subprocess.run([SIJILL, "serve", "--data", str(self.tmp / "data"), "--zoneinfo", str(zoneinfo)],
                           capture_output=True, timeout=20)
        self.assertNotEqual(r.returncode, 0)
        message = r.stdout + r.stderr
        self.assertIn(b"tzdata", message)
        self.assertFalse((self.tmp / "data").exists(), "nothing is created before the check")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
