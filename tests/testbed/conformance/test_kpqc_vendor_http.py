"""A Korean vendor proves its KpqC implementations interoperate, over HTTP.

The vendor's product is the ``kpqc`` package called directly; the testbed grades it with
its kpqc engine and returns a signed report.
"""

from __future__ import annotations

import base64

import kpqc


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def test_smaug_t_receiver_and_haetae_signer(sqlite_vendors, helpers) -> None:
    v = sqlite_vendors()
    pid = v.product(algorithms=("SMAUG-T-128", "HAETAE-2"), name="K-Gate")
    keys = kpqc.smaugt128.generate_key_pair()
    s = v.open(pid, "SMAUG-T-128", "kem_receiver", encapsulation_key=b64(keys.public_key))
    assert s["engines"] == ["kpqc"]
    items = {}
    for item in s["challenge"]["items"]:
        ct = unb64(item["ciphertext"])
        if len(ct) != kpqc.smaugt128.sizes.ciphertext:
            items[item["id"]] = {"rejected": True}
        else:
            items[item["id"]] = {
                "shared_secret": b64(kpqc.smaugt128.decapsulate(ct, keys.secret_key))
            }
    report = v.answer(s["id"], {"items": items})
    assert set(helpers["verdicts"](report).values()) == {"pass"}
    assert report["report"]["summary"]["verdict"] == "pass"

    s = v.open(pid, "HAETAE-2", "sig_vendor_signs")
    sig_keys = kpqc.haetae2.generate_key_pair()
    message = unb64(s["challenge"]["message"])
    answer = {
        "public_key": b64(sig_keys.public_key),
        "signature": b64(kpqc.haetae2.sign(message, sig_keys.secret_key)),
    }
    report = v.answer(s["id"], answer)
    assert helpers["verdicts"](report) == {"verify-kpqc": "pass"}
