"""The one rule for what customers and the public send: text without NUL,
one-line fields without line breaks, files within limits, ids within range."""

from odoo.http import request

# Attachments customers may send with a ticket or a reply.
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024
MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 20000
MAX_SEARCH_LENGTH = 200
# Ids are PostgreSQL integers: a larger number is no record, not an SQL error.
MAX_ID = 2**31 - 1


class PortalInputError(Exception):
    """Input of a portal form that is refused: message and HTTP status."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def clean_text(value, multiline=False, max_length=None):
    """Text posted in a form or query field, the one rule of every route: NUL
    characters (PostgreSQL refuses them) are removed, and so are line breaks
    in one-line fields (titles, names, search terms: they would break the
    headers of the ticket's mails).

    :raise PortalInputError: 400 when the field holds a file or another value
        than text, or is longer than ``max_length``
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PortalInputError(request.env._("A text field holds a file."))
    value = value.replace("\x00", "")
    if not multiline:
        value = " ".join(value.splitlines())
    value = value.strip()
    if max_length and len(value) > max_length:
        raise PortalInputError(
            request.env._("A text is longer than %s characters.", max_length)
        )
    return value


def check_text_fields(params, file_fields=("attachments",)):
    """Refuse a file sent in a field that holds text (every field but
    ``file_fields``).

    :raise PortalInputError: 400
    """
    for key, value in params.items():
        if key not in file_fields and not isinstance(value, str):
            raise PortalInputError(
                request.env._("The field %s holds a file.", clean_text(key)[:50])
            )


def clean_token(value):
    """An access token from the request, or None when it cannot be one
    (a file, non-ASCII text): compared with consteq, which refuses those."""
    if isinstance(value, str) and value.isascii():
        return value
    return None


def read_uploads(files):
    """Read the uploaded files, refusing too many or too large ones.

    :return: list of (name, content) tuples
    :raise PortalInputError: with status 400 (too many) or 413 (too large)
    """
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_ATTACHMENTS:
        raise PortalInputError(
            request.env._("You can attach at most %s files.", MAX_ATTACHMENTS)
        )
    uploads = []
    for upload in files:
        content = upload.read(MAX_ATTACHMENT_SIZE + 1)
        if len(content) > MAX_ATTACHMENT_SIZE:
            raise PortalInputError(
                request.env._(
                    "The file %(name)s is larger than %(size)s MB.",
                    name=upload.filename,
                    size=MAX_ATTACHMENT_SIZE // (1024 * 1024),
                ),
                status=413,
            )
        name = " ".join(upload.filename.replace("\x00", "").splitlines()).strip()
        uploads.append((name or "attachment", content))
    return uploads


def parse_id(value):
    """An id posted by a form: a positive integer, or None when empty.

    :raise PortalInputError: when the value is not a number
    """
    if value in (None, "", "0", 0):
        return None
    if not isinstance(value, str | int):
        raise PortalInputError(request.env._("A text field holds a file."))
    try:
        record_id = int(value)
    except (TypeError, ValueError):
        raise PortalInputError(
            request.env._("Invalid value: %s", clean_text(str(value))[:50])
        ) from None
    if not 0 < record_id <= MAX_ID:
        raise PortalInputError(
            request.env._("Invalid value: %s", clean_text(str(value))[:50])
        )
    return record_id
