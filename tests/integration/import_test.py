#!/usr/bin/env python3
"""`sijill command` and `sijill import` on a temporary data folder, with the real binary: the
first admin and a programme officer registered offline, the CAP+ call opened, the shipped
Google Forms sample imported (every case of its README), a second import and a dry run that
append nothing, documents stored by their SHA-256, and a folder held by a running server.

Usage: import_test.py SIJILL SOURCE_DIR
"""
import csv
import hashlib
import io
import itertools
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

SIJILL, SOURCE = sys.argv[1], Path(sys.argv[2])
SAMPLE = SOURCE / "tests/data/import/google-forms-ami-sample.csv"
MAPPING = SOURCE / "tests/data/import/google-forms-ami.mapping.json"
CALL = SOURCE / "schemas/programmes/cap-2026.json"

# The sample's cases (tests/data/import/README.md).
ON_TIME_EDGE = 42    # 30/06/2026 19:59:48, seconds before the deadline
LATE_EDGE = 46       # 30/06/2026 20:00:31, just after it
TWICE = (8, 47)      # 863/2020 submitted twice
EMPTY_ANSWER = 50    # the organisation's name left empty


def run(*args, stdin=None):
    return subprocess.run([str(a) for a in args], capture_output=True, input=stdin)


def sijill(*args, stdin=None):
    return run(SIJILL, *args, stdin=stdin)


def write_json(path, obj):
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def log_lines(data):
    r = sijill("log", "--data", data)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode("utf-8").splitlines()


