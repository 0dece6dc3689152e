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
            content: "The app opens on the team overview",
            trigger: ".o_support_team_overview",
        },
        {
            trigger: ".o_menu_sections button:contains('Tickets')",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains('My Tickets')",
            run: "click",
        },
        {
            content: "My Tickets, with its two boxes",
            trigger: ".o_support_dashboard .o_support_dashboard_assigned .o_list_view",
        },
        {
            trigger: ".o_menu_sections button:contains('Tickets')",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains('All Tickets')",
            run: "click",
        },
        {
            content: "The ticket list is shown",
            trigger: ".o_list_view .o_list_button_add",
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
        {
            trigger: ".o_menu_sections button:contains('Tickets')",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains('My Tickets')",
            run: "click",
        },
        {
            content: "The new ticket is in the box of the tickets I opened",
            trigger: ".o_support_dashboard_opened .o_data_row:contains('Printer on fire')",
        },
    ],
});
