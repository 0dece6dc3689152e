def migrate(cr, version):
    """What 18.0.1.2.0 changes in existing data."""
    # Tickets get their portal token when created: the read-only pages (served
    # by a replica) link them without writing one.
    cr.execute(
        """
        UPDATE support_ticket
           SET access_token = gen_random_uuid()::text
         WHERE access_token IS NULL
        """
    )
    # Files of the messages customers see get their download token when
    # posted (mail.message create); those already posted get theirs now.
    cr.execute(
        """
        UPDATE ir_attachment attachment
           SET access_token = gen_random_uuid()::text
         WHERE attachment.res_model = 'support.ticket'
           AND attachment.access_token IS NULL
           AND EXISTS (
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
