#!/usr/bin/env python3
"""Independent checker of a sijill event log (docs/chain-format.md), standard library only.

Reads JSON Lines as printed by `sijill log` or found in an evidence pack (events.jsonl), one
record per line:  <record bytes without the final "}"> ,"hash":"<64 hex>"}

For each line it recovers the hashed record bytes by cutting the fixed-length hash suffix (no
JSON is re-serialised), reads `position` and `prev_hash` from them, recomputes
SHA-256(prev_hash as 32 bytes || record bytes), and checks that positions follow one another
and that each prev_hash is the previous line's hash. The first line's prev_hash must be 32 zero
bytes when its position is 1; a range that starts later is checked from its first line on.

Exit status: 0 when every line holds; 1 with the first bad position otherwise; 2 on usage
errors. With --partial (a filtered extract, e.g. one stream) positions may skip, and a link is
checked only between consecutive positions.

Usage: verify_chain.py [--partial] [--head POSITION:HASH] [--json] [FILE|-]
"""
import argparse
import hashlib
import json
import re
import sys

SUFFIX_LEN = 75  # len(',"hash":"') + 64 + len('"}')
SUFFIX = re.compile(rb',"hash":"([0-9a-f]{64})"\}\Z')
ZERO = "0" * 64


class Bad(Exception):
    def __init__(self, position, problem):
        super().__init__(problem)
        self.position = position
        self.problem = problem


def check(lines, partial=False, head=None):
    """Returns (count, last_position, last_hash); raises Bad at the first bad record."""
    count = 0
    prev_pos = None
    prev_hash = None
    for number, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith(b"\n") else raw
        if line.endswith(b"\r"):
            line = line[:-1]
        # The position this line should hold, for reports about lines we cannot read.
        expected = prev_pos + 1 if prev_pos is not None else None
        if expected is None:
            lead = re.match(rb'\{"position":(\d+),', line)
            expected = int(lead.group(1)) if lead else None
        m = SUFFIX.search(line)
        if not m or len(line) <= SUFFIX_LEN:
            raise Bad(expected, f"line {number}: no hash suffix")
        record = line[:-SUFFIX_LEN] + b"}"
        stored = m.group(1).decode()
        try:
            fields = json.loads(record)
            position = fields["position"]
            recorded_prev = fields["prev_hash"]
            if not isinstance(position, int) or isinstance(position, bool) or position < 1:
                raise ValueError("position is not a positive integer")
            if not isinstance(recorded_prev, str) or not re.fullmatch(r"[0-9a-f]{64}", recorded_prev):
                raise ValueError("prev_hash is not 64 lower-case hex digits")
        except (ValueError, KeyError, TypeError) as e:
            raise Bad(expected, f"line {number}: not a record ({e})")
        if prev_pos is not None:
            if position <= prev_pos:
                raise Bad(expected, f"position {position} comes after {prev_pos}: records out of order")
            if position != prev_pos + 1 and not partial:
                raise Bad(expected, f"position {expected} is missing (found {position})")
        consecutive = prev_pos is not None and position == prev_pos + 1
        if consecutive and recorded_prev != prev_hash:
            raise Bad(position, f"prev_hash does not match the hash of position {prev_pos}")
        if position == 1 and recorded_prev != ZERO:
            raise Bad(position, "the first record's prev_hash must be 32 zero bytes")
        computed = hashlib.sha256(bytes.fromhex(recorded_prev) + record).hexdigest()
        if computed != stored:
            raise Bad(position, "the record's bytes do not match its hash")
        count += 1
        prev_pos, prev_hash = position, stored
    if head is not None:
        want_pos, want_hash = head
        if prev_pos != want_pos or prev_hash != want_hash:
            raise Bad((prev_pos or 0) + 1 if (prev_pos or 0) < want_pos else want_pos,
                      f"the log ends at position {prev_pos} {prev_hash}, not at the expected head "
                      f"{want_pos} {want_hash}")
    return count, prev_pos, prev_hash


def main(argv):
    parser = argparse.ArgumentParser(description="Check a sijill event log (JSON Lines) without sijill.")
    parser.add_argument("file", nargs="?", default="-", help="the JSON Lines file, or - for standard input")
    parser.add_argument("--partial", action="store_true", help="a filtered extract: positions may skip")
    parser.add_argument("--head", help="the expected last record, as POSITION:HASH (from sijill verify or a manifest)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary")
    args = parser.parse_args(argv)

    head = None
    if args.head:
        try:
            pos, h = args.head.split(":", 1)
            head = (int(pos), h.lower())
        except ValueError:
            parser.error("--head takes POSITION:HASH")

    stream = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    with stream:
        try:
            count, last_pos, last_hash = check(stream, args.partial, head)
            result = {"ok": True, "count": count, "head_position": last_pos or 0,
                      "head_hash": last_hash or ZERO, "first_bad_position": None, "problem": None}
        except Bad as bad:
            result = {"ok": False, "first_bad_position": bad.position, "problem": bad.problem}
    if args.json:
        print(json.dumps(result))
    elif result["ok"]:
        print(f"records: {result['count']}")
        print(f"head:    {result['head_position']} {result['head_hash']}")
        print("chain:   ok")
    else:
        print(f"chain:   BROKEN at position {result['first_bad_position']}: {result['problem']}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
