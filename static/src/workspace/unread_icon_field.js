import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * A yellow bell on tickets with news the current user has not read; a click on
 * it marks the ticket read for that user only, without opening it. With
 * `show_read`, read tickets show a green mark (the list's column).
 */
export class SupportUnreadIconField extends Component {
    static template = "support_desk.UnreadIconField";
    static props = { ...standardFieldProps, showRead: { type: Boolean, optional: true } };

    setup() {
        this.orm = useService("orm");
    }

    get isUnread() {
        return Boolean(this.props.record.data[this.props.name]);
    }

    get title() {
        return this.isUnread ? _t("Unread notifications: click to mark as read") : _t("Read");
    }

    async onClick(ev) {
        // The row or card behind must not open the ticket.
        ev.stopPropagation();
        const record = this.props.record;
        if (!this.isUnread || !record.resId) {
            return;
        }
        await this.orm.call(record.resModel, "action_support_mark_read", [[record.resId]]);
        await record.load();
    }
}

registry.category("fields").add("support_unread_icon", {
    component: SupportUnreadIconField,
    displayName: _t("Unread Bell"),
    supportedTypes: ["boolean"],
    extractProps: ({ options }) => ({ showRead: Boolean(options.show_read) }),
});
