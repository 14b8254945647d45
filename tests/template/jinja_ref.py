#!/usr/bin/env python3
"""Reference renderer for the template differential test: Python Jinja2 configured as stackql-deploy
configures it (autoescape=False, default Undefined, Jinja2's default whitespace handling) plus
stackql-deploy's custom filters, written once more here from their documented behaviour.

Reads the corpus (JSON list of {name, template, context, strict?}) and prints a JSON object mapping each
case name to {"ok": true, "out": text} or {"ok": false, "error": class name, "message": text}.
A missing jinja2 is an error (exit 2), never a skip.
"""
import base64
import json
import sys
import uuid

try:
    import jinja2
except ImportError:
    sys.stderr.write("jinja_ref.py: python3 has no jinja2 module; install python3-jinja2\n")
    sys.exit(2)


def from_json(value):
    return json.loads(value)


def base64_encode(value):
    return base64.b64encode(value.encode()).decode()


def _ensure(value, kind, who, what):
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
            if isinstance(decoded, kind):
                return decoded
        except json.JSONDecodeError:
            pass
    elif isinstance(value, kind):
        return value
    raise ValueError(f"(config.{who}) input must be a {what} or a JSON-encoded {what} string")


def merge_lists(list1, list2):
    # stackql-deploy unions the sets of json.dumps(item, sort_keys=True); set order is unspecified, so the
    # reference (like skyql) keeps first-seen order.
    seen = []
    for item in _ensure(list1, list, "merge_lists", "list") + _ensure(list2, list, "merge_lists", "list"):
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.append(key)
    return [json.loads(k) for k in seen]


def merge_objects(obj1, obj2):
    return {**_ensure(obj1, dict, "merge_objects", "dict"), **_ensure(obj2, dict, "merge_objects", "dict")}


def generate_patch_document(properties):
    doc = []
    for key, value in properties.items():
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        doc.append({"op": "add", "path": f"/{key}", "value": value})
    return json.dumps(doc)


def sql_list(input_data):
    if isinstance(input_data, str):
        try:
            items = json.loads(input_data)
        except json.JSONDecodeError:
            items = [input_data]
    else:
        items = input_data
    if not items:
        return "(NULL)"
    return "(" + ",".join(f"'{str(item)}'" for item in items) + ")"


def sql_escape(value):
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    return value.replace("'", "''")


def make_env(strict):
    env = jinja2.Environment(autoescape=False,
                             undefined=jinja2.StrictUndefined if strict else jinja2.Undefined)
    env.filters.update(from_json=from_json, base64_encode=base64_encode, merge_lists=merge_lists,
                       merge_objects=merge_objects, generate_patch_document=generate_patch_document,
                       sql_list=sql_list, sql_escape=sql_escape)
    env.globals["uuid"] = lambda: str(uuid.uuid4())
    return env


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: jinja_ref.py CORPUS.json\n")
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        corpus = json.load(f)
    envs = {False: make_env(False), True: make_env(True)}
    results = {}
    for case in corpus:
        env = envs[bool(case.get("strict", False))]
        try:
            out = env.from_string(case["template"]).render(case.get("context", {}))
            results[case["name"]] = {"ok": True, "out": out}
        except Exception as e:  # every failure is a result to compare, not a harness error
            results[case["name"]] = {"ok": False, "error": type(e).__name__, "message": str(e),
                                     "line": getattr(e, "lineno", None)}
    json.dump(results, sys.stdout, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
