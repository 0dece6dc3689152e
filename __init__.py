from . import models
from . import report
from . import wizards
from . import controllers


def uninstall_hook(env):
    # Our index on Odoo's followers table (see support.ticket.init); the ticket
    # table and its own indexes go with the module.
    env.cr.execute("DROP INDEX IF EXISTS support_ticket_mail_followers_partner_idx")
