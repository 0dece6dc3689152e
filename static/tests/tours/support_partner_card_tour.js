import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("support_desk_partner_card_tour", {
    steps: () => [
        {
            content: "The ticket names its account",
            trigger: ".o_field_widget[name='partner_id'] input:value('Card Customer')",
        },
        {
            content: "Open the customer card",
            trigger: "button.o_support_card_partner",
            run: "click",
        },
        {
            content: "The card shows the company",
            trigger: ".modal .o_support_partner_card .oe_title:contains('Card Customer')",
        },
        {
            content: "with its active contract",
            trigger: ".modal .o_field_widget[name='support_card_contract_ids'] td:contains('Card Gold Contract')",
        },
        {
            content: "and its asset",
            trigger: ".modal .o_field_widget[name='support_equipment_ids'] td:contains('Card Laser Printer')",
        },
        {
            content: "Close the card",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "Back on the ticket",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name='name']",
        },
        {
            content: "Open the card again",
            trigger: "button.o_support_card_partner",
            run: "click",
        },
        {
            content: "The card counts one asset: open the full list",
            trigger: ".modal .o_support_card_buttons button[name='action_view_support_equipment']:contains('1')",
            run: "click",
        },
        {
            content: "The customer's assets",
            trigger: "body:not(:has(.modal)) .o_list_view td:contains('Card Laser Printer')",
        },
    ],
});

registry.category("web_tour.tours").add("support_desk_partner_card_new_ticket_tour", {
    steps: () => [
        {
            content: "A new ticket: no card before an account is chosen",
            trigger: ".o_form_view:not(:has(button.o_support_card_partner)) .o_field_widget[name='partner_id'] input",
        },
        {
            trigger: ".o_field_widget[name='name'] input",
            run: "edit Toner empty",
        },
        {
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit Prepaid Customer",
        },
        {
            trigger: ".ui-autocomplete a.dropdown-item:contains('Prepaid Customer')",
            run: "click",
        },
        {
            content: "The card opens on the unsaved ticket",
            trigger: "button.o_support_card_partner",
            run: "click",
        },
        {
            content: "with the prepaid hours of the active contract",
            trigger: ".modal .o_support_partner_card .o_field_widget[name='support_prepaid_hours_left']:contains('07:30')",
        },
        {
            content: "Close the card",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "Related tickets: only the account's",
            trigger: "body:not(:has(.modal)) .o_field_widget[name='related_ticket_ids'] input",
            run: "edit Jam in tray",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu:contains('Jam in tray one'):not(:contains('Jam in tray two'))",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Jam in tray one')",
            run: "click",
        },
        {
            content: "Widen the search to every customer",
            trigger: ".o_field_widget[name='related_search_all'] input",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='related_ticket_ids'] input",
            run: "edit Jam in tray",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Jam in tray two')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='related_ticket_ids'] .o_tag:contains('Jam in tray two')",
        },
        {
            content: "Save the ticket",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: it got its number",
            trigger: ".o_field_widget[name='number'] span:contains('T0')",
        },
    ],
});
