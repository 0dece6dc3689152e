import json
import logging

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 16 * 1024


class SupportPbx(http.Controller):
    """Call events from the phone system (see the README for the payload)."""

    @http.route(
        "/support_desk/pbx/event",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def pbx_event(self, **form):
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_PAYLOAD_BYTES:
            return self._reply(413, error="payload too large")
        payload = self._read_payload(form)
        if payload is None:
            return self._reply(400, error="the body is not valid JSON")
        token = httprequest.headers.get("X-PBX-Token") or (
            payload.pop("token", None) if isinstance(payload, dict) else None
        )
        # Nothing is read or written before the token names a company.
        company = (
            request.env["support.pbx.call"]
            .sudo()
            ._pbx_company_for_token(token if isinstance(token, str) else None)
        )
        if not company:
            _logger.warning(
                "PBX event refused: unknown token from %s", httprequest.remote_addr
            )
            return self._reply(403, error="unknown token")
        env = request.env(user=request.env.ref("base.user_root").id, su=True)
        try:
            call = (
                env["support.pbx.call"]
                .with_company(company)
                ._pbx_process_event(company, payload)
            )
        except ValueError as error:
            _logger.info("PBX event refused: %s", error)
            return self._reply(400, error=str(error))
        return self._reply(200, result="ok", call=call.id, state=call.state)

    def _read_payload(self, form):
        """JSON body, or the form fields when the PBX posts a form."""
        body = request.httprequest.get_data(cache=False, as_text=True)
        content_type = request.httprequest.mimetype
        if content_type == "application/json" or (body and not form):
            try:
                return json.loads(body or "{}")
            except ValueError:
                return None
        payload = dict(form)
        if "extensions" in payload:
            payload["extensions"] = [
                ext.strip() for ext in payload["extensions"].split(",") if ext.strip()
            ]
        return payload

    def _reply(self, http_status, **values):
        return request.make_response(
            json.dumps(values),
            headers=[("Content-Type", "application/json")],
            status=http_status,
        )
