#!/usr/bin/env python3
"""Writes docs/reference/commands.md and docs/reference/events.md from the JSON Schemas in
schemas/commands/ and schemas/events/: one section per command or event with its title, its
description, a table of its members (type, required, description) and its examples.

    python3 tools/gen_reference.py           # rewrite the two pages
    python3 tools/gen_reference.py --check   # exit 1 when a page is not what the schemas give

Python standard library only. The pages are committed; a CTest test runs --check.
"""
import argparse
import difflib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The order a call runs in; a schema not listed comes after these, by name.
COMMAND_ORDER = [
    "OpenCall", "RegisterOrganisation", "RegisterContactPerson", "ReceiveDossier", "ReceiveForm",
    "AcceptLateSubmission", "DeclareInadmissible", "AssessEligibility", "AssignEvaluator",
    "DeclareConflictOfInterest", "SubmitScore", "RecordConsensus", "FinaliseScore", "RecordSelection",
    "SelectApplication", "PlaceApplication", "WithdrawApplication", "NotifyDecision", "FileAppeal",
    "DecideAppeal", "CorrectRecord",
]
EVENT_ORDER = [
    "CallOpened", "OrganisationRegistered", "ContactPersonRegistered", "DossierReceived", "FormReceived",
    "LateSubmissionAccepted", "ApplicationDeclaredInadmissible", "EligibilityAssessed", "EvaluatorAssigned",
    "ConflictOfInterestDeclared", "ScoreSubmitted", "ConsensusRecorded", "ScoreFinalised", "SelectionRecorded",
    "ApplicationSelected", "ApplicationWaitlisted", "ApplicationWithdrawn", "DecisionNotified", "AppealFiled",
    "AppealDecided", "RecordCorrected",
]

PAGES = {
    "commands": {
        "title": "Commands",
        "intro": (
            "Every command of the AMI, as a client sends it: `POST /v1/commands/{CommandName}` with the "
            "command's data as the JSON body (API.md). The body is checked against the command's JSON "
            "Schema (`schemas/commands/<Name>.json`, draft 2020-12) before the rules see it: a body that "
            "breaks it is refused with 400 and every violation's JSON Pointer. The rules then decide: "
            "events, or a refusal that names its rule (422, `/problems/<rule>`); docs/domain/ami.md "
            "lists them all. Members not listed are refused."),
        "order": COMMAND_ORDER,
    },
    "events": {
        "title": "Events",
        "intro": (
            "Every event the AMI's rules write, as it appears in the `data` of an event on the wire "
            "(API.md) and in the evidence export. Each is described by a JSON Schema "
            "(`schemas/events/<Type>.json`, draft 2020-12) that the tests check every event against. "
            "Decision events name people by id only; personal data is sealed. Instants are UTC with "
            "milliseconds; scores are integers of half points, and a mean is an exact fraction."),
        "order": EVENT_ORDER,
    },
}


# Enumerations longer than this are listed once, at the end of the page.
LONG_ENUM = 6
LONG_ENUMS = {}


