import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/** A many2one shown as a badge in the colour of the related priority. */
export class PriorityBadgeField extends Component {
    static template = "support_desk.PriorityBadgeField";
    static props = { ...standardFieldProps };

    get label() {
        const value = this.props.record.data[this.props.name];
        return value ? value[1] : "";
    }

    get colorClass() {
        return `o_tag_color_${this.props.record.data.priority_color || 0}`;
    }
}

export const priorityBadgeField = {
    component: PriorityBadgeField,
    displayName: _t("Priority Badge"),
    supportedTypes: ["many2one"],
    fieldDependencies: [{ name: "priority_color", type: "integer" }],
};

registry.category("fields").add("support_priority_badge", priorityBadgeField);
