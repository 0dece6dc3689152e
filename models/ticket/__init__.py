from . import support_cache_mixin
from . import ir_sequence
from . import support_stage
from . import support_priority
from . import support_tag
from . import support_ticket_type
from . import support_team
from . import support_ticket
