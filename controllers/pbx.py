import json
import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 16 * 1024
# Tokens are generated secrets: anything longer or outside printable ASCII is
# refused without being compared.
MAX_TOKEN_LENGTH = 256
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class PbxPayloadError(Exception):
    """A request refused before it reaches the model: (HTTP status, message)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


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
        max_content_length=lambda controller: controller._max_form_length(),
    )
    def pbx_event(self, **form):
        httprequest = request.httprequest
        try:
            payload = self._read_payload(form)
        except PbxPayloadError as error:
            _logger.info("PBX event refused: %s", error)
            return self._reply(error.status, error=str(error))
        token = self._get_token(payload)
        # Nothing is read or written before the token names a company.
        company = (
            request.env["support.pbx.call"].sudo()._pbx_company_for_token(token)
            if token
            else None
        )
        if not company:
            _logger.warning(
                "PBX event refused: unknown token from %s", httprequest.remote_addr
            )
            return self._reply(403, error="unknown token")
        env = request.env(user=request.env.ref("base.user_root").id, su=True)
        try:
            # An event is applied whole or not at all.
            with env.cr.savepoint():
                call = (
                    env["support.pbx.call"]
                    .with_company(company)
                    ._pbx_process_event(company, payload)
                )
        except (ValueError, UserError, ValidationError) as error:
            _logger.info("PBX event refused: %s", error)
            return self._reply(400, error=str(error))
        return self._reply(200, result="ok", call=call.id, state=call.state)

    def _max_form_length(self):
        """Odoo parses a posted form before the route runs: bound it there.

        Other bodies are read by the route itself, which answers 413 in JSON.
        """
        if request.httprequest.mimetype in FORM_MIMETYPES:
            return MAX_PAYLOAD_BYTES
        return None

    def _read_payload(self, form):
        """JSON body, or the form fields when the PBX posts a form.

        :raise PbxPayloadError: when the body is too large or not a JSON object
        """
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_PAYLOAD_BYTES:
            raise PbxPayloadError(413, "payload too large")
        if httprequest.mimetype in FORM_MIMETYPES:
            return self._read_form(form)
        body = self._read_body()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise PbxPayloadError(400, "the body is not valid UTF-8") from None
        try:
            payload = json.loads(text or "{}")
        except RecursionError:
            raise PbxPayloadError(400, "the body is nested too deeply") from None
        except ValueError:
            raise PbxPayloadError(400, "the body is not valid JSON") from None
        if not isinstance(payload, dict):
            raise PbxPayloadError(400, "the payload must be a JSON object")
        return payload

    def _read_body(self):
        """At most MAX_PAYLOAD_BYTES of the body, counted on the bytes read.

        A chunked body has no Content-Length: the limit must hold on what is
        actually read, never on what the client announces.
        """
        # Odoo's request wrapper does not expose werkzeug's guarded input stream.
        stream = request.httprequest._HTTPRequest__wrapped.stream
        try:
            body = stream.read(MAX_PAYLOAD_BYTES + 1)
        except RequestEntityTooLarge:
            raise PbxPayloadError(413, "payload too large") from None
        if len(body) > MAX_PAYLOAD_BYTES:
            raise PbxPayloadError(413, "payload too large")
        return body

    def _read_form(self, form):
        """The posted fields: text only, within the size limit."""
        if any(not isinstance(value, str) for value in form.values()):
            raise PbxPayloadError(400, "file fields are not accepted")
        size = sum(len(key) + len(value) for key, value in form.items())
        if size > MAX_PAYLOAD_BYTES:
            raise PbxPayloadError(413, "payload too large")
        payload = dict(form)
        if "extensions" in payload:
            payload["extensions"] = [
                ext.strip() for ext in payload["extensions"].split(",") if ext.strip()
            ]
        return payload

    def _get_token(self, payload):
        """The token of the header, else of the payload; None when malformed."""
        token = request.httprequest.headers.get("X-PBX-Token") or payload.pop(
            "token", None
        )
        if (
            not isinstance(token, str)
            or len(token) > MAX_TOKEN_LENGTH
            or not token.isascii()
            or not token.isprintable()
        ):
            return None
        return token

    def _reply(self, http_status, **values):
        return request.make_response(
            json.dumps(values),
            headers=[("Content-Type", "application/json")],
            status=http_status,
        )
