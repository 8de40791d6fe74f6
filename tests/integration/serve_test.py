#!/usr/bin/env python3
"""`sijill serve` as an operator meets it: it creates a data folder, stops cleanly on SIGTERM,
and refuses to start on stale time zone data, saying what to do.

Usage: serve_test.py SIJILL STALE_ZONE_SOURCE
"""
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
        proc = subprocess.Popen([SIJILL, "serve", "--data", str(data)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        first = proc.stdout.readline()  # the server says when the folder is open
        self.assertIn(b"head at position 0", first)
        self.assertTrue((data / "log" / "CURRENT").exists())
        self.assertTrue((data / "keys").exists())
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        out = first + out
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn(b"stopping on SIGTERM", out)

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
