#!/usr/bin/env python3
"""The evidence pack as an auditor takes it, from the demo programme: through the command line
(a copy: read-only, nothing appended, "recorded": false) and through the API (a ZIP archive, or
the events alone, recorded as an AuditExportRecorded event; auditors and admins only). The
events verify with tools/verify_chain.py, and changing one byte of one event makes the checker
name its position; the CSV files open with Python's csv module as a spreadsheet would read them
(';', UTF-8 with BOM) with Arabic text intact and formula-like cells neutralised; no key and no
plaintext personal data anywhere; a forgotten person shows as erased.

Usage: export_test.py SIJILL SOURCE_DIR
"""
import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_support import Server  # noqa: E402

SIJILL, SOURCE = sys.argv[1], Path(sys.argv[2])
CHECKER = SOURCE / "tools" / "verify_chain.py"
FORMULA = '=HYPERLINK("http://example.invalid","cliquez")'
ARABIC = "انسحاب الجمعية بطلب منها"
REASON = f"{FORMULA} retrait demandé par l'association ; {ARABIC}"
CSV_FILES = ("applications.csv", "evaluations.csv", "decisions.csv", "organisations.csv", "ranking.csv",
             "personal_data.csv")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def read_csv(raw):
    """As a spreadsheet with a French locale reads it: UTF-8 with BOM, ';' between cells."""
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def check_chain(path, *extra):
    return subprocess.run([sys.executable, str(CHECKER), *extra, str(path)], capture_output=True, text=True)


