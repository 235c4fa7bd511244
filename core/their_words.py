"""Words of other programs (the operating system, the network, Python's parsers, an engine)
said by what they mean, so a page can say them in the reader's language.

An error quotes them in English (`str(exc)`, `exc.strerror`, `JSONDecodeError.msg`): that
English is kept byte for byte (API answers, the CLI and stored rows have it), and what it
means is found by errno, by `getaddrinfo`'s code, by exception class, or by the small fixed
set of sentences a parser says, each a template of the catalog:

    >>> said = their_words(ConnectionRefusedError(111, "Connection refused"))
    >>> str(said), said.template, said.fields["reason"].template
    ('[Errno 111] Connection refused', '[Errno {errno}] {reason}', 'Connection refused')
    >>> their_words("Expecting ',' delimiter").template
    "Expecting ',' delimiter"

A text none of them made is not a sentence of ours: it stays a plain value (a page quotes
it as written inside the sentence that says what failed), never a sentence on its own.

    >>> their_words("the frobnicator is sad")
    'the frobnicator is sad'
"""

from __future__ import annotations

import errno
import socket
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

from core.i18n import N_, Said, Sentences

if TYPE_CHECKING:
    import ssl

# The operating system's words by errno (glibc's `strerror`): the template is the text, so a
# stored sentence reads back; another platform's wording is said by the errno all the same.
BY_ERRNO = {
    errno.ECONNREFUSED: N_("Connection refused"),
    errno.ETIMEDOUT: N_("Connection timed out"),
    errno.EHOSTUNREACH: N_("No route to host"),
    errno.ENETUNREACH: N_("Network is unreachable"),
    errno.ECONNRESET: N_("Connection reset by peer"),
    errno.ECONNABORTED: N_("Software caused connection abort"),
    errno.EPIPE: N_("Broken pipe"),
    errno.EADDRNOTAVAIL: N_("Cannot assign requested address"),
    errno.EADDRINUSE: N_("Address already in use"),
    errno.ENETDOWN: N_("Network is down"),
    errno.EHOSTDOWN: N_("Host is down"),
    errno.ENOTCONN: N_("Transport endpoint is not connected"),
    errno.EPROTO: N_("Protocol error"),
    errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"),
    errno.ENOENT: N_("No such file or directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.EISDIR: N_("Is a directory"),
    errno.ELOOP: N_("Too many levels of symbolic links"),
    errno.ENAMETOOLONG: N_("File name too long"),
    errno.EMFILE: N_("Too many open files"),
    errno.ENFILE: N_("Too many open files in system"),
    errno.ENOSPC: N_("No space left on device"),
    errno.EROFS: N_("Read-only file system"),
    errno.EIO: N_("Input/output error"),
    errno.EAGAIN: N_("Resource temporarily unavailable"),
    errno.EINVAL: N_("Invalid argument"),
    errno.ENOMEM: N_("Cannot allocate memory"),
}
# name resolution (`socket.gaierror`), by its EAI_* code
BY_GAI = {
    socket.EAI_NONAME: N_("Name or service not known"),
    socket.EAI_AGAIN: N_("Temporary failure in name resolution"),
    socket.EAI_FAIL: N_("Non-recoverable failure in name resolution"),
    getattr(socket, "EAI_NODATA", -5): N_("No address associated with hostname"),
    socket.EAI_SERVICE: N_("Servname not supported for ai_socktype"),
    socket.EAI_FAMILY: N_("ai_family not supported"),
    getattr(socket, "EAI_ADDRFAMILY", -9): N_("Address family for hostname not supported"),
}
# asyncio's words for a connection it could not make (the errno says why)
CONNECT_FAILED = N_("Connect call failed {address}")
ERRNO = N_("[Errno {errno}] {reason}")
ERRNO_FILE = N_("[Errno {errno}] {reason}: {filename}")
TIMED_OUT = N_("timed out")  # socket.timeout's own words
# TLS (the `ssl` module): its reason code ("TLSV1_ALERT_PROTOCOL_VERSION"), said by kind
TLS = N_("the TLS handshake failed: {reason}")
TLS_ALERT = N_("the server sent the TLS alert {alert}")
TLS_VERIFY = N_("the server's certificate does not verify: {reason}")
TLS_VERSION = N_("no TLS version both sides accept")
TLS_NOT_TLS = N_("the answer is not TLS")
TLS_EOF = N_("the connection closed in the middle of the TLS handshake")

# Python's JSON decoder (`JSONDecodeError.msg`, C and Python scanners)
JSON = (
    N_("Expecting value"),
    N_("Expecting ',' delimiter"),
    N_("Expecting ':' delimiter"),
    N_("Expecting property name enclosed in double quotes"),
    N_("Unterminated string starting at"),
    N_("Invalid control character at"),
    N_("Invalid \\escape"),
    N_("Invalid \\uXXXX escape"),
    N_("Extra data"),
    N_("Illegal trailing comma before end of object"),
    N_("Illegal trailing comma before end of array"),
)
# the csv module (`_csv.c`)
CSV = (
    N_("line contains NUL"),
    N_("unexpected end of data"),
    N_("field larger than field limit ({limit})"),
    N_("{quote} expected after {char}"),
    N_("new-line character seen in unquoted field - do you need to open the file with newline=''?"),
    N_(
        "new-line character seen in unquoted field - do you need to open the file in "
        "universal-newline mode?"
    ),  # Python 3.11's words
)
# ipaddress
IP = (
    N_("{value} does not appear to be an IPv4 or IPv6 network"),
    N_("{value} does not appear to be an IPv4 or IPv6 address"),
    N_("{value} has host bits set"),
)
# datetime.fromisoformat and the date it builds
DATES = (
    N_("Invalid isoformat string: {value}"),
    N_("year {year} is out of range"),
    N_("month must be in 1..12"),
    N_("day is out of range for month"),
    N_("hour must be in 0..23"),
    N_("minute must be in 0..59"),
    N_("second must be in 0..59"),
    N_("microsecond must be in 0..999999"),
    N_("date value out of range"),
    N_("date-time is out of range once converted to UTC"),
    N_("date-time must be between {low} and {high}"),
    N_("expected an ISO 8601 date-time string"),
)
# the codec's reasons (UnicodeEncodeError.reason, UnicodeDecodeError.reason)
CODECS = (
    N_("surrogates not allowed"),
    N_("invalid start byte"),
    N_("invalid continuation byte"),
    N_("unexpected end of data"),
    N_("ordinal not in range(128)"),
)
# what the key-store libraries say when a store does not open (cryptography, pyjks)
STORES = (
    N_("Bad decrypt. Incorrect password?"),
    N_("Incorrect password, could not decrypt key"),
    N_("Invalid password or PKCS12 data"),
    N_("Corrupt data: broken checksum"),
    N_("Hash mismatch; incorrect keystore password?"),
    N_("Password was not given but private key is encrypted"),
    N_("Password was given but private key is not encrypted."),
    N_("Could not deserialize key data. The data may be in an incorrect format, it may be "
       "encrypted with an unsupported algorithm, or it may be an unsupported key type (e.g. EC "
       "curves with explicit parameters)."),
)  # fmt: skip
# Python's own words for bytes that run out (a malformed record)
PYTHON = (
    N_("index out of range"),
    N_("unpack requires a buffer of {size} bytes"),
    N_("unpack_from requires a buffer of at least {size} bytes for unpacking {needed} bytes "
       "at offset {offset} (actual buffer size is {actual})"),
)  # fmt: skip
# `str()` of a JSONDecodeError: its message and where it is
JSON_AT = N_("{problem}: line {line} column {column} (char {char})")
# Python's limit on the digits of an integer literal
DIGITS = N_(
    "Exceeds the limit ({limit} digits) for integer string conversion: value has {digits} "
    "digits; use sys.set_int_max_str_digits() to increase the limit"
)

TEMPLATES: tuple[str, ...] = (
    *BY_ERRNO.values(), *BY_GAI.values(), CONNECT_FAILED, ERRNO, ERRNO_FILE, TIMED_OUT, TLS,
    TLS_ALERT,
    TLS_VERIFY, TLS_VERSION, TLS_NOT_TLS, TLS_EOF, *JSON, *CSV, *IP, *DATES, *CODECS, *STORES,
    *PYTHON, DIGITS, JSON_AT,
)  # fmt: skip


@lru_cache(maxsize=1)
def _sentences() -> Sentences:
    return Sentences(TEMPLATES)


def their_words(said: BaseException | str, english: str | None = None) -> Said | str:
    """What another program said (`said`: its exception or its text), by what it means.

    `english`, when given, is the text a caller quotes (`exc.strerror`, `exc.msg`): kept as
    the English; the meaning is still found by errno or class. A text no template made
    stays a plain `str`.
    """
    if isinstance(said, BaseException):
        text = str(said) if english is None else english
        meant = _by_kind(said, english is not None)
        if meant is not None:
            return Said(meant.template, meant.fields, text)
        said = text
    found = _sentences().parse(said)
    if found is None:
        return said
    template, fields = found
    return by_errno(Said(template, {k: _inner(v) for k, v in fields.items()}, said))


def by_errno(said: Said) -> Said:
    """An "[Errno n] ..." sentence whose words are not the OS's own (asyncio's "Connect call
    failed ('10.0.0.1', 443)"): said by what the errno means, the English kept."""
    if said.template not in (ERRNO, ERRNO_FILE):
        return said
    try:
        meant = BY_ERRNO.get(int(str(said.fields["errno"])))
    except ValueError:
        meant = None
    reason = said.fields["reason"]
    if meant is None or (isinstance(reason, Said) and reason.template == meant):
        return said
    return Said(said.template, {**said.fields, "reason": Said(meant, {}, str(reason))}, said)


def _inner(value: str) -> Said | str:
    found = _sentences().parse(value)
    if found is None or found[0] in (ERRNO, ERRNO_FILE):
        return value
    template, fields = found
    return Said(template, {k: _inner(v) for k, v in fields.items()}, value)


def _by_kind(exc: BaseException, bare: bool) -> Said | None:
    """`exc` said by errno, gai code or TLS reason (`bare`: only the reason, no "[Errno n]")."""
    tls = sys.modules.get("ssl")  # not imported (0.006 s): no TLS error can exist
    if tls is not None and isinstance(exc, tls.SSLError):
        return _tls(exc)
    if isinstance(exc, socket.gaierror):
        reason = BY_GAI.get(exc.errno) if exc.errno is not None else None
    elif isinstance(exc, TimeoutError) and exc.errno is None:
        return Said(TIMED_OUT, {})
    elif isinstance(exc, OSError) and exc.errno is not None:
        reason = BY_ERRNO.get(exc.errno)
    else:
        return None
    if reason is None:
        return None
    inner = Said(reason, {}, exc.strerror or reason)
    if bare:
        return inner
    if getattr(exc, "filename", None) is not None:
        return Said(
            ERRNO_FILE, {"errno": exc.errno, "reason": inner, "filename": repr(exc.filename)}
        )
    return Said(ERRNO, {"errno": exc.errno, "reason": inner})


def _tls(exc: ssl.SSLError) -> Said:
    import ssl

    reason = str(getattr(exc, "reason", None) or "")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Said(TLS_VERIFY, {"reason": str(exc.verify_message or reason)})
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return Said(TLS_EOF, {})
    if "ALERT_" in reason:
        return Said(TLS_ALERT, {"alert": reason.split("ALERT_", 1)[1].lower()})
    if reason in ("UNSUPPORTED_PROTOCOL", "NO_PROTOCOLS_AVAILABLE", "TLSV1_ALERT_PROTOCOL_VERSION"):
        return Said(TLS_VERSION, {})
    if reason in ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "RECORD_LAYER_FAILURE"):
        return Said(TLS_NOT_TLS, {})
    return Said(TLS, {"reason": reason or type(exc).__name__})
