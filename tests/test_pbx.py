import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from .common import SupportDeskCommon, live_bus

TOKEN = "pbx-test-token"


class PbxCommon:
    @classmethod
    def _pbx_setup(cls):
        cls.company = cls.env.company
        cls.company.write(
            {
                "country_id": cls.env.ref("base.it").id,
                "support_pbx_token": TOKEN,
            }
        )
        cls.caller_company = cls.env["res.partner"].create(
            {"name": "Phone Srl", "is_company": True, "phone": "+39 02 1234 5678"}
        )
        cls.caller = cls.env["res.partner"].create(
            {
                "name": "Pia Caller",
                "parent_id": cls.caller_company.id,
                "mobile": "0039 02 1234-5678",
            }
        )


@tagged("post_install", "-at_install")
class TestPbxLookup(PbxCommon, SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pbx_setup()

    def test_numbers_are_stored_in_e164(self):
        self.assertEqual(self.caller_company.support_phone_sanitized, "+390212345678")
        self.assertEqual(self.caller.support_mobile_sanitized, "+390212345678")
        self.caller.mobile = "not a number"
        self.assertFalse(self.caller.support_mobile_sanitized)

    def test_lookup_variants_contacts_first(self):
        Partner = self.env["res.partner"]
        for number in (
            "+390212345678",
            "0039 02 12345678",
            "02-1234-5678",
            "+39 (02) 1234 5678",
            "0212345678",
        ):
            found = Partner._support_find_by_phone(number)
            self.assertEqual(found, self.caller | self.caller_company, number)
            self.assertEqual(found[0], self.caller, "the contact comes first")
        self.assertFalse(Partner._support_find_by_phone("+39 06 999 999"))
        self.assertFalse(Partner._support_find_by_phone("garbage"))
        self.assertFalse(Partner._support_find_by_phone(""))

    def test_call_log_access(self):
        call = self.env["support.pbx.call"].create(
            {"call_uid": "acl", "external_number": "+390212345678"}
        )
        self.assertEqual(
            call.with_user(self.agent).read(["state"])[0]["state"], "ringing"
        )
        for user in (self.employee, self.portal_user):
            with self.assertRaises(AccessError):
                call.with_user(user).read(["state"])
        with self.assertRaises(AccessError):
            call.with_user(self.agent).unlink()
        with self.assertRaises(AccessError):
            self.env["support.pbx.call"].with_user(self.agent).create({"call_uid": "x"})
        call.with_user(self.manager).unlink()


class FakePbx(BaseHTTPRequestHandler):
    """A PBX originate endpoint: records requests, answers by path."""

    requests = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        FakePbx.requests.append(
            {
                "method": self.command,
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "body": self.rfile.read(length) if length else b"",
            }
        )
        if self.path.startswith("/slow"):
            # Odoo's test mode raises request timeouts to 10 s at least.
            time.sleep(11)
        status = 503 if self.path.startswith("/busy") else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"extension busy" if status == 503 else b"ok")

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestClickToCall(PbxCommon, SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pbx_setup()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakePbx)
        cls.port = cls.server.server_address[1]
        thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        thread.start()
        cls.addClassCleanup(cls.server.shutdown)
        cls.agent.support_pbx_extension = "201"
        cls.company.write(
            {
                "support_pbx_auth_header": "Authorization: Bearer s3cret",
                "support_pbx_timeout": 1,
            }
        )

    def setUp(self):
        super().setUp()
        FakePbx.requests.clear()

    def _url(self, path):
        self.company.support_pbx_originate_url = (
            f"http://127.0.0.1:{self.port}{path}?from={{extension}}&to={{number}}"
        )

    def test_originate_rings_my_extension_and_logs_the_call(self):
        self._url("/originate")
        partner = self.caller.with_user(self.agent)
        action = partner.action_support_call_mobile()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(len(FakePbx.requests), 1)
        request = FakePbx.requests[0]
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["path"], "/originate?from=201&to=+390212345678")
        self.assertEqual(request["auth"], "Bearer s3cret")
        call = self.env["support.pbx.call"].search([("direction", "=", "outbound")])
        self.assertEqual(call.user_id, self.agent)
        self.assertEqual(call.partner_id, self.caller)
        self.assertEqual(call.external_number, "+390212345678")

    def test_call_from_ticket_links_the_call(self):
        self._url("/originate")
        self.company.support_pbx_originate_method = "GET"
        ticket = self._create_ticket(
            partner_id=self.caller_company.id,
            partner_contact_id=self.caller.id,
            team_id=self.team_a.id,
        )
        ticket.with_user(self.agent).action_support_call_customer()
        self.assertEqual(FakePbx.requests[0]["method"], "GET")
        self.assertEqual(ticket.pbx_call_id.direction, "outbound")
        self.assertEqual(ticket.pbx_call_id.ticket_id, ticket)

    def test_pbx_errors_are_clear(self):
        partner = self.caller.with_user(self.agent)
        self._url("/busy")
        with self.assertRaises(UserError) as error:
            partner.action_support_call_mobile()
        self.assertIn("503", str(error.exception))
        self.assertIn("extension busy", str(error.exception))
        self._url("/slow")
        with self.assertRaises(UserError) as error:
            partner.action_support_call_mobile()
        self.assertIn("did not answer", str(error.exception))
        self.company.support_pbx_originate_url = "http://127.0.0.1:9/{number}"
        with self.assertRaises(UserError) as error:
            partner.action_support_call_mobile()
        self.assertIn("cannot be reached", str(error.exception))
        self.assertFalse(self.env["support.pbx.call"].search([]))

    def test_without_pbx_a_tel_link(self):
        self.company.support_pbx_originate_url = False
        action = self.caller.with_user(self.agent).action_support_call_mobile()
        self.assertEqual(action["url"], "tel:+390212345678")

    def test_without_extension_a_clear_error(self):
        self._url("/originate")
        with self.assertRaises(UserError):
            self.caller.with_user(self.agent_b).action_support_call_mobile()
        self.assertFalse(FakePbx.requests)

    def test_no_number(self):
        with self.assertRaises(UserError):
            self.customer.with_user(self.agent).action_support_call_phone()


