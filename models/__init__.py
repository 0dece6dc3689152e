from . import res_partner
from . import res_users
from . import support_priority
from . import support_stage
from . import support_tag
from . import support_team
from . import support_ticket
from . import support_ticket_type
