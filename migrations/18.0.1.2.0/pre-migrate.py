def migrate(cr, version):
    """What 18.0.1.2.0 changes before the models are loaded."""
    # The covering index of open tickets now includes state_display: drop it
    # so that support.ticket's init() builds it again with the new columns
    # (it is created "if not exists").
    cr.execute("DROP INDEX IF EXISTS support_ticket_open_cover_idx")
    # The list's unread bell moved into the list view itself (the extension
    # that added it is gone): drop it before the views are checked again.
    cr.execute(
        """
        DELETE FROM ir_ui_view
         WHERE id IN (
                SELECT res_id FROM ir_model_data
                 WHERE module = 'support_desk'
                   AND name = 'support_ticket_view_list_workspace'
                   AND model = 'ir.ui.view'
         )
        """
    )
    cr.execute(
        """
        DELETE FROM ir_model_data
         WHERE module = 'support_desk'
           AND name = 'support_ticket_view_list_workspace'
        """
    )
