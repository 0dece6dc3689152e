def migrate(cr, version):
    """What 18.0.1.2.0 changes before the models are loaded."""
    # The covering index of open tickets now includes state_display: drop it
    # so that support.ticket's init() builds it again with the new columns
    # (it is created "if not exists").
    cr.execute("DROP INDEX IF EXISTS support_ticket_open_cover_idx")
