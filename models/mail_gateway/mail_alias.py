from odoo import models


class MailAlias(models.Model):
    # The desk's own addresses are cached (support.ticket _support_own_addresses).
    _inherit = ["mail.alias", "support.cache.mixin"]
    _name = "mail.alias"


class MailAliasDomain(models.Model):
    _inherit = ["mail.alias.domain", "support.cache.mixin"]
    _name = "mail.alias.domain"
