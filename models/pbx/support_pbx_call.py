import hmac
import logging
from urllib.parse import quote

import psycopg2
import requests

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

PBX_EVENTS = ("newCall", "answer", "hangup")


class SupportPbxCall(models.Model):
    _name = "support.pbx.call"
    _description = "Phone Call"
    _order = "date_start desc, id desc"
    _rec_name = "external_number"
    _check_company_auto = True

    call_uid = fields.Char(string="Call ID", required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    direction = fields.Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")],
        required=True,
        readonly=True,
        default="inbound",
    )
    from_number = fields.Char(string="From", readonly=True)
    to_number = fields.Char(string="To", readonly=True)
    external_number = fields.Char(
        string="Number",
        readonly=True,
        index=True,
        help="The customer's number, in E.164 when it could be read.",
    )
    extension = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Caller", readonly=True, index="btree_not_null"
    )
    state = fields.Selection(
        [
            ("ringing", "Ringing"),
            ("answered", "Answered"),
            ("ended", "Ended"),
            ("missed", "Missed"),
            ("failed", "Failed"),
        ],
        required=True,
        default="ringing",
        readonly=True,
        index=True,
    )
    cause = fields.Char(readonly=True)
    date_start = fields.Datetime(
        string="Start", readonly=True, default=fields.Datetime.now
    )
    date_answer = fields.Datetime(string="Answered At", readonly=True)
    date_end = fields.Datetime(string="End", readonly=True)
    duration = fields.Float(
        string="Duration (Minutes)", compute="_compute_duration", store=True
    )
    ticket_ids = fields.One2many("support.ticket", "pbx_call_id", string="Tickets")
    ticket_id = fields.Many2one(
        "support.ticket",
        compute="_compute_ticket_id",
        store=True,
        index="btree_not_null",
    )

    _sql_constraints = [
        (
            "call_uid_company_uniq",
            "unique(company_id, call_uid)",
            "A call is logged once per company.",
        )
    ]

    @api.depends("date_answer", "date_end")
    def _compute_duration(self):
        for call in self:
            if call.date_answer and call.date_end:
                seconds = (call.date_end - call.date_answer).total_seconds()
                call.duration = max(seconds, 0) / 60
            else:
                call.duration = 0.0

    @api.depends("ticket_ids")
    def _compute_ticket_id(self):
        for call in self:
            call.ticket_id = call.ticket_ids[:1]

    # ------------------------------------------------------------------
    # Inbound events
    # ------------------------------------------------------------------

    @api.model
    def _pbx_company_for_token(self, token):
        """The company whose PBX token is `token` (compared in constant time)."""
        if not token:
            return self.env["res.company"]
        for company in self.env["res.company"].sudo().search([]):
            secret = company.support_pbx_token
            if secret and hmac.compare_digest(secret.encode(), token.encode()):
                return company
        return self.env["res.company"]

    @api.model
    def _pbx_parse_event(self, payload):
        """Checked event values, or a ValueError saying what is wrong."""
        if not isinstance(payload, dict):
            raise ValueError("the payload must be a JSON object")
        event = payload.get("event")
        if event not in PBX_EVENTS:
            raise ValueError(f"'event' must be one of {', '.join(PBX_EVENTS)}")
        call_uid = payload.get("call_id")
        if not isinstance(call_uid, str | int) or not str(call_uid).strip():
            raise ValueError("'call_id' is required")
        direction = payload.get("direction") or "inbound"
        if direction not in ("inbound", "outbound"):
            raise ValueError("'direction' must be inbound or outbound")
        extensions = payload.get("extensions", payload.get("extension")) or []
        if isinstance(extensions, str | int):
            extensions = [extensions]
        if not isinstance(extensions, list) or not all(
            isinstance(ext, str | int) for ext in extensions
        ):
            raise ValueError("'extension(s)' must be a string or a list of strings")
        self._pbx_check_text("call_id", call_uid)
        for extension in extensions:
            self._pbx_check_text("extension", extension)
        values = {"event": event, "call_uid": str(call_uid).strip()[:128]}
        for key in ("from", "to", "cause"):
            value = payload.get(key)
            if value is not None and not isinstance(value, str | int):
                raise ValueError(f"'{key}' must be a string")
            self._pbx_check_text(key, value)
            values[key] = str(value)[:64] if value is not None else False
        if event == "newCall" and not values["from"] and not values["to"]:
            raise ValueError("'from' or 'to' is required on newCall")
        values["direction"] = direction
        values["extensions"] = [str(ext).strip()[:32] for ext in extensions if ext]
        return values

    @api.model
    def _pbx_check_text(self, key, value):
        """Refuse what PostgreSQL cannot store (a NUL byte) with a clear message."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(f"'{key}' must not contain NUL characters (0x00)")

    @api.model
    def _pbx_process_event(self, company, payload):
        """Apply one PBX event; the same event twice changes nothing."""
        values = self._pbx_parse_event(payload)
        Call = self.sudo().with_company(company)
        call = Call.search(
            [("company_id", "=", company.id), ("call_uid", "=", values["call_uid"])],
            limit=1,
        )
        if not call:
            call = Call._pbx_create_call(company, values)
        now = fields.Datetime.now()
        vals = {}
        if values["extensions"] and not call.user_id:
            user = call._pbx_users_for_extensions(values["extensions"])[:1]
            if user:
                vals.update(user_id=user.id, extension=user.support_pbx_extension)
        if values["event"] == "answer" and call.state == "ringing":
            vals.update(state="answered", date_answer=now)
        elif values["event"] == "hangup" and call.state in ("ringing", "answered"):
            vals.update(
                state="ended" if call.state == "answered" else "missed",
                date_end=now,
                cause=values["cause"] or False,
            )
        if vals:
            call.write(vals)
        if values["event"] in ("newCall", "answer") and call.state in (
            "ringing",
            "answered",
        ):
            call._pbx_notify_popup(values["extensions"])
        return call

    def _pbx_create_call(self, company, values):
        external = values["from"] if values["direction"] == "inbound" else values["to"]
        create_vals = {
            "call_uid": values["call_uid"],
            "company_id": company.id,
            "direction": values["direction"],
            "from_number": values["from"],
            "to_number": values["to"],
        }
        Partner = self.env["res.partner"].sudo().with_company(company)
        create_vals["external_number"] = (
            Partner._support_sanitize_phone(external) or external or False
        )
        partner = Partner._support_find_by_phone(external)[:1] if external else None
        if partner:
            create_vals["partner_id"] = partner.id
        try:
            # Two workers getting the same newCall at once: the second one reads
            # the row the first one wrote instead of failing.
            with self.env.cr.savepoint():
                return self.create(create_vals)
        except psycopg2.IntegrityError:
            return self.search(
                [
                    ("company_id", "=", company.id),
                    ("call_uid", "=", values["call_uid"]),
                ],
                limit=1,
            )

    def _pbx_users_for_extensions(self, extensions):
        """Agents of the call's company at these extensions.

        Extensions are unique per company and set by administrators only; only
        agents take calls, whatever extension another user was given.
        """
        self.ensure_one()
        if not extensions:
            return self.env["res.users"]
        agents = self.env.ref("support_desk.group_support_agent")
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("support_pbx_extension", "in", extensions),
                    ("company_ids", "in", self.company_id.id),
                    ("share", "=", False),
                    ("groups_id", "in", agents.id),
                ]
            )
        )

    def _pbx_notify_popup(self, extensions):
        """Show the caller in the browser of the agents at those extensions only.

        Each popup goes to the agent's own partner channel, which only that
        user's session subscribes to: never a broadcast or a shared channel.
        """
        self.ensure_one()
        users = self._pbx_users_for_extensions(
            extensions or ([self.extension] if self.extension else [])
        )
        for user in users:
            self.env["bus.bus"]._sendone(
                user.partner_id,
                "support_desk.pbx_call",
                self.with_user(user)._pbx_popup_payload(),
            )

    def _pbx_popup_payload(self):
        """What the popup shows, read with the agent's own rights."""
        self.ensure_one()
        partner = self.sudo().partner_id
        company = partner.commercial_partner_id
        payload = {
            "call_id": self.id,
            "number": self.external_number or self.from_number or "",
            "partner_id": partner.id or False,
            "partner_name": partner.name or "",
            "company_name": company.name if company != partner else "",
            "tickets": [],
            "contract": "",
        }
        if company:
            Ticket = self.env["support.ticket"].with_company(self.company_id)
            tickets = Ticket.search(
                [
                    ("partner_id", "=", company.id),
                    ("state", "in", ("new", "in_progress", "on_hold")),
                ],
                limit=5,
            )
            payload["tickets"] = [
                {"id": ticket.id, "name": ticket.display_name} for ticket in tickets
            ]
            contract = (
                self.env["support.contract"]
                .sudo()
                .search(
                    [("partner_id", "=", company.id), ("state", "=", "active")],
                    limit=1,
                )
            )
            payload["contract"] = contract.display_name or ""
        return payload

    # ------------------------------------------------------------------
    # Actions (popup buttons)
    # ------------------------------------------------------------------

    def action_new_ticket(self):
        """A new ticket form filled from the call; saving it links the call."""
        self.ensure_one()
        self.check_access("read")
        partner = self.partner_id
        company = partner.commercial_partner_id
        context = {
            "default_channel": "phone",
            "default_pbx_call_id": self.id,
        }
        if partner:
            context["default_partner_id"] = company.id
            if partner != company:
                context["default_partner_contact_id"] = partner.id
            contract = self.env["support.contract"].search(
                [("partner_id", "=", company.id), ("state", "=", "active")], limit=1
            )
            if contract:
                context["default_contract_id"] = contract.id
        else:
            context["default_name"] = self.env._(
                "Call from %s", self.external_number or self.from_number or "?"
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Ticket"),
            "res_model": "support.ticket",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": context,
        }

    @api.readonly
    def action_open_partner(self):
        self.ensure_one()
        self.check_access("read")
        if not self.partner_id:
            raise UserError(self.env._("This number belongs to no known contact."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Click-to-call
    # ------------------------------------------------------------------

    @api.model
    def _check_support_can_call(self):
        """Click-to-call spends the company's phone lines: agents only.

        :raise AccessError: when the current user is not a helpdesk agent
        """
        if self.env.su or self.env.user.has_group("support_desk.group_support_agent"):
            return
        raise AccessError(self.env._("Only helpdesk agents can call from Odoo."))

    @api.model
    def _originate(self, number, partner=None, ticket=None):
        """Ask the PBX to ring my extension then `number`; tel: link without PBX."""
        self._check_support_can_call()
        if not number:
            raise UserError(self.env._("There is no number to call."))
        company = self.env.company
        country = (partner and partner.country_id) or company._support_pbx_country()
        sanitized = (
            self.env["res.partner"]._support_sanitize_phone(number, country) or number
        )
        url_template = company.support_pbx_originate_url
        if not url_template:
            return {
                "type": "ir.actions.act_url",
                "url": "tel:" + quote(sanitized, safe="+"),
                "target": "self",
            }
        extension = self.env.user.support_pbx_extension
        if not extension:
            raise UserError(
                self.env._(
                    "Set your PBX extension in your preferences to call from Odoo."
                )
            )
        url = url_template.format(
            extension=quote(extension, safe=""), number=quote(sanitized, safe="+")
        )
        self._pbx_request(company, url)
        call = self._support_log_outbound_call(company, extension, sanitized, partner)
        # Linking the call changes the ticket: only when the agent may change it.
        if ticket and ticket.has_access("write"):
            ticket.sudo().pbx_call_id = call
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "Calling %(number)s from extension %(extension)s…",
                    number=sanitized,
                    extension=extension,
                ),
                "sticky": False,
            },
        }

    @api.model
    def _support_log_outbound_call(self, company, extension, number, partner):
        """The call log of a call the current agent started (checked by the
        caller): in sudo, agents do not create call lines themselves."""
        return self.sudo().create(
            {
                "call_uid": f"odoo-{self.env.uid}-{fields.Datetime.now().timestamp()}"
                f"-{number}",
                "company_id": company.id,
                "direction": "outbound",
                "from_number": extension,
                "to_number": number,
                "external_number": number,
                "extension": extension,
                "user_id": self.env.uid,
                "partner_id": partner.id if partner else False,
            }
        )

    @api.model
    def _pbx_request(self, company, url):
        """Send the originate request; PBX errors become a clear message."""
        headers = {}
        header = company.sudo().support_pbx_auth_header
        if header and ":" in header:
            name, value = header.split(":", 1)
            headers[name.strip()] = value.strip()
        method = company.support_pbx_originate_method or "POST"
        timeout = company.support_pbx_timeout or 5
        try:
            response = requests.request(method, url, headers=headers, timeout=timeout)
        except requests.Timeout:
            _logger.warning("PBX click-to-call: no answer from %s", url)
            raise UserError(
                self.env._(
                    "The phone system did not answer within %s seconds.", timeout
                )
            ) from None
        except requests.RequestException as error:
            _logger.warning("PBX click-to-call: %s", error)
            raise UserError(
                self.env._("The phone system cannot be reached: %s", error)
            ) from None
        if response.status_code >= 400:
            _logger.warning(
                "PBX click-to-call: %s answered %s", url, response.status_code
            )
            raise UserError(
                self.env._(
                    "The phone system refused the call (HTTP %(status)s): %(reason)s",
                    status=response.status_code,
                    reason=(response.text or response.reason or "")[:200],
                )
            )
        return response