@tagged("post_install", "-at_install")
class TestPbxEndpoint(PbxCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pbx_setup()
        cls.agent = new_test_user(
            cls.env,
            login="pbx_agent",
            groups="support_desk.group_support_agent",
            name="Pbx Agent",
        )
        cls.other_agent = new_test_user(
            cls.env,
            login="pbx_other",
            groups="support_desk.group_support_agent",
            name="Other Agent",
        )
        cls.agent.support_pbx_extension = "201"
        cls.other_agent.support_pbx_extension = "202"
        cls.ticket = cls.env["support.ticket"].create(
            {"name": "Old printer", "partner_id": cls.caller_company.id}
        )

    def _post(self, payload, token=TOKEN, raw=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["X-PBX-Token"] = token
        response = self.url_open(
            "/support_desk/pbx/event",
            data=raw if raw is not None else json.dumps(payload),
            headers=headers,
        )
        return response.status_code, response.json()

    def _event(self, event, **values):
        payload = {"event": event, "call_id": "c-1", "from": "02 12345678"}
        payload.update(values)
        return self._post(payload)

    def _popups(self, user):
        channel = json_dump(channel_with_db(self.env.cr.dbname, user.partner_id))
        return self.env["bus.bus"].search(
            [("channel", "=", channel), ("message", "like", "support_desk.pbx_call")]
        )

    def test_token_is_required(self):
        status, body = self._post({"event": "newCall", "call_id": "x"}, token=None)
        self.assertEqual((status, body["error"]), (403, "unknown token"))
        status, _body = self._post({"event": "newCall", "call_id": "x"}, token="nope")
        self.assertEqual(status, 403)
        self.assertFalse(self.env["support.pbx.call"].search([]))

    def test_token_in_body_or_form(self):
        status, _body = self._post(
            {"token": TOKEN, "event": "newCall", "call_id": "b", "from": "1"},
            token=None,
        )
        self.assertEqual(status, 200)
        response = self.url_open(
            "/support_desk/pbx/event",
            data={
                "token": TOKEN,
                "event": "newCall",
                "call_id": "f",
                "from": "0212345678",
                "extensions": "201, 203",
            },
        )
        self.assertEqual(response.status_code, 200)
        call = self.env["support.pbx.call"].search([("call_uid", "=", "f")])
        self.assertEqual(call.user_id, self.agent)

    def test_malformed_payloads(self):
        cases = [
            ("{not json", "not valid JSON"),
            ("[1, 2]", "JSON object"),
            (json.dumps({"call_id": "x"}), "'event' must be one of"),
            (json.dumps({"event": "ring", "call_id": "x"}), "'event' must be one of"),
            (json.dumps({"event": "newCall"}), "'call_id' is required"),
            (json.dumps({"event": "newCall", "call_id": "x"}), "'from' or 'to'"),
            (
                json.dumps({"event": "answer", "call_id": "x", "direction": "up"}),
                "'direction'",
            ),
            (
                json.dumps({"event": "answer", "call_id": "x", "extension": {"a": 1}}),
                "extension",
            ),
        ]
        for raw, reason in cases:
            status, body = self._post(None, raw=raw)
            self.assertEqual(status, 400, raw)
            self.assertIn(reason, body["error"], raw)
        self.assertFalse(self.env["support.pbx.call"].search([]))

    def test_call_lifecycle_and_idempotency(self):
        status, body = self._event("newCall", extension="201")
        self.assertEqual(status, 200)
        status, again = self._event("newCall", extension="201")
        self.assertEqual(again["call"], body["call"], "same call, not a second one")
        call = self.env["support.pbx.call"].browse(body["call"])
        self.assertEqual(self.env["support.pbx.call"].search_count([]), 1)
        self.assertEqual(call.partner_id, self.caller, "the contact, not the company")
        self.assertEqual(call.external_number, "+390212345678")
        self.assertEqual(call.user_id, self.agent)
        # The events carry no time: the server stamps them on arrival.
        with freeze_time("2026-11-18 10:00:00"):
            self._event("answer")
        with freeze_time("2026-11-18 10:01:00"):
            self._event("answer")
        self.assertEqual(call.state, "answered")
        self.assertEqual(call.date_answer, datetime(2026, 11, 18, 10, 0, 0))
        with freeze_time("2026-11-18 10:02:30"):
            self._event("hangup", cause="normal")
        with freeze_time("2026-11-18 10:05:00"):
            self._event("hangup", cause="normal")
        self.assertEqual(call.state, "ended")
        self.assertEqual(
            call.date_answer,
            datetime(2026, 11, 18, 10, 0, 0),
            "a repeated answer changes nothing",
        )
        self.assertEqual(
            call.date_end,
            datetime(2026, 11, 18, 10, 2, 30),
            "a repeated hangup changes nothing",
        )
        self.assertEqual(call.cause, "normal")
        # from the first answer to the first hangup: 2 min 30 s
        self.assertAlmostEqual(call.duration, 2.5)

    def test_events_out_of_order(self):
        self._event("hangup", call_id="late", to="0299")
        call = self.env["support.pbx.call"].search([("call_uid", "=", "late")])
        self.assertEqual(call.state, "missed", "a hangup before any answer")
        self._event("answer", call_id="late")
        self.assertEqual(call.state, "missed", "an answer after the hangup is ignored")

    def test_unknown_caller(self):
        status, body = self._event(
            "newCall", call_id="u", **{"from": "+1 202 555 0100"}
        )
        self.assertEqual(status, 200)
        call = self.env["support.pbx.call"].browse(body["call"])
        self.assertFalse(call.partner_id)
        action = call.with_user(self.agent).action_new_ticket()
        self.assertEqual(action["context"]["default_name"], "Call from +12025550100")
        with self.assertRaises(UserError):
            call.with_user(self.agent).action_open_partner()

    def test_popup_goes_to_the_ringing_agent_only(self):
        self._event("newCall", extension="201")
        popups = self._popups(self.agent)
        self.assertEqual(len(popups), 1)
        payload = json.loads(popups.message)["payload"]
        self.assertEqual(payload["partner_name"], "Pia Caller")
        self.assertEqual(payload["company_name"], "Phone Srl")
        self.assertEqual([t["id"] for t in payload["tickets"]], self.ticket.ids)
        self.assertFalse(self._popups(self.other_agent))
        self._event("hangup")
        self.assertEqual(len(self._popups(self.agent)), 1, "no popup on hangup")

    def test_popup_on_answer_goes_to_the_answering_agent_only(self):
        self._event("newCall", extensions=["201", "202"])
        self.assertEqual(len(self._popups(self.agent)), 1)
        self.assertEqual(len(self._popups(self.other_agent)), 1)
        # 202 picks up: the caller's card opens again in that browser only.
        self._event("answer", extension="202")
        popups = self._popups(self.other_agent)
        self.assertEqual(len(popups), 2, "a popup on answer")
        payload = json.loads(popups.sorted("id")[-1].message)["payload"]
        call = self.env["support.pbx.call"].search([("call_uid", "=", "c-1")])
        self.assertEqual(payload["call_id"], call.id)
        self.assertEqual(payload["partner_name"], "Pia Caller")
        self.assertEqual([t["id"] for t in payload["tickets"]], self.ticket.ids)
        self.assertEqual(len(self._popups(self.agent)), 1, "not to the agent who rang")
        # nobody else's channel got it either
        self.assertEqual(
            self.env["bus.bus"].search_count(
                [("message", "like", "support_desk.pbx_call")]
            ),
            3,
        )

    def test_new_ticket_from_call_links_it(self):
        _status, body = self._event("newCall", extension="201")
        call = self.env["support.pbx.call"].browse(body["call"])
        action = call.with_user(self.agent).action_new_ticket()
        context = action["context"]
        self.assertEqual(context["default_partner_id"], self.caller_company.id)
        self.assertEqual(context["default_partner_contact_id"], self.caller.id)
        self.assertEqual(context["default_channel"], "phone")
        ticket = (
            self.env["support.ticket"]
            .with_user(self.agent)
            .with_context(**context)
            .create({"name": "Scanner"})
        )
        self.assertEqual(ticket.channel, "phone")
        self.assertEqual(call.ticket_id, ticket)
        self.assertEqual(ticket.partner_contact_id, self.caller)

    def test_pbx_tour(self):
        self.env.company.support_pbx_token = "tour-pbx-token"
        self.caller_company.name = "Tour Phone Srl"
        with live_bus(self, self.agent.partner_id):
            self.start_tour("/odoo", "support_desk_pbx_tour", login=self.agent.login)
        call = self.env["support.pbx.call"].search([("call_uid", "=", "tour-call-1")])
        self.assertEqual(call.ticket_id.name, "Phone: scanner broken")
        self.assertEqual(call.ticket_id.partner_contact_id, self.caller)
        self.assertEqual(call.ticket_id.channel, "phone")