def head(data):
    r = sijill("verify", "--data", data, "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["head_position"]


def import_forms(data, *extra, user="officer-1", csv=SAMPLE, call="AMI-2026"):
    r = sijill("import", "google-forms", "--call", call, "--mapping", MAPPING, "--data", data, "--as", user,
               "--json", "--quiet", *extra, csv)
    report = json.loads(r.stdout) if r.stdout.strip() else None
    return r.returncode, report, r.stderr.decode("utf-8")


def rows_by_line(report):
    return {row["line"]: row for row in report["rows"]}


def verify_head(data):
    """The head position of a data folder, from `sijill verify --json`."""
    return json.loads(sijill("verify", "--data", data, "--json", "--quiet").stdout)["head_position"]


class Import(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="sijill-import-"))
        cls.data = cls.tmp / "data"
        # The first admin, offline, on a folder that does not exist yet; then a programme officer.
        admin = write_json(cls.tmp / "admin.json", {"person_id": "admin", "roles": ["admin"]})
        r = sijill("command", "RegisterUser", "--data", cls.data, "--as", "admin", "--role", "admin", "--body", admin)
        assert r.returncode == 0, r.stderr
        officer = write_json(cls.tmp / "officer.json", {"person_id": "officer-1", "roles": ["programme_officer"]})
        r = sijill("command", "RegisterUser", "--data", cls.data, "--as", "admin", "--role", "admin", "--body", officer)
        assert r.returncode == 0, r.stderr
        r = sijill("command", "OpenCall", "--data", cls.data, "--as", "officer-1", "--body", CALL)
        assert r.returncode == 0, r.stderr
        cls.open_reply = json.loads(r.stdout)
        cls.fresh = cls.tmp / "fresh"  # the call open, nothing imported
        shutil.copytree(cls.data, cls.fresh)
        cls.head_before = head(cls.data)
        cls.code, cls.report, cls.stderr = import_forms(cls.data)
        cls.head_after = head(cls.data)
        cls.log = log_lines(cls.data)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def copy(self, source=None):
        d = Path(tempfile.mkdtemp(dir=self.tmp)) / "data"
        shutil.copytree(source or self.data, d)
        return d

    def events(self, type_):
        out = []
        for line in self.log:
            rec = json.loads(line)
            if rec["type"] == type_:
                out.append(rec)
        return out

    # -- sijill command ----------------------------------------------------------------------
    def test_command_prints_the_201_reply(self):
        self.assertEqual(self.open_reply["events"][0]["stream"], "call/AMI-2026")
        self.assertEqual(self.open_reply["events"][0]["type"], "CallOpened")
        self.assertEqual(self.open_reply["position"], self.open_reply["events"][0]["position"])

    def test_command_refusals_print_the_problem(self):
        data = self.copy()
        body = write_json(self.tmp / "bad-form.json", {"call_id": "AMI-2026", "registration_number": "",
                                                       "received_at": "30/06/2026 20:00", "answers": {}})
        r = sijill("command", "ReceiveForm", "--data", data, "--as", "officer-1", "--body", body)
        self.assertEqual(r.returncode, 1)
        problem = json.loads(r.stderr.decode().strip().splitlines()[-1])
        self.assertEqual(problem["status"], 400)
        self.assertEqual({e["path"] for e in problem["errors"]}, {"/registration_number", "/received_at"})
        # A rule's refusal names the rule; a duplicate is a conflict.
        r = sijill("command", "OpenCall", "--data", data, "--as", "officer-1", "--body", CALL)
        self.assertEqual(r.returncode, 1)
        problem = json.loads(r.stderr.decode().strip().splitlines()[-1])
        self.assertEqual((problem["status"], problem["type"]), (409, "/problems/conflict"))
        # The role is checked as the API checks it.
        user = write_json(self.tmp / "user.json", {"person_id": "x", "roles": ["auditor"]})
        r = sijill("command", "RegisterUser", "--data", data, "--as", "officer-1", "--body", user)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stderr.decode().strip().splitlines()[-1])["status"], 403)
        # Body from standard input.
        r = sijill("command", "RegisterUser", "--data", data, "--as", "admin", "--role", "admin", "--body", "-",
                   stdin=b'{"person_id":"auditor-1","roles":["auditor"]}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["events"][0]["stream"], "user/auditor-1")
        # An unknown user, or a role the user does not hold, cannot act.
        r = sijill("command", "OpenCall", "--data", data, "--as", "nobody", "--body", CALL)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no user 'nobody'", r.stderr.decode())
        r = sijill("command", "OpenCall", "--data", data, "--as", "officer-1", "--role", "admin", "--body", CALL)
        self.assertEqual(r.returncode, 2)
        self.assertIn("does not hold the role admin", r.stderr.decode())
        # The first-admin bootstrap is for a folder with no user only.
        admin = write_json(self.tmp / "admin2.json", {"person_id": "boss", "roles": ["admin"]})
        r = sijill("command", "RegisterUser", "--data", data, "--as", "boss", "--role", "admin", "--body", admin)
        self.assertEqual(r.returncode, 2)

    # -- the first import -------------------------------------------------------------------
    def test_import_reports_every_row(self):
        report = self.report
        self.assertEqual(self.code, 1, self.stderr)  # one row refused
        self.assertEqual(len(report["rows"]), 24)
        s = report["summary"]
        self.assertEqual((s["imported"], s["superseding"], s["already_imported"], s["refused"]), (22, 1, 0, 1))
        self.assertEqual(s["events_appended"], self.head_after - self.head_before)
        self.assertEqual(self.head_after - self.head_before, 22 + 22 + 23)
        rows = rows_by_line(report)
        # Lines are physical lines: earlier answers span several lines.
        self.assertEqual(sorted(rows), [2, 5, 7, 8, 11, 12, 14, 15, 19, 22, 25, 26, 27, 29, 30, 32, 33, 35, 36, 40,
                                        42, 46, 47, 50])

    def test_deadline_edges(self):
        rows = rows_by_line(self.report)
        on_time, late = rows[ON_TIME_EDGE], rows[LATE_EDGE]
        self.assertEqual((on_time["outcome"], on_time["late"]), ("imported", False))
        self.assertEqual(on_time["received_at"], "2026-06-30T18:59:48.000Z")
        self.assertEqual((late["outcome"], late["late"]), ("imported", True))
        self.assertEqual(late["received_at"], "2026-06-30T19:00:31.000Z")
        # As recorded in the log.
        forms = {e["data"]["registration_number"]: e["data"] for e in self.events("FormReceived")}
        self.assertFalse(forms[on_time["registration_number"]]["late"])
        self.assertTrue(forms[late["registration_number"]]["late"])
        self.assertEqual(forms[late["registration_number"]]["application_id"], late["application_id"])

    def test_double_submission_is_one_application_with_a_superseding_form(self):
        rows = rows_by_line(self.report)
        first, second = rows[TWICE[0]], rows[TWICE[1]]
        self.assertEqual(first["registration_number"], second["registration_number"])
        self.assertEqual(first["application_id"], second["application_id"])
        self.assertEqual((first["outcome"], second["outcome"]), ("imported", "superseding"))
        self.assertTrue(second["supersedes"])
        self.assertTrue(any("already registered" in n for n in second["notes"]))
        app = [e for e in self.events("FormReceived") if e["data"]["application_id"] == first["application_id"]]
        self.assertEqual(len(app), 2)
        self.assertEqual([e["data"]["supersedes"] for e in app], [False, True])
        self.assertEqual([e["data"]["received_at"] for e in app],
                         ["2026-05-20T04:09:53.000Z", "2026-06-29T22:10:05.000Z"])
        # One organisation, one contact person.
        number = first["registration_number"]
        orgs = [e for e in self.events("OrganisationRegistered") if e["data"]["registration"]["number"] == number]
        self.assertEqual(len(orgs), 1)

    def test_empty_required_answer_is_refused_by_line_and_nothing_of_it_appended(self):
        row = rows_by_line(self.report)[EMPTY_ANSWER]
        self.assertEqual(row["outcome"], "refused")
        self.assertEqual(row["appended"], 0)
        self.assertEqual(row["errors"][0]["column"], "Nom de l'organisation")
        self.assertEqual(row["errors"][0]["path"], "/legal_name")
        self.assertIn("required answer is empty", row["errors"][0]["message"])
        self.assertNotIn(row["registration_number"], "\n".join(self.log))  # 795/2012
        r = sijill("import", "google-forms", "--call", "AMI-2026", "--mapping", MAPPING, "--data", self.copy(),
                   "--as", "officer-1", "--quiet", "--dry-run", SAMPLE)
        self.assertIn('line 50: refused', r.stdout.decode())
        self.assertIn('column "Nom de l\'organisation" (/legal_name): a required answer is empty', r.stdout.decode())

    def test_text_is_kept_and_personal_data_sealed(self):
        log = "\n".join(self.log)
        for clear in ("contact13@yahoo.fr", "Rachid Ouzzine", "+212 657 76 53 62", "فاطمة الزهراء"):
            self.assertNotIn(clear, log)
        persons = self.events("ContactPersonRegistered")
        self.assertEqual(len(persons), 22)
        self.assertTrue(all("$sealed" in p["data"]["contact"] for p in persons))
        names = {e["data"]["legal_name"] for e in self.events("OrganisationRegistered")}
        self.assertIn("جمعية تيليلي للمرأة القروية (Tiznit)", names)
        answers = [e["data"]["answers"] for e in self.events("FormReceived")]
        self.assertIn("نريد تقوية قدرات الجمعية في التدبير المالي والبحث عن تمويلات بديلة",
                      {a["motivation"] for a in answers})
        self.assertTrue(any("\n2019 – Formation des jeunes" in a["projets_realises"] for a in answers))
        self.assertTrue(all(isinstance(a["experience_communautes_annees"], int) for a in answers))
        # Every event carries the row's key and the import's correlation id.
        imported = [json.loads(l) for l in self.log][self.head_before:]
        self.assertTrue(all(r["idempotency_key"].startswith("import-") for r in imported))
        self.assertEqual(len({r["correlation_id"] for r in imported}), 1)

    # -- importing again, dry run -------------------------------------------------------------
    def test_second_import_appends_nothing(self):
        data = self.copy()
        before = len(log_lines(data))
        code, report, err = import_forms(data)
        self.assertEqual(code, 1, err)  # line 50 is still refused
        s = report["summary"]
        self.assertEqual((s["already_imported"], s["refused"], s["events_appended"]), (23, 1, 0))
        for line, row in rows_by_line(report).items():
            if line != EMPTY_ANSWER:
                self.assertEqual(row["outcome"], "already-imported", line)
        self.assertTrue(rows_by_line(report)[LATE_EDGE]["late"])
        self.assertEqual(len(log_lines(data)), before)
        self.assertEqual(head(data), self.head_after)

    def test_dry_run_evaluates_the_rules_and_appends_nothing(self):
        # On the call as opened: every row decided, later rows seeing what earlier ones would append.
        data = self.copy(self.fresh)
        before = head(data)
        code, report, err = import_forms(data, "--dry-run")
        self.assertEqual(code, 1, err)  # line 50 is refused
        self.assertTrue(report["dry_run"])
        self.assertTrue(report["domain_rules_evaluated"])
        s = report["summary"]
        self.assertEqual((s["valid"], s["refused"], s["events_appended"]), (23, 1, 0))
        self.assertEqual(s["events_would_append"], self.head_after - self.head_before)
        self.assertEqual(head(data), before)
        dry, real = rows_by_line(report), rows_by_line(self.report)
        for line, row in dry.items():
            if line != EMPTY_ANSWER:
                self.assertEqual((row["application_id"], row["late"], row["supersedes"]),
                                 (real[line]["application_id"], real[line]["late"], real[line]["supersedes"]), line)
        self.assertTrue(dry[LATE_EDGE]["late"])
        self.assertFalse(dry[ON_TIME_EDGE]["late"])
        self.assertTrue(dry[TWICE[1]]["supersedes"])
        # After the import: every row is there already.
        data = self.copy()
        before = head(data)
        code, report, err = import_forms(data, "--dry-run")
        self.assertEqual(code, 1, err)
        self.assertEqual((report["summary"]["already_imported"], report["summary"]["refused"]), (23, 1))
        self.assertEqual(report["summary"]["events_would_append"], 0)
        self.assertEqual(head(data), before)

    def test_dry_run_reports_a_row_the_rules_refuse(self):
        late_and_future = self.tmp / "future.csv"
        text = SAMPLE.read_bytes().decode("utf-8")
        clean = "\n".join(text.split("\n")[:EMPTY_ANSWER - 1]) + "\n"
        # The first row answered again, "submitted" in 2030: ReceiveForm refuses a time in the future.
        first = next(itertools.islice(csv.reader(io.StringIO(text.lstrip("\ufeff"))), 1, None))
        first[0] = "01/01/2030 10:00:00"
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(first)
        late_and_future.write_bytes((clean + out.getvalue()).encode("utf-8"))
        data = self.copy()
        before = head(data)
        code, report, err = import_forms(data, "--dry-run", csv=late_and_future)
        self.assertEqual(code, 1, err)
        refused = [r for r in report["rows"] if r["outcome"] == "refused"]
        self.assertEqual(len(refused), 1, report)
        self.assertEqual((refused[0]["refused_by"], refused[0]["problem"]),
                         ("ReceiveForm", "/problems/invalid-argument"))
        self.assertIn("in the future", refused[0]["errors"][0]["message"])
        self.assertEqual(head(data), before)
        r = sijill("import", "google-forms", "--call", "AMI-2026", "--mapping", MAPPING, "--data", data,
                   "--as", "officer-1", "--quiet", "--dry-run", late_and_future)
        self.assertIn("refused (ReceiveForm, /problems/invalid-argument)", r.stdout.decode())
        self.assertIn("dry run, nothing appended: 24 rows: 0 valid, 23 already imported, 1 refused; "
                      "0 events would be appended", r.stdout.decode())

    def test_clean_file_exits_0_twice(self):
        text = SAMPLE.read_bytes().decode("utf-8")
        lines = text.split("\n")
        clean = self.tmp / "clean.csv"
        clean.write_bytes("\n".join(lines[:EMPTY_ANSWER - 1]).encode("utf-8") + b"\n")
        data = self.copy(self.fresh)
        code, report, err = import_forms(data, csv=clean)
        self.assertEqual(code, 0, err)
        self.assertEqual((report["summary"]["imported"], report["summary"]["superseding"]), (22, 1))
        code, report, err = import_forms(data, csv=clean)
        self.assertEqual(code, 0, err)
        self.assertEqual(report["summary"]["already_imported"], 23)

    def test_bad_mapping_or_call_stops_before_any_row(self):
        data = self.copy()
        before = head(data)
        code, _, err = import_forms(data, call="AMI-2099")
        self.assertEqual(code, 1)
        self.assertIn("not open", err)
        mapping = json.loads(MAPPING.read_text(encoding="utf-8"))
        mapping["answers"].pop()  # "Documents complémentaires" is no longer mapped
        bad = write_json(self.tmp / "bad-mapping.json", mapping)
        r = sijill("import", "google-forms", "--call", "AMI-2026", "--mapping", bad, "--data", data,
                   "--as", "officer-1", SAMPLE)
        self.assertEqual(r.returncode, 2)
        self.assertIn("Documents complémentaires", r.stderr.decode())
        self.assertEqual(head(data), before)

    # -- documents --------------------------------------------------------------------------
    def test_documents_are_stored_by_their_sha256(self):
        data = self.copy()
        app = rows_by_line(self.report)[TWICE[0]]["application_id"]
        files = []
        for name, content in (("lettre.pdf", b"%PDF-1.4 lettre"), ("ملف قانوني.pdf", "ملف".encode() * 1000),
                              ("projets.xlsx", bytes(range(256)) * 300)):
            p = self.tmp / name
            p.write_bytes(content)
            files.append(p)
        before = verify_head(data)
        r = sijill("import", "documents", "--application", app, "--data", data, "--as", "officer-1", "--json",
                   "--reason", "pièces du dossier juridique", *files)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertTrue(out["recorded"])
        # The digests are cited on the application: one DocumentsAttached event.
        self.assertEqual(verify_head(data), before + 1)
        cited = json.loads(sijill("log", "--data", data, "--from", before + 1).stdout.splitlines()[0])
        self.assertEqual((cited["type"], cited["stream"]), ("DocumentsAttached", "application/" + app))
        self.assertEqual([d["sha256"] for d in cited["data"]["documents"]],
                         [hashlib.sha256(p.read_bytes()).hexdigest() for p in files])
        for p, doc in zip(files, out["documents"]):
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
            if shutil.which("sha256sum"):
                self.assertEqual(run("sha256sum", p).stdout.decode().split()[0], digest)
            self.assertEqual(doc["sha256"], digest)
            self.assertEqual(doc["size"], p.stat().st_size)
            stored = data / "documents" / digest[:2] / digest
            self.assertEqual(stored.read_bytes(), p.read_bytes())
        stored = sorted(str(p.relative_to(data)) for p in (data / "documents").rglob("*") if p.is_file())
        self.assertEqual(len(stored), 3)
        self.assertTrue(all(re.fullmatch(r"documents/([0-9a-f]{2})/\1[0-9a-f]{62}", s) for s in stored), stored)
        # Again: nothing new.
        r = sijill("import", "documents", "--application", app, "--data", data, "--as", "officer-1", "--json",
                   "--reason", "pièces du dossier juridique", *files)
        self.assertTrue(json.loads(r.stdout)["documents"][0]["already_stored"])
        self.assertEqual(verify_head(data), before + 1)  # the same citation again appends nothing
        # An unknown application.
        r = sijill("import", "documents", "--application", "APP-9999", "--data", data, "--as", "officer-1",
                   "--reason", "x", files[0])
        self.assertEqual(r.returncode, 1)
        self.assertIn("no application APP-9999", r.stderr.decode())

    # -- a folder held by a running server ----------------------------------------------------
    def test_held_folder_points_to_the_server(self):
        data = self.copy()
        token_file = self.tmp / "admin-token"
        proc = subprocess.Popen([SIJILL, "serve", "--data", str(data), "--listen", "127.0.0.1:0",
                                 "--admin-token-file", str(token_file)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines = []
        reader = threading.Thread(target=lambda: [lines.append(l.decode("utf-8", "replace")) for l in proc.stdout],
                                  daemon=True)
        reader.start()
        try:
            url = None
            deadline = time.time() + 30
            while url is None and time.time() < deadline:
                for line in list(lines):
                    m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
                    if m:
                        url = m.group(1)
                if proc.poll() is not None:
                    self.fail("sijill serve exited:\n" + "".join(lines))
                time.sleep(0.05)
            self.assertIsNotNone(url, "".join(lines))
            admin = token_file.read_text().strip()

            r = sijill("command", "OpenCall", "--data", data, "--as", "officer-1", "--body", CALL)
            self.assertEqual(r.returncode, 2)
            self.assertIn("running server holds", r.stderr.decode())
            self.assertIn("--server URL --token T", r.stderr.decode())
            code, _, err = import_forms(data)
            self.assertEqual(code, 2)
            self.assertIn("--server URL --token T", err)
            # A dry run only reads: it works beside the server.
            code, report, err = import_forms(data, "--dry-run")
            self.assertEqual(code, 1, err)
            self.assertEqual(report["summary"]["already_imported"], 23)

            r = sijill("token", "create", "--data", data, "--server", url, "--token", admin,
                       "--user", "officer-1", "--role", "programme_officer")
            self.assertEqual(r.returncode, 0, r.stderr)
            officer = r.stdout.decode().strip()
            self.online(data, url, officer)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            reader.join(timeout=5)
            proc.stdout.close()

    def online(self, data, url, token):
        """Through the API, when the server runs the AMI commands."""
        call = json.loads(CALL.read_text(encoding="utf-8"))
        call["call_id"] = "AMI-2026-B"
        body = json.dumps(call).encode()
        req = urllib.request.Request(url + "/v1/commands/OpenCall", data=body, method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                status = res.status
        except urllib.error.HTTPError as e:
            status = e.code
        if status == 404:
            print("online import skipped: this server does not run the AMI commands", file=sys.stderr)
            return
        self.assertEqual(status, 201)

        def health():
            with urllib.request.urlopen(url + "/health", timeout=30) as res:
                return json.loads(res.read())["head"]

        r = sijill("command", "RegisterUser", "--server", url, "--token", token)
        self.assertEqual(r.returncode, 1)  # an officer may not register users: the server's problem is printed
        self.assertEqual(json.loads(r.stderr.decode().strip().splitlines()[-1])["status"], 403)

        # A dry run through the server (POST ...?dry_run=true): the organisations are registered
        # already, so every form is decided (late or not) and nothing is appended.
        before = health()
        r = sijill("import", "google-forms", "--call", "AMI-2026-B", "--mapping", MAPPING, "--server", url,
                   "--token", token, "--json", "--quiet", "--dry-run", SAMPLE)
        self.assertEqual(r.returncode, 1, r.stderr)  # line 50
        dry = json.loads(r.stdout)
        self.assertTrue(dry["domain_rules_evaluated"])
        self.assertEqual((dry["summary"]["valid"], dry["summary"]["refused"]), (23, 1))
        self.assertEqual(dry["summary"]["events_would_append"], 23)
        dry_rows = rows_by_line(dry)
        self.assertTrue(dry_rows[LATE_EDGE]["late"])
        self.assertFalse(dry_rows[ON_TIME_EDGE]["late"])
        # The server decides each command against what is recorded: the second form of 863/2020
        # is decided without the first, and the report says so.
        self.assertTrue(any("earlier row of this file" in n for n in dry_rows[TWICE[1]]["notes"]))
        self.assertEqual(health(), before)

        r = sijill("import", "google-forms", "--call", "AMI-2026-B", "--mapping", MAPPING, "--data", data,
                   "--as", "officer-1", "--server", url, "--token", token, "--json", "--quiet", SAMPLE)
        self.assertIn("going through its API", r.stderr.decode())
        report = json.loads(r.stdout)
        rows = rows_by_line(report)
        # Organisations and contact persons are there from the first call: only forms are new.
        self.assertEqual((report["summary"]["imported"], report["summary"]["superseding"]), (22, 1), r.stdout)
        self.assertEqual(health() - before, 23)
        self.assertTrue(rows[LATE_EDGE]["late"])
        self.assertFalse(rows[ON_TIME_EDGE]["late"])
        self.assertEqual(rows[TWICE[0]]["application_id"], rows[TWICE[1]]["application_id"])
        r = sijill("import", "google-forms", "--call", "AMI-2026-B", "--mapping", MAPPING, "--server", url,
                   "--token", token, "--json", "--quiet", SAMPLE)
        report = json.loads(r.stdout)
        self.assertEqual((report["summary"]["already_imported"], report["summary"]["events_appended"]), (23, 0))
        self.assertEqual(health() - before, 23)

        # Documents through the API: each file sent with PUT /v1/documents, then cited.
        doc = self.tmp / "online.pdf"
        doc.write_bytes(b"%PDF-1.4 en ligne" * 5000)
        digest = hashlib.sha256(doc.read_bytes()).hexdigest()
        app = rows[TWICE[0]]["application_id"]
        before = health()
        r = sijill("import", "documents", "--application", app, "--server", url, "--token", token, "--json",
                   "--reason", "x", doc)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["documents"][0]["sha256"], digest)
        self.assertEqual(health(), before + 1)  # DocumentsAttached
        self.assertEqual((data / "documents" / digest[:2] / digest).read_bytes(), doc.read_bytes())
        req = urllib.request.Request(url + "/v1/documents/" + digest, headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=30) as res:
            self.assertEqual(res.read(), doc.read_bytes())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
