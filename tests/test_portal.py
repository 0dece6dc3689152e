from datetime import datetime, timedelta

from lxml import html

from odoo import fields, http
from odoo.tests import HttpCase, new_test_user, tagged


class SupportPortalCommon(HttpCase):
    """Two customer companies, each with portal contacts, and their tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "ACME Srl", "is_company": True})
        cls.other_customer = Partner.create({"name": "Globex Spa", "is_company": True})
        cls.portal_a = cls._portal_user("sd_portal_a", "Anna Rossi", cls.customer)
        cls.portal_a2 = cls._portal_user("sd_portal_a2", "Aldo Neri", cls.customer)
        cls.portal_b = cls._portal_user(
            "sd_portal_b", "Bruno Bianchi", cls.other_customer
        )
        cls.agent = new_test_user(
            cls.env,
            login="sd_portal_agent",
            groups="support_desk.group_support_agent",
            name="Agent",
        )
        cls.team = cls.env["support.team"].create(
            {"name": "Portal Team", "member_ids": [(6, 0, cls.agent.ids)]}
        )
        Type = cls.env["support.ticket.type"]
        cls.type_default = Type.create({"name": "Portal Question"})
        cls.type_routed = Type.create({"name": "Portal Outage", "team_id": cls.team.id})
        cls.stage_done = cls.env.ref("support_desk.support_stage_done")
        Ticket = cls.env["support.ticket"]
        cls.ticket_a = Ticket.create(
            {
                "name": "Printer of Anna",
                "partner_id": cls.portal_a.partner_id.id,
                "type_id": cls.type_default.id,
                "description": "<p>The printer jams</p>",
            }
        )
        cls.ticket_a2 = Ticket.create(
            {"name": "Scanner of Aldo", "partner_id": cls.portal_a2.partner_id.id}
        )
        cls.ticket_b = Ticket.create(
            {"name": "Server of Bruno", "partner_id": cls.portal_b.partner_id.id}
        )

    @classmethod
    def _portal_user(cls, login, name, company):
        user = new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            name=name,
            email=f"{login}@example.com",
        )
        user.partner_id.parent_id = company
        return user

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _post(self, url, data=None, files=None, csrf=True):
        # A field at least, or url_open sends a GET.
        data = dict(data or {"noop": "1"})
        if not getattr(self, "session", None):
            self.authenticate(None, None)
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(url, data=data, files=files, allow_redirects=False)


@tagged("post_install", "-at_install")
class TestPortal(SupportPortalCommon):
    def test_portal_rule_own_tickets(self):
        Ticket = self.env["support.ticket"].with_user(self.portal_a)
        self.assertEqual(Ticket.search([]), self.ticket_a)
        self.customer.support_portal_company_visible = True
        self.env.invalidate_all()
        self.assertEqual(Ticket.search([]), self.ticket_a | self.ticket_a2)
        self.assertEqual(
            self.env["support.ticket"].with_user(self.portal_b).search([]),
            self.ticket_b,
        )

    def test_demo_portal_user_has_tickets(self):
        """Right after run.sh, the demo login ``portal`` shows a company's open
        and closed tickets, a conversation and the contract behind them."""
        user = self.env.ref("base.demo_user0", raise_if_not_found=False)
        if not user or not self.env.ref(
            "support_desk.support_ticket_demo_09", raise_if_not_found=False
        ):
            self.skipTest("installed without demo data")
        self.authenticate(user.login, user.login)
        tickets = self.env["support.ticket"].with_user(user).search([])
        self.assertIn("done", tickets.mapped("state"))
        self.assertTrue({"new", "in_progress"} & set(tickets.mapped("state")))
        self.assertTrue(tickets.sudo().contract_id)
        response = self.url_open(
            f"/my/tickets/{self.env.ref('support_desk.support_ticket_demo_09').id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("avete novità sulla pratica", response.text)

    def test_home_counter(self):
        self._login(self.portal_a)
        result = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["support_ticket_count"]}
        )
        self.assertEqual(result["support_ticket_count"], 1)
        response = self.url_open("/my/home")
        self.assertEqual(response.status_code, 200)
        self.assertIn("/my/tickets", response.text)

    def test_list(self):
        self._login(self.portal_a)
        response = self.url_open("/my/tickets")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.ticket_a.number, response.text)
        self.assertNotIn(self.ticket_a2.number, response.text)
        self.assertNotIn(self.ticket_b.number, response.text)
        # Company-wide visibility.
        self.customer.support_portal_company_visible = True
        response = self.url_open("/my/tickets")
        self.assertIn(self.ticket_a2.number, response.text)
        self.assertNotIn(self.ticket_b.number, response.text)

    def test_list_search_filter_group_sort(self):
        self.customer.support_portal_company_visible = True
        self._login(self.portal_a)
        response = self.url_open("/my/tickets?search=jams&search_in=description")
        self.assertIn(self.ticket_a.number, response.text)
        self.assertNotIn(self.ticket_a2.number, response.text)
        response = self.url_open(f"/my/tickets?search={self.ticket_a2.number}")
        self.assertIn(self.ticket_a2.number, response.text)
        self.assertNotIn(self.ticket_a.number + "<", response.text)
        response = self.url_open(f"/my/tickets?type_id={self.type_default.id}")
        self.assertIn(self.ticket_a.number, response.text)
        self.assertNotIn(self.ticket_a2.number, response.text)
        self.ticket_a.stage_id = self.stage_done
        response = self.url_open("/my/tickets?filterby=closed")
        self.assertIn(self.ticket_a.number, response.text)
        self.assertNotIn(self.ticket_a2.number, response.text)
        response = self.url_open("/my/tickets")
        self.assertNotIn(self.ticket_a.number, response.text)

    def _list_tickets(self):
        """Enough tickets for two pages, each sort key in a different order."""
        self.customer.support_portal_company_visible = True
        Ticket = self.env["support.ticket"]
        priorities = [
            self.env.ref(f"support_desk.support_priority_{level}")
            for level in ("low", "medium", "high")
        ]
        types = [self.type_default, self.type_routed, Ticket.type_id]
        stages = [
            self.env.ref(f"support_desk.support_stage_{stage}")
            for stage in ("new", "in_progress", "on_hold", "done")
        ]
        partners = [self.portal_a.partner_id, self.portal_a2.partner_id]
        Ticket.create(
            [
                {
                    "name": f"Case {(index * 7) % 22:02d}",
                    "partner_id": partners[index % 2].id,
                    "priority_id": priorities[index % 3].id,
                    "type_id": types[index % 3].id,
                    "stage_id": stages[index % 4].id,
                }
                for index in range(22)
            ]
        )
        self.ticket_a.priority_id = priorities[1]
        self.ticket_a2.priority_id = priorities[2]
        tickets = Ticket.search([("partner_id", "child_of", self.customer.id)])
        self.assertEqual(len(tickets), 24)
        # Distinct creation and update dates, in orders of their own.
        for index, ticket in enumerate(tickets):
            self.env.cr.execute(
                "UPDATE support_ticket SET create_date = %s, write_date = %s "
                "WHERE id = %s",
                [
                    datetime(2026, 1, 1) + timedelta(hours=(index * 5) % 24),
                    datetime(2026, 2, 1) + timedelta(hours=(index * 11) % 24),
                    ticket.id,
                ],
            )
        self.env.invalidate_all()
        return tickets

    @staticmethod
    def _expected_order(tickets, groupby, sortby):
        """The list's order, worked out here: group first, then the sort."""

        def m2o(record):
            # PostgreSQL sorts missing values last in ascending order.
            return (not record, record.sequence if record else 0, record.id)

        def m2o_type(record):
            return (not record, *((record.sequence, record.name) if record else ()))

        # Stable sorts, from the least significant key: id desc breaks ties.
        result = tickets.sorted("id", reverse=True)
        sort_keys = {
            "date": (lambda t: t.create_date, True),
            "number": (lambda t: t.number, True),
            "name": (lambda t: t.name, False),
            "priority": (lambda t: t.priority_sequence, True),
            "update": (lambda t: t.write_date, True),
        }
        key, reverse = sort_keys.get(sortby, sort_keys["date"])
        result = result.sorted(key, reverse=reverse)
        group_keys = {
            "state": lambda t: t.state,
            "type": lambda t: (*m2o_type(t.type_id), t.type_id.id),
            "priority": lambda t: m2o(t.priority_id),
        }
        if groupby in group_keys:
            result = result.sorted(group_keys[groupby])
        return result

    def _group_label(self, ticket, groupby):
        if groupby == "state":
            states = dict(ticket._fields["state"]._description_selection(ticket.env))
            return states[ticket.state]
        if groupby == "type":
            return ticket.type_id.name or "No Type"
        return ticket.priority_id.name or "No Priority"

    def _rendered_groups(self, response):
        """[(header, count, [numbers])] of the rendered list, as shown."""
        self.assertEqual(response.status_code, 200)
        document = html.fromstring(response.content)
        groups = []
        for body in document.xpath("//tbody[tr[contains(@class, 'ticket_row')]]"):
            header = body.xpath("./tr[contains(@class, 'table-light')]/th")
            label = count = None
            if header:
                badge = header[0].xpath(".//span[contains(@class, 'badge')]")[0]
                count = int(badge.text_content())
                badge.drop_tree()
                label = " ".join(header[0].text_content().split())
            numbers = [
                link.text_content().strip()
                for link in body.xpath("./tr[contains(@class, 'ticket_row')]/td[1]/a")
            ]
            groups.append((label, count, numbers))
        return groups

    def _expected_groups(self, tickets, groupby):
        if groupby not in ("state", "type", "priority"):
            return [(None, None, tickets.mapped("number"))] if tickets else []
        groups = []
        for ticket in tickets:
            label = self._group_label(ticket, groupby)
            if groups and groups[-1][0] == label:
                groups[-1][2].append(ticket.number)
            else:
                groups.append((label, None, [ticket.number]))
        return [(label, len(numbers), numbers) for label, __, numbers in groups]

    def test_list_groups_and_order(self):
        tickets = self._list_tickets()
        self._login(self.portal_a)
        for groupby in ("state", "type", "priority", "none", "bogus"):
            for sortby in ("date", "number", "name", "priority", "update", "bogus"):
                response = self.url_open(
                    f"/my/tickets?filterby=all&groupby={groupby}&sortby={sortby}"
                    f"&priority_id=abc"
                )
                expected = self._expected_order(tickets, groupby, sortby)
                self.assertEqual(
                    self._rendered_groups(response),
                    self._expected_groups(expected[:20], groupby),
                    (groupby, sortby),
                )

    def test_list_second_page(self):
        tickets = self._list_tickets()
        self._login(self.portal_a)
        for groupby, sortby in (("none", "name"), ("priority", "number")):
            expected = self._expected_order(tickets, groupby, sortby)
            query = f"?filterby=all&groupby={groupby}&sortby={sortby}"
            first = self.url_open(f"/my/tickets{query}")
            second = self.url_open(f"/my/tickets/page/2{query}")
            self.assertEqual(
                self._rendered_groups(first),
                self._expected_groups(expected[:20], groupby),
            )
            # The next slice in the same order: nothing skipped, nothing twice.
            self.assertEqual(
                self._rendered_groups(second),
                self._expected_groups(expected[20:], groupby),
            )

    def test_detail_hides_internal_notes(self):
        self.ticket_a.message_post(
            body="Secret internal note", subtype_xmlid="mail.mt_note"
        )
        self.ticket_a.with_user(self.agent).sudo().message_post(
            body="Public answer to the customer",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self._login(self.portal_a)
        response = self.url_open(f"/my/tickets/{self.ticket_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Printer of Anna", response.text)
        self.assertIn("The printer jams", response.text)
        self.assertIn("Public answer to the customer", response.text)
        self.assertNotIn("Secret internal note", response.text)

    def test_reply_with_attachment(self):
        self._login(self.portal_a)
        response = self._post(
            f"/my/tickets/{self.ticket_a.id}/reply",
            {"message": "Still broken"},
            files={"attachments": ("log.txt", b"error 42", "text/plain")},
        )
        self.assertEqual(response.status_code, 303)
        message = self.ticket_a.message_ids[0]
        self.assertIn("Still broken", message.body)
        self.assertEqual(message.author_id, self.portal_a.partner_id)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(message.attachment_ids.name, "log.txt")
        self.assertEqual(message.attachment_ids.raw, b"error 42")
        response = self.url_open(f"/my/tickets/{self.ticket_a.id}")
        self.assertIn("Still broken", response.text)
        self.assertIn("log.txt", response.text)
        # An empty reply is refused.
        response = self._post(f"/my/tickets/{self.ticket_a.id}/reply", {"message": " "})
        self.assertEqual(response.status_code, 400)

    def test_close_and_reopen(self):
        self._login(self.portal_a)
        response = self._post(f"/my/tickets/{self.ticket_a.id}/close")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.ticket_a.state, "done")
        # Closing twice is refused politely.
        response = self._post(f"/my/tickets/{self.ticket_a.id}/close")
        self.assertEqual(response.status_code, 409)
        response = self._post(f"/my/tickets/{self.ticket_a.id}/reopen")
        self.assertEqual(response.status_code, 303)
        self.assertNotIn(self.ticket_a.state, ("done", "cancelled"))

    def test_reopen_window(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "support_desk.portal_reopen_days", "3"
        )
        self.ticket_a.stage_id = self.stage_done
        self.ticket_a.date_closed = fields.Datetime.now() - timedelta(days=4)
        self.assertFalse(self.ticket_a._portal_can_reopen())
        self._login(self.portal_a)
        response = self._post(f"/my/tickets/{self.ticket_a.id}/reopen")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.ticket_a.state, "done")
        self.ticket_a.date_closed = fields.Datetime.now() - timedelta(days=2)
        response = self._post(f"/my/tickets/{self.ticket_a.id}/reopen")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.ticket_a.state, "in_progress")

    def test_access_by_token(self):
        token = self.ticket_a._portal_ensure_token()
        # Anonymous visitor with the mailed link.
        response = self.url_open(f"/my/tickets/{self.ticket_a.id}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Printer of Anna", response.text)
        response = self._post(
            f"/my/tickets/{self.ticket_a.id}/reply",
            {"message": "Answer by link", "access_token": token},
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            self.ticket_a.message_ids[0].author_id, self.portal_a.partner_id
        )
        # Without the token, the visitor is sent to the login page.
        response = self.url_open(
            f"/my/tickets/{self.ticket_a.id}", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_new_ticket(self):
        self._login(self.portal_a)
        response = self.url_open("/my/tickets/new")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Portal Question", response.text)
        response = self._post(
            "/my/tickets/new",
            {
                "name": "Monitor flickers",
                "description": "Since Monday",
                "type_id": self.type_routed.id,
            },
            files=[
                ("attachments", ("a.txt", b"first", "text/plain")),
                ("attachments", ("b.txt", b"second", "text/plain")),
            ],
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env["support.ticket"].search([("name", "=", "Monitor flickers")])
        self.assertEqual(len(ticket), 1)
        self.assertIn(f"/my/tickets/{ticket.id}", response.headers["Location"])
        self.assertEqual(ticket.channel, "portal")
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.partner_contact_id, self.portal_a.partner_id)
        self.assertEqual(ticket.opened_by_id, self.portal_a)
        self.assertEqual(ticket.type_id, self.type_routed)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(
            sorted(ticket.attachment_ids.mapped("name")), ["a.txt", "b.txt"]
        )
        self.assertIn("Since Monday", ticket.description)
        self.assertEqual(
            self.env["support.ticket"].with_user(self.portal_a).search([]),
            self.ticket_a | ticket,
        )

    def test_new_ticket_priority_final_customer_asset(self):
        priority = self.env.ref("support_desk.support_priority_high")
        final = self.env["res.partner"].create(
            {"name": "Final Customer Spa", "is_company": True}
        )
        self.customer.support_final_partner_ids = final
        equipment = self.env["maintenance.equipment"].create(
            {"name": "Router R1", "support_partner_id": final.id}
        )
        self.team.portal_priority = True
        self._login(self.portal_a)
        response = self.url_open("/my/tickets/new")
        self.assertIn("Final Customer Spa", response.text)
        response = self._post(
            "/my/tickets/new",
            {
                "name": "Router down",
                "type_id": self.type_routed.id,
                "priority_id": priority.id,
                "final_partner_id": final.id,
                "equipment_id": equipment.id,
            },
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env["support.ticket"].search([("name", "=", "Router down")])
        self.assertEqual(ticket.priority_id, priority)
        self.assertEqual(ticket.final_partner_id, final)
        self.assertEqual(ticket.equipment_id, equipment)
