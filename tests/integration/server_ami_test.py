#!/usr/bin/env python3
"""The AMI through the real API, as its users meet it: a programme officer records an
application, evaluators declare and score it, and each one reads only what the rules let them:
an evaluator does not see the other scores before submitting their own, an evaluator with a
conflict of interest reads nothing of the application, a coordinator reads only their region;
personal data never appears in clear in the log; refusals name their rule and append nothing.

Usage: server_ami_test.py SIJILL
"""
import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_support import Server  # noqa: E402

SIJILL = sys.argv[1]
CALL = json.loads((Path(__file__).resolve().parents[2] / "schemas/programmes/cap-2026.json").read_text())


def score(points):
    return {c: {"half_points": points, "justification": "grille appliquée"}
            for c in ("relevance", "capacity", "potential", "commitment")}


class AmiOverTheApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(SIJILL)
        s = cls.s
        cls.officer = s.user_with_token("u-officer", "programme_officer")
        cls.recorder = s.user_with_token("u-recorder", "programme_officer")
        cls.ev1 = s.user_with_token("u-ev1", "evaluator")
        cls.ev2 = s.user_with_token("u-ev2", "evaluator")
        cls.ev3 = s.user_with_token("u-ev3", "evaluator")
        cls.souss = s.user_with_token("u-coord-souss", "regional_coordinator", "Souss-Massa")
        cls.oriental = s.user_with_token("u-coord-oriental", "regional_coordinator", "L'Oriental")
        cls.auditor = s.user_with_token("u-auditor", "auditor")

        def ok(name, body, token):
            status, _, reply = s.command(name, body, token)
            assert status == 201, (name, status, reply)
            return reply

        ok("OpenCall", CALL, cls.officer)
        ok("RegisterOrganisation", {
            "organisation_id": "OSC-0001", "legal_name": "Association Tamount", "legal_form": "Association",
            "registration": {"authority": "Préfecture d'Agadir", "number": "735/2020", "date": "2015-01-17"},
            "region": "Souss-Massa", "province": "Agadir Ida-Outanane", "domains": ["Développement local"]},
            cls.recorder)
        ok("RegisterContactPerson", {
            "person_id": "P-0001", "organisation_id": "OSC-0001", "role": "présidente",
            "contact": {"name": "Fatima-Zahra Marker-Idrissi", "email": "fz.marker-7391@example.ma"}}, cls.recorder)
        for part, extra in (("ReceiveForm", {"answers": {"motivation": "structurer l'association"}}),
                            ("ReceiveDossier", {"email_subject": "AMI_RC CAP+", "documents": [
                                {"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                                 "kind": "letter_of_interest", "name": "lettre.pdf", "size": 1000}]})):
            ok(part, {"call_id": "AMI-2026", "registration_number": "735/2020",
                      "received_at": "2026-06-20T10:00:00Z", **extra}, cls.recorder)
        yes = {"met": True, "evidence": "récépissé définitif"}
        ok("AssessEligibility", {"application_id": "APP-0001", "rationale": "les quatre critères sont remplis",
                                 "criteria": {"legally_constituted": yes, "target_region": yes,
                                              "community_experience": yes, "field_of_work": yes}}, cls.officer)
        for ev in ("u-ev1", "u-ev2", "u-ev3"):
            ok("AssignEvaluator", {"application_id": "APP-0001", "evaluator_id": ev}, cls.officer)
        for token, conflict in ((cls.ev1, False), (cls.ev2, False), (cls.ev3, True)):
            ok("DeclareConflictOfInterest", {"application_id": "APP-0001", "conflict": conflict,
                                             "statement": "déclaration sur l'honneur"}, token)
        ok("SubmitScore", {"application_id": "APP-0001", "scores": score(40)}, cls.ev1)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def types(self, token):
        status, _, body = self.s.get("/v1/streams/application/APP-0001", token)
        self.assertEqual(status, 200, body)
        return [e["type"] for e in body["events"]]

    def test_an_evaluator_sees_other_scores_only_after_submitting_their_own(self):
        self.assertIn("ScoreSubmitted", self.types(self.ev1))  # their own
        self.assertNotIn("ScoreSubmitted", self.types(self.ev2))
        self.assertIn("EvaluatorAssigned", self.types(self.ev2))
        status, _, body = self.s.command("SubmitScore", {"application_id": "APP-0001", "scores": score(30)}, self.ev2)
        self.assertEqual(status, 201, body)
        self.assertEqual(self.types(self.ev2).count("ScoreSubmitted"), 2)

    def test_an_evaluator_with_a_conflict_reads_nothing_of_the_application_and_cannot_score(self):
        status, _, body = self.s.get("/v1/streams/application/APP-0001", self.ev3)
        self.assertEqual(status, 403, body)
        head = self.s.head()
        status, _, body = self.s.command("SubmitScore", {"application_id": "APP-0001", "scores": score(40)}, self.ev3)
        self.assertEqual((status, body["type"]), (422, "/problems/conflict-of-interest"))
        self.assertEqual(self.s.head(), head)

    def test_a_coordinator_reads_their_region_only(self):
        self.assertEqual(self.s.get("/v1/streams/application/APP-0001", self.souss)[0], 200)
        self.assertEqual(self.s.get("/v1/streams/organisation/OSC-0001", self.souss)[0], 200)
        self.assertEqual(self.s.get("/v1/streams/application/APP-0001", self.oriental)[0], 403)
        self.assertEqual(self.s.get("/v1/streams/organisation/OSC-0001", self.oriental)[0], 403)

    def test_refusals_name_their_rule_and_append_nothing(self):
        head = self.s.head()
        cases = [
            ("SubmitScore", {"application_id": "APP-0001", "scores": score(61)}, self.ev1, 422, "/problems/already-scored"),
            ("AssignEvaluator", {"application_id": "APP-0001", "evaluator_id": "u-recorder"}, self.officer, 422,
             "/problems/segregation-of-tasks"),
            ("AcceptLateSubmission", {"application_id": "APP-0001", "reason": "x"}, self.officer, 422, "/problems/not-late"),
            ("SubmitScore", {"application_id": "APP-0001", "scores": score(40)}, self.auditor, 403, None),
            ("OpenCall", CALL, self.ev1, 403, None),
            ("SubmitScore", {"application_id": "APP-0001", "scores": {"relevance": {"half_points": 1.5}}}, self.ev1,
             400, "/problems/invalid-argument"),
        ]
        for name, body, token, status, kind in cases:
            with self.subTest(name=name, status=status):
                got, _, reply = self.s.command(name, body, token)
                self.assertEqual(got, status, reply)
                if kind:
                    self.assertEqual(reply["type"], kind)
        self.assertEqual(self.s.head(), head)

    def test_personal_data_is_sealed_in_the_log(self):
        status, _, body = self.s.get("/v1/streams/person/P-0001", self.auditor)
        self.assertEqual(status, 200, body)
        contact = body["events"][0]["data"]["contact"]
        self.assertEqual(list(contact), ["$sealed"])
        self.assertEqual(contact["$sealed"]["subject"], "person/P-0001")
        status, _, log = self.s.request("GET", "/v1/events?from=0&limit=1000", None, self.auditor)
        self.assertEqual(status, 200)
        self.assertNotIn("Marker-Idrissi", json.dumps(log, ensure_ascii=False))
        self.assertNotIn("fz.marker-7391", json.dumps(log, ensure_ascii=False))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
