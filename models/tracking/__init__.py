from . import support_tracking_type
from . import account_analytic_line
from . import support_ticket
from . import support_team
from . import res_company
from . import res_config_settings
