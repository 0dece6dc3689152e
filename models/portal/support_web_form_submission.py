from datetime import timedelta

from odoo import api, fields, models


class SupportWebFormSubmission(models.Model):
    """One line per ticket sent from the public web form, for the rate limit."""

    _name = "support.web.form.submission"
    _description = "Web Form Submission"
    _order = "id desc"
    _log_access = True

    ip_address = fields.Char(index=True, required=True)
    email = fields.Char(index=True, required=True)
    ticket_id = fields.Many2one("support.ticket", ondelete="set null")

    @api.model
    def _get_limits(self):
        params = self.env["ir.config_parameter"].sudo()

        def read(key, default):
            try:
                return int(params.get_param(key, default))
            except ValueError:
                return default

        return (
            read("support_desk.web_form_ip_limit", 5),
            read("support_desk.web_form_email_limit", 3),
        )

    @api.model
    def _is_rate_limited(self, ip_address, email):
        """Whether this address or this email sent too many tickets in the last
        hour. Locks the table so that parallel requests cannot overtake the count."""
        since = fields.Datetime.now() - timedelta(hours=1)
        ip_limit, email_limit = self._get_limits()
        self.env.cr.execute(
            "LOCK TABLE support_web_form_submission IN SHARE ROW EXCLUSIVE MODE"
        )
        Submission = self.sudo()
        by_ip = Submission.search_count(
            [("ip_address", "=", ip_address), ("create_date", ">=", since)]
        )
        by_email = Submission.search_count(
            [("email", "=ilike", email), ("create_date", ">=", since)]
        )
        return by_ip >= ip_limit or by_email >= email_limit

    @api.autovacuum
    def _gc_submissions(self):
        since = fields.Datetime.now() - timedelta(days=1)
        self.sudo().search([("create_date", "<", since)]).unlink()
