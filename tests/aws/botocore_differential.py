#!/usr/bin/env python3
"""Differential test: skyql's SigV4 signer against botocore's SigV4Auth on randomized requests.

Generates --count requests (methods, paths with dot segments and unicode, encoded queries with repeated
and empty keys, headers with odd case/spacing/duplicates, binary bodies, session tokens), signs each with
botocore and with the C++ tool (sigv4_sign_tool), and requires identical Authorization headers.
botocore missing is a failure, not a skip.
"""
import argparse
import base64
import datetime
import json
import random
import subprocess
import sys
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

UNICODE = ["é", "ü", "ß", "ሴ", "日本", "語", "😀", "Ω", "ñ", "中文"]
PATH_CHARS = list("abcXYZ019-_.~") + [" ", "+", "=", ";", ",", "@", ":", "!", "$", "&", "'", "(", ")", "*", "%"] + UNICODE
QUERY_CHARS = list("abcXYZ019-_.~ /+=&?%#:@!$'()*,;") + UNICODE
HEADER_NAMES = ["X-Custom", "x-amz-meta-Owner", "Content-Type", "X-Amz-Target", "My-Header1", "X-Foo-Bar",
                "Accept", "Content-Encoding", "User-Agent", "Connection", "X-Amzn-Trace-Id", "Cache-Control",
                "amz-sdk-request", "If-Match", "X-UPPER", "x-lower"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]
SERVICES = ["cloudcontrolapi", "sts", "service", "execute-api", "dynamodb"]


def rand_text(rng, chars, lo, hi):
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def random_case(rng, s):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def odd_spacing(rng, value):
    words = value.split(" ")
    out = ""
    for i, w in enumerate(words):
        if i:
            out += rng.choice([" ", "  ", "   ", "\t", " \t "])
        out += w
    return rng.choice(["", " ", "  ", "\t"]) + out + rng.choice(["", " ", "   ", "\t"])


def random_path(rng):
    segs = []
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if r < 0.1:
            segs.append(".")
        elif r < 0.2:
            segs.append("..")
        elif r < 0.28:
            segs.append("")  # double slash
        else:
            segs.append(rand_text(rng, PATH_CHARS, 1, 8))
    path = "/" + "/".join(segs)
    if rng.random() < 0.3:
        path += "/"
    return path


def random_query(rng):
    if rng.random() < 0.35:
        return ""
    pairs = []
    for _ in range(rng.randint(1, 5)):
        key = quote(rand_text(rng, QUERY_CHARS, 1, 6), safe="-_.~")
        r = rng.random()
        if r < 0.15:
            pairs.append(key)  # no '='
        elif r < 0.3:
            pairs.append(key + "=")
        else:
            pairs.append(key + "=" + quote(rand_text(rng, QUERY_CHARS, 0, 8), safe="-_.~"))
        if rng.random() < 0.15:  # repeated key, other value
            pairs.append(key + "=" + quote(rand_text(rng, QUERY_CHARS, 1, 4), safe="-_.~"))
    rng.shuffle(pairs)
    return "&".join(pairs)


def random_headers(rng, host):
    headers = [(random_case(rng, "host") if rng.random() < 0.3 else "Host", host)]
    for _ in range(rng.randint(0, 6)):
        name = rng.choice(HEADER_NAMES)
        if rng.random() < 0.5:
            name = random_case(rng, name)
        words = [rand_text(rng, list("abcdefXYZ0123456789=/+,;:\"'") + UNICODE[:4], 1, 6) for _ in range(rng.randint(1, 4))]
        headers.append((name, odd_spacing(rng, " ".join(words))))
        if rng.random() < 0.15:  # duplicate header
            headers.append((name, odd_spacing(rng, rand_text(rng, list("xyz123"), 1, 5))))
    return headers


def random_body(rng):
    r = rng.random()
    if r < 0.35:
        return b""
    if r < 0.65:
        return json.dumps({"TypeName": "AWS::S3::Bucket", "Identifier": rand_text(rng, UNICODE + list("abc"), 1, 10)},
                          ensure_ascii=False).encode()
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))


def make_corpus(rng, count):
    corpus = []
    for _ in range(count):
        host = rng.choice(["example.amazonaws.com", "cloudcontrolapi.us-east-1.amazonaws.com", "127.0.0.1:8443"])
        token = ""
        if rng.random() < 0.5:
            token = rand_text(rng, list("ABCDEFabcdef0123456789/+="), 20, 120)
        corpus.append({
            "method": rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]),
            "path": random_path(rng) + (("?" + q) if (q := random_query(rng)) else ""),
            "host": host,
            "headers": random_headers(rng, host),
            "body": random_body(rng),
            "access_key": "AKID" + rand_text(rng, list("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 12, 16),
            "secret_key": rand_text(rng, list("ABCDEFabcdef0123456789/+"), 40, 40),
            "token": token,
            "region": rng.choice(REGIONS),
            "service": rng.choice(SERVICES),
            "time": rng.randint(1_400_000_000, 1_900_000_000),
        })
    return corpus


def botocore_sign(case):
    botocore.auth.get_current_datetime = lambda: datetime.datetime.fromtimestamp(
        case["time"], datetime.timezone.utc).replace(tzinfo=None)
    req = AWSRequest(method=case["method"], url="https://" + case["host"] + case["path"], data=case["body"])
    for k, v in case["headers"]:
        req.headers[k] = v  # HTTPHeaders appends, so duplicates survive as in the C++ corpus
    creds = Credentials(case["access_key"], case["secret_key"], case["token"] or None)
    auth = botocore.auth.SigV4Auth(creds, case["service"], case["region"])
    auth.add_auth(req)
    return req.headers["Authorization"], auth.canonical_request(req)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--count", type=int, default=600)
    ap.add_argument("--seed", type=int, default=20150830)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    corpus = make_corpus(rng, args.count)
    lines = []
    for c in corpus:
        lines.append(json.dumps({
            "method": c["method"], "path": c["path"], "headers": c["headers"],
            "body_b64": base64.b64encode(c["body"]).decode(), "access_key": c["access_key"],
            "secret_key": c["secret_key"], "token": c["token"], "region": c["region"],
            "service": c["service"], "time": c["time"]}, ensure_ascii=False))
    proc = subprocess.run([args.tool], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    ours = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
    if len(ours) != len(corpus):
        print(f"tool printed {len(ours)} signatures for {len(corpus)} requests", file=sys.stderr)
        return 1
    mismatches = 0
    for i, (case, mine) in enumerate(zip(corpus, ours)):
        theirs, canonical = botocore_sign(case)
        if theirs != mine["authorization"]:
            mismatches += 1
            if mismatches <= 5:
                print(f"--- request {i}: {case['method']} {case['path']!r} headers={case['headers']!r}", file=sys.stderr)
                print(f"botocore: {theirs}\nskyql:    {mine['authorization']}", file=sys.stderr)
                print(f"botocore canonical:\n{canonical}\nskyql canonical:\n{mine['canonical_request']}", file=sys.stderr)
    print(f"{len(corpus) - mismatches}/{len(corpus)} Authorization headers identical to botocore "
          f"{botocore.__version__} (seed {args.seed})")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
