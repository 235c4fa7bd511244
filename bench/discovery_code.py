# ruff: noqa: E501  (the generated source lives in long template strings)
"""Source-scan speed on a generated mixed-language tree, on the path a user runs.

Generates a tree of about ``--lines`` lines (Python, Java, Kotlin, Go, C, JavaScript,
TypeScript, with configuration and lock files), of which ``--crypto-share`` of the files
call crypto APIs (through constants in sibling files), another share only mention a
crypto module in a comment, so the quick filter lets them through to the parser, and
``--caller-share`` call a wrapper function of another file (one per directory and
language) without naming any crypto module: the figures include parsing all of them and
the second pass that follows wrappers across files. Then runs ``pqcplan scan code TREE --cbom FILE`` as a child
process twice (the second run reuses the content-hash cache: nothing changed), and once
filed into a SQLite database (``--org``). Prints wall seconds, lines/s and the machine's
load average, which matters: the bench shares the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import record

TINY_ARGS = ["--lines", "4000", "--workers", "1"]

FILLER = {
    "py": "def f{i}(items):\n    total = 0\n    for x in items:\n        total += x * {i}\n    return total\n\n",
    "java": "    int f{i}(int[] xs) {{\n        int t = 0;\n        for (int x : xs) {{ t += x * {i}; }}\n        return t;\n    }}\n",
    "kt": "    fun f{i}(xs: List<Int>): Int {{\n        var t = 0\n        for (x in xs) t += x * {i}\n        return t\n    }}\n",
    "go": "func f{i}(xs []int) int {{\n\tt := 0\n\tfor _, x := range xs {{\n\t\tt += x * {i}\n\t}}\n\treturn t\n}}\n",
    "c": "int f{i}(const int *xs, int n) {{\n    int t = 0;\n    for (int k = 0; k < n; k++) t += xs[k] * {i};\n    return t;\n}}\n",
    "js": "function f{i}(xs) {{\n  let t = 0;\n  for (const x of xs) t += x * {i};\n  return t;\n}}\n",
    "ts": "export function f{i}(xs: number[]): number {{\n  let t = 0;\n  for (const x of xs) t += x * {i};\n  return t;\n}}\n",
}
HEAD = {
    "py": ("", ""),
    "java": ("package app.m{d};\n\npublic class C{n} {{\n", "}\n"),
    "kt": ("package app.m{d}\n\nclass C{n} {{\n", "}\n"),
    "go": ("package m{d}\n\n", ""),
    "c": ("#include <stdio.h>\n\n", ""),
    "js": ("'use strict';\n\n", ""),
    "ts": ("", ""),
}
CRYPTO = {
    "py": "import hashlib\nfrom cryptography.hazmat.primitives.asymmetric import rsa\nfrom .consts import BITS\n\n"
    "KEY = rsa.generate_private_key(65537, BITS)\nDIGEST = hashlib.sha1(b'x')\n\n",
    "java": '    void crypto() throws Exception {{\n        javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/ECB/PKCS5Padding");\n'
    '        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");\n        g.initialize(2048);\n    }}\n',
    "kt": '    fun crypto() {{\n        val d = java.security.MessageDigest.getInstance("MD5")\n    }}\n',
    "go": "func crypto() {{\n\tk, _ := rsa.GenerateKey(rand.Reader, Bits)\n\t_ = k\n\t_ = sha1.New()\n}}\n",
    "c": "void crypto(void) {{\n    RSA_generate_key_ex(NULL, BITS, NULL, NULL);\n    EVP_aes_128_cbc();\n}}\n",
    "js": "const crypto = require('crypto');\nfunction crypto{i}() {{ return crypto.createHash('md5'); }}\n",
    "ts": "import * as crypto from 'node:crypto';\nexport const k{i} = crypto.generateKeyPairSync('rsa', {{ modulusLength: 1024 }});\n",
}
# Per directory, a file of wrapper functions (the crypto call takes the wrapper's parameter);
# ``--caller-share`` of the files call one of them and name no crypto module at all, so only
# the scan's second pass (files naming another file's wrapper) finds them.
WRAPPERS = {
    "keyutil.py": "from cryptography.hazmat.primitives.asymmetric import rsa\n\n\ndef make_key(bits):\n    return rsa.generate_private_key(65537, bits)\n",
    "keyutil.go": 'package m{d}\n\nimport (\n\t"crypto/rand"\n\t"crypto/rsa"\n)\n\nfunc makeKey(bits int) (*rsa.PrivateKey, error) {{\n\treturn rsa.GenerateKey(rand.Reader, bits)\n}}\n',
    "KeyUtil.java": "package app.m{d};\n\npublic class KeyUtil {{\n    public static javax.crypto.Cipher cipherFor(String t) throws Exception {{\n        return javax.crypto.Cipher.getInstance(t);\n    }}\n}}\n",
    "keyutil.js": "const crypto = require('crypto');\n\nfunction rsaPair(bits) {{\n  return crypto.generateKeyPairSync('rsa', {{ modulusLength: bits }});\n}}\n\nmodule.exports = {{ rsaPair }};\n",
    "keyutil.ts": "import {{ generateKeyPairSync }} from 'node:crypto';\n\nexport function tsPair(bits: number) {{\n  return generateKeyPairSync('rsa', {{ modulusLength: bits }});\n}}\n",
    "keyutil.h": "#include <openssl/evp.h>\nEVP_PKEY *make_rsa_key(unsigned int bits);\n",
    "keyutil.c": '#include "keyutil.h"\n\nEVP_PKEY *make_rsa_key(unsigned int bits) {{\n    return EVP_RSA_gen(bits);\n}}\n',
}
CALLER = {
    "py": "from .keyutil import make_key\n\nKEY{i} = make_key(1024)\n\n",
    "java": '    Object caller() throws Exception {{\n        return KeyUtil.cipherFor("DES/ECB/PKCS5Padding");\n    }}\n',
    "kt": '    fun caller() = KeyUtil.cipherFor("DES/ECB/PKCS5Padding")\n',
    "go": "func caller{i}() {{\n\t_, _ = makeKey(1024)\n}}\n",
    "c": '#include "keyutil.h"\n\nvoid caller{i}(void) {{ make_rsa_key(1024); }}\n',
    "js": "const {{ rsaPair }} = require('./keyutil');\nconst pair{i} = rsaPair(1024);\n",
    "ts": "import {{ tsPair }} from './keyutil';\nexport const pair{i} = tsPair(1024);\n",
}
GO_IMPORTS = 'import (\n\t"crypto/rand"\n\t"crypto/rsa"\n\t"crypto/sha1"\n)\n\n'
EXT = {"py": ".py", "java": ".java", "kt": ".kt", "go": ".go", "c": ".c", "js": ".js", "ts": ".ts"}


def generate(
    root: Path,
    lines: int,
    crypto_share: float,
    mention_share: float,
    caller_share: float = 0.0,
    seed: int = 7,
) -> dict:
    rnd = random.Random(seed)
    langs = list(EXT)
    made = {"files": 0, "lines": 0, "crypto_files": 0, "caller_files": 0}
    n = 0
    while made["lines"] < lines:
        lang = langs[n % len(langs)]
        d = n // 50
        directory = root / f"m{d}"
        directory.mkdir(parents=True, exist_ok=True)
        if not (directory / "consts.py").exists():
            (directory / "__init__.py").write_text("")
            (directory / "consts.py").write_text("BITS = 1024\n")
            (directory / "consts.go").write_text(f"package m{d}\n\nconst Bits = 1024\n")
            (directory / "consts.h").write_text("#define BITS 1024\n")
            for name, text in WRAPPERS.items():
                (directory / name).write_text(text.format(d=d))
                made["files"] += 1
                made["lines"] += text.count("\n")
        head, tail = HEAD[lang]
        body = [head.format(d=d, n=n)]
        kind = rnd.random()
        if lang == "go":
            body.append(GO_IMPORTS if kind < crypto_share else "")
        if lang == "c" and kind < crypto_share:
            body.append('#include "consts.h"\n#include <openssl/rsa.h>\n\n')
        if kind < crypto_share:
            body.append(CRYPTO[lang].format(i=n))
            made["crypto_files"] += 1
        elif kind >= 1 - caller_share:  # calls a wrapper of another file, names no crypto
            if lang in ("py", "js", "ts", "c"):
                body.insert(0, CALLER[lang].format(i=n))
            else:
                body.append(CALLER[lang].format(i=n))
            made["caller_files"] += 1
        elif kind < crypto_share + mention_share:
            body.append(
                {
                    "py": "# hashlib is not used here\n",
                    "go": "// crypto/rsa is elsewhere\n",
                    "c": "/* EVP_aes_128_cbc elsewhere */\n",
                    "java": "    // javax.crypto elsewhere\n",
                    "kt": "    // java.security elsewhere\n",
                    "js": "// crypto elsewhere\n",
                    "ts": "// crypto elsewhere\n",
                }[lang]
            )
        for i in range(rnd.randint(20, 40)):
            body.append(FILLER[lang].format(i=i))
        body.append(tail)
        text = "".join(body)
        (directory / f"f{n}{EXT[lang]}").write_text(text)
        made["files"] += 1
        made["lines"] += text.count("\n")
        n += 1
    (root / "requirements.txt").write_text("cryptography==41.0.7\n")
    (root / "nginx.conf").write_text("server { ssl_protocols TLSv1 TLSv1.2; }\n")
    return made


CPU: list[float] = [0.0]  # CPU seconds of the last run: the CLI and its parsing workers


def run(args: list[str], env: dict) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"pqcplan {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
    return wall, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--crypto-share", type=float, default=0.1)
    ap.add_argument("--mention-share", type=float, default=0.1)
    ap.add_argument("--caller-share", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", type=Path, help="generate the tree here and keep it")
    a = ap.parse_args()
    base = a.keep or Path(tempfile.mkdtemp(prefix="pqcplan-bench-code-"))
    try:
        measure(a, base)
    finally:
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)  # a 1,000,000-line tree is 40 MB


def measure(a: argparse.Namespace, base: Path) -> None:
    tree, cache = base / "tree", base / "cache"
    made = generate(tree, a.lines, a.crypto_share, a.mention_share, a.caller_share)
    env = {
        **os.environ,
        "PQCPLAN_CACHE": str(cache),
        "DATABASE_URL": f"sqlite:///{base}/bench.sqlite3",
        "COLUMNS": "200",
    }
    print(
        f"tree: {made['files']} files, {made['lines']} lines, {made['crypto_files']} with crypto calls, "
        f"{made['caller_files']} calling another file's wrapper; "
        f"workers {a.workers}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    cbom = base / "scan.cdx.json"
    common = [
        "scan",
        "code",
        str(tree),
        "--cbom",
        str(cbom),
        "--workers",
        str(a.workers),
        "--show",
        "0",
    ]
    first, out = run(common, env)
    first_cpu = CPU[0]
    components = json.loads(cbom.read_text())["components"]
    print(
        f"first scan (CLI, CBOM, no database): {first:.1f} s wall, {first_cpu:.1f} s CPU (CLI process), "
        f"{made['lines'] / first:,.0f} lines/s; {out.splitlines()[0] if out else ''}"
    )
    print(f"  CBOM components: {len(components)}; load average {os.getloadavg()[0]:.2f}")
    size = f"{made['lines']:,} lines, {made['files']:,} files, {a.workers} workers"
    record("pqcplan scan code, first scan: wall", first, "s", size=size)
    record("pqcplan scan code, first scan: CPU (CLI process)", first_cpu, "s", size=size)
    again, out = run(common, env)
    again_cpu = CPU[0]
    print(
        f"unchanged re-scan (content hashes): {again:.1f} s wall, {again_cpu:.1f} s CPU (CLI process) "
        f"({first / again:.1f}x faster); load average {os.getloadavg()[0]:.2f}"
    )
    record("pqcplan scan code, unchanged re-scan: wall", again, "s", size=size)
    record("pqcplan scan code, first scan / unchanged re-scan", first / again, "x", size=size)
    help_wall, _ = run(["scan", "code", "--help"], env)
    print(
        f"  of which starting the CLI (`pqcplan scan code --help`): {help_wall:.1f} s wall, "
        f"{CPU[0]:.1f} s CPU"
    )
    run(["db", "upgrade"], env)
    run(["org", "create", "bench", "Bench", "--sector", "finance", "--tier", "private"], env)
    run(["scan", "scope", "add", str(base), "--kind", "path", "--org", "bench"], env)
    filed, out = run(
        ["scan", "code", str(tree), "--org", "bench", "--workers", str(a.workers), "--show", "0"],
        env,
    )
    last = [line for line in out.splitlines() if line.startswith("filed")]
    record("pqcplan scan code, re-scan filed into SQLite: wall", filed, "s", size=size)
    print(
        f"re-scan filed into SQLite (--org): {filed:.1f} s wall, {CPU[0]:.1f} s CPU; "
        f"{last[0] if last else ''}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
