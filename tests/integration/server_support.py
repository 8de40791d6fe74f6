"""A real `sijill serve` on a loopback port with a temporary data folder, and small HTTP helpers
(standard library only) for the server_*_test.py integration tests."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


class Server:
    """Starts `sijill serve --listen 127.0.0.1:0` and reads its output in the background."""

    def __init__(self, sijill, *extra, data=None, ssl_context=None):
        """`ssl_context`: for a server started with --tls-cert and --tls-key, the client context
        that trusts its certificate (requests then go to https://)."""
        self.sijill = sijill
        self.ssl_context = ssl_context
        self.tmp = Path(tempfile.mkdtemp(prefix="sijill-server-"))
        self.data = Path(data) if data else self.tmp / "data"
        self.token_file = self.tmp / "admin-token"
        self.lines = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sijill, "serve", "--data", str(self.data), "--listen", "127.0.0.1:0",
             "--admin-token-file", str(self.token_file), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        line = self.wait_for_line(r"listening on https?://127\.0\.0\.1:(\d+)", timeout=30)
        self.port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
        self.scheme = re.search(r"listening on (https?)://", line).group(1)
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self.admin = self.token_file.read_text().strip() if self.token_file.exists() else None

    def _read(self):
        for raw in self.proc.stdout:
            with self._lock:
                self.lines.append(raw.decode("utf-8", "replace"))

    def output(self):
        with self._lock:
            return "".join(self.lines)

    def wait_for_line(self, pattern, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                for line in self.lines:
                    if re.search(pattern, line):
                        return line
            if self.proc.poll() is not None:
                raise RuntimeError("sijill serve exited:\n" + self.output())
            time.sleep(0.02)
        raise TimeoutError(f"no line matching {pattern!r} in:\n" + self.output())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def close(self):
        try:
            self.stop()
        except Exception:
            self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # HTTP ---------------------------------------------------------------------------------
    def request(self, method, path, body=None, token=None, headers=None, timeout=30):
        """Returns (status, headers, parsed JSON or text)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        req = urllib.request.Request(self.url + path, data=body, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.ssl_context) as res:
                return res.status, res.headers, _decode(res.headers, res.read())
        except urllib.error.HTTPError as e:
            return e.code, e.headers, _decode(e.headers, e.read())

    def command(self, name, body, token=None, **kw):
        return self.request("POST", "/v1/commands/" + name, body, token or self.admin, **kw)

    def get(self, path, token=None, **kw):
        return self.request("GET", path, None, token or self.admin, **kw)

    def head(self):
        status, _, body = self.request("GET", "/health")
        assert status == 200, body
        return body["head"]

    def user_with_token(self, person, role, region=None):
        """Registers `person` with `role` and returns a token for it."""
        status, _, body = self.command("RegisterUser", {"person_id": person, "roles": [role]})
        assert status in (201, 409), body
        req = {"user": person, "role": role}
        if region:
            req["region"] = region
        status, _, body = self.command("CreateToken", req)
        assert status == 201, body
        return body["token"]


def _decode(headers, raw):
    ctype = headers.get("Content-Type", "")
    if "json" in ctype:
        return json.loads(raw) if raw else None
    return raw.decode("utf-8", "replace")
