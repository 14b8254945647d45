#!/usr/bin/env python3
"""Differential test: every corpus template must render byte-for-byte as Python Jinja2 (with
stackql-deploy's environment and filters, see jinja_ref.py) renders it; a template Jinja2 rejects must
fail in skyql too, and undefined-variable errors must carry Jinja2's exact message."""
import argparse
import json
import subprocess
import sys

MIN_CASES = 200


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
        sys.exit(1)
    return json.loads(proc.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--render", required=True, help="the template_render executable")
    ap.add_argument("--reference", required=True, help="jinja_ref.py")
    args = ap.parse_args()
    with open(args.corpus, encoding="utf-8") as f:
        corpus = json.load(f)
    names = [c["name"] for c in corpus]
    if len(set(names)) != len(names):
        sys.exit("corpus has duplicate case names")
    if len(corpus) < MIN_CASES:
        sys.exit(f"corpus has {len(corpus)} cases; at least {MIN_CASES} are required")
    want = run([sys.executable, args.reference, args.corpus])
    got = run([args.render, args.corpus])
    failures = 0
    errors = 0
    for case in corpus:
        name = case["name"]
        w, g = want[name], got.get(name)
        problem = None
        if g is None:
            problem = "missing from skyql output"
        elif w["ok"] != g["ok"]:
            problem = f"jinja2: {w}\n   skyql: {g}"
        elif w["ok"] and w["out"] != g["out"]:
            problem = f"jinja2: {w['out']!r}\n   skyql: {g['out']!r}"
        elif not w["ok"] and w["error"] == "UndefinedError" and w["message"] != g["message"]:
            problem = f"undefined message differs: jinja2 {w['message']!r}, skyql {g['message']!r}"
        elif not w["ok"] and w["error"] == "TemplateSyntaxError" and w["line"] != g["line"]:
            problem = f"syntax error line differs: jinja2 {w['line']} ({w['message']}), skyql {g['line']} ({g['message']})"
        if not w["ok"]:
            errors += 1
        if problem:
            failures += 1
            print(f"MISMATCH {name}: template {case['template']!r}\n   {problem}")
    print(f"{len(corpus) - failures}/{len(corpus)} cases match Jinja2 ({errors} of them expected errors)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
