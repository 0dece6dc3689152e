"""Issue 18, classes 6 and 11 (PBX): click-to-call, extensions, caller popups and
the webhook, attacked over a served instance (JSON-RPC and raw HTTP)."""

import http.client
import json
import logging
import threading
from http.server import ThreadingHTTPServer

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from .common import JsonRpcMixin, SupportDeskCommon
from .test_pbx import TOKEN, FakePbx, PbxCommon

EVENT_URL = "/support_desk/pbx/event"

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestSecurityClickToCall(JsonRpcMixin, PbxCommon, SupportDeskCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pbx_setup()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakePbx)
        thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        thread.start()
        cls.addClassCleanup(cls.server.shutdown)
        port = cls.server.server_address[1]
        cls.company.support_pbx_originate_url = (
            f"http://127.0.0.1:{port}/originate?from={{extension}}&to={{number}}"
        )
        # Extensions set by an administrator: every user below has one, so the
        # only thing that tells them apart is their role.
        cls.agent.support_pbx_extension = "201"
        cls.employee.support_pbx_extension = "301"
        cls.ticket = cls._create_ticket(
            partner_id=cls.caller_company.id,
            partner_contact_id=cls.caller.id,
            team_id=cls.team_a.id,
        )

    def setUp(self):
        super().setUp()
        FakePbx.requests.clear()

    def _calls(self):
        return self.env["support.pbx.call"].search([])

    def test_portal_user_and_employee_cannot_call(self):
        attempts = [
            ("res.partner", "action_support_call_phone", self.caller_company),
            ("res.partner", "action_support_call_mobile", self.caller),
            ("support.ticket", "action_support_call_customer", self.ticket),
        ]
        for user in (self.portal_user, self.employee):
            for model, method, record in attempts:
                with self.subTest(user=user.login, method=method):
                    answer = self._rpc(user, model, method, record.ids)
                    self.assertRpcRefused(answer, message="Only helpdesk agents")
        self.assertFalse(FakePbx.requests, "no request reached the PBX")
        self.assertFalse(self._calls(), "no call was logged")
        self.assertFalse(self.ticket.pbx_call_id)

    def test_originate_is_not_reachable_over_rpc(self):
        for user in (self.employee, self.agent):
            answer = self._rpc(user, "support.pbx.call", "_originate", "+390212345678")
            self.assertRpcRefused(
                answer, error="odoo.exceptions.AccessError", message="Private methods"
            )
        self.assertFalse(FakePbx.requests)
        self.assertFalse(self._calls())

    def test_agent_calls_from_the_ticket(self):
        answer = self._rpc(
            self.agent,
            "support.ticket",
            "action_support_call_customer",
            self.ticket.ids,
        )
        self.assertEqual(answer["result"]["tag"], "display_notification")
        self.assertEqual(len(FakePbx.requests), 1)
        self.assertEqual(
            FakePbx.requests[0]["path"], "/originate?from=201&to=+390212345678"
        )
        call = self._calls()
        self.assertEqual(call.user_id, self.agent)
        self.assertEqual(self.ticket.pbx_call_id, call)

    def test_users_cannot_set_their_own_extension(self):
        for user, extension in ((self.employee, "301"), (self.agent, "201")):
            with self.subTest(user=user.login):
                answer = self._rpc(
                    user,
                    "res.users",
                    "write",
                    user.ids,
                    {"support_pbx_extension": "999"},
                )
                self.assertRpcRefused(answer)
                self.assertEqual(user.support_pbx_extension, extension)
        # Reading one's own extension is fine.
        answer = self._rpc(
            self.agent, "res.users", "read", self.agent.ids, ["support_pbx_extension"]
        )
        self.assertEqual(answer["result"][0]["support_pbx_extension"], "201")
        # Nor may a user change someone else's.
        answer = self._rpc(
            self.agent,
            "res.users",
            "write",
            self.employee.ids,
            {"support_pbx_extension": "999"},
        )
        self.assertRpcRefused(answer)
        self.assertEqual(self.employee.support_pbx_extension, "301")

    def test_extension_is_unique_per_company(self):
        answer = self._rpc(
            "admin",
            "res.users",
            "write",
            self.agent_b.ids,
            {"support_pbx_extension": "201"},
        )
        self.assertRpcRefused(
            answer, error="odoo.exceptions.ValidationError", message="already used"
        )
        self.assertFalse(self.agent_b.support_pbx_extension)
        answer = self._rpc(
            "admin",
            "res.users",
            "write",
            self.agent_b.ids,
            {"support_pbx_extension": " 202 "},
        )
        self.assertTrue(answer["result"], "an administrator sets extensions")
        self.assertEqual(self.agent_b.support_pbx_extension, "202")
        # Another company has extensions of its own.
        other_company = self.env["res.company"].create({"name": "Other Phones"})
        other = new_test_user(
            self.env,
            login="sd_other_company",
            groups="support_desk.group_support_agent",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        other.support_pbx_extension = "201"
        self.assertEqual(other.support_pbx_extension, "201")


@tagged("post_install", "-at_install")
class TestSecurityPbxWebhook(PbxCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pbx_setup()
        cls.agent = new_test_user(
            cls.env,
            login="pbxsec_agent",
            groups="support_desk.group_support_agent",
            name="Pbx Agent",
        )
        cls.employee = new_test_user(
            cls.env, login="pbxsec_employee", groups="base.group_user", name="Clerk"
        )
        cls.agent.support_pbx_extension = "201"
        cls.employee.support_pbx_extension = "301"

    def _post(self, data, headers=None, token=TOKEN, files=None):
        headers = dict(headers or {})
        if token is not None:
            headers["X-PBX-Token"] = token
        response = self.url_open(EVENT_URL, data=data, headers=headers, files=files)
        return response.status_code, response

    def _post_json(self, raw, token=TOKEN):
        return self._post(raw, {"Content-Type": "application/json"}, token=token)

    def _post_chunked(self, chunks, token=TOKEN, content_type="application/json"):
        """A body sent with Transfer-Encoding: chunked, without Content-Length."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.http_port(), timeout=12
        )
        self.addCleanup(connection.close)
        try:
            connection.request(
                "POST",
                EVENT_URL,
                body=iter(chunks),
                headers={
                    "Content-Type": content_type,
                    "Transfer-Encoding": "chunked",
                    "X-PBX-Token": token,
                    "Cookie": f"{TEST_CURSOR_COOKIE_NAME}={self.http_request_key}",
                },
                encode_chunked=True,
            )
        except (BrokenPipeError, ConnectionResetError) as error:
            # The server answered (413) and closed before the last chunks: as
            # it should, it stopped reading. Its answer is already there.
            _logger.info("PBX test: the server closed while sending: %s", error)
        try:
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        except ConnectionResetError:
            # The kernel may drop the answer when the server closes with the
            # rest of the body unread: the server stopped reading all the same.
            return None, None

    def _assert_refused(self, status, response, expected, reason):
        self.assertEqual(status, expected, response.text[:200])
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertIn(reason, response.json()["error"])

    def _assert_nothing_written(self):
        self.assertFalse(self.env["support.pbx.call"].search([]))

    def _popups(self, user):
        channel = json_dump(channel_with_db(self.env.cr.dbname, user.partner_id))
        return self.env["bus.bus"].search(
            [("channel", "=", channel), ("message", "like", "support_desk.pbx_call")]
        )

    def test_hostile_json_before_and_after_the_token(self):
        deep_array = "[" * 15000
        deep_object = '{"event": ' + "[" * 5000 + "]" * 5000 + "}"
        cases = [
            (deep_array, 400, "nested too deeply"),
            (deep_object, 400, "nested too deeply"),
            ("[" * 100000, 413, "too large"),
            ("[1, 2]", 400, "JSON object"),
            ("42", 400, "JSON object"),
            ('"newCall"', 400, "JSON object"),
            ("null", 400, "JSON object"),
            (b'{"event": "newCall", "call_id": "\xff\xfe"}', 400, "UTF-8"),
            ("{not json", 400, "not valid JSON"),
        ]
        for token in (None, "wrong", TOKEN):
            for raw, expected, reason in cases:
                with self.subTest(token=token, body=raw[:20]):
                    status, response = self._post_json(raw, token=token)
                    self._assert_refused(status, response, expected, reason)
        self._assert_nothing_written()

    def test_hostile_values_after_the_token(self):
        cases = [
            (
                {"event": "newCall", "call_id": "x\x00", "from": "1"},
                "must not contain NUL",
            ),
            (
                {"event": "newCall", "call_id": "x", "from": "02\x00"},
                "must not contain NUL",
            ),
            (
                {"event": "newCall", "call_id": "x", "from": "1", "extension": "2\x00"},
                "must not contain NUL",
            ),
            ({"event": "newCall", "call_id": {"a": [1]}, "from": "1"}, "'call_id'"),
            ({"event": ["newCall"], "call_id": "x"}, "'event'"),
            ({"event": "newCall", "call_id": "x", "from": [[["1"]]]}, "'from'"),
        ]
        for payload, reason in cases:
            with self.subTest(payload=payload):
                status, response = self._post_json(json.dumps(payload))
                self._assert_refused(status, response, 400, reason)
        self._assert_nothing_written()

    def test_multipart_file_field_is_refused(self):
        fields = {"event": "newCall", "call_id": "m", "from": "0212345678"}
        for token in (None, TOKEN):
            with self.subTest(token=token):
                status, response = self._post(
                    dict(fields, token=TOKEN),
                    token=token,
                    files={"extensions": ("ext.txt", b"201", "text/plain")},
                )
                self._assert_refused(status, response, 400, "file fields")
        self._assert_nothing_written()

    def test_form_too_large_is_refused(self):
        status, response = self._post(
            {"token": TOKEN, "event": "newCall", "call_id": "f", "from": "1" * 20000},
            token=None,
        )
        self.assertEqual(status, 413)
        self._assert_nothing_written()

    def test_chunked_body_is_limited_on_the_bytes_read(self):
        # 40 kB of JSON in chunks: no Content-Length tells the size.
        padding = json.dumps({"pad": "x" * 40000})[:-1]
        chunks = [
            chunk.encode()
            for chunk in [padding[i : i + 4096] for i in range(0, len(padding), 4096)]
            + [', "event": "newCall", "call_id": "big", "from": "0212345678"}']
        ]
        status, body = self._post_chunked(chunks)
        if status is not None:
            self.assertEqual(status, 413)
            self.assertEqual(body["error"], "payload too large")
        self._assert_nothing_written()
        # A small chunked event goes through: the body is read, not ignored.
        event = {"event": "newCall", "call_id": "small", "from": "0212345678"}
        raw = json.dumps(event).encode()
        status, body = self._post_chunked([raw[:10], raw[10:]])
        self.assertEqual((status, body["result"]), (200, "ok"))
        self.assertTrue(
            self.env["support.pbx.call"].search([("call_uid", "=", "small")])
        )

    def test_chunked_form_is_limited_too(self):
        chunks = [b"event=newCall&call_id=form&from=1&pad="] + [b"x" * 4096] * 10
        status, body = self._post_chunked(
            chunks, content_type="application/x-www-form-urlencoded"
        )
        if status is not None:
            self.assertEqual((status, body["error"]), (413, "payload too large"))
        self._assert_nothing_written()

    def test_wrong_tokens_are_refused_and_logged(self):
        payload = json.dumps({"event": "newCall", "call_id": "t", "from": "1"})
        tokens = [
            "nope",
            TOKEN + "x",
            "x" * 10000,
            "tök€n".encode(),
            TOKEN.encode() + b"\xff",
            "pbx test token",
        ]
        for token in tokens:
            with self.subTest(token=token[:20]):
                with self.assertLogs(
                    "odoo.addons.support_desk.controllers.pbx", "WARNING"
                ) as logs:
                    status, response = self._post_json(payload, token=token)
                self._assert_refused(status, response, 403, "unknown token")
                self.assertIn("unknown token", logs.output[0])
        # A token in the body must be text too.
        raw = json.dumps({"token": [TOKEN], "event": "newCall", "call_id": "t"})
        status, response = self._post_json(raw, token=None)
        self._assert_refused(status, response, 403, "unknown token")
        self._assert_nothing_written()

    def test_clashing_query_parameters(self):
        payload = json.dumps({"event": "newCall", "call_id": "q", "from": "1"})
        for query in ("form=1", "token=" + TOKEN):
            with self.subTest(query=query):
                response = self.url_open(
                    f"{EVENT_URL}?{query}",
                    data=payload,
                    headers={"Content-Type": "application/json"},
                )
                self.assertLess(response.status_code, 500, response.text[:200])

    def test_popup_only_for_the_agent_whose_extension_rang(self):
        status, response = self._post_json(
            json.dumps(
                {
                    "event": "newCall",
                    "call_id": "p",
                    "from": "0212345678",
                    "extensions": ["201", "301"],
                }
            )
        )
        self.assertEqual(status, 200)
        self.assertEqual(len(self._popups(self.agent)), 1)
        self.assertFalse(self._popups(self.employee), "not an agent: no popup")
        popups = self.env["bus.bus"].search(
            [("message", "like", "support_desk.pbx_call")]
        )
        self.assertEqual(len(popups), 1, "no broadcast, no other channel")
        call = self.env["support.pbx.call"].browse(response.json()["call"])
        self.assertEqual(call.user_id, self.agent)
        # A call to a non-agent's extension is logged but pops up nowhere.
        self._post_json(
            json.dumps(
                {"event": "newCall", "call_id": "e", "from": "1", "extension": "301"}
            )
        )
        call = self.env["support.pbx.call"].search([("call_uid", "=", "e")])
        self.assertFalse(call.user_id)
        self.assertEqual(
            self.env["bus.bus"].search_count(
                [("message", "like", "support_desk.pbx_call")]
            ),
            1,
        )
