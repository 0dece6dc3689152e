from . import support_ticket
