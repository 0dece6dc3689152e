from . import mail_decode
from . import mail_thread
from . import support_mail_drop
from . import support_ticket
from . import res_partner
from . import support_team
from . import res_company
from . import res_config_settings
