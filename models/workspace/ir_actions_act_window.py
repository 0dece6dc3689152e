from odoo import models


class IrActionsActWindow(models.Model):
    _inherit = "ir.actions.act_window"

    def _get_action_dict(self):
        """Ticket actions open the calendar on the date the company chose."""
        result = super()._get_action_dict()
        if result.get("res_model") != "support.ticket" or not result.get("views"):
            return result
        ours = {
            view.id
            for suffix in ("", "_planned", "_deadline", "_sla")
            if (
                view := self.env.ref(
                    f"support_desk.support_ticket_view_calendar{suffix}",
                    raise_if_not_found=False,
                )
            )
        }
        chosen = self.env.company._support_calendar_view()
        if not chosen:
            return result
        chosen = chosen.id
        result["views"] = [
            (chosen, mode)
            if mode == "calendar" and (not view_id or view_id in ours)
            else (view_id, mode)
            for view_id, mode in result["views"]
        ]
        return result
