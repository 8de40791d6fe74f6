#!/usr/bin/env python3
"""PUT /v1/documents and GET /v1/documents/{sha256} on a real `sijill serve` (docs/api.md): an
upload is stored under its SHA-256 and answered 201 (200 when stored already); a body over
50 MiB is refused with 413 and leaves nothing behind; only officers and admins upload; a
document is read by whoever may read an application citing it (DossierReceived,
DocumentsAttached), and is 404 when no application cites it.

Usage: server_documents_test.py SIJILL
"""
import hashlib
import http.client
import json
import socket
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_support import Server  # noqa: E402

SIJILL = sys.argv[1]
CALL = json.loads((Path(__file__).resolve().parents[2] / "schemas/programmes/cap-2026.json").read_text())
MiB = 1 << 20
LIMIT = 50 * MiB

LETTER = "lettre de manifestation d'intérêt – رسالة إبداء الاهتمام\n".encode() * 50
LEGAL = bytes(range(256)) * 4000          # about 1 MiB: more than one chunk of the server's reads
ATTACHED = b"%PDF-1.4 rapport financier 2025"
NEVER_CITED = b"uploaded, never cited"
CITED_NOT_STORED = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def sha(b):
    return hashlib.sha256(b).hexdigest()


class Documents(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(SIJILL)
        s = cls.s
        cls.officer = s.user_with_token("u-officer", "programme_officer")
        cls.assessor = s.user_with_token("u-assessor", "programme_officer")
        cls.auditor = s.user_with_token("u-auditor", "auditor")
        cls.ev1 = s.user_with_token("u-ev1", "evaluator")  # assigned
        cls.ev2 = s.user_with_token("u-ev2", "evaluator")  # not assigned
        cls.ev3 = s.user_with_token("u-ev3", "evaluator")  # assigned, declares a conflict of interest
        cls.souss = s.user_with_token("u-coord-souss", "regional_coordinator", "Souss-Massa")
        cls.oriental = s.user_with_token("u-coord-oriental", "regional_coordinator", "L'Oriental")

        def ok(name, body, token):
            status, _, reply = s.command(name, body, token)
            assert status == 201, (name, status, reply)
            return reply

        for content in (LETTER, LEGAL, ATTACHED, NEVER_CITED):
            status, _, body = cls.put(content, cls.officer)
            assert status in (200, 201), (status, body)
        ok("OpenCall", CALL, cls.officer)
        ok("RegisterOrganisation", {
            "organisation_id": "OSC-0001", "legal_name": "Association Tamount", "legal_form": "Association",
            "registration": {"authority": "Préfecture d'Agadir", "number": "735/2020", "date": "2015-01-17"},
            "region": "Souss-Massa", "province": "Agadir Ida-Outanane", "domains": ["Développement local"]},
            cls.officer)
        ok("ReceiveDossier", {"call_id": "AMI-2026", "registration_number": "735/2020",
                              "received_at": "2026-06-20T10:00:00Z", "email_subject": "AMI_RC CAP+",
                              "documents": [
                                  {"sha256": sha(LETTER), "kind": "letter_of_interest", "name": "lettre.pdf",
                                   "size": len(LETTER)},
                                  {"sha256": sha(LEGAL), "kind": "legal_file", "name": "dossier.pdf",
                                   "size": len(LEGAL)},
                                  {"sha256": CITED_NOT_STORED, "kind": "completed_projects", "name": "projets.pdf",
                                   "size": 4}]}, cls.officer)
        ok("ReceiveForm", {"call_id": "AMI-2026", "registration_number": "735/2020",
                           "received_at": "2026-06-20T10:00:00Z", "answers": {"motivation": "structurer"}},
           cls.officer)
        ok("AttachDocuments", {"application_id": "APP-0001", "reason": "rapport financier demandé",
                               "documents": [{"sha256": sha(ATTACHED), "kind": "complementary",
                                              "name": "rapport.pdf", "size": len(ATTACHED)}]}, cls.officer)
        yes = {"met": True, "evidence": "récépissé définitif"}
        ok("AssessEligibility", {"application_id": "APP-0001", "rationale": "les quatre critères sont remplis",
                                 "criteria": {"legally_constituted": yes, "target_region": yes,
                                              "community_experience": yes, "field_of_work": yes}}, cls.assessor)
        for ev in ("u-ev1", "u-ev3"):
            ok("AssignEvaluator", {"application_id": "APP-0001", "evaluator_id": ev}, cls.assessor)
        ok("DeclareConflictOfInterest", {"application_id": "APP-0001", "conflict": True,
                                         "statement": "déclaration sur l'honneur"}, cls.ev3)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    @classmethod
    def put(cls, content, token, headers=None):
        return cls.s.request("PUT", "/v1/documents", content, token,
                             headers={"Content-Type": "application/octet-stream", **(headers or {})})

    def get_doc(self, digest, token):
        return self.s.request("GET", "/v1/documents/" + digest, None, token)

    def stored_files(self):
        root = self.s.data / "documents"
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    # -- upload ------------------------------------------------------------------------------
    def test_upload_is_stored_under_its_sha256_and_again_is_200(self):
        content = b"%PDF-1.4 statuts de l'association\n" * 1000
        digest = sha(content)
        status, headers, body = self.put(content, self.officer)
        self.assertEqual(status, 201, body)
        self.assertEqual(body, {"sha256": digest, "size": len(content)})
        self.assertEqual(headers["ETag"], f'"{digest}"')
        self.assertEqual((self.s.data / "documents" / digest[:2] / digest).read_bytes(), content)
        status, _, body = self.put(content, self.s.admin)
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"sha256": digest, "size": len(content)})
        self.assertNotIn(".incoming", " ".join(self.stored_files()))

    def test_empty_upload(self):
        status, _, body = self.put(b"", self.officer)
        self.assertIn(status, (200, 201), body)
        self.assertEqual(body, {"sha256": sha(b""), "size": 0})

    def test_chunked_upload_and_keep_alive(self):
        content = bytes(reversed(range(256))) * 1024
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=30)
        try:
            conn.request("PUT", "/v1/documents", body=(content[i:i + 10000] for i in range(0, len(content), 10000)),
                         headers={"Authorization": "Bearer " + self.officer}, encode_chunked=True)
            res = conn.getresponse()
            self.assertIn(res.status, (200, 201))
            self.assertEqual(json.loads(res.read())["sha256"], sha(content))
            # The same connection serves the next request.
            conn.request("GET", "/health")
            res = conn.getresponse()
            self.assertEqual(res.status, 200)
            res.read()
        finally:
            conn.close()

    def test_only_officers_and_admins_upload(self):
        before = self.stored_files()
        for token in (self.auditor, self.ev1, self.souss):
            status, _, body = self.put(b"not allowed", token)
            self.assertEqual((status, body["type"]), (403, "/problems/permission-denied"))
        status, headers, body = self.put(b"not allowed", None)
        self.assertEqual(status, 401, body)
        self.assertEqual(headers["WWW-Authenticate"], "Bearer")
        self.assertEqual(self.stored_files(), before)

    def test_exactly_50_mib_is_accepted(self):
        content = b"\x5a" * LIMIT
        status, _, body = self.put(content, self.officer)
        self.assertIn(status, (200, 201), body)
        self.assertEqual(body, {"sha256": sha(content), "size": LIMIT})

    def test_over_50_mib_is_413_and_keeps_nothing(self):
        head = self.s.head()
        before = self.stored_files()
        # Streamed without a length: refused once the 50 MiB + 1st byte arrives.
        chunk = b"\xa5" * MiB
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=60)
        try:
            body = [chunk] * 50 + [b"!"]
            conn.request("PUT", "/v1/documents", body=iter(body),
                         headers={"Authorization": "Bearer " + self.officer}, encode_chunked=True)
            res = conn.getresponse()
            problem = json.loads(res.read())
            self.assertEqual(res.status, 413)
            self.assertEqual(res.headers["Content-Type"], "application/problem+json")
            self.assertEqual(problem["type"], "/problems/too-large")
            self.assertIn("50 MiB", problem["detail"])
        finally:
            conn.close()
        # Announced by its Content-Length: refused before any of it is sent.
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=30) as sock:
            sock.sendall((f"PUT /v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {self.officer}\r\n"
                          f"Content-Length: {LIMIT + 1}\r\nExpect: 100-continue\r\n\r\n").encode())
            reply = b""
            while b"\r\n\r\n" not in reply:
                part = sock.recv(65536)
                if not part:
                    break
                reply += part
            self.assertTrue(reply.startswith(b"HTTP/1.1 413"), reply[:200])
            self.assertNotIn(b"100 Continue", reply)
        self.assertEqual(self.s.head(), head)
        self.assertEqual(self.stored_files(), before)

    # -- download ----------------------------------------------------------------------------
    def test_readers_of_the_application_download_its_documents(self):
        cases = [(self.s.admin, "admin"), (self.officer, "officer"), (self.auditor, "auditor"),
                 (self.ev1, "assigned evaluator"), (self.souss, "coordinator of the region")]
        for content in (LETTER, LEGAL, ATTACHED):
            for token, who in cases:
                with self.subTest(who=who, size=len(content)):
                    status, headers, body = self.get_doc(sha(content), token)
                    self.assertEqual(status, 200, body)
                    self.assertEqual(headers["Content-Type"], "application/octet-stream")
                    self.assertEqual(headers["ETag"], f'"{sha(content)}"')
                    self.assertEqual(int(headers["Content-Length"]), len(content))
                    self.assertEqual(self.raw(sha(content), token), content)

    def raw(self, digest, token):
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=30)
        try:
            conn.request("GET", "/v1/documents/" + digest, headers={"Authorization": "Bearer " + token})
            res = conn.getresponse()
            self.assertEqual(res.status, 200)
            return res.read()
        finally:
            conn.close()

    def test_others_are_refused(self):
        for token, who in ((self.ev2, "evaluator not assigned"), (self.ev3, "evaluator with a conflict"),
                           (self.oriental, "coordinator of another region")):
            for content in (LETTER, ATTACHED):
                with self.subTest(who=who):
                    status, _, body = self.get_doc(sha(content), token)
                    self.assertEqual((status, body["type"]), (403, "/problems/permission-denied"))
        status, _, _ = self.get_doc(sha(LETTER), None)
        self.assertEqual(status, 401)

    def test_unknown_or_never_cited_is_404(self):
        for digest in (sha(NEVER_CITED), sha(b"never uploaded"), CITED_NOT_STORED, "ABC", sha(LETTER).upper()):
            for token in (self.s.admin, self.auditor):
                with self.subTest(digest=digest):
                    status, _, body = self.get_doc(digest, token)
                    self.assertEqual((status, body["type"]), (404, "/problems/not-found"))
        status, headers, _ = self.s.request("POST", "/v1/documents/" + sha(LETTER), b"", self.s.admin)
        self.assertEqual((status, headers["Allow"]), (405, "GET"))
        status, headers, _ = self.s.request("GET", "/v1/documents", None, self.s.admin)
        self.assertEqual((status, headers["Allow"]), (405, "PUT"))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
