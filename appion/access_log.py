"""Gunicorn's access log for Appion (`logger_class` in gunicorn.conf.py): one line per
request, whatever the client puts in its path or headers."""

import contextlib

from gunicorn.glogging import Logger

from appion.log_redaction import redact_paths


def escape_for_log(value: str) -> str:
    r"""Return `value` with every character that is not printable (line breaks, carriage
    returns, terminal escape sequences, Unicode line separators, bidi overrides) written
    as `\xHH`, `\uHHHH` or `\UHHHHHHHH`, and the backslash as `\\`: the result is one
    line, and every escape in it was written by this function.

    Gunicorn passes the path and the headers as bytes decoded as Latin-1; they are read
    back as UTF-8, so a Bengali path stays readable, and a byte that is not UTF-8 is
    written as `\xHH`."""
    with contextlib.suppress(UnicodeEncodeError):  # not from the wire: left as it is
        value = value.encode("latin-1").decode("utf-8", "surrogateescape")
    if value.isprintable() and "\\" not in value:
        return value
    return "".join(_escape_char(char) for char in value)


def _escape_char(char: str) -> str:
    code = ord(char)
    if char == "\\":
        return "\\\\"
    if char.isprintable():
        return char
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


class AccessLogger(Logger):
    r"""Gunicorn's logger whose access-log values are escaped (`escape_for_log`): a `%0a`
    in a path cannot start a forged line, nor a `%1b` reach the operator's terminal.
    (Gunicorn itself then writes `"` as `\"`.) A calendar feed's secret is left out of
    the path (appion.log_redaction)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: escape_for_log(redact_paths(value)) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
