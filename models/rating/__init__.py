from . import support_ticket
from . import support_team
