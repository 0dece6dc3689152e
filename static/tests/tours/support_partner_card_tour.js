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
