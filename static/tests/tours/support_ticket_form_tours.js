import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

tours.add("support_desk_new_ticket_plan_tour", {
    steps: () => [
        {
            content: "A new ticket already offers the next action",
            trigger: ".o_form_view .o_support_next_action .o_support_plan_call",
        },
        {
            trigger: ".o_field_widget[name='name'] input",
            run: "edit Router down at the shop",
        },
        {
            trigger: ".o_field_widget[name='type_id'] input",
            run: "edit Two days",
        },
        {
            trigger: ".ui-autocomplete a.dropdown-item:contains('Two days')",
            run: "click",
        },
        {
            content: "The closing note is there while creating",
            trigger: ".o_field_widget[name='closing_note'] .odoo-editor-editable",
            run: "editor Restarted over the phone.",
        },
        {
            content: "Plan a call before saving: the button saves the ticket first",
            trigger: ".o_support_next_action .o_support_plan_call",
            run: "click",
        },
        {
            content: "The scheduler comes with the call type",
            trigger: ".modal .o_field_widget[name='activity_type_id'] input:value('Phone Call')",
        },
        {
            trigger: ".modal .o_field_widget[name='summary'] input",
            run: "edit Call the shop back",
        },
        {
            trigger: ".modal button[name='action_schedule_activities']",
            run: "click",
        },
        {
            content: "The ticket is saved, with its number, and the call planned",
            trigger: ".o_support_next_action:contains('Call the shop back')",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('In Progress')",
        },
    ],
});

tours.add("support_desk_unread_click_tour", {
    steps: () => [
        {
            content: "Read tickets show a green mark",
            trigger: ".o_data_row:contains('Quiet one') .o_support_read_icon.text-success",
        },
        {
            content: "A click on the yellow bell marks the ticket read",
            trigger: ".o_data_row:contains('Unread news') .o_support_unread_mark .text-warning",
            run: "click",
        },
        {
            content: "Green now, and the list is still there: nothing opened",
            trigger: ".o_list_view .o_data_row:contains('Unread news') .o_support_read_icon",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Unread news'):not(:has(.o_support_unread_icon))",
        },
    ],
});
