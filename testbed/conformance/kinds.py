"""Each check kind's two halves: prepare a challenge, grade an answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from testbed.conformance import acvp_mldsa, acvp_mlkem, kem_receiver, kem_sender, sig_checks
from testbed.conformance.common import Prepared
from testbed.conformance.models import CheckKind

Prepare = Callable[..., Prepared]
Grade = Callable[[str, dict, dict, Any, bytes], list[dict[str, Any]]]

CHECKS: dict[CheckKind, tuple[Prepare, Grade]] = {
    CheckKind.KEM_RECEIVER: (kem_receiver.prepare_receiver, kem_receiver.grade_receiver),
    CheckKind.KEM_SENDER: (kem_sender.prepare_sender, kem_sender.grade_sender),
    CheckKind.SIG_VENDOR_SIGNS: (sig_checks.prepare_vendor_signs, sig_checks.grade_vendor_signs),
    CheckKind.SIG_VENDOR_VERIFIES: (
        sig_checks.prepare_vendor_verifies,
        sig_checks.grade_vendor_verifies,
    ),
    CheckKind.ACVP_MLKEM: (acvp_mlkem.prepare, acvp_mlkem.grade),
    CheckKind.ACVP_MLDSA: (acvp_mldsa.prepare, acvp_mldsa.grade),
}
#: the checks that take an ACVP mode
ACVP = (CheckKind.ACVP_MLKEM, CheckKind.ACVP_MLDSA)


def prepare(
    check: CheckKind, algorithm: str, mode: str | None, data: dict[str, Any], nonce: bytes
) -> Prepared:
    """Run ``check``'s preparation (ACVP checks get their mode)."""
    kwargs = {"mode": mode} if check in ACVP else {}
    return CHECKS[check][0](algorithm, data, nonce, **kwargs)
