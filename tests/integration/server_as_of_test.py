#!/usr/bin/env python3
"""Time travel against the live server: a call is run through the API command by command, and
after each one the answers the server gives at that head are kept (the dashboard, whole and of
a region, the ranking, the funds, each application's case file and decision history). The
server is stopped and started again half-way, so that a read model checkpoint sits in the
middle of the log. Then, for every position P the story reached, the same reads with
`as_of=P` must give exactly the answers kept when P was the head.

Usage: server_as_of_test.py SIJILL
"""
import json
import sys
import unittest
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_support import Server  # noqa: E402

SIJILL = sys.argv[1]
CALL = json.loads((Path(__file__).resolve().parents[2] / "schemas/programmes/cap-2026.json").read_text())
APPLICATIONS = ["APP-0001", "APP-0002", "APP-0003"]
READS = ["/v1/dashboard", "/v1/dashboard?region=Souss-Massa", "/v1/ranking?call=AMI-2026&region=Souss-Massa",
         "/v1/funds"] + [f"/v1/applications/{a}" for a in APPLICATIONS] + \
        [f"/v1/applications/{a}/history" for a in APPLICATIONS]


def with_param(path, **params):
    return path + ("&" if "?" in path else "?") + urlencode(params)


def score(points):
    return {c: {"half_points": points, "justification": f"grille appliquée : {points}"}
            for c in ("relevance", "capacity", "potential", "commitment")}


class AsOfAgainstTheLiveServer(unittest.TestCase):
    def test_as_of_p_answers_what_the_server_answered_when_p_was_the_head(self):
        s = Server(SIJILL)
        self.addCleanup(s.close)
        officer = s.user_with_token("u-officer", "programme_officer")
        recorder = s.user_with_token("u-recorder", "programme_officer")
        ev1 = s.user_with_token("u-ev1", "evaluator")
        ev2 = s.user_with_token("u-ev2", "evaluator")
        auditor = s.user_with_token("u-auditor", "auditor")
        live = {}  # position -> {read: (status, body)}

        def step(name, body, token):
            status, _, reply = s.command(name, body, token)
            self.assertEqual(status, 201, (name, reply))
            position = reply["position"]
            answers = {}
            for read in READS:
                got, _, answer = s.get(with_param(read, min_position=position), auditor)
                if got == 200:
                    self.assertEqual(answer.get("position"), position, (read, answer))
                answers[read] = (got, answer if got == 200 else answer.get("type"))
            live[position] = answers

        step("OpenCall", CALL, officer)
        organisations = [("OSC-0001", "Souss-Massa", "Agadir Ida-Outanane"),
                         ("OSC-0002", "Souss-Massa", "Tiznit"),
                         ("OSC-0003", "L'Oriental", "Oujda-Angad")]
        for i, (org, region, province) in enumerate(organisations, start=1):
            step("RegisterOrganisation", {
                "organisation_id": org, "legal_name": f"Association « Tamount {i} »", "legal_form": "Association",
                "registration": {"authority": "Préfecture", "number": f"73{i}/2020", "date": "2015-01-17"},
                "region": region, "province": province, "domains": ["Développement local"]}, recorder)
            for part, extra in (("ReceiveForm", {"answers": {"motivation": "structurer l'association"}}),
                                ("ReceiveDossier", {"email_subject": "AMI_RC CAP+", "documents": [
                                    {"sha256": f"{i:064x}", "kind": "letter_of_interest", "name": "lettre.pdf",
                                     "size": 1000 + i}]})):
                step(part, {"call_id": "AMI-2026", "registration_number": f"73{i}/2020",
                            "received_at": f"2026-06-2{i}T10:00:00Z", **extra}, recorder)
        yes = {"met": True, "evidence": "récépissé définitif"}
        for app in APPLICATIONS:
            step("AssessEligibility", {"application_id": app, "rationale": "les quatre critères sont remplis",
                                       "criteria": {"legally_constituted": yes, "target_region": yes,
                                                    "community_experience": yes, "field_of_work": yes}}, officer)

        # A clean stop writes a read model checkpoint at this head; the server starts from it.
        s.stop()
        s = Server(SIJILL, data=s.data)
        self.addCleanup(s.close)

        for n, app in enumerate(APPLICATIONS):
            for ev in ("u-ev1", "u-ev2"):
                step("AssignEvaluator", {"application_id": app, "evaluator_id": ev}, officer)
            for token in (ev1, ev2):
                step("DeclareConflictOfInterest", {"application_id": app, "conflict": False,
                                                   "statement": "déclaration sur l'honneur"}, token)
            step("SubmitScore", {"application_id": app, "scores": score(30 + 2 * n)}, ev1)
            step("SubmitScore", {"application_id": app, "scores": score(34 + n)}, ev2)
            step("FinaliseScore", {"application_id": app}, officer)
        step("RecordSelection", {"call_id": "AMI-2026", "region": "Souss-Massa",
                                 "rationale": "Classement régional arrêté par le comité de sélection."}, officer)

        positions = sorted(live)
        self.assertGreater(len(positions), 30)
        self.assertEqual(live[positions[-1]]["/v1/ranking?call=AMI-2026&region=Souss-Massa"][1]["selected"], 2)
        for position in positions:
            for read in READS:
                with self.subTest(position=position, read=read):
                    got, _, answer = s.get(with_param(read, as_of=position), auditor)
                    self.assertEqual((got, answer if got == 200 else answer.get("type")), live[position][read])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
