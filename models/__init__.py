# A folder per feature, a file per model in it; the ticket's folder comes
# first: it defines the models the others extend.
from . import ticket
from . import access
from . import assignment
from . import customer
from . import related
from . import contract
from . import sla
from . import tracking
from . import workspace
from . import portal
from . import notification
from . import opening
from . import mail_gateway
from . import pbx
from . import canned_response
from . import automation
from . import rating
