#!/usr/bin/env python3
"""The HTTP API of a real `sijill serve` (docs/api.md): every route, every status, idempotent
retries (also racing), If-Match, tokens per role, read-your-writes, the access log, the token
command line, and a clean stop on SIGTERM.

Usage: server_http_test.py SIJILL
"""
import concurrent.futures
import os
import re
import stat
import subprocess
import sys
import time
import urllib.error
import unittest

from server_support import Server

SIJILL = sys.argv[1]


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(SIJILL)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def test_first_admin_token_file_is_private(self):
        mode = stat.S_IMODE(os.stat(self.s.token_file).st_mode)
        self.assertEqual(mode, 0o600)
        self.assertTrue(self.s.admin.startswith("sjl_"))

    def test_health(self):
        status, headers, body = self.s.request("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertGreaterEqual(body["head"], 2)  # the first admin user and token
        self.assertTrue(headers["X-Request-Id"])

    def test_command_201_and_the_log(self):
        status, _, body = self.s.command("RegisterUser", {"person_id": "H-1", "roles": ["evaluator"],
                                                          "name": "Amina Alaoui", "email": "amina@example.ma"})
        self.assertEqual(status, 201, body)
        p = body["position"]
        self.assertEqual(body["events"], [{"position": p, "stream": "user/H-1", "version": 1,
                                           "type": "UserRegistered"}])
        status, _, page = self.s.get(f"/v1/events?from={p - 1}&limit=1")
        self.assertEqual(status, 200)
        self.assertEqual([e["position"] for e in page["events"]], [p])
        self.assertEqual(page["next"], p)
        event = page["events"][0]
        self.assertEqual(event["actor"], {"id": "admin", "role": "admin"})
        self.assertIn("$sealed", event["data"]["name"])
        self.assertNotIn("Amina", str(event))
        self.assertEqual(len(event["hash"]), 64)

    def test_events_paging_and_filters(self):
        for i in range(3):
            self.s.command("RegisterUser", {"person_id": f"PG-{i}", "roles": ["auditor"]})
        seen, after = [], 0
        while True:
            status, _, page = self.s.get(f"/v1/events?from={after}&limit=2")
            self.assertEqual(status, 200)
            if not page["events"]:
                break
            seen += [e["position"] for e in page["events"]]
            after = page["next"]
        self.assertEqual(seen, list(range(1, len(seen) + 1)))
        self.assertEqual(seen[-1], self.s.head())
        status, _, page = self.s.get("/v1/events?from=0&limit=1000&stream=user/PG-")
        self.assertEqual(sorted(e["stream"] for e in page["events"]), ["user/PG-0", "user/PG-1", "user/PG-2"])
        status, _, page = self.s.get("/v1/events?from=0&limit=1000&type=TokenCreated")
        self.assertTrue(page["events"])
        self.assertTrue(all(e["type"] == "TokenCreated" for e in page["events"]))
        status, _, body = self.s.get("/v1/events?from=abc")
        self.assertEqual(status, 400)

    def test_wire_events_are_the_hashed_bytes(self):
        status, _, raw = self.s.request("GET", "/v1/events?from=0&limit=1", token=self.s.admin,
                                        headers={"Accept": "application/json"})
        log = subprocess.run([SIJILL, "log", "--data", str(self.s.data), "--to", "1"], capture_output=True, check=True)
        import hashlib, json
        line = log.stdout.decode().strip()
        self.assertEqual(json.loads(line), raw["events"][0])
        hashed = line[:-75] + "}"
        prev = bytes.fromhex(raw["events"][0]["prev_hash"])
        self.assertEqual(hashlib.sha256(prev + hashed.encode()).hexdigest(), raw["events"][0]["hash"])

    def test_streams(self):
        self.s.command("RegisterUser", {"person_id": "ST-1", "roles": ["auditor"]})
        status, _, body = self.s.get("/v1/streams/user/ST-1")
        self.assertEqual(status, 200)
        self.assertEqual(body["stream"], "user/ST-1")
        self.assertEqual(body["version"], 1)
        self.assertEqual([e["version"] for e in body["events"]], [1])
        status, _, body = self.s.get("/v1/streams/user/nobody")
        self.assertEqual(status, 404)
        self.assertEqual(body["type"], "/problems/not-found")

    def test_unknown_route_command_and_method(self):
        self.assertEqual(self.s.get("/v1/nothing")[0], 404)
        self.assertEqual(self.s.get("/elsewhere")[0], 404)
        status, headers, body = self.s.command("NoSuchCommand", {})
        self.assertEqual(status, 404)
        self.assertEqual(headers["Content-Type"], "application/problem+json")
        status, headers, _ = self.s.get("/v1/commands/RegisterUser")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "POST")

    def test_400_schema_with_pointers(self):
        status, headers, body = self.s.command("RegisterUser", {"person_id": "X-1", "roles": ["boss"], "extra": 1})
        self.assertEqual(status, 400)
        self.assertEqual(headers["Content-Type"], "application/problem+json")
        self.assertEqual(body["status"], 400)
        paths = sorted(e["path"] for e in body["errors"])
        self.assertEqual(paths, ["/extra", "/roles/0"])

    def test_409_and_422(self):
        self.s.command("RegisterUser", {"person_id": "C-1", "roles": ["evaluator"]})
        status, _, body = self.s.command("RegisterUser", {"person_id": "C-1", "roles": ["evaluator"]})
        self.assertEqual(status, 409)
        status, _, body = self.s.command("CreateToken", {"user": "C-1", "role": "admin"})
        self.assertEqual(status, 422)
        self.assertEqual(body["type"], "/problems/role-not-held")
        status, _, body = self.s.command("CreateToken", {"user": "C-1", "role": "evaluator", "region": "Souss-Massa"})
        self.assertEqual(body["type"], "/problems/region-not-applicable")
        status, _, body = self.s.command("CreateToken", {"user": "nobody", "role": "evaluator"})
        self.assertEqual(status, 404)

    def test_idempotent_retry(self):
        body = {"person_id": "I-1", "roles": ["auditor"]}
        head = self.s.head()
        s1, h1, b1 = self.s.command("RegisterUser", body, headers={"Idempotency-Key": "reg-I-1"})
        self.assertEqual(s1, 201)
        s2, h2, b2 = self.s.command("RegisterUser", body, headers={"Idempotency-Key": "reg-I-1"})
        self.assertEqual(s2, 201)  # the first success, although registering I-1 again is now a conflict
        self.assertEqual(b1, b2)
        self.assertEqual(h2["Idempotent-Replayed"], "true")
        s3, _, b3 = self.s.command("RegisterUser", {"person_id": "I-2", "roles": ["auditor"]},
                                   headers={"Idempotency-Key": "reg-I-1"})
        self.assertEqual(s3, 409)
        self.assertEqual(self.s.head(), head + 1)
        s4, _, _ = self.s.command("RegisterUser", body, headers={"Idempotency-Key": "x" * 300})
        self.assertEqual(s4, 400)

    def test_idempotent_retries_racing(self):
        head = self.s.head()
        body = {"person_id": "R-1", "roles": ["auditor"]}
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: self.s.command("RegisterUser", body,
                                                             headers={"Idempotency-Key": "race"}), range(8)))
        self.assertEqual({r[0] for r in results}, {201})
        self.assertEqual({r[2]["position"] for r in results}, {head + 1})
        self.assertEqual(self.s.head(), head + 1)

    def test_if_match(self):
        status, _, created = self.s.command("CreateToken", {"user": "admin", "role": "admin"})
        self.assertEqual(status, 201)
        tid = created["token_id"]
        head = self.s.head()
        status, _, body = self.s.command("RevokeToken", {"token_id": tid}, headers={"If-Match": '"5"'})
        self.assertEqual(status, 412)
        self.assertEqual(body["type"], "/problems/version-mismatch")
        self.assertEqual(self.s.head(), head)
        status, _, body = self.s.command("RevokeToken", {"token_id": tid}, headers={"If-Match": "nonsense"})
        self.assertEqual(status, 400)
        status, _, body = self.s.command("RevokeToken", {"token_id": tid}, headers={"If-Match": '"1"'})
        self.assertEqual(status, 201, body)
        self.assertEqual(body["events"][0]["version"], 2)

    def test_401(self):
        for token in (None, "sjl_wrong"):
            status, headers, body = self.s.request("GET", "/v1/events", token=token)
            self.assertEqual(status, 401)
            self.assertEqual(headers["WWW-Authenticate"], "Bearer")
        status, _, _ = self.s.request("GET", "/v1/events", headers={"Authorization": "Basic abc"})
        self.assertEqual(status, 401)
        # A revoked token.
        token = self.s.user_with_token("V-1", "auditor")
        self.assertEqual(self.s.get("/v1/events?limit=1", token)[0], 200)
        _, _, page = self.s.get("/v1/events?from=0&limit=1000&type=TokenCreated")
        tid = [e for e in page["events"] if e["data"]["user"] == "V-1"][-1]["data"]["token_id"]
        self.assertEqual(self.s.command("RevokeToken", {"token_id": tid})[0], 201)
        self.assertEqual(self.s.get("/v1/events?limit=1", token)[0], 401)

    def test_repeated_failures_are_slowed_down(self):
        durations = []
        for _ in range(14):
            started = time.time()
            self.assertEqual(self.s.request("GET", "/v1/events", token="sjl_guess")[0], 401)
            durations.append(time.time() - started)
        self.assertLess(min(durations[:5]), 0.5)
        self.assertGreater(max(durations[-3:]), 0.5)

    def test_403_per_role(self):
        auditor = self.s.user_with_token("role-aud", "auditor")
        officer = self.s.user_with_token("role-off", "programme_officer")
        evaluator = self.s.user_with_token("role-eva", "evaluator")
        coordinator = self.s.user_with_token("role-coo", "regional_coordinator", "Souss-Massa")
        body = {"person_id": "nobody-new", "roles": ["auditor"]}
        for token in (auditor, officer, evaluator, coordinator):
            status, _, problem = self.s.command("RegisterUser", body, token)
            self.assertEqual(status, 403, problem)
            self.assertEqual(problem["type"], "/problems/permission-denied")
        for token in (auditor, officer):
            self.assertEqual(self.s.get("/v1/events?limit=1", token)[0], 200)
            self.assertEqual(self.s.get("/v1/streams/user/admin", token)[0], 200)
        for token in (evaluator, coordinator):
            self.assertEqual(self.s.get("/v1/events?limit=1", token)[0], 403)
            self.assertEqual(self.s.get("/v1/streams/user/admin", token)[0], 403)
        self.assertEqual(self.s.get("/v1/audit/verify", auditor)[0], 200)
        self.assertEqual(self.s.get("/v1/audit/verify", officer)[0], 403)
        self.assertEqual(self.s.get("/metrics", auditor)[0], 403)

    def test_verify(self):
        status, _, body = self.s.get("/v1/audit/verify")
        self.assertEqual(status, 200)
        self.assertTrue(body["ok"])
        self.assertIsNone(body["first_bad"])
        self.assertEqual(body["count"], body["head"]["position"])
        self.assertEqual(len(body["head"]["hash"]), 64)

    def test_metrics(self):
        self.s.command("RegisterUser", {"person_id": "M-1", "roles": ["auditor"]})
        status, headers, text = self.s.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        for name in ("sijill_http_requests_total{", "sijill_http_request_duration_seconds_bucket",
                     "sijill_commit_batch_calls_bucket", "sijill_commit_fsync_seconds_count", "sijill_log_head ",
                     "sijill_ws_subscribers ", "sijill_ws_send_queue_bytes ", "sijill_command_rejections_total"):
            self.assertIn(name, text)
        self.assertIn('route="/v1/commands/RegisterUser",status="201"', text)

    def test_min_position(self):
        head = self.s.head()
        self.assertEqual(self.s.get(f"/v1/events?limit=1&min_position={head}")[0], 200)
        started = time.time()
        status, _, body = self.s.get(f"/v1/events?limit=1&min_position={head + 1000}")
        self.assertEqual(status, 503)
        self.assertGreater(time.time() - started, 1.0)
        self.assertEqual(self.s.get("/v1/events?min_position=-1")[0], 400)

    def test_access_log_holds_no_secret_or_personal_data(self):
        token = self.s.user_with_token("L-1", "auditor")
        self.s.command("RegisterUser", {"person_id": "L-2", "roles": ["auditor"], "name": "Youssef Tazi"})
        self.s.get("/v1/events?limit=1", token)
        time.sleep(0.2)
        out = self.s.output()
        self.assertNotIn(token, out)
        self.assertNotIn(self.s.admin, out)
        self.assertNotIn("Youssef", out)
        lines = [l for l in out.splitlines() if '"msg":"request"' in l]
        self.assertTrue(any('"actor":"L-1"' in l and '"route":"/v1/events"' in l and '"status":200' in l
                            for l in lines))


