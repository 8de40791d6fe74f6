#!/usr/bin/env python3
"""Checkpoints of the processor's state with the real server (docs/operations.md): a clean stop
writes one at the head and the next start replays nothing; after kill -9 a start loads the last
one and replays the tail, and commands whose outcome rests on state from both sides of the
checkpoint are decided as after a full replay; a checkpoint whose hash is not the log's is
ignored with a warning; `sijill rebuild` writes a fresh one; with --checkpoint-every the running
server writes them periodically, and a start after kill -9 replays only what followed the last.

Usage: server_checkpoint_test.py SIJILL
"""
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_support import Server  # noqa: E402

SIJILL = sys.argv[1]
CALL = json.loads((Path(__file__).resolve().parents[2] / "schemas/programmes/cap-2026.json").read_text())
YES = {"met": True, "evidence": "récépissé définitif"}


def checkpoints(data):
    return sorted((Path(data) / "checkpoints" / "processor").glob("*.bin"))


def position_of(path):
    return int(path.name[:20])


class ProcessorStateCheckpoints(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="sijill-checkpoint-"))
        self.data = self.tmp / "data"

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def ok(self, s, name, body, token):
        status, _, reply = s.command(name, body, token)
        self.assertEqual(status, 201, (name, reply))
        return reply

    def refused(self, s, name, body, token, status, kind):
        head = s.head()
        got, _, reply = s.command(name, body, token)
        self.assertEqual((got, reply["type"]), (status, kind), reply)
        self.assertEqual(s.head(), head)

    def stop_writing_checkpoint(self, s, position):
        """A clean stop, which writes the processor state's checkpoint at `position`."""
        self.assertEqual(s.stop(), 0)
        s.wait_for_line(rf"processor state checkpoint written at position {position}\b")

    def application(self, s, token, osc, number):
        """Registers a CSO and receives both parts of its application."""
        self.ok(s, "RegisterOrganisation", {
            "organisation_id": osc, "legal_name": "Association " + osc, "legal_form": "Association",
            "registration": {"authority": "Préfecture d'Agadir", "number": number, "date": "2015-01-17"},
            "region": "Souss-Massa", "province": "Agadir Ida-Outanane", "domains": ["Développement local"]}, token)
        reply = None
        for part, extra in (("ReceiveForm", {"answers": {"motivation": "structurer l'association"}}),
                            ("ReceiveDossier", {"email_subject": "AMI_RC CAP+", "documents": [
                                {"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                                 "kind": "letter_of_interest", "name": "lettre.pdf", "size": 1000}]})):
            reply = self.ok(s, part, {"call_id": "AMI-2026", "registration_number": number,
                                      "received_at": "2026-06-20T10:00:00Z", **extra}, token)
        return reply

    def assess(self, s, token, app):
        self.ok(s, "AssessEligibility", {"application_id": app, "rationale": "les quatre critères sont remplis",
                                         "criteria": {"legally_constituted": YES, "target_region": YES,
                                                      "community_experience": YES, "field_of_work": YES}}, token)

    def test_checkpoint_on_stop_tail_after_a_crash_and_a_bad_checkpoint_ignored(self):
        # 1. A fresh folder: users, a call, APP-0001 assessed and assigned; a clean stop.
        s = Server(SIJILL, data=self.data)
        try:
            admin = s.admin
            officer = s.user_with_token("u-officer", "programme_officer")
            recorder = s.user_with_token("u-recorder", "programme_officer")
            ev1 = s.user_with_token("u-ev1", "evaluator")
            ev2 = s.user_with_token("u-ev2", "evaluator")
            self.ok(s, "OpenCall", CALL, officer)
            self.application(s, recorder, "OSC-0001", "735/2020")
            self.assess(s, officer, "APP-0001")
            self.ok(s, "AssignEvaluator", {"application_id": "APP-0001", "evaluator_id": "u-ev1"}, officer)
            first = s.head()
            self.stop_writing_checkpoint(s, first)
        finally:
            s.close()
        files = checkpoints(self.data)
        self.assertEqual([position_of(f) for f in files], [first])
        self.assertTrue(files[0].read_bytes().startswith(b"sijill-processor-state 1 %d " % first))

        # 2. The next start replays nothing; APP-0002 is recorded after the checkpoint; kill -9.
        s = Server(SIJILL, data=self.data)
        s.admin = admin  # issued by the first start
        try:
            s.wait_for_line(rf"processor state at position {first} \(checkpoint {first}, 0 events replayed, \d+ ms\)")
            self.assertNotIn("checkpoint ignored", s.output())
            self.assertEqual(s.get("/v1/streams/application/APP-0001", ev1)[0], 200)
            self.application(s, recorder, "OSC-0002", "736/2020")
            self.assess(s, officer, "APP-0002")
            ev3 = s.user_with_token("u-ev3", "evaluator")  # a token issued after the checkpoint
            second = s.head()
            self.assertGreater(second, first)
            self.assertEqual(s.stop(signal.SIGKILL), -signal.SIGKILL)
        finally:
            s.close()
        self.assertEqual([position_of(f) for f in checkpoints(self.data)], [first])  # nothing written

        # 3. After the crash: the checkpoint, then the tail. State from both sides of it counts.
        s = Server(SIJILL, data=self.data)
        s.admin = admin  # issued by the first start
        try:
            s.wait_for_line(rf"processor state at position {second} \(checkpoint {first}, "
                            rf"{second - first} events replayed, \d+ ms\)")
            # Before the checkpoint: ev1 is assigned to APP-0001, u-ev1 is a user, OSC-0001 exists.
            self.refused(s, "AssignEvaluator", {"application_id": "APP-0001", "evaluator_id": "u-ev1"}, officer,
                         422, "/problems/already-assigned")
            self.refused(s, "RegisterUser", {"person_id": "u-ev1", "roles": ["evaluator"]}, admin,
                         409, "/problems/conflict")
            # After it: APP-0002 was recorded by u-recorder, who may not evaluate it; ev1 may.
            self.refused(s, "AssignEvaluator", {"application_id": "APP-0002", "evaluator_id": "u-recorder"},
                         officer, 422, "/problems/segregation-of-tasks")
            self.refused(s, "RegisterOrganisation", {
                "organisation_id": "OSC-0003", "legal_name": "Association bis", "legal_form": "Association",
                "registration": {"authority": "Préfecture d'Agadir", "number": "736/2020", "date": "2015-01-17"},
                "region": "Souss-Massa", "province": "Agadir Ida-Outanane", "domains": ["Développement local"]},
                recorder, 409, "/problems/conflict")
            self.assertEqual(s.get("/v1/streams/application/APP-0002", ev1)[0], 403)
            self.ok(s, "AssignEvaluator", {"application_id": "APP-0002", "evaluator_id": "u-ev1"}, officer)
            self.assertEqual(s.get("/v1/streams/application/APP-0002", ev1)[0], 200)
            self.assertEqual(s.get("/v1/streams/application/APP-0002", ev2)[0], 403)
            self.assertEqual(s.get("/v1/streams/application/APP-0001", ev1)[0], 200)
            # Tokens from both sides of the checkpoint authenticate.
            for token in (ev2, ev3):
                status, _, reply = s.get("/v1/streams/application/APP-0001", token)
                self.assertEqual(status, 403, reply)  # known, not assigned: not 401
            third = s.head()
            self.stop_writing_checkpoint(s, third)
        finally:
            s.close()
        files = checkpoints(self.data)
        self.assertEqual([position_of(f) for f in files], [first, third])

        # 4. The newest checkpoint's hash edited: ignored with a warning, the older one used.
        newest = files[-1]
        raw = bytearray(newest.read_bytes())
        at = raw.index(b" ", raw.index(b" ", raw.index(b" ") + 1) + 1) + 1  # the hash's first digit
        raw[at] = ord("1") if raw[at] != ord("1") else ord("2")
        newest.write_bytes(bytes(raw))
        s = Server(SIJILL, data=self.data)
        s.admin = admin  # issued by the first start
        try:
            s.wait_for_line(rf"processor state checkpoint ignored: {newest.name}: its hash is not the log's hash")
            s.wait_for_line(rf"processor state at position {third} \(checkpoint {first}, "
                            rf"{third - first} events replayed, \d+ ms\)")
            self.refused(s, "AssignEvaluator", {"application_id": "APP-0002", "evaluator_id": "u-ev1"}, officer,
                         422, "/problems/already-assigned")
            self.ok(s, "AssignEvaluator", {"application_id": "APP-0002", "evaluator_id": "u-ev2"}, officer)
            self.assertEqual(s.get("/v1/streams/application/APP-0002", ev2)[0], 200)
            fourth = s.head()
            self.assertEqual(s.stop(), 0)
        finally:
            s.close()
        self.assertEqual(position_of(checkpoints(self.data)[-1]), fourth)

        # 5. sijill rebuild: a fresh checkpoint at the head from a full replay.
        rebuilt = subprocess.run([SIJILL, "rebuild", "--data", str(self.data), "--json", "--quiet"],
                                 capture_output=True, check=True)
        summary = json.loads(rebuilt.stdout)
        self.assertEqual(summary["processor_state_position"], fourth)
        self.assertEqual([position_of(f) for f in checkpoints(self.data)], [fourth])
        s = Server(SIJILL, data=self.data)
        s.admin = admin  # issued by the first start
        try:
            s.wait_for_line(rf"processor state at position {fourth} \(checkpoint {fourth}, 0 events replayed")
            self.refused(s, "AssignEvaluator", {"application_id": "APP-0002", "evaluator_id": "u-ev2"}, officer,
                         422, "/problems/already-assigned")
        finally:
            s.close()

    def test_periodic_checkpoints_bound_the_replay_after_a_crash(self):
        # --checkpoint-every 5: the processor's state is captured each time the head passes a
        # multiple of 5, and written on a thread of its own while the server runs.
        every = 5
        s = Server(SIJILL, "--checkpoint-every", str(every), data=self.data)
        try:
            admin = s.admin
            officer = s.user_with_token("u-officer", "programme_officer")
            recorder = s.user_with_token("u-recorder", "programme_officer")
            s.user_with_token("u-ev1", "evaluator")
            self.ok(s, "OpenCall", CALL, officer)
            self.application(s, recorder, "OSC-0001", "735/2020")
            self.assess(s, officer, "APP-0001")
            self.ok(s, "AssignEvaluator", {"application_id": "APP-0001", "evaluator_id": "u-ev1"}, officer)
            self.application(s, recorder, "OSC-0002", "736/2020")
            head = s.head()
            self.assertGreater(head, 2 * every)
            # The checkpoint of the batch that passed the last multiple of 5, written meanwhile:
            # its line comes once the file is in place and the older ones are removed.
            floor = head // every * every
            deadline = time.time() + 10
            while time.time() < deadline and not any(
                    int(m.group(1)) >= floor for m in re.finditer(
                        r"processor state checkpoint written at position (\d+) \(periodic, \d+ ms\)", s.output())):
                time.sleep(0.02)
            written = [position_of(f) for f in checkpoints(self.data)]
            self.assertTrue(written and floor <= max(written) <= head, (written, head, s.output()))
            self.assertLessEqual(len(written), 2)  # the two newest are kept
            self.assertEqual(s.stop(signal.SIGKILL), -signal.SIGKILL)
        finally:
            s.close()

        # After the crash: the newest periodic checkpoint, then only the tail.
        newest = max(position_of(f) for f in checkpoints(self.data))
        s = Server(SIJILL, data=self.data)
        s.admin = admin  # issued by the first start
        try:
            s.wait_for_line(rf"processor state at position {head} \(checkpoint {newest}, "
                            rf"{head - newest} events replayed, \d+ ms\)")
            self.assertNotIn("checkpoint ignored", s.output())
            # State from before the checkpoint counts: u-ev1 is assigned, OSC-0002 is registered.
            self.refused(s, "AssignEvaluator", {"application_id": "APP-0001", "evaluator_id": "u-ev1"}, officer,
                         422, "/problems/already-assigned")
            self.refused(s, "RegisterUser", {"person_id": "u-ev1", "roles": ["evaluator"]}, admin,
                         409, "/problems/conflict")
        finally:
            s.close()

    def test_every_checkpoint_unusable_means_a_full_replay(self):
        s = Server(SIJILL, data=self.data)
        try:
            admin = s.admin
            s.user_with_token("u-ev1", "evaluator")
            head = s.head()
            self.assertEqual(s.stop(), 0)
        finally:
            s.close()
        (only,) = checkpoints(self.data)
        only.write_bytes(only.read_bytes()[:40])  # truncated
        s = Server(SIJILL, data=self.data)
        s.admin = admin  # issued by the first start
        try:
            s.wait_for_line(rf"\[warn\S*\] processor state checkpoint ignored: {only.name}: ")
            s.wait_for_line(rf"processor state at position {head} \(checkpoint 0, {head} events replayed")
            self.refused(s, "RegisterUser", {"person_id": "u-ev1", "roles": ["evaluator"]}, admin,
                         409, "/problems/conflict")
        finally:
            s.close()
        self.assertTrue(re.fullmatch(r"\d{20}\.bin", only.name))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
