#!/usr/bin/env python3
"""Both chain checkers, `sijill verify` (on the data folder) and tools/verify_chain.py (on
`sijill log` output), accept a good log and name the first bad position when any byte of a
record, a prev_hash, or the order of records is changed.

Usage: chain_tools_test.py SIJILL CHAIN_FIXTURE VERIFY_CHAIN_PY
"""
import json
import random
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SIJILL, FIXTURE, CHECKER = sys.argv[1:4]
EVENTS = 200


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, **kw)


class ChainTools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="sijill-chain-"))
        cls.good = cls.tmp / "good"
        r = run(FIXTURE, "make", "--data", cls.good, "--events", EVENTS, "--seed", 7)
        assert r.returncode == 0, r.stderr
        r = run(SIJILL, "log", "--data", cls.good)
        assert r.returncode == 0, r.stderr
        cls.log = r.stdout
        cls.lines = cls.log.splitlines(keepends=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def copy(self):
        d = Path(tempfile.mkdtemp(dir=self.tmp))
        shutil.copytree(self.good, d / "data")
        return d / "data"

    def sijill_verify(self, data):
        r = run(SIJILL, "verify", "--data", data, "--json", "--quiet")
        return r.returncode, json.loads(r.stdout)

    def checker(self, text, *extra):
        r = run(sys.executable, CHECKER, "--json", *extra, "-", input=text)
        return r.returncode, json.loads(r.stdout)

    # -- the good log -------------------------------------------------------------------------

    def test_good_log_passes_both(self):
        rc, out = self.sijill_verify(self.good)
        self.assertEqual(rc, 0)
        self.assertEqual(out["count"], EVENTS)
        self.assertEqual(out["head_position"], EVENTS)
        rc2, out2 = self.checker(self.log, "--head", f"{EVENTS}:{out['head_hash']}")
        self.assertEqual(rc2, 0, out2)
        self.assertEqual(out2["count"], EVENTS)
        self.assertEqual(out2["head_hash"], out["head_hash"])

    def test_log_lines_are_wire_events_with_the_hashed_bytes_inside(self):
        first = json.loads(self.lines[0])
        self.assertEqual(first["position"], 1)
        self.assertEqual(first["prev_hash"], "0" * 64)
        for key in ("stream", "version", "type", "schema", "id", "recorded_at", "actor", "data", "hash"):
            self.assertIn(key, first)
        self.assertEqual(list(first)[-1], "hash")

    def test_a_range_and_a_stream_extract(self):
        r = run(SIJILL, "log", "--data", self.good, "--from", 50, "--to", 60)
        lines = r.stdout.splitlines()
        self.assertEqual([json.loads(l)["position"] for l in lines], list(range(50, 61)))
        self.assertEqual(self.checker(r.stdout)[0], 0)
        r = run(SIJILL, "log", "--data", self.good, "--stream", "application/APP-3")
        streams = {json.loads(l)["stream"] for l in r.stdout.splitlines()}
        self.assertEqual(streams, {"application/APP-3"})
        self.assertEqual(self.checker(r.stdout, "--partial")[0], 0)
        self.assertEqual(self.checker(r.stdout)[0], 1)  # not consecutive without --partial

    # -- damage in the exported log: the independent checker ----------------------------------

    def test_checker_names_the_line_when_any_byte_changes(self):
        rng = random.Random(11)
        for _ in range(40):
            index = rng.randrange(len(self.lines))
            line = bytearray(self.lines[index])
            at = rng.randrange(len(line) - 1)  # any byte but the newline
            line[at] = ord("x") if line[at] != ord("x") else ord("y")
            text = b"".join(self.lines[:index]) + bytes(line) + b"".join(self.lines[index + 1:])
            rc, out = self.checker(text)
            self.assertEqual(rc, 1, f"byte {at} of position {index + 1}")
            self.assertEqual(out["first_bad_position"], index + 1, f"byte {at} of line {index + 1}: {out}")

    def test_checker_names_a_changed_prev_hash(self):
        line = json.loads(self.lines[99])
        old = line["prev_hash"]
        new = ("1" if old[0] != "1" else "2") + old[1:]
        text = self.log.replace(f'"prev_hash":"{old}"'.encode(), f'"prev_hash":"{new}"'.encode())
        rc, out = self.checker(text)
        self.assertEqual((rc, out["first_bad_position"]), (1, 100))

    def test_checker_names_reordered_and_missing_records(self):
        swapped = self.lines[:40] + [self.lines[41], self.lines[40]] + self.lines[42:]
        rc, out = self.checker(b"".join(swapped))
        self.assertEqual((rc, out["first_bad_position"]), (1, 41))
        dropped = self.lines[:70] + self.lines[71:]
        rc, out = self.checker(b"".join(dropped))
        self.assertEqual((rc, out["first_bad_position"]), (1, 71))
        truncated = self.lines[:-1]
        head = json.loads(self.lines[-1])
        rc, out = self.checker(b"".join(truncated), "--head", f"{EVENTS}:{head['hash']}")
        self.assertEqual((rc, out["first_bad_position"]), (1, EVENTS))

    # -- damage in the data folder: sijill verify, and the checker on its log -----------------

    def tampered(self, position, mode, offset=0):
        data = self.copy()
        r = run(FIXTURE, "tamper", "--data", data, "--position", position, "--mode", mode, "--offset", offset)
        self.assertEqual(r.returncode, 0, r.stderr)
        return data

    def assert_both_name(self, data, position):
        rc, out = self.sijill_verify(data)
        self.assertEqual(rc, 1, out)
        self.assertEqual(out["first_bad_position"], position, out)
        r = run(SIJILL, "log", "--data", data)
        rc, out = self.checker(r.stdout)
        self.assertEqual(rc, 1, out)
        self.assertEqual(out["first_bad_position"], position, out)

    def test_both_name_a_changed_byte(self):
        rng = random.Random(5)
        for position in (1, 77, EVENTS):
            self.assert_both_name(self.tampered(position, "byte", rng.randrange(10_000)), position)

    def test_both_name_a_changed_prev_hash(self):
        self.assert_both_name(self.tampered(120, "prev_hash"), 120)

    def test_both_name_swapped_records(self):
        self.assert_both_name(self.tampered(33, "swap"), 33)

    def test_both_name_a_dropped_record(self):
        self.assert_both_name(self.tampered(150, "drop"), 150)

    def test_a_damaged_tail_is_refused_by_the_writer_with_the_command_to_run(self):
        data = self.tampered(EVENTS, "byte", 3)
        proc = subprocess.Popen([SIJILL, "serve", "--data", str(data)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            self.fail("serve started on a damaged data folder")
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(b"sijill verify --data", out + err)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
