from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _support_public_mail_domain_set(self):
        self.ensure_one()
        text = (self.support_public_mail_domains or "").lower()
        return {d.lstrip("@") for d in self.env["support.ticket"]._split_emails(text)}

    support_mail_rate_limit = fields.Integer(
        string="Incoming Mails per Sender per Hour",
        default=20,
        help="Mails from one sender beyond this number within an hour open or update "
        "no ticket: they are dropped and logged (out-of-office storms). "
        "0 or less: no limit.",
    )
    support_public_mail_domains = fields.Text(
        string="Public Mail Domains",
        default="gmail.com, googlemail.com, outlook.com, hotmail.com, live.com, "
        "msn.com, yahoo.com, yahoo.it, icloud.com, me.com, aol.com, gmx.com, gmx.de, "
        "libero.it, virgilio.it, tiscali.it, alice.it, tin.it, fastwebnet.it, "
        "proton.me, protonmail.com, pec.it",
        help="Domains of mail providers: their senders are never matched to a "
        "company by domain, and no company is created for them.",
    )
