from . import support_ticket_report
