import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools.translate import TranslationModuleReader

from .common import SupportDeskCommon

SHIPPED = {
    "support_desk.mail_canned_response_acknowledged": "ack",
    "support_desk.mail_canned_response_need_info": "info",
    "support_desk.mail_canned_response_solved": "solved",
    "support_desk.mail_canned_response_closing_no_answer": "noanswer",
}


@tagged("post_install", "-at_install")
class TestCannedResponse(SupportDeskCommon, HttpCase):
    """The shipped canned replies: agents use them, managers edit them, .po has them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shipped = cls.env["mail.canned.response"].browse(
            cls.env.ref(xmlid).id for xmlid in SHIPPED
        )
        cls.ack = cls.env.ref("support_desk.mail_canned_response_acknowledged")

    def _composer_canned_responses(self, user):
        """What the composer's ":" suggestions load for `user`."""
        self.authenticate(user.login, user.login)
        response = self.url_open(
            "/mail/data",
            data=json.dumps({"params": {"canned_responses": True}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        result = response.json()["result"]
        return {
            record["source"]: record["substitution"]
            for record in result.get("mail.canned.response", [])
        }

    def test_shipped_set(self):
        self.assertEqual(set(self.shipped.mapped("source")), set(SHIPPED.values()))
        self.assertTrue(all(self.shipped.mapped("is_shared")))

    def test_agents_read_employees_do_not(self):
        Canned = self.env["mail.canned.response"]
        self.assertEqual(
            set(Canned.with_user(self.agent).search([]).mapped("source")),
            set(SHIPPED.values()),
        )
        self.assertFalse(Canned.with_user(self.employee).search([]) & self.shipped)
        with self.assertRaises(AccessError):
            self.ack.with_user(self.employee).read(["substitution"])

    def test_managers_edit_agents_do_not(self):
        self.ack.with_user(self.manager).write({"substitution": "Got it."})
        self.assertEqual(self.ack.substitution, "Got it.")
        with self.assertRaises(AccessError):
            self.ack.with_user(self.agent).write({"substitution": "Mine now"})
        # The manager's rule reaches only what is shared with agents.
        private = (
            self.env["mail.canned.response"]
            .with_user(self.agent_b)
            .create({"source": "mine", "substitution": "Private"})
        )
        with self.assertRaises(AccessError):
            private.with_user(self.manager).write({"substitution": "Taken"})

    def test_exported_for_translation(self):
        reader = TranslationModuleReader(self.env.cr, modules=["support_desk"])
        sources = {entry[4] for entry in reader if entry[4]}
        for canned in self.shipped:
            self.assertIn(canned.substitution, sources)
            self.assertIn(canned.description, sources)

    def test_composer_gets_the_agents_language(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.ack.update_field_translations(
            "substitution", {"it_IT": "Buongiorno, abbiamo ricevuto la richiesta."}
        )
        english = self.ack.substitution
        self.assertEqual(self._composer_canned_responses(self.agent)["ack"], english)
        self.agent_b.lang = "it_IT"
        self.assertEqual(
            self._composer_canned_responses(self.agent_b)["ack"],
            "Buongiorno, abbiamo ricevuto la richiesta.",
        )
        self.assertNotIn("ack", self._composer_canned_responses(self.employee))
