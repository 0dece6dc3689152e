from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    support_project_id = fields.Many2one(
        "project.project",
        string="Default Support Project",
        check_company=True,
        help="Time tracked on a ticket whose contract, ticket and team name no "
        "project goes to this one (made on first need).",
    )

    def _support_default_project(self):
        """The project of time tracked on tickets that name none: the company's
        setting, made on first need so that tracking never requires one."""
        self.ensure_one()
        if self.support_project_id:
            return self.support_project_id
        company = self.sudo()
        project = (
            self.env["project.project"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "name": self.env._("Support"),
                    "company_id": company.id,
                    "allow_timesheets": True,
                }
            )
        )
        company.support_project_id = project
        return project
