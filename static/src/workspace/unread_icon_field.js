import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/** A bell on tickets with news the current user has not read; display only. */
export class SupportUnreadIconField extends Component {
    static template = "support_desk.UnreadIconField";
    static props = { ...standardFieldProps };

    get title() {
        return _t("Unread notifications");
    }
}

registry.category("fields").add("support_unread_icon", {
    component: SupportUnreadIconField,
    displayName: _t("Unread Bell"),
    supportedTypes: ["boolean"],
});
