import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * Reminder in the top bar: how many open tickets are assigned to me or in my
 * charge. The server pushes the new counts on the bus when they change.
 */
export class SupportTicketSystray extends Component {
    static template = "support_desk.TicketSystray";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.busService = this.env.services.bus_service;
        this.state = useState({ assigned: 0, in_charge: 0, total: 0 });
        onWillStart(() => this.refresh());
        // The notification carries counts over all my companies: ask again, so the
        // count follows the companies selected in this tab.
        this.busService.subscribe("support_desk.ticket_count", () => this.refresh());
        this.busService.start();
    }

    async refresh() {
        const counts = await this.orm.silent.call("support.ticket", "get_systray_counts");
        Object.assign(this.state, counts);
    }

    get title() {
        return _t("Open tickets: %(assigned)s assigned to me, %(in_charge)s in my charge", {
            assigned: this.state.assigned,
            in_charge: this.state.in_charge,
        });
    }

    onClick() {
        this.action.doAction("support_desk.support_ticket_action_systray");
    }
}

registry
    .category("systray")
    .add("support_desk.TicketSystray", { Component: SupportTicketSystray }, { sequence: 30 });
