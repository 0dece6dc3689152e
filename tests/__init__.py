from . import test_access_matrix
from . import test_assignment
from . import test_ticket
from . import test_ticket_access
from . import test_ticket_concurrency
from . import test_translations
from . import test_ui
