import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("support_desk_merge_tour", {
    url: "/odoo/action-support_desk.support_ticket_action",
    steps: () => [
        {
            content: "Select the ticket that came by mail",
            trigger: ".o_data_row:contains('Merge tour by mail') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Select the ticket that came by phone",
            trigger: ".o_data_row:contains('Merge tour by phone') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the Action menu",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .dropdown-item:contains('Merge Tickets')",
            run: "click",
        },
        {
            content: "The wizard lists both tickets",
            trigger: ".modal .o_field_widget[name='ticket_ids'] .o_data_row:contains('Merge tour by phone')",
        },
        {
            trigger: ".modal .o_field_widget[name='target_ticket_id'] input",
            run: "edit Merge tour by phone",
        },
        {
            trigger: ".ui-autocomplete a.dropdown-item:contains('Merge tour by phone')",
            run: "click",
        },
        {
            trigger: ".modal footer button[name='action_merge']",
            run: "click",
        },
        {
            content: "The kept ticket opens, with the note of the merge",
            trigger: ".o_form_view .o_field_widget[name='name']:contains('Merge tour by phone'), .o_form_view .o_field_widget[name='name'] input:value('Merge tour by phone')",
        },
        {
            trigger: ".o-mail-Message:contains('Merged into this ticket')",
        },
    ],
});
