from . import support_ticket
from . import base_automation
