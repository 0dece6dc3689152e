from . import support_statement_wizard
from . import support_ticket_reply
from . import support_ticket_merge
