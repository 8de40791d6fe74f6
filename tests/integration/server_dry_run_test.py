#!/usr/bin/env python3
"""POST /v1/commands/{Name}?dry_run=true on a real `sijill serve` (docs/api.md): the command is
checked and decided as a real run would be (schema, role, Idempotency-Key, If-Match, the rules)
and the answer says what it would append; nothing is appended, nothing is created (no key for
personal data, no token), and a real run afterwards still works.

Usage: server_dry_run_test.py SIJILL
"""
import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_support import Server  # noqa: E402

SIJILL = sys.argv[1]
CALL = json.loads((Path(__file__).resolve().parents[2] / "schemas/programmes/cap-2026.json").read_text())
ORGANISATION = {
    "organisation_id": "OSC-0001", "legal_name": "Association Tamount", "legal_form": "Association",
    "registration": {"authority": "Préfecture d'Agadir", "number": "735/2020", "date": "2015-01-17"},
    "region": "Souss-Massa", "province": "Agadir Ida-Outanane", "domains": ["Développement local"]}


def form(received_at):
    return {"call_id": "AMI-2026", "registration_number": "735/2020", "received_at": received_at,
            "answers": {"motivation": "structurer l'association"}}


class DryRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(SIJILL)
        cls.officer = cls.s.user_with_token("u-officer", "programme_officer")
        for name, body in (("OpenCall", CALL), ("RegisterOrganisation", ORGANISATION)):
            status, _, reply = cls.s.command(name, body, cls.officer, headers={"Idempotency-Key": "k-" + name})
            assert status == 201, (name, status, reply)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def dry(self, name, body, token=None, headers=None, query="?dry_run=true"):
        return self.s.request("POST", f"/v1/commands/{name}{query}", body, token or self.officer, headers=headers)

    def test_says_what_would_be_appended_and_appends_nothing(self):
        head = self.s.head()
        status, headers, body = self.dry("ReceiveForm", form("2026-06-20T10:00:00Z"))
        self.assertEqual(status, 200, body)
        self.assertEqual((body["dry_run"], body["replayed"]), (True, False))
        self.assertEqual([(e["stream"], e["type"]) for e in body["events"]],
                         [("application/APP-0001", "FormReceived")])
        self.assertEqual(body["events"][0]["data"]["late"], False)
        self.assertEqual(body["events"][0]["data"]["application_id"], "APP-0001")
        self.assertEqual(headers["Cache-Control"], "no-store")
        self.assertEqual(self.s.head(), head)
        self.assertEqual(self.s.get("/v1/streams/application/APP-0001")[0], 404)

    def test_a_late_form_is_said_late(self):
        head = self.s.head()
        status, _, body = self.dry("ReceiveForm", form("2026-06-30T19:00:31Z"))  # 20:00:31 in Casablanca
        self.assertEqual(status, 200, body)
        self.assertIs(body["events"][0]["data"]["late"], True)
        self.assertEqual(self.s.head(), head)

    def test_refusals_are_the_real_runs(self):
        head = self.s.head()
        cases = [
            ("RegisterOrganisation", ORGANISATION, None, None, 409, "/problems/conflict"),  # a second registration
            ("ReceiveForm", form("2030-01-01T10:00:00Z"), None, None, 400, "/problems/invalid-argument"),  # future
            ("ReceiveForm", {**form("2026-06-20T10:00:00Z"), "registration_number": "1/1999"}, None, None, 404,
             "/problems/not-found"),
            ("RegisterOrganisation", {"organisation_id": "OSC-2"}, None, None, 400, "/problems/invalid-argument"),
            ("RegisterUser", {"person_id": "x", "roles": ["auditor"]}, None, None, 403, "/problems/permission-denied"),
            ("ReceiveForm", form("2026-06-20T10:00:00Z"), None, {"If-Match": '"3"'}, 412, "/problems/version-mismatch"),
            ("NoSuchCommand", {}, None, None, 404, "/problems/not-found"),
        ]
        for name, body, token, headers, status, kind in cases:
            with self.subTest(name=name, status=status):
                got, _, reply = self.dry(name, body, token, headers)
                self.assertEqual((got, reply["type"]), (status, kind), reply)
        status, _, body = self.dry("ReceiveForm", form("2026-06-20T10:00:00Z"), query="?dry_run=yes")
        self.assertEqual((status, body["type"]), (400, "/problems/invalid-argument"))
        self.assertEqual(self.s.head(), head)

    def test_idempotency_keys_answer_as_a_real_run_would(self):
        head = self.s.head()
        # The key of the registration that succeeded: a repeat, nothing would be appended.
        status, headers, body = self.dry("RegisterOrganisation", ORGANISATION,
                                         headers={"Idempotency-Key": "k-RegisterOrganisation"})
        self.assertEqual(status, 200, body)
        self.assertIs(body["replayed"], True)
        self.assertEqual(headers["Idempotent-Replayed"], "true")
        self.assertEqual([e["type"] for e in body["events"]], ["OrganisationRegistered"])
        self.assertGreater(body["position"], 0)
        # The same key with another body: 409.
        status, _, body = self.dry("RegisterOrganisation", {**ORGANISATION, "legal_name": "Autre"},
                                   headers={"Idempotency-Key": "k-RegisterOrganisation"})
        self.assertEqual(status, 409, body)
        # A dry run remembers no key: the same key again is still new.
        key = {"Idempotency-Key": "k-form"}
        for _ in range(2):
            status, _, body = self.dry("ReceiveForm", form("2026-06-21T10:00:00Z"), headers=key)
            self.assertEqual((status, body["replayed"]), (200, False), body)
        self.assertEqual(self.s.head(), head)

    def test_personal_data_and_tokens_are_not_made(self):
        head = self.s.head()
        status, _, body = self.dry("RegisterContactPerson", {
            "person_id": "P-0001", "organisation_id": "OSC-0001", "role": "présidente",
            "contact": {"name": "Fatima-Zahra Marker-Idrissi", "email": "fz.marker-7391@example.ma"}})
        self.assertEqual(status, 200, body)
        contact = body["events"][0]["data"]["contact"]
        self.assertEqual(contact, {"$sealed": {"v": 1, "subject": "person/P-0001", "dry_run": True}})
        self.assertNotIn("Marker-Idrissi", json.dumps(body, ensure_ascii=False))
        status, _, body = self.dry("CreateToken", {"user": "u-officer", "role": "programme_officer"}, self.s.admin)
        self.assertEqual(status, 200, body)
        self.assertNotIn("token", body)
        self.assertEqual([e["type"] for e in body["events"]], ["TokenCreated"])
        self.assertEqual(self.s.head(), head)
        # Then the real registration is sealed with a key made now.
        status, _, body = self.s.command("RegisterContactPerson", {
            "person_id": "P-0001", "organisation_id": "OSC-0001", "role": "présidente",
            "contact": {"name": "Fatima-Zahra Marker-Idrissi"}}, self.officer)
        self.assertEqual(status, 201, body)
        status, _, stream = self.s.get("/v1/streams/person/P-0001")
        self.assertIn("ciphertext", stream["events"][0]["data"]["contact"]["$sealed"])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
