from odoo import api, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        ticket_ids = {
            activity.res_id
            for activity in activities.sudo()
            if activity.res_model == "support.ticket" and activity.res_id
        }
        if ticket_ids:
            self.env["support.ticket"].browse(
                sorted(ticket_ids)
            )._support_on_activity_scheduled()
        return activities
