"""Which portal requests a read replica may serve (``--db_replica_host``)."""

import time

from odoo.http import request

# After a customer's change (a reply, a new ticket...), the pages of their
# session come from the primary for this long: the redirect that follows the
# change must show it, and a read replica may not have replayed it yet.
READ_YOUR_WRITES_SECONDS = 10
SESSION_WROTE_AT = "support_desk_wrote_at"


def remember_write():
    """The session just changed data: its next pages are read on the primary."""
    request.session[SESSION_WROTE_AT] = time.time()


def is_replica_read(controller):
    """``readonly`` of the portal's pages: a GET may be served by a read replica
    unless the session changed data moments ago; a POST changes data and runs
    on the primary."""
    if request.httprequest.method not in ("GET", "HEAD"):
        return False
    wrote_at = request.session.get(SESSION_WROTE_AT)
    if not isinstance(wrote_at, int | float):
        return True
    return not 0 <= time.time() - wrote_at < READ_YOUR_WRITES_SECONDS
