from . import portal
from . import web_form
from . import pbx
from . import mail
