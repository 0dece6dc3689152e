def migrate(cr, version):
    """What 18.0.1.1.0 changes in existing data."""
    # Files attached to tickets in the back office had download tokens that
    # the portal handed out; only the files of messages customers see keep
    # theirs (support.ticket._get_portal_attachments).
    cr.execute(
        """
        UPDATE ir_attachment attachment
           SET access_token = NULL
         WHERE attachment.res_model = 'support.ticket'
           AND attachment.access_token IS NOT NULL
           AND NOT EXISTS (
                SELECT 1
                  FROM message_attachment_rel rel
                  JOIN mail_message message ON message.id = rel.message_id
             LEFT JOIN mail_message_subtype subtype
                    ON subtype.id = message.subtype_id
                 WHERE rel.attachment_id = attachment.id
                   AND message.model = 'support.ticket'
                   AND message.message_type IN ('comment', 'email', 'email_outgoing')
                   AND NOT COALESCE(message.is_internal, FALSE)
                   AND NOT COALESCE(subtype.internal, FALSE)
           )
        """
    )
    # The seed's public-reply rule: the ticket's creator too (the default rule
    # is noupdate data: set it where it is still there).
    cr.execute(
        """
        UPDATE support_notification_rule rule
           SET notify_opener = TRUE
          FROM ir_model_data imd
         WHERE imd.module = 'support_desk'
           AND imd.name = 'support_notification_rule_reply_customer'
           AND imd.res_id = rule.id
        """
    )
