from odoo.tests import HttpCase, tagged
