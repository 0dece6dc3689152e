from odoo import models
from odoo.http import request


class IrHttp(models.AbstractModel):
    """Two requests Odoo answers with a 500 whatever the route: hostile input
    gets a 4xx on the desk's paths (portal, web form, PBX webhook)."""

    _inherit = "ir.http"

    @classmethod
    def _dispatch(cls, endpoint):
        # A parameter named like the controller's own ``self`` reaches the
        # method twice (TypeError): no route takes one.
        request.params.pop("self", None)
        return super()._dispatch(endpoint)

    @classmethod
    def _serve_fallback(cls):
        # An unknown URL is looked up as an attachment's: PostgreSQL refuses a
        # NUL in that query. No attachment URL holds one: it is a 404.
        if "\x00" in request.httprequest.path:
            return None
        return super()._serve_fallback()
