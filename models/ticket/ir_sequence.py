from odoo import models


class IrSequence(models.Model):
    """Every new ticket reads which sequence numbers it (cached, see
    ``support.ticket._support_sequence_id``): a change to a sequence clears
    the cache. Sequences change when they are configured, not when they draw
    numbers (PostgreSQL sequences, or SQL for the no-gap ones)."""

    _name = "ir.sequence"
    _inherit = ["ir.sequence", "support.cache.mixin"]
