#!/usr/bin/env python3
"""The read models through the real API, on the demo programme: the dashboard, the list and search
of applications, case files, decision histories, rankings, time travel (`as_of`), read-your-writes
(`min_position`), the `dashboard` WebSocket topic, and each role's scope. Then, with the server
stopped, `sijill replay` and `sijill rebuild` on its data folder.

Usage: server_reads_test.py SIJILL   (needs the Debian package python3-websockets)
"""
import asyncio
import json
import subprocess
import sys
import time
import unittest
import urllib.parse
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_support import Server  # noqa: E402

SIJILL = sys.argv[1]
CALL = "AMI-2026"
REGIONS = ["Béni Mellal-Khénifra", "Drâa-Tafilalet", "L'Oriental", "Marrakech-Safi", "Souss-Massa"]


def q(**params):
    return "?" + urllib.parse.urlencode(params)


class ReadModels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(SIJILL, "--demo")
        s = cls.s
        cls.officer = s.user_with_token("u-officer-1", "programme_officer")
        cls.auditor = s.user_with_token("u-auditor", "auditor")
        cls.souss = s.user_with_token("u-coordinator-souss", "regional_coordinator", "Souss-Massa")
        cls.evaluator = s.user_with_token("u-ev01", "evaluator")

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def get(self, path, token=None):
        return self.s.get(path, token or self.auditor)

    def all_applications(self, token, **params):
        items, cursor = [], None
        while True:
            page_params = dict(params, limit=97)
            if cursor:
                page_params["cursor"] = cursor
            status, _, page = self.get("/v1/applications" + q(**page_params), token)
            self.assertEqual(status, 200, page)
            items += page["items"]
            cursor = page.get("next")
            if not cursor:
                return items

    # ---------------------------------------------------------------------------------------
    def test_dashboard_of_the_programme_and_of_a_region(self):
        status, _, d = self.get("/v1/dashboard")
        self.assertEqual(status, 200, d)
        self.assertIsNone(d["region"])
        self.assertEqual(d["regions"], REGIONS)
        p = d["pipeline"]
        self.assertEqual(p["received"], 350)
        self.assertEqual(p["selected"], 150)
        self.assertEqual(p["rejected"], p["inadmissible"] + p["ineligible"])
        targets = {t["id"]: t for t in d["targets"]}
        self.assertEqual(targets["csos_accompanied"]["target"], 150)
        self.assertEqual(targets["csos_accompanied"]["actual"], 150)
        self.assertEqual(targets["cascade_eur"]["target"], 134000000)
        self.assertEqual(sum(m["envelope_cents"] for m in d["money"]), 134000000)
        self.assertEqual([r["selected"] for r in d["by_region"]], [30] * 5)
        self.assertEqual(len(d["activity"]), 20)
        self.assertGreaterEqual(d["position"], d["activity"][0]["position"])
        self.assertEqual([a["position"] for a in d["activity"]], sorted((a["position"] for a in d["activity"]),
                                                                         reverse=True))

        status, _, r = self.get("/v1/dashboard" + q(region="Souss-Massa"))
        self.assertEqual(status, 200, r)
        self.assertEqual(r["region"], "Souss-Massa")
        self.assertEqual(r["pipeline"]["selected"], 30)
        self.assertEqual({t["id"]: t["target"] for t in r["targets"]}["csos_accompanied"], 30)
        self.assertTrue(all(a["region"] == "Souss-Massa" for a in r["activity"]))
        # The region's figures add up to the programme's.
        total = 0
        for region in REGIONS:
            total += self.get("/v1/dashboard" + q(region=region))[2]["pipeline"]["received"]
        outside = [a for a in self.all_applications(self.auditor, call=CALL) if a["region"] not in REGIONS]
        self.assertEqual(total + len(outside), p["received"])
        self.assertEqual(self.get("/v1/dashboard" + q(region="Casablanca-Settat"))[0], 404)

    def test_the_evaluator_workload_is_what_the_case_files_show(self):
        # Counted again from every case file: the assignments of each application's current round.
        expected, expected_souss = {}, {}
        for a in self.all_applications(self.auditor, call=CALL):
            status, _, case = self.get("/v1/applications/" + a["application_id"])
            self.assertEqual(status, 200, case)
            for w in case["evaluators"]:
                if w["round"] != case["round"]:
                    continue
                for counts in [expected] + ([expected_souss] if a["region"] == "Souss-Massa" else []):
                    c = counts.setdefault(w["evaluator_id"], {"assigned": 0, "declared": 0, "conflicts": 0,
                                                              "scored": 0, "to_declare": 0, "to_score": 0})
                    c["assigned"] += 1
                    c["declared"] += w["declaration"] != "none"
                    c["conflicts"] += w["declaration"] == "conflict"
                    c["scored"] += w["scored"]
                    c["to_declare"] += w["declaration"] == "none"
                    c["to_score"] += w["declaration"] == "no_conflict" and not w["scored"]
        self.assertGreater(len(expected), 1)
        for region, counts in ((None, expected), ("Souss-Massa", expected_souss)):
            status, _, d = self.get("/v1/dashboard" + (q(region=region) if region else ""))
            self.assertEqual(status, 200, d)
            shown = {w.pop("evaluator_id"): w for w in d["evaluators"]}
            self.assertEqual(shown, counts, region)
            self.assertEqual(sum(w["assigned"] for w in shown.values()), d["evaluation"]["assignments"])
            self.assertEqual(sum(w["scored"] for w in shown.values()), d["evaluation"]["scores"])

    def test_funds_show_the_envelopes_and_rules_with_what_is_awarded(self):
        status, _, f = self.get("/v1/funds")
        self.assertEqual(status, 200, f)
        self.assertEqual(f["currency"], "EUR")
        self.assertEqual(f["rules"]["third_party_ceiling_cents"], 6000000)
        self.assertEqual([l["line"] for l in f["lines"]], ["omi", "agr", "solutions", "observatoire"])
        self.assertEqual(f["totals"]["envelope_cents"], 134000000)
        # Nothing of the cascade funding is recorded by the demo: the envelopes stand whole.
        for line in f["lines"]:
            self.assertEqual(line["awards"], [])
            self.assertEqual(line["remaining_cents"], line["envelope_cents"] - line["awarded_cents"])
        self.assertEqual(f["recipients"], [])
        # The dashboard's money lines are the same.
        d = self.get("/v1/dashboard")[2]
        self.assertEqual([{k: v for k, v in l.items() if k != "awards"} for l in f["lines"]], d["money"])
        for token in (self.officer, self.s.admin):
            self.assertEqual(self.get("/v1/funds", token)[0], 200)
        self.assertEqual(self.get("/v1/funds" + q(as_of="last tuesday"), self.souss)[0], 403)
        status, _, problem = self.get("/v1/funds", self.souss)
        self.assertEqual(status, 403)
        self.assertIn("funds", problem["detail"])
        self.assertEqual(self.get("/v1/funds", self.evaluator)[0], 403)
        self.assertEqual(self.s.request("GET", "/v1/funds")[0], 401)
        self.assertEqual(self.s.request("POST", "/v1/funds", b"{}", self.auditor)[0], 405)
        self.assertEqual(self.get("/v1/funds" + q(as_of=1))[2]["position"], 1)

    def test_each_role_reads_the_dashboard_it_may(self):
        status, _, mine = self.get("/v1/dashboard", self.souss)  # a coordinator: their region
        self.assertEqual(status, 200, mine)
        self.assertEqual(mine["region"], "Souss-Massa")
        status, _, problem = self.get("/v1/dashboard" + q(region="L'Oriental"), self.souss)
        self.assertEqual(status, 403)
        self.assertIn("Souss-Massa", problem["detail"])
        self.assertEqual(self.get("/v1/dashboard", self.evaluator)[0], 403)
        self.assertEqual(self.get("/v1/dashboard", self.officer)[0], 200)
        self.assertEqual(self.s.request("GET", "/v1/dashboard")[0], 401)
        self.assertEqual(self.s.request("POST", "/v1/dashboard", b"{}", self.auditor)[0], 405)

    def test_applications_are_listed_paged_searched_and_scoped(self):
        status, _, problem = self.get("/v1/applications" + q(call=CALL, status="accepted"))
        self.assertEqual(status, 400, problem)
        self.assertEqual(problem["errors"][0]["path"], "/status")
        self.assertIn("waiting", problem["errors"][0]["message"])
        every = self.all_applications(self.auditor, call=CALL)
        ids = [a["application_id"] for a in every]
        self.assertEqual(len(ids), 350)
        self.assertEqual(ids, sorted(set(ids)))
        selected = self.all_applications(self.auditor, call=CALL, status="selected")
        self.assertEqual(len(selected), 150)
        mine = self.all_applications(self.souss, call=CALL)
        self.assertEqual({a["region"] for a in mine}, {"Souss-Massa"})
        self.assertEqual(len(mine), sum(1 for a in every if a["region"] == "Souss-Massa"))
        self.assertEqual(self.get("/v1/applications" + q(call=CALL, region="L'Oriental"), self.souss)[0], 403)
        # An evaluator lists only what is assigned to them (and not conflicted).
        assigned = self.all_applications(self.evaluator, call=CALL)
        self.assertTrue(0 < len(assigned) < 350)
        for a in assigned[:5]:
            self.assertEqual(self.get("/v1/applications/" + a["application_id"], self.evaluator)[0], 200)
        other = next(i for i in ids if i not in {a["application_id"] for a in assigned})
        self.assertEqual(self.get("/v1/applications/" + other, self.evaluator)[0], 403)
        # Search by a word of the name, case-insensitive, and by registration number.
        name = every[0]["legal_name"]
        word = max(name.split(), key=len).upper()
        found = self.all_applications(self.auditor, call=CALL, q=word)
        self.assertIn(every[0]["application_id"], [a["application_id"] for a in found])
        self.assertTrue(all(word.lower() in (a["legal_name"] + a["application_id"] + a["registration_number"]).lower()
                            for a in found))
        by_number = self.all_applications(self.auditor, call=CALL, q=every[3]["registration_number"])
        self.assertIn(every[3]["application_id"], [a["application_id"] for a in by_number])

    def test_case_file_and_decision_history_rest_on_the_log(self):
        status, _, app = self.get("/v1/applications" + q(call=CALL, status="selected", limit=1))
        app_id = app["items"][0]["application_id"]
        status, _, case = self.get("/v1/applications/" + app_id)
        self.assertEqual(status, 200, case)
        self.assertEqual(case["stage"], "selected")
        self.assertTrue(case["organisation"]["legal_name"])
        self.assertTrue(any(p["part"] == "dossier" and p["documents"] for p in case["parts"]))
        for doc in next(p for p in case["parts"] if p["part"] == "dossier")["documents"]:
            self.assertRegex(doc["sha256"], r"^[0-9a-f]{64}$")
        self.assertTrue(case["eligibility"]["eligible"])
        scored = [e for e in case["evaluators"] if e["scored"]]
        self.assertGreaterEqual(len(scored), 2)
        for e in scored:
            self.assertTrue(all(c["justification"] for c in e["scores"].values()))
        self.assertIn("final_points", case["final_score"])

        status, _, history = self.get(f"/v1/applications/{app_id}/history")
        self.assertEqual(status, 200, history)
        kinds = [d["decision"] for d in history["decisions"]]
        for expected in ("eligible", "score", "final-score", "selected", "notified"):
            self.assertIn(expected, kinds)
        positions = [d["position"] for d in history["decisions"]]
        self.assertEqual(positions, sorted(positions))
        # Every decision and what it rests on is a record of the log, with that hash.
        for d in history["decisions"]:
            self.assertTrue(d["actor"]["id"] and d["actor"]["role"], d)
            self.assertRegex(d["recorded_at_local"], r"^2026-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+0[01]:00$")
            self.assertEqual(d["rules_version"], "CAP+ AMI 2026 v1")
            for ref in [d] + d["rests_on"]:
                status, _, page = self.get("/v1/events" + q(**{"from": ref["position"] - 1, "limit": 1}))
                self.assertEqual(page["events"][0]["hash"], ref["hash"], ref)
                self.assertEqual(page["events"][0]["type"], ref["type"], ref)
        selection = next(d for d in history["decisions"] if d["decision"] == "selected")
        self.assertIn("SelectionRecorded", [r["type"] for r in selection["rests_on"]])

        self.assertEqual(self.get("/v1/applications/APP-9999")[0], 404)
        other_region = next(a for a in self.all_applications(self.auditor, call=CALL) if a["region"] != "Souss-Massa")
        self.assertEqual(self.get("/v1/applications/" + other_region["application_id"], self.souss)[0], 403)
        self.assertEqual(self.get(f"/v1/applications/{other_region['application_id']}/history", self.souss)[0], 403)

    def test_as_of_replays_the_case_to_a_past_moment(self):
        status, _, history = self.get("/v1/applications/APP-0001/history")
        decisions = history["decisions"]
        first = decisions[0]
        status, _, then = self.get("/v1/applications/APP-0001" + q(as_of=first["position"]))
        self.assertEqual(status, 200, then)
        self.assertEqual(then["position"], first["position"])
        self.assertEqual(len(then["decisions"]), 1)
        status, _, now = self.get("/v1/applications/APP-0001")
        self.assertEqual(len(now["decisions"]), len(decisions))
        # The same moment as an instant, in UTC and in local time.
        for when in (first["recorded_at"], first["recorded_at_local"]):
            status, _, same = self.get("/v1/applications/APP-0001" + q(as_of=when))
            self.assertEqual(status, 200, same)
            self.assertEqual([d["position"] for d in same["decisions"]][:1], [first["position"]])
        status, _, past_dash = self.get("/v1/dashboard" + q(as_of=first["position"]))
        self.assertEqual(past_dash["position"], first["position"])
        self.assertLess(past_dash["pipeline"]["selected"], 150)
        # Before the application existed; a local time that happens twice; nonsense; the future.
        self.assertEqual(self.get("/v1/applications/APP-0001" + q(as_of=1))[0], 404)
        status, _, problem = self.get("/v1/dashboard" + q(as_of="20/09/2026 01:30"))
        self.assertEqual((status, problem["type"]), (422, "/problems/ambiguous-local-time"))
        status, _, problem = self.get("/v1/dashboard" + q(as_of="last tuesday"))
        self.assertEqual(status, 400)
        self.assertEqual(problem["errors"][0]["path"], "/as_of")
        self.assertEqual(self.get("/v1/dashboard" + q(as_of=self.s.head() + 10))[0], 400)

    def test_ranking_per_region_and_for_the_call(self):
        status, _, r = self.get("/v1/ranking" + q(call=CALL, region="Souss-Massa"))
        self.assertEqual(status, 200, r)
        self.assertEqual(r["quota"], 30)
        self.assertEqual(r["selected"], 30)
        ranks = [e["rank"] for e in r["entries"]]
        self.assertEqual(ranks, list(range(1, len(ranks) + 1)))
        scores = [e["final_half_points"]["numerator"] / e["final_half_points"]["denominator"] for e in r["entries"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertIsNotNone(r["selection"])
        status, _, whole = self.get("/v1/ranking" + q(call=CALL))
        self.assertEqual([x["region"] for x in whole["regions"]], REGIONS)
        status, _, mine = self.get("/v1/ranking" + q(call=CALL), self.souss)
        self.assertEqual(mine["region"], "Souss-Massa")
        self.assertEqual(self.get("/v1/ranking" + q(call=CALL, region="L'Oriental"), self.souss)[0], 403)
        self.assertEqual(self.get("/v1/ranking" + q(call="AMI-1999", region="Souss-Massa"))[0], 404)
        self.assertEqual(self.get("/v1/ranking" + q(call=CALL, region="Casablanca-Settat"))[0], 400)
        self.assertEqual(self.get("/v1/ranking")[0], 400)

    def test_session_says_who_the_token_is(self):
        status, _, me = self.get("/v1/session", self.souss)
        self.assertEqual(me, {"user": "u-coordinator-souss", "role": "regional_coordinator", "region": "Souss-Massa"})

    def test_zz_min_position_and_the_dashboard_topic_see_a_new_command(self):
        # Runs last (unittest sorts by name): it withdraws a selected application.
        async def scenario():
            url = self.s.url.replace("http", "ws") + "/v1/stream"
            async with websockets.connect(url, extra_headers={"Authorization": "Bearer " + self.souss},
                                          max_size=None) as ws:
                await ws.send(json.dumps({"op": "subscribe", "id": "d", "topic": "dashboard"}))
                first = json.loads(await asyncio.wait_for(ws.recv(), 10))
                self.assertEqual((first["op"], first["sub"]), ("dashboard", "d"))
                self.assertEqual(first["data"]["region"], "Souss-Massa")
                await ws.send(json.dumps({"op": "subscribe", "id": "x", "topic": "dashboard", "region": "L'Oriental"}))
                refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
                self.assertEqual((refused["op"], refused["sub"], refused["status"]), ("error", "x", 403))

                # Withdraw a selected application of the region: the page's figures change.
                status, _, apps = self.get("/v1/applications" + q(call=CALL, region="Souss-Massa", status="selected",
                                                                   limit=1))
                app_id = apps["items"][0]["application_id"]
                started = time.monotonic()
                status, _, reply = self.s.command("WithdrawApplication", {
                    "application_id": app_id, "reason": "Courrier de l'association : elle renonce."}, self.officer)
                self.assertEqual(status, 201, reply)
                position = reply["position"]
                while True:
                    m = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if m["op"] == "dashboard" and m["position"] >= position:
                        break
                self.assertLess(time.monotonic() - started, 2.0)
                self.assertEqual(m["data"]["pipeline"]["withdrawn"], first["data"]["pipeline"]["withdrawn"] + 1)
                self.assertEqual(m["data"]["pipeline"]["selected"], first["data"]["pipeline"]["selected"] - 1)
                self.assertEqual(m["data"]["activity"][0]["application_id"], app_id)
                # Read-your-writes over HTTP.
                status, _, case = self.get(f"/v1/applications/{app_id}" + q(min_position=position))
                self.assertEqual((status, case["stage"]), (200, "withdrawn"))
                self.assertGreaterEqual(case["position"], position)
                status, _, late = self.get("/v1/dashboard" + q(min_position=position + 1000))
                self.assertEqual(status, 503, late)

        asyncio.run(scenario())


class ReplayAndRebuild(unittest.TestCase):
    def test_replay_and_rebuild_on_a_stopped_folder(self):
        s = Server(SIJILL, "--demo")
        try:
            status, _, history = s.get("/v1/applications/APP-0002/history")
            self.assertEqual(status, 200, history)
            first = history["decisions"][0]["position"]
            self.assertEqual(s.stop(), 0)
            data = str(s.data)
            out = subprocess.run([SIJILL, "replay", "--data", data, "--application", "APP-0002", "--json"],
                                 capture_output=True, check=True)
            self.assertEqual(json.loads(out.stdout), history)
            text = subprocess.run([SIJILL, "replay", "--data", data, "--application", "APP-0002"],
                                  capture_output=True, check=True).stdout.decode()
            for expected in ("Application APP-0002", "Decisions", "rests on #", history["decisions"][-1]["hash"]):
                self.assertIn(expected, text)
            past = subprocess.run([SIJILL, "replay", "--data", data, "--application", "APP-0002",
                                   "--as-of", str(first), "--json"], capture_output=True, check=True)
            self.assertEqual([d["position"] for d in json.loads(past.stdout)["decisions"]], [first])
            missing = subprocess.run([SIJILL, "replay", "--data", data, "--application", "APP-9999"],
                                     capture_output=True)
            self.assertEqual(missing.returncode, 1)
            self.assertIn(b"no application APP-9999", missing.stderr)

            rebuilt = subprocess.run([SIJILL, "rebuild", "--data", data, "--json"], capture_output=True, check=True)
            position = json.loads(rebuilt.stdout)["position"]
            self.assertEqual(position, history["as_of"]["position"])
            again = Server(SIJILL, data=data)
            try:
                again.wait_for_line(rf"read models at position {position} \(checkpoint {position}, 0 events replayed")
                self.assertEqual(again.get("/v1/applications/APP-0002/history", s.admin)[2], history)
            finally:
                again.close()
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
