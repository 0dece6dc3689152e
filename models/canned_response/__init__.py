from . import mail_canned_response
