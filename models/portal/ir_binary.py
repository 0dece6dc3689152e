from odoo import models
from odoo.exceptions import AccessError

from .ir_attachment import _is_token


class IrBinary(models.AbstractModel):
    _inherit = "ir.binary"

    def _find_record(
        self, xmlid=None, res_model="ir.attachment", res_id=None,
        access_token=None, field=None,
    ):  # fmt: skip
        # /web/content/<id>?access_token=é (a ticket's files): a wrong token,
        # not an error 500 (consteq raises a TypeError on non-ASCII text).
        if access_token and not _is_token(access_token):
            raise AccessError(self.env._("Invalid access token"))
        return super()._find_record(
            xmlid=xmlid, res_model=res_model, res_id=res_id,
            access_token=access_token, field=field,
        )  # fmt: skip
