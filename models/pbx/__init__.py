from . import support_pbx_call
from . import res_users
from . import support_ticket
from . import res_partner
from . import res_company
from . import res_config_settings
