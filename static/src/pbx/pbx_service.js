import { markup } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { escape } from "@web/core/utils/strings";

/**
 * Caller popup: the server sends "support_desk.pbx_call" on the bus to the agent
 * whose extension rings; this shows who calls, with "New ticket" and
 * "Open customer".
 */
export const supportPbxService = {
    dependencies: ["bus_service", "notification", "action", "orm"],
    start(env, { bus_service, notification, action, orm }) {
        const open = new Map();

        function body(call) {
            const lines = [];
            if (call.partner_name) {
                lines.push(`<strong>${escape(call.partner_name)}</strong>`);
                if (call.company_name) {
                    lines.push(escape(call.company_name));
                }
            } else {
                lines.push(escape(_t("Unknown caller")));
            }
            if (call.contract) {
                lines.push(escape(_t("Contract: %s", call.contract)));
            }
            if (call.tickets.length) {
                lines.push(escape(_t("Open tickets:")));
                for (const ticket of call.tickets) {
                    lines.push(`&#8226; ${escape(ticket.name)}`);
                }
            }
            return markup(`<div class="o_support_pbx_popup">${lines.join("<br/>")}</div>`);
        }

        async function run(callId, method) {
            const result = await orm.call("support.pbx.call", method, [[callId]]);
            close(callId);
            await action.doAction(result);
        }

        function close(callId) {
            const remove = open.get(callId);
            if (remove) {
                remove();
                open.delete(callId);
            }
        }

        bus_service.subscribe("support_desk.pbx_call", (call) => {
            close(call.call_id);
            const buttons = [
                {
                    name: _t("New Ticket"),
                    primary: true,
                    onClick: () => run(call.call_id, "action_new_ticket"),
                },
            ];
            if (call.partner_id) {
                buttons.push({
                    name: _t("Open Customer"),
                    onClick: () => run(call.call_id, "action_open_partner"),
                });
            }
            const remove = notification.add(body(call), {
                title: _t("Incoming call: %s", call.number),
                type: "info",
                sticky: true,
                buttons,
                className: "o_support_pbx_notification",
            });
            open.set(call.call_id, remove);
        });
        bus_service.start();
    },
};

registry.category("services").add("support_desk_pbx", supportPbxService);