class Shutdown(unittest.TestCase):
    def test_sigterm_finishes_commands_in_flight(self):
        s = Server(SIJILL)
        try:
            def one(i):
                try:
                    return s.command("RegisterUser", {"person_id": f"SD-{i}", "roles": ["auditor"]}, timeout=30)
                except Exception as e:  # refused connections after the listener closed
                    return (None, None, str(e))
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                futures = [pool.submit(one, i) for i in range(200)]
                time.sleep(0.3)
                code = s.stop()
                results = [f.result() for f in futures]
            self.assertEqual(code, 0)
            self.assertIn("stopping on SIGTERM", s.output())
            statuses = {r[0] for r in results}
            self.assertTrue(statuses <= {201, 503, None}, statuses)
            acked = [r[2]["position"] for r in results if r[0] == 201]
            log = subprocess.run([SIJILL, "log", "--data", str(s.data)], capture_output=True, check=True).stdout
            positions = {int(m) for m in re.findall(rb'^\{"position":(\d+)', log, re.M)}
            self.assertTrue(set(acked) <= positions, "every 201 is in the log")
        finally:
            s.close()


class TokenCommand(unittest.TestCase):
    def test_token_create_and_revoke(self):
        s = Server(SIJILL)
        try:
            s.command("RegisterUser", {"person_id": "T-1", "roles": ["auditor", "regional_coordinator"]})
            # A running server holds the folder: the command says so, then goes through the API.
            r = subprocess.run([SIJILL, "token", "create", "--data", str(s.data), "--user", "T-1", "--role", "auditor"],
                               capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 2)
            self.assertIn(b"running server holds", r.stderr)
            r = subprocess.run([SIJILL, "token", "create", "--data", str(s.data), "--user", "T-1", "--role",
                                "regional_coordinator", "--region", "Souss-Massa", "--server", s.url,
                                "--token", s.admin], capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            token = r.stdout.decode().strip()
            self.assertTrue(token.startswith("sjl_"))
            self.assertEqual(s.get("/v1/events", token)[0], 403)  # a coordinator does not read the log
            self.assertEqual(s.stop(), 0)

            # A stopped folder: written directly.
            r = subprocess.run([SIJILL, "token", "create", "--data", str(s.data), "--user", "T-1", "--role", "auditor",
                                "--expires", "7"], capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            token = r.stdout.decode().strip()
            token_id = re.search(rb"token (\S+) issued", r.stderr).group(1).decode()
            s2 = Server(SIJILL, data=s.data)
            try:
                self.assertIsNone(s2.admin)  # no second bootstrap
                self.assertEqual(s2.get("/v1/events?limit=1", token)[0], 200)
                r = subprocess.run([SIJILL, "token", "revoke", "--data", str(s.data), "--token-id", token_id,
                                    "--server", s2.url, "--token", s.admin], capture_output=True, timeout=30)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(s2.get("/v1/events?limit=1", token)[0], 401)
            finally:
                s2.close()
            r = subprocess.run([SIJILL, "token", "create", "--data", str(s.data), "--user", "nobody", "--role",
                                "auditor"], capture_output=True, timeout=30)
            self.assertNotEqual(r.returncode, 0)
        finally:
            s.close()

    def test_first_admin_token_printed_once_without_a_file(self):
        import tempfile, shutil, subprocess as sp
        tmp = tempfile.mkdtemp(prefix="sijill-first-")
        try:
            proc = sp.Popen([SIJILL, "serve", "--data", tmp + "/d", "--listen", "127.0.0.1:0"], stdout=sp.PIPE,
                            stderr=sp.STDOUT)
            out = b""
            while b"listening on" not in out:
                out += proc.stdout.readline()
            proc.terminate()
            out += proc.communicate(timeout=20)[0]
            self.assertEqual(len(re.findall(rb"first admin token \(shown once[^:]*\): sjl_", out)), 1)
            proc = sp.Popen([SIJILL, "serve", "--data", tmp + "/d", "--listen", "127.0.0.1:0"], stdout=sp.PIPE,
                            stderr=sp.STDOUT)
            out = b""
            while b"listening on" not in out:
                out += proc.stdout.readline()
            proc.terminate()
            out += proc.communicate(timeout=20)[0]
            self.assertNotIn(b"sjl_", out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class OutOfFileDescriptors(unittest.TestCase):
    # Under ASan + UBSan the sanitizers' own runtime needs file descriptors to report and to
    # check pointers; with none left it reports spurious errors. The normal test build runs it.
    @unittest.skipIf(os.environ.get("SIJILL_SANITIZED") == "1", "needs file descriptors the sanitizers use")
    def test_accept_waits_instead_of_spinning_then_serves_again(self):
        # A server started with 64 open files at most, then offered 100 connections: accept()
        # fails with EMFILE while they are open. It used to retry at once, forever, spinning a
        # core; it must wait and say so, then serve again once connections close.
        import resource
        import socket
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
        try:
            s = Server(SIJILL)  # inherits the limit
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

        def cpu_seconds():
            fields = open(f"/proc/{s.proc.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        conns = []
        try:
            conns = [socket.create_connection(("127.0.0.1", s.port), timeout=10) for _ in range(100)]
            s.wait_for_line(r"cannot accept a connection: Too many open files", timeout=10)
            before = cpu_seconds()
            time.sleep(2)
            self.assertLess(cpu_seconds() - before, 0.5)
            for c in conns:
                c.close()
            conns = []
            # The server first drains the connections that queued while it could not accept (each
            # now closed by the client); a request may be reset meanwhile. It must be served soon.
            deadline = time.time() + 15
            while True:
                try:
                    status, _, body = s.request("GET", "/health", timeout=10)
                    break
                except (ConnectionError, urllib.error.URLError):
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
            self.assertEqual(status, 200, body)
        finally:
            for c in conns:
                c.close()
            s.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[2:]])
