import { Component, onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { View } from "@web/views/view";

/**
 * "My Tickets": the tickets I opened (or, as ticket administrator, that the users
 * in my scope opened) above the tickets assigned to me, on one screen.
 */
export class MyTicketsDashboard extends Component {
    static template = "support_desk.MyTicketsDashboard";
    static components = { View };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        onWillStart(async () => {
            const domains = await this.orm.call("support.ticket", "get_dashboard_domains");
            this.boxes = [
                { key: "opened", props: this.listProps(domains.opened) },
                { key: "assigned", props: this.listProps(domains.assigned) },
            ];
        });
    }

    listProps(domain) {
        return {
            resModel: "support.ticket",
            type: "list",
            views: [
                [false, "list"],
                [false, "search"],
            ],
            domain,
            display: { controlPanel: false },
            allowSelectors: false,
            selectRecord: (resId) => this.openTicket(resId),
            createRecord: () => this.openTicket(false),
        };
    }

    openTicket(resId) {
        this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: "support.ticket",
            res_id: resId || undefined,
            views: [[false, "form"]],
        });
    }
}

registry.category("actions").add("support_desk.my_tickets_dashboard", MyTicketsDashboard);