def pretty(value, indent=0, width=100):
    """JSON as the schemas are written: a value on one line when it fits, else one member a line."""
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or len(flat) + indent <= width:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [pad + json.dumps(k, ensure_ascii=False) + ": " + pretty(v, indent + 2, width) for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + pretty(v, indent + 2, width) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def load(kind):
    out = {}
    for path in sorted((ROOT / "schemas" / kind).glob("*.json")):
        with open(path, encoding="utf-8") as f:
            out[path.stem] = json.load(f)
    return out


def resolve(node, root):
    """The schema `node` stands for, its $ref followed (its own description wins)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 10:
        target = root
        for token in node["$ref"].lstrip("#").strip("/").split("/"):
            if token:
                target = target[token.replace("~1", "/").replace("~0", "~")]
        merged = dict(target)
        for k, v in node.items():
            if k != "$ref":
                merged[k] = v
        node = merged
        seen += 1
    return node


def ref_name(node):
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return node["$ref"].rsplit("/", 1)[-1]
    return None


def code(value):
    return "`" + (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)) + "`"


def type_of(node, root, depth=0):
    name = ref_name(node)
    node = resolve(node, root)
    if depth > 4:
        return "…"
    if name and isinstance(node, dict) and "anyOf" in node and node.get("description"):
        # A named union (such as any value without floating point): its description says it best.
        text = node["description"].rstrip(".")
        return text[0].lower() + text[1:]
    if not isinstance(node, dict):
        return "any" if node is True else "nothing"
    if "const" in node:
        return "always " + code(json.dumps(node["const"], ensure_ascii=False))
    if "enum" in node:
        if name and len(node["enum"]) > LONG_ENUM:
            LONG_ENUMS[name] = root.get("$defs", {}).get(name, node)
            return f"{name}: one of the {len(node['enum'])} values under [Values](#values)"
        return "one of " + ", ".join(code(v) for v in node["enum"])
    if "anyOf" in node:
        return " or ".join(type_of(s, root, depth + 1) for s in node["anyOf"])
    t = node.get("type")
    if isinstance(t, list):
        text = " or ".join(t)
    else:
        text = t or "any"
    limits = []
    if t == "string":
        if "minLength" in node and "maxLength" in node:
            limits.append(f"{node['minLength']} to {node['maxLength']} characters")
        elif "maxLength" in node:
            limits.append(f"at most {node['maxLength']} characters")
        elif "minLength" in node:
            limits.append(f"at least {node['minLength']} characters")
        if "pattern" in node:
            limits.append("pattern " + code(node["pattern"]))
    if t == "integer":
        if "minimum" in node and "maximum" in node:
            limits.append(f"{node['minimum']} to {node['maximum']}")
        elif "minimum" in node:
            limits.append(f"≥ {node['minimum']}")
        elif "maximum" in node:
            limits.append(f"≤ {node['maximum']}")
    if t == "array":
        text = "array of " + type_of(node.get("items", True), root, depth + 1)
        if "minItems" in node and "maxItems" in node:
            limits.append(f"{node['minItems']} to {node['maxItems']} items")
        elif "maxItems" in node:
            limits.append(f"at most {node['maxItems']} items")
        elif "minItems" in node:
            limits.append(f"at least {node['minItems']} item{'s' if node['minItems'] != 1 else ''}")
        if node.get("uniqueItems"):
            limits.append("no duplicates")
    if t == "object":
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            key = "key"
            names = node.get("propertyNames")
            if names is not None:
                key = ref_name(names) or "key"
            text = f"object: {key} → " + type_of(extra, root, depth + 1)
        elif "$sealed" in node.get("properties", {}):
            text = "sealed object"
        if "minProperties" in node and "maxProperties" in node:
            limits.append(f"{node['minProperties']} to {node['maxProperties']} members")
        elif "minProperties" in node:
            limits.append(f"at least {node['minProperties']} member{'s' if node['minProperties'] != 1 else ''}")
        elif "maxProperties" in node:
            limits.append(f"at most {node['maxProperties']} member{'s' if node['maxProperties'] != 1 else ''}")
    if limits:
        text += " (" + "; ".join(limits) + ")"
    return text


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def rows(node, root, prefix, depth, out):
    """One row per member of the object `node` (and of objects within it), as (name, type,
    required, description)."""
    node = resolve(node, root)
    if not isinstance(node, dict) or depth > 6:
        return
    required = set(node.get("required", []))
    for name, sub in node.get("properties", {}).items():
        full = prefix + name
        resolved = resolve(sub, root)
        req = "yes" if name in required else "no"
        if isinstance(resolved, dict) and "default" in resolved:
            req += " (default " + code(json.dumps(resolved["default"], ensure_ascii=False)) + ")"
        desc = resolved.get("description", "") if isinstance(resolved, dict) else ""
        out.append((full, type_of(sub, root), req, desc))
        children(resolved, root, full, depth, out)


def children(node, root, full, depth, out):
    if not isinstance(node, dict):
        return
    if node.get("type") == "object" and "properties" in node:
        rows(node, root, full + ".", depth + 1, out)
    elif node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict):
        extra = resolve(node["additionalProperties"], root)
        key = ref_name(node.get("propertyNames")) or "key"
        if isinstance(extra, dict) and "properties" in extra:
            rows(extra, root, f"{full}.<{key}>.", depth + 1, out)
    elif node.get("type") == "array":
        items = resolve(node.get("items", {}), root)
        if isinstance(items, dict) and "properties" in items:
            rows(items, root, full + "[].", depth + 1, out)


def section(name, schema):
    lines = [f"## {name}", "", f"**{schema['title']}**", "", schema["description"], ""]
    table = []
    rows(schema, schema, "", 0, table)
    if table:
        lines += ["| member | type | required | description |", "| --- | --- | --- | --- |"]
        for member, kind, req, desc in table:
            lines.append(f"| `{cell(member)}` | {cell(kind)} | {cell(req)} | {cell(desc)} |")
        lines.append("")
    if schema.get("additionalProperties") is False:
        lines += ["No other member is allowed.", ""]
    examples = schema.get("examples", [])
    for i, example in enumerate(examples):
        label = "Example" if len(examples) == 1 else f"Example {i + 1}"
        lines += [f"{label}:", "", "```json", pretty(example), "```", ""]
    return lines


def render(kind):
    page = PAGES[kind]
    schemas = load(kind)
    names = [n for n in page["order"] if n in schemas] + sorted(n for n in schemas if n not in page["order"])
    lines = [
        f"# {page['title']}",
        "",
        f"<!-- Generated by tools/gen_reference.py from schemas/{kind}/*.json: edit the schemas, then run it. -->",
        "",
        page["intro"],
        "",
        "Conventions (schemas/README.md): scores are integers of half points (27.5 points is 55); "
        "money is integer euro cents; instants are RFC 3339; ids the register gives follow a pattern "
        "(`APP-nnnn`); free texts are at most 10,000 characters and names at most 300; every decision "
        "carries a non-empty rationale or reason.",
        "",
    ]
    for n in names:
        lines.append(f"- [{n}](#{n.lower()}): {schemas[n]['title']}")
    lines.append("")
    LONG_ENUMS.clear()
    for n in names:
        lines += section(n, schemas[n])
    if LONG_ENUMS:
        lines += ["## Values", ""]
        for name, node in sorted(LONG_ENUMS.items()):
            lines += [f"`{name}`: {node.get('description', '')}", ""]
            lines += [f"- `{v}`" for v in node["enum"]]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a page is stale, without writing")
    args = parser.parse_args()
    stale = False
    for kind in ("commands", "events"):
        path = ROOT / "docs" / "reference" / f"{kind}.md"
        text = render(kind)
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == text:
            continue
        if args.check:
            stale = True
            rel = path.relative_to(ROOT)
            print(f"{rel} is stale: run python3 tools/gen_reference.py", file=sys.stderr)
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), f"{rel} (committed)",
                                        f"{rel} (from the schemas)", lineterm="", n=1)
            for line in list(diff)[:40]:
                print(line, file=sys.stderr)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