class EvidencePack(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="sijill-export-test-"))
        # The demo, a few tokens and a withdrawal whose reason looks like a formula; then a copy of
        # the stopped folder (for the forgotten person), and the server again on the original.
        first = Server(SIJILL, "--demo")
        cls.first = first
        admin = first.admin
        cls.admin = admin

        def token(user, role, region=None):
            body = {"user": user, "role": role, **({"region": region} if region else {})}
            status, _, reply = first.command("CreateToken", body, admin)
            assert status == 201, reply
            return reply["token"]

        cls.auditor = token("u-auditor", "auditor")
        cls.coordinator = token("u-coordinator-souss", "regional_coordinator", "Souss-Massa")
        cls.officer = token("u-officer-1", "programme_officer")
        status, _, page = first.get("/v1/applications?status=waiting&limit=1", admin)
        assert status == 200 and page["items"], page
        cls.withdrawn = page["items"][0]["application_id"]
        status, _, reply = first.command("WithdrawApplication", {"application_id": cls.withdrawn, "reason": REASON},
                                         admin)
        assert status == 201, reply
        assert first.stop() == 0, first.output()
        cls.copy = cls.tmp / "copy"
        shutil.copytree(first.data, cls.copy)
        cls.s = Server(SIJILL, data=first.data)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        cls.first.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # helpers -------------------------------------------------------------------------------
    def fetch(self, path, token):
        """(status, headers, raw bytes)"""
        req = urllib.request.Request(self.s.url + path)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=120) as res:
                return res.status, res.headers, res.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def export_cli(self, data, *extra):
        out = self.tmp / f"pack-{len(list(self.tmp.iterdir()))}"
        run = subprocess.run([SIJILL, "export", "--data", str(data), "--out", str(out), "--json", "--quiet", *extra],
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        return out, json.loads(run.stdout)

    def recorded_exports(self):
        status, _, page = self.s.get("/v1/events?from=0&limit=1000&type=AuditExportRecorded&stream=audit/",
                                     self.admin)
        self.assertEqual(status, 200, page)
        return page["events"]

    def check_pack_files(self, files):
        """Checks a pack given as {name: bytes}; returns its manifest."""
        manifest = json.loads(files["manifest.json"])
        listed = {f["name"]: f for f in manifest["files"]}
        for name in ("events.jsonl", *CSV_FILES, "report.html", "verify_chain.py", "README.txt"):
            self.assertIn(name, files)
            self.assertEqual(listed[name]["sha256"], sha256(files[name]), name)
            self.assertEqual(listed[name]["bytes"], len(files[name]), name)
        for line in files["SHA256SUMS"].decode().splitlines():
            digest, name = line.split("  ", 1)
            self.assertEqual(digest, sha256(files[name]), name)
        self.assertEqual(files["verify_chain.py"], CHECKER.read_bytes())
        self.assertEqual(listed["events.jsonl"]["rows"], files["events.jsonl"].count(b"\n"))
        self.assertEqual(manifest["range"]["count"], files["events.jsonl"].count(b"\n"))
        # CSV: BOM, ';', CRLF; rows as counted.
        for name in CSV_FILES:
            raw = files[name]
            self.assertTrue(raw.startswith(b"\xef\xbb\xbf"), name)
            self.assertTrue(raw.endswith(b"\r\n"), name)
            rows = read_csv(raw)
            self.assertEqual(len(rows) - 1, listed[name]["rows"], name)
            self.assertTrue(all(len(r) == len(rows[0]) for r in rows), name)
        # The withdrawal's reason: Arabic intact, the formula neutralised.
        decisions = read_csv(files["decisions.csv"])
        header = decisions[0]
        rows = [dict(zip(header, r)) for r in decisions[1:]]
        withdrawal = [r for r in rows if r["application_id"] == self.withdrawn and r["decision"] == "withdrawn"]
        self.assertEqual(len(withdrawal), 1)
        self.assertEqual(withdrawal[0]["rationale"], "'" + REASON)
        self.assertIn(ARABIC, withdrawal[0]["rationale"])
        self.assertEqual(withdrawal[0]["actor_id"], "admin")
        for r in rows:
            for cell in r.values():
                self.assertFalse(cell[:1] in ("=", "+", "-", "@", "\t", "\r"), cell)
            self.assertRegex(r["hash"], r"^[0-9a-f]{64}$")
        evaluations = read_csv(files["evaluations.csv"])
        self.assertIn("relevance_half_points", evaluations[0])
        self.assertGreater(len(evaluations), 350)
        # The report: self-contained, EU visibility, the withdrawal escaped.
        report = files["report.html"].decode()
        self.assertIn("Cofinancé par l&#39;Union européenne", report)
        self.assertIn("Co-funded by the European Union", report)
        self.assertEqual(report.count('<polygon fill="#FFCC00"'), 24)  # two emblems of 12 stars
        self.assertIn("=HYPERLINK(&quot;http://example.invalid&quot;,&quot;cliquez&quot;)", report)
        self.assertIn(ARABIC, report)
        self.assertNotIn("<script", report)
        self.assertNotIn(" src=", report)
        # No key and no plaintext personal data anywhere.
        keys = [line.split("\t", 1)[1] for line in (self.copy / "keys").read_text().splitlines()[1:] if "\t" in line]
        self.assertGreater(len(keys), 300)
        for name, raw in files.items():
            self.assertNotIn(b"@osc.example.ma", raw, name)
            for k in keys[:50]:
                self.assertNotIn(k.encode(), raw, name)
        return manifest

    def check_tamper_evidence(self, events, where):
        """Changes one byte of the record at line `where` and expects the checker to name it."""
        lines = events.split(b"\n")
        target = lines[where]
        position = json.loads(target)["position"]
        i = target.index(b'"recorded_at":"') + len(b'"recorded_at":"') + 3  # a digit of the year
        tampered_line = target[:i] + (b"7" if target[i:i + 1] != b"7" else b"8") + target[i + 1:]
        lines[where] = tampered_line
        path = self.tmp / f"tampered-{position}.jsonl"
        path.write_bytes(b"\n".join(lines))
        run = check_chain(path)
        self.assertEqual(run.returncode, 1, run.stdout)
        self.assertIn(f"BROKEN at position {position}:", run.stdout)
        as_json = json.loads(check_chain(path, "--json").stdout)
        self.assertEqual(as_json["first_bad_position"], position)

    # tests ---------------------------------------------------------------------------------
    def test_command_line_export_of_a_running_server_appends_nothing(self):
        before = self.s.head()
        exports_before = len(self.recorded_exports())
        out, summary = self.export_cli(self.s.data)
        self.assertEqual(self.s.head(), before)
        self.assertEqual(len(self.recorded_exports()), exports_before)
        self.assertFalse(summary["recorded"])
        self.assertEqual(summary["to"], before)
        files = {p.name: p.read_bytes() for p in out.iterdir()}
        manifest = self.check_pack_files(files)
        self.assertFalse(manifest["recorded"])
        self.assertIn("appends nothing", manifest["not_recorded_reason"])
        self.assertEqual(manifest["head"]["position"], before)
        self.assertEqual(summary["manifest_sha256"], sha256(files["manifest.json"]))
        head = f'{manifest["range"]["to"]}:{manifest["range"]["last_hash"]}'
        run = check_chain(out / "events.jsonl", "--head", head)
        self.assertEqual(run.returncode, 0, run.stdout)
        run = subprocess.run([sys.executable, "verify_chain.py", "events.jsonl"], cwd=out, capture_output=True,
                             text=True)
        self.assertEqual(run.returncode, 0, run.stdout)
        self.assertIn("python3 verify_chain.py events.jsonl", files["README.txt"].decode())
        self.check_tamper_evidence(files["events.jsonl"], 1234)

    def test_command_line_export_of_a_range(self):
        out, summary = self.export_cli(self.s.data, "--from", "100", "--to", "2000")
        events = (out / "events.jsonl").read_bytes()
        self.assertEqual(events.count(b"\n"), 1901)
        self.assertTrue(events.startswith(b'{"position":100,'))
        manifest = json.loads((out / "manifest.json").read_text())
        self.assertEqual(manifest["state"]["position"], 2000)
        run = check_chain(out / "events.jsonl", "--head", f'2000:{manifest["range"]["last_hash"]}')
        self.assertEqual(run.returncode, 0, run.stdout)
        self.assertEqual(summary["events"], 1901)
        bad = subprocess.run([SIJILL, "export", "--data", str(self.s.data), "--out", str(self.tmp / "bad"),
                              "--from", "10", "--to", "5", "--quiet"], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("sijill export:", bad.stderr)
        busy = subprocess.run([SIJILL, "export", "--data", str(self.s.data), "--out", str(out), "--quiet"],
                              capture_output=True, text=True)
        self.assertEqual(busy.returncode, 2)  # not an empty folder

    def test_a_forgotten_person_shows_as_erased(self):
        keys = (self.copy / "keys").read_text().splitlines()
        forgotten = [line for line in keys if line.startswith("person/P-0001\t")]
        self.assertEqual(len(forgotten), 1)
        (self.copy / "keys").write_text("\n".join(line for line in keys if not line.startswith("person/P-0001\t"))
                                        + "\n")
        out, _ = self.export_cli(self.copy)
        rows = read_csv((out / "personal_data.csv").read_bytes())
        states = {(r[4], r[5]): r[6] for r in rows[1:]}
        self.assertEqual(states[("person/P-0001", "/contact")], "erased")
        self.assertEqual(states[("person/P-0002", "/contact")], "sealed")
        manifest = json.loads((out / "manifest.json").read_text())
        self.assertGreaterEqual(manifest["personal_data"]["erased"], 1)
        self.assertFalse(manifest["personal_data"]["keys_included"])

    def test_auditor_takes_the_pack_over_http_and_it_is_recorded(self):
        before = self.s.head()
        status, headers, body = self.fetch("/v1/audit/export?format=csv", self.auditor)
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(headers["Content-Type"], "application/zip")
        self.assertRegex(headers["Content-Disposition"],
                         rf'^attachment; filename="sijill-evidence-1-{before}\.zip"$')
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            names = z.namelist()
            self.assertTrue(all(n.startswith(f"sijill-evidence-1-{before}/") for n in names), names)
            files = {n.split("/", 1)[1]: z.read(n) for n in names}
        manifest = self.check_pack_files(files)
        self.assertTrue(manifest["recorded"])
        self.assertEqual(manifest["generated_by"]["actor"], {"id": "u-auditor", "role": "auditor"})
        self.assertEqual(manifest["range"]["to"], before)
        self.assertEqual(headers["X-Manifest-SHA256"], sha256(files["manifest.json"]))
        path = self.tmp / "api-events.jsonl"
        path.write_bytes(files["events.jsonl"])
        run = check_chain(path, "--head", f'{before}:{manifest["range"]["last_hash"]}')
        self.assertEqual(run.returncode, 0, run.stdout)
        self.check_tamper_evidence(files["events.jsonl"], 42)

        # Recorded: who took what, with the manifest's digest, right after the exported head.
        recorded = [e for e in self.recorded_exports() if e["data"]["export_id"] == manifest["export_id"]]
        self.assertEqual(len(recorded), 1)
        event = recorded[0]
        self.assertEqual(event["stream"], "audit/exports")
        self.assertEqual(event["actor"], {"id": "u-auditor", "role": "auditor"})
        self.assertEqual(event["position"], int(headers["X-Recorded-Position"]))
        self.assertGreater(event["position"], before)
        data = event["data"]
        self.assertEqual(data["manifest_sha256"], sha256(files["manifest.json"]))
        self.assertEqual(data["events_sha256"], sha256(files["events.jsonl"]))
        self.assertEqual((data["format"], data["from"], data["to"], data["events"]), ("csv", 1, before, before))
        self.assertEqual(data["head_hash"], manifest["head"]["hash"])
        # The record of the export is itself in the chain.
        status, _, verify = self.s.get("/v1/audit/verify", self.auditor)
        self.assertEqual(status, 200)
        self.assertTrue(verify["ok"], verify)

    def test_the_events_alone_over_http(self):
        status, headers, body = self.fetch("/v1/audit/export?format=jsonl&from=5&to=300", self.admin)
        self.assertEqual(status, 200, body[:500])
        self.assertTrue(headers["Content-Type"].startswith("application/x-ndjson"))
        self.assertIn('filename="sijill-evidence-5-300-events.jsonl"', headers["Content-Disposition"])
        self.assertEqual(body.count(b"\n"), 296)
        self.assertTrue(body.startswith(b'{"position":5,'))
        path = self.tmp / "api-range.jsonl"
        path.write_bytes(body)
        run = check_chain(path)
        self.assertEqual(run.returncode, 0, run.stdout)
        # The same bytes as `sijill log` prints.
        log = subprocess.run([SIJILL, "log", "--data", str(self.s.data), "--from", "5", "--to", "300"],
                             capture_output=True)
        self.assertEqual(log.stdout, body)
        recorded = [e for e in self.recorded_exports() if e["data"]["export_id"] == headers["X-Export-Id"]]
        self.assertEqual(len(recorded), 1)
        data = recorded[0]["data"]
        self.assertEqual((data["format"], data["from"], data["to"]), ("jsonl", 5, 300))
        self.assertEqual(data["events_sha256"], sha256(body))
        self.assertNotIn("manifest_sha256", data)
        self.assertEqual(recorded[0]["actor"]["role"], "admin")

    def test_only_auditors_and_admins_export(self):
        before = self.s.head()
        for token in (self.coordinator, self.officer):
            status, headers, body = self.fetch("/v1/audit/export?format=csv", token)
            self.assertEqual(status, 403, body)
            self.assertEqual(headers["Content-Type"], "application/problem+json")
        status, _, _ = self.fetch("/v1/audit/export?format=csv", None)
        self.assertEqual(status, 401)
        # Not offered as a command a client could post.
        status, _, _ = self.s.command("RecordAuditExport", {}, self.auditor)
        self.assertEqual(status, 404)
        for bad in ("format=xml", f"to={before + 1000}", "from=0", "from=9&to=3", "from=x"):
            status, _, body = self.fetch("/v1/audit/export?" + bad, self.auditor)
            self.assertEqual(status, 400, (bad, body))
        self.assertEqual(self.s.head(), before)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
