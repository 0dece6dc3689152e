from . import support_notification_rule
from . import support_ticket
from . import support_team
from . import res_company
from . import res_config_settings
