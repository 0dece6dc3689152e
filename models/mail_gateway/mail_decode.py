"""Decoding of real-world mail before Odoo parses it (issue 26).

Plain functions on ``email.message.EmailMessage``: mailers label text with a
narrower charset than they use, leave 8-bit bytes unlabelled, drop boundary
lines or paste uuencoded files in the body. ``normalize_message`` returns a
copy of the mail where every header and text part is proper Unicode, so that
Odoo's own parser reads it; what cannot be decoded is kept as a file.
"""

import base64
import binascii
import codecs
import copy
import logging
import re

try:
    import chardet
except ImportError:  # Odoo requires it; stay usable without it
    chardet = None

_logger = logging.getLogger(__name__)

# The charsets mailers label their text with, and the superset they really
# use (what Windows, Outlook and browsers decode these labels with).
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
}
ENCODED_WORD_RE = re.compile(rb"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")
ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b$(D", b"\x1b(I")
DETECT_SAMPLE = 64 * 1024
SINGLE_BYTE = {"cp1252", "latin-1", "iso8859-1", "ascii"}
UU_BEGIN_RE = re.compile(r"^begin [0-7]{3,4} (\S[^\r\n]*)$", re.MULTILINE)
# Headers whose words are shown to people (title, author, recipients).
TEXT_HEADERS = ("Subject", "From", "To", "Cc", "Reply-To")


class Decoded:
    """What ``normalize_message`` had to do with a mail."""

    def __init__(self):
        self.changed = False
        # Parts kept as files because their text did not fully decode.
        self.broken_parts = 0


def superset(charset):
    """The codec to decode text labelled ``charset`` with, or None."""
    label = (charset or "").strip().strip('"').lower()
    if not label:
        return None
    label = SUPERSETS.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None

    # A label naming a bytes codec (base64, zlib, rot13...) is no charset.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def detect(data):
    """The codec of unlabelled 8-bit ``data``, or None for plain ASCII."""
    if not data:
        return None
    if any(esc in data for esc in ISO2022_ESCAPES):
        for codec in ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"):
            if _decodes(data, codec):
                return codec
    if _decodes(data, "ascii"):
        return None
    if _decodes(data, "utf-8"):
        return "utf-8"
    if chardet is not None:
        # A sample is enough to tell, and keeps a huge body cheap.
        guess = chardet.detect(data[:DETECT_SAMPLE])
        codec = superset(guess.get("encoding"))
        if codec and guess.get("confidence", 0) >= 0.3 and _decodes(data, codec):
            return codec
    return "cp1252" if _decodes(data, "cp1252") else "latin-1"


def _decodes(data, codec):
    try:
        data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def decode_text(data, charset=None):
    """Decode ``data`` labelled ``charset``: ``(text, complete)``.

    The label's superset first, then UTF-8 (mislabelled mails are mostly
    UTF-8), then detection for unlabelled bytes. ``complete`` is False when
    some bytes had to be dropped.
    """
    codec = superset(charset)
    candidates = [codec, "utf-8"] if codec else []
    if codec in SINGLE_BYTE:
        # Valid UTF-8 is almost never Latin text: a mislabelled UTF-8 mail.
        candidates.reverse()
    for candidate in candidates:
        if _decodes(data, candidate):
            return data.decode(candidate), True
    if not codec:
        detected = detect(data) or "ascii"
        if _decodes(data, detected):
            return data.decode(detected), True
        codec = detected

    # Keep what decodes; the caller keeps the bytes as a file.
    return data.decode(codec, "ignore"), False


def _raw_header_bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("ascii", "surrogateescape")


def decode_header_bytes(raw):
    """Decode a raw header: RFC 2047 words with their label's superset, 8-bit
    bytes and ISO-2022-JP escapes without label by detection."""
    raw = re.sub(rb"\r?\n[ \t]", b" ", raw)
    chunks = []
    last = 0
    previous_word = False
    for match in ENCODED_WORD_RE.finditer(raw):
        between = raw[last : match.start()]
        if not (previous_word and not between.strip()):
            chunks.append((between, None))
        charset, kind, payload = match.groups()
        try:
            if kind.upper() == b"B":
                data = base64.b64decode(payload + b"=" * (-len(payload) % 4))
            else:
                data = binascii.a2b_qp(payload.replace(b"_", b" "), header=True)
        except (binascii.Error, ValueError):
            data = match.group(0)
            charset = None
        chunks.append((data, charset.decode("ascii", "ignore") if charset else None))
        last = match.end()
        previous_word = True
    chunks.append((raw[last:], None))
    unlabelled = b"".join(data for data, charset in chunks if charset is None)
    guess = detect(unlabelled)
    text = []
    for data, charset in chunks:
        if charset is None:
            text.append(data.decode(guess or "ascii", "ignore"))
        else:
            text.append(decode_text(data, charset)[0])
    return "".join(text).replace("\ufffd", "").strip()


def _header_needs_decoding(raw):
    if any(byte > 127 for byte in raw) or b"\x1b" in raw:
        return True
    for match in ENCODED_WORD_RE.finditer(raw):
        label = match.group(1).decode("ascii", "ignore").lower()
        if label in SUPERSETS or not superset(label):
            return True
    return False


def _fix_headers(message, decoded):
    for name in TEXT_HEADERS:
        values = message.get_all(name)
        if not values:
            continue
        raws = [
            _raw_header_bytes(value)
            for key, value in message.raw_items()
            if key.lower() == name.lower()
        ]
        if not any(_header_needs_decoding(raw) for raw in raws):
            continue
        texts = [decode_header_bytes(raw) for raw in raws]
        try:
            del message[name]
            for text in texts:
                message[name] = text
        except (ValueError, TypeError, IndexError) as error:
            _logger.info("Mail header %s kept as parsed: %s", name, error)
            del message[name]
            for value in values:
                message[name] = str(value).replace("\ufffd", "")
        decoded.changed = True


def _is_body_text(part):
    return (
        part.get_content_maintype() == "text"
        and not part.get_filename()
        and part.get_content_disposition() != "attachment"
    )


def _set_text(part, text):
    subtype = part.get_content_subtype()
    content_id = part.get("Content-ID")
    disposition = part.get("Content-Disposition")
    part.set_content(text, subtype=subtype, charset="utf-8", cte="base64")
    if content_id:
        part["Content-ID"] = content_id
    if disposition:
        part["Content-Disposition"] = disposition


def split_uuencoded(text):
    """Cut ``begin NNN name`` ... ``end`` blocks out of ``text``:
    ``(text, [(name, bytes)])``. Blocks that do not decode stay in the text."""
    files = []
    kept = []
    position = 0
    for match in UU_BEGIN_RE.finditer(text):
        if match.start() < position:
            continue
        end = re.compile(r"^end[ \t]*$", re.MULTILINE).search(text, match.end())
        if not end:
            break
        data = bytearray()
        try:
            for line in text[match.end() : end.start()].splitlines():
                if not line.strip() or line.strip() == "`":
                    continue
                try:
                    data += binascii.a2b_uu(line)
                except binascii.Error:
                    # Some encoders pad lines badly: trust the length byte.
                    length = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
                    data += binascii.a2b_uu(line[:length])
        except (binascii.Error, IndexError, ValueError):
            continue
        kept.append(text[position : match.start()])
        position = end.end()
        files.append((match.group(1).strip(), bytes(data)))
    kept.append(text[position:])
    return "".join(kept), files


def _part_needs_decoding(part):
    """``(payload bytes, uuencoded)`` of a body text part Odoo would misread
    (narrow or unknown labels, unlabelled 8-bit bytes, undecodable bytes,
    uuencoded files), ``(None, False)`` for one it reads as it is."""
    data = part.get_payload(decode=True) or b""
    charset = part.get_param("charset")
    plain = part.get_content_type() == "text/plain"
    uuencoded = plain and b"\nbegin " in b"\n" + data
    if uuencoded:
        needs = True
    elif _decodes(data, "ascii") and b"\x1b" not in data:
        needs = False
    elif charset:
        codec = superset(charset)
        needs = charset.lower() in SUPERSETS or not codec or not _decodes(data, codec)
    else:
        needs = detect(data) != "utf-8"
    return (data, uuencoded) if needs else (None, False)


def _is_clean(message):
    """Whether Odoo reads ``message`` as it is: no header to decode, no
    multipart without its boundaries, no body text part to decode. Most mails
    are: they need no copy (a deep copy costs as much as Odoo's parsing)."""
    names = {name.lower() for name in TEXT_HEADERS}
    for key, value in message.raw_items():
        if key.lower() in names and _header_needs_decoding(_raw_header_bytes(value)):
            return False
    for part in message.walk():
        if part.get_content_maintype() == "multipart" and not part.is_multipart():
            return False
        if (
            _is_body_text(part)
            and not part.is_multipart()
            and _part_needs_decoding(part)[0] is not None
        ):
            return False
    return True


def _fix_parts(message, decoded):
    """Decode every body text part; return the files to attach."""
    files = []
    for part in list(message.walk()):
        if part.get_content_maintype() == "multipart" and not part.is_multipart():
            # multipart without its boundary lines: the body is the text.
            payload = part.get_payload()
            if isinstance(payload, str):
                charset = part.get_param("charset")
                part.replace_header("Content-Type", "text/plain")
                if charset:
                    part.set_param("charset", charset)
                decoded.changed = True
        if not _is_body_text(part) or part.is_multipart():
            continue
        data, uuencoded = _part_needs_decoding(part)
        if data is None:
            continue
        charset = part.get_param("charset")
        text, complete = decode_text(data, charset)
        if uuencoded:
            text, uu_files = split_uuencoded(text)
            files += uu_files
        if not complete:
            decoded.broken_parts += 1
            files.append((f"undecoded-part-{decoded.broken_parts}.txt", data))
        _set_text(part, text)
        decoded.changed = True
    return files


def normalize_message(message):
    """Return ``(message, Decoded)``: ``message`` itself when nothing needed
    decoding, else a copy with Unicode headers and text parts and the files
    cut from the text (uuencoded) or kept undecoded as attachments."""
    decoded = Decoded()
    try:
        if _is_clean(message):
            return message, decoded
        fixed = copy.deepcopy(message)
        _fix_headers(fixed, decoded)
        files = _fix_parts(fixed, decoded)
        if files:
            if fixed.get_content_type() != "multipart/mixed":
                fixed.make_mixed()
            for name, data in files:
                fixed.add_attachment(
                    data,
                    maintype="application",
                    subtype="octet-stream",
                    filename=name,
                )
    except Exception as error:  # never lose a mail to decoding
        _logger.warning("Mail kept as received, decoding failed: %r", error)
        return message, Decoded()
    if not decoded.changed:
        return message, decoded
    return fixed, decoded
