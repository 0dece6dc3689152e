from . import support_statement_wizard
