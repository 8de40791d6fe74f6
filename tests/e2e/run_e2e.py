#!/usr/bin/env python3
"""Runs the dashboard page's end-to-end tests (tests/e2e/dashboard.test.mjs) in headless Chromium.

Usage: run_e2e.py SIJILL WORK_DIR

- Skips (exit 77, which CTest reports as skipped) with a clear message when Chromium is not
  installed; tools/setup installs Debian's `chromium`. SIJILL_CHROMIUM names another binary.
- Installs playwright-core with `npm ci` from tests/e2e/package-lock.json into WORK_DIR/node
  (again only when the lock file changes).
- The test itself starts `sijill serve --demo` on a loopback port, stops and restarts it, and
  writes its screenshots to WORK_DIR/artifacts. With SIJILL_E2E_UPDATE_DOCS=1 it also copies
  the main views to docs/screenshots/.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = 77


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    sijill, work = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    chromium = os.environ.get("SIJILL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print(f"SKIP: Chromium is not installed ({chromium} not found); the end-to-end tests of the "
              "dashboard page need it. Install it with tools/setup (Debian package 'chromium').")
        return SKIP
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        print("FAIL: node and npm are needed to install playwright-core (tools/setup installs them)")
        return 1

    modules = work / "node"
    modules.mkdir(parents=True, exist_ok=True)
    lock = (HERE / "package-lock.json").read_bytes()
    stamp = modules / "installed.lock"
    if not stamp.exists() or stamp.read_bytes() != lock or not (modules / "node_modules" / "playwright-core").exists():
        shutil.copy(HERE / "package.json", modules / "package.json")
        shutil.copy(HERE / "package-lock.json", modules / "package-lock.json")
        print(f"e2e: npm ci in {modules}", flush=True)
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=modules)
        if r.returncode != 0:
            print("FAIL: `npm ci` could not install playwright-core (is the npm registry reachable?)")
            return 1
        stamp.write_bytes(lock)

    artifacts = work / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ,
               SIJILL=str(sijill),
               SIJILL_CHROMIUM=chromium,
               SIJILL_E2E_WORK=str(work),
               SIJILL_E2E_ARTIFACTS=str(artifacts),
               SIJILL_SOURCE_DIR=str(HERE.parent.parent),
               NODE_PATH=str(modules / "node_modules"))
    cmd = [node, "--test", "--test-reporter=spec", str(HERE / "dashboard.test.mjs")]
    r = subprocess.run(cmd, env=env, cwd=work)
    print(f"e2e: screenshots in {artifacts}")
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
