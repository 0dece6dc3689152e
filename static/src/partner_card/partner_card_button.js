import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * The "i" beside a customer field of the ticket form: opens the customer card
 * of the partner in the field, saved or not, so that the card is there while
 * the ticket is being created (an object button would save the ticket first).
 */
export class SupportPartnerCardButton extends Component {
    static template = "support_desk.PartnerCardButton";
    static props = {
        ...standardWidgetProps,
        fieldName: { type: String },
        buttonClass: { type: String, optional: true },
    };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
    }

    get title() {
        return _t("Customer Card");
    }

    get partnerId() {
        const value = this.props.record.data[this.props.fieldName];
        return value ? value[0] : false;
    }

    async onClick() {
        if (!this.partnerId) {
            return;
        }
        const action = await this.orm.call("res.partner", "action_support_open_card", [
            [this.partnerId],
        ]);
        await this.action.doAction(action);
    }
}

registry.category("view_widgets").add("support_partner_card", {
    component: SupportPartnerCardButton,
    extractProps: ({ attrs }) => ({
        fieldName: attrs.field_name || "partner_id",
        buttonClass: attrs.button_class,
    }),
});
