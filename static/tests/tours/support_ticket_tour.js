import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("support_desk_ticket_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Helpdesk app",
            trigger: '.o_app[data-menu-xmlid="support_desk.support_menu_root"]',
            run: "click",
        },
        {
            content: "The ticket list is shown",
            trigger: ".o_list_view",
        },
        {
            content: "Create a ticket",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='name'] input",
            run: "edit Printer on fire",
        },
        {
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit Tour Customer",
        },
        {
            trigger: ".ui-autocomplete a.dropdown-item:contains('Tour Customer')",
            run: "click",
        },
        {
            content: "Save the ticket",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The ticket got its number",
            trigger: ".o_field_widget[name='number'] span:contains('T0')",
        },
        {
            content: "Take the ticket in charge",
            trigger: "button[name='action_take_in_charge']",
            run: "click",
        },
        {
            content: "I am now in charge: I may release it",
            trigger: "button[name='action_release_charge']",
        },
        {
            content: "The new ticket moved to the take-in-charge stage",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Taken in Charge')",
        },
    ],
});
