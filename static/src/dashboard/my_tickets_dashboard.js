import { Component, onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { View } from "@web/views/view";

/**
 * "My Tickets": the tickets I opened (or, as ticket administrator, that the users
 * in my scope opened) above the tickets assigned to me, on one screen. Each box is
 * Odoo's list with its own search bar, search panel and pager (the seed's "Filtra
 * il Tipo, Stato, Aperto da, Assegnazione, Cliente").
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
            // Opened: every state, cancelled and expired included; assigned:
            // the open ones first, a facet the user may remove.
            this.boxes = [
                { key: "opened", props: this.listProps(domains.opened, {}) },
                {
                    key: "assigned",
                    props: this.listProps(domains.assigned, { search_default_filter_open: 1 }),
                },
            ];
        });
    }

    listProps(domain, context) {
        return {
            resModel: "support.ticket",
            type: "list",
            views: [
                [false, "list"],
                [false, "search"],
            ],
            domain,
            context,
            display: { controlPanel: { adaptToScroll: false } },
            // The box's title names it: no breadcrumb in each box.
            noBreadcrumbs: true,
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
