from . import support_web_form_submission
from . import ir_attachment
from . import ir_binary
from . import support_ticket
from . import res_config_settings
from . import mail_message
