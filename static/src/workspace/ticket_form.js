import { useEffect } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";

/** Opening a ticket clears its unread mark, for the reader only. */
export class SupportTicketFormController extends FormController {
    setup() {
        super.setup();
        const orm = useService("orm");
        useEffect(
            (resId) => {
                if (resId) {
                    orm.silent.call("support.ticket", "action_support_mark_read", [[resId]]);
                }
            },
            () => [this.model.root.resId]
        );
    }
}

registry.category("views").add("support_ticket_form", {
    ...formView,
    Controller: SupportTicketFormController,
});
