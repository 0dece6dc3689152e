from . import support_ticket
from . import ir_rule
from . import ir_http
