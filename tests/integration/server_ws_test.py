#!/usr/bin/env python3
"""WebSocket /v1/stream of a real `sijill serve`: authentication, catch-up then live with no gap and
no duplicate while writes are under way, filters, per-subscription errors, the dashboard topic's
coalescing, what a token may read, the 4008 close of a client too far behind and its
resumption, and 1001 on shutdown.

Usage: server_ws_test.py SIJILL   (needs the Debian package python3-websockets)
"""
import asyncio
import concurrent.futures
import json
import socket
import sys
import threading
import unittest

import websockets

from server_support import Server

SIJILL = sys.argv[1]


def run(coro):
    return asyncio.run(coro)


async def connect(s, token=None, **kw):
    headers = {"Authorization": "Bearer " + token} if token else {}
    return await websockets.connect(s.url.replace("http", "ws") + "/v1/stream", extra_headers=headers,
                                    max_size=None, **kw)


async def recv(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def collect_until(ws, sub, last_position, timeout=30):
    """Every event position delivered to `sub` until `last_position` is reached (and the ops seen)."""
    positions, ops = [], []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not positions or positions[-1] < last_position:
        m = await recv(ws, max(0.1, deadline - loop.time()))
        ops.append(m["op"])
        if m["op"] == "events":
            assert m["sub"] == sub
            positions += [e["position"] for e in m["events"]]
    return positions, ops


class Stream(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(SIJILL)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def write_users(self, prefix, n, threads=8):
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(lambda i: self.s.command("RegisterUser", {"person_id": f"{prefix}-{i}",
                                                                              "roles": ["auditor"]}), range(n)))
        assert all(r[0] == 201 for r in results), results[:3]

    def test_catch_up_then_live_while_writing(self):
        self.write_users("CU", 50)

        async def scenario():
            ws = await connect(self.s, self.s.admin)
            writer = threading.Thread(target=self.write_users, args=("LV", 200))
            writer.start()
            await ws.send(json.dumps({"op": "subscribe", "id": "all", "topic": "events", "from": 0}))
            await asyncio.get_running_loop().run_in_executor(None, writer.join)
            head = self.s.head()
            positions, ops = await collect_until(ws, "all", head)
            await ws.close()
            return head, positions, ops

        head, positions, ops = run(scenario())
        self.assertEqual(positions, list(range(1, head + 1)), "gap-free, ordered, no duplicate")
        self.assertIn("caught_up", ops)

    def test_auth_by_first_message(self):
        async def scenario():
            ws = await connect(self.s)
            await ws.send(json.dumps({"op": "auth", "token": self.s.admin}))
            hello = await recv(ws)
            head = self.s.head()
            await ws.send(json.dumps({"op": "subscribe", "id": "s", "topic": "events", "from": head - 1}))
            m = await recv(ws)
            c = await recv(ws)
            await ws.close()
            return hello, head, m, c

        hello, head, m, c = run(scenario())
        self.assertEqual(hello["op"], "authenticated")
        self.assertEqual([e["position"] for e in m["events"]], [head])
        self.assertEqual(c, {"op": "caught_up", "sub": "s", "position": head})

    def test_refuses_anything_before_auth_and_bad_tokens(self):
        async def scenario(first):
            ws = await connect(self.s)
            await ws.send(json.dumps(first))
            err = await recv(ws)
            try:
                await asyncio.wait_for(ws.recv(), 5)
            except websockets.ConnectionClosed as e:
                return err, e.code
            return err, None

        err, code = run(scenario({"op": "subscribe", "id": "s", "topic": "events"}))
        self.assertEqual((err["op"], err["status"], code), ("error", 401, 1008))
        err, code = run(scenario({"op": "auth", "token": "sjl_wrong"}))
        self.assertEqual((err["status"], code), (401, 1008))

        async def bad_header():
            try:
                await connect(self.s, "sjl_wrong")
            except websockets.InvalidStatusCode as e:
                return e.status_code
        self.assertEqual(run(bad_header()), 401)

    def test_filters_and_errors_per_subscription(self):
        self.write_users("FL", 3)
        _, _, created = self.s.command("CreateToken", {"user": "FL-0", "role": "auditor"})

        async def scenario():
            ws = await connect(self.s, self.s.admin)
            send = lambda m: ws.send(json.dumps(m))
            await send({"op": "subscribe", "id": "u", "topic": "events", "from": 0,
                        "filter": {"stream_prefix": "user/FL-", "types": ["UserRegistered"]}})
            await send({"op": "subscribe", "id": "t", "topic": "events", "from": 0, "filter": {"types": ["TokenCreated"]}})
            await send({"op": "subscribe", "id": "u", "topic": "events"})
            await send({"op": "subscribe", "id": "d", "topic": "dashboard", "region": "Souss-Massa"})
            await send({"op": "subscribe", "id": "x", "topic": "nonsense"})
            await send({"op": "unsubscribe", "id": "nope"})
            await send({"op": "dance"})
            await send("not json at all")
            got = {"u": [], "t": [], "errors": [], "caught_up": set(), "dashboard": []}
            while len(got["caught_up"]) < 2 or len(got["errors"]) < 5 or not got["dashboard"]:
                m = await recv(ws)
                if m["op"] == "dashboard":
                    got["dashboard"].append(m)
                elif m["op"] == "events":
                    got[m["sub"]] += m["events"]
                elif m["op"] == "caught_up":
                    got["caught_up"].add(m["sub"])
                elif m["op"] == "error":
                    got["errors"].append((m["sub"], m["status"]))
            await ws.close()
            return got

        got = run(scenario())
        self.assertEqual(sorted(e["stream"] for e in got["u"]), ["user/FL-0", "user/FL-1", "user/FL-2"])
        self.assertTrue(all(e["type"] == "TokenCreated" for e in got["t"]))
        self.assertIn(created["events"][0]["position"], [e["position"] for e in got["t"]])
        self.assertEqual(sorted(got["errors"], key=str),
                         sorted([("u", 409), ("x", 400), ("nope", 404), (None, 400), (None, 400)], key=str))
        # The dashboard topic answers at once with the region's read model (no call open yet: empty).
        dashboard = got["dashboard"][0]
        self.assertEqual((dashboard["sub"], dashboard["data"]["region"]), ("d", "Souss-Massa"))
        self.assertEqual(dashboard["data"]["pipeline"]["received"], 0)

    def test_the_dashboard_topic_is_coalesced_to_four_a_second_and_ends_on_the_head(self):
        async def scenario():
            ws = await connect(self.s, self.s.admin)
            await ws.send(json.dumps({"op": "subscribe", "id": "d", "topic": "dashboard"}))
            messages = [await recv(ws)]
            loop = asyncio.get_running_loop()
            started = loop.time()
            await loop.run_in_executor(None, self.write_users, "CO", 200)
            head = self.s.head()
            while messages[-1]["position"] < head:
                m = await recv(ws)
                if m["op"] == "dashboard":
                    messages.append(m)
            elapsed = loop.time() - started
            await ws.close()
            return messages, head, elapsed

        messages, head, elapsed = run(scenario())
        self.assertEqual(messages[0]["op"], "dashboard")
        positions = [m["position"] for m in messages]
        self.assertEqual(positions, sorted(set(positions)))  # each newer than the one before
        self.assertEqual(positions[-1], head)
        # 200 commits; the updates after the first come at most four times a second, each the latest.
        self.assertLessEqual(len(messages) - 1, 4 * elapsed + 2, (len(messages), elapsed))
        self.assertLess(len(messages), 50)
        self.assertEqual(messages[-1]["data"], self.s.get("/v1/dashboard", self.s.admin)[2])

    def test_a_token_receives_only_what_it_may_read(self):
        evaluator = self.s.user_with_token("WS-eva", "evaluator")

        async def scenario():
            ws = await connect(self.s, evaluator)
            await ws.send(json.dumps({"op": "subscribe", "id": "s", "topic": "events", "from": 0}))
            m = await recv(ws)
            await ws.close()
            return m

        m = run(scenario())
        self.assertEqual(m["op"], "caught_up")  # the user and token streams are not an evaluator's to read
        self.assertEqual(m["position"], self.s.head())


class Behind(unittest.TestCase):
    def test_too_far_behind_is_closed_with_4008_and_resumes(self):
        s = Server(SIJILL, "--ws-ring-events", "8", "--ws-send-queue-bytes", "2048", "--ws-message-events", "1")
        try:
            async def scenario():
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
                sock.connect(("127.0.0.1", s.port))
                ws = await websockets.connect(s.url.replace("http", "ws") + "/v1/stream", sock=sock, max_size=None,
                                              max_queue=1, read_limit=2048,
                                              extra_headers={"Authorization": "Bearer " + s.admin})
                await ws.send(json.dumps({"op": "subscribe", "id": "s", "topic": "events"}))
                start = (await recv(ws))["position"]  # caught_up at the head: live from here
                # Stop reading while more events are written than the socket buffers hold.
                def write():
                    with concurrent.futures.ThreadPoolExecutor(16) as pool:
                        list(pool.map(lambda i: s.command("CreateToken", {"user": "admin", "role": "admin"}),
                                      range(1500)))
                await asyncio.get_running_loop().run_in_executor(None, write)
                positions = []
                try:
                    while True:
                        m = await recv(ws, 20)
                        positions += [e["position"] for e in m.get("events", [])]
                except websockets.ConnectionClosed as e:
                    return start, positions, e.code, e.reason

            start, positions, code, reason = run(scenario())
            self.assertEqual(code, 4008)
            resume = json.loads(reason)
            self.assertEqual(resume["sub"], "s")
            self.assertEqual(positions, list(range(start + 1, resume["position"] + 1)), "all it was sent, in order")

            async def resume_from(p):
                ws = await connect(s, s.admin)
                await ws.send(json.dumps({"op": "subscribe", "id": "s", "topic": "events", "from": p}))
                got, _ = await collect_until(ws, "s", s.head())
                await ws.close()
                return got

            rest = run(resume_from(resume["position"]))
            self.assertEqual(positions + rest, list(range(start + 1, s.head() + 1)))
            self.assertIn("sijill_ws_closed_behind_total 1", s.get("/metrics")[2])
        finally:
            s.close()


class Shutdown(unittest.TestCase):
    def test_sigterm_closes_websockets_with_1001(self):
        s = Server(SIJILL)
        try:
            async def scenario():
                ws = await connect(s, s.admin)
                await ws.send(json.dumps({"op": "subscribe", "id": "s", "topic": "events", "from": 0}))
                await recv(ws)
                loop = asyncio.get_running_loop()
                stopping = loop.run_in_executor(None, s.stop)
                try:
                    while True:
                        await recv(ws, 20)
                except websockets.ConnectionClosed as e:
                    return e.code, await stopping

            code, exit_code = run(scenario())
            self.assertEqual(code, 1001)
            self.assertEqual(exit_code, 0)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[2:]])
