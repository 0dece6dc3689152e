from . import res_partner
from . import support_ticket
