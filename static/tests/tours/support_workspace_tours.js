import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

tours.add("support_desk_next_action_tour", {
    steps: () => [
        {
            content: "A new ticket: nothing planned yet",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('New')",
        },
        {
            content: "Plan a phone call",
            trigger: ".o_support_next_action .o_support_plan_call",
            run: "click",
        },
        {
            content: "The scheduler comes with the call type",
            trigger: ".modal .o_field_widget[name='activity_type_id'] input:value('Phone Call')",
        },
        {
            trigger: ".modal .o_field_widget[name='summary'] input",
            run: "edit Call Anna back",
        },
        {
            trigger: ".modal button[name='action_schedule_activities']",
            run: "click",
        },
        {
            content: "Scheduling moved the new ticket in progress",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('In Progress')",
        },
        {
            content: "The next action shows the call",
            trigger: ".o_support_next_action:contains('Call Anna back')",
        },
        {
            content: "Carry it out",
            trigger: ".o_support_next_action .o_support_next_action_open",
            run: "click",
        },
        {
            content: "The activity opens, ready to be marked done",
            trigger: ".modal button[name='action_done']",
            run: "click",
        },
        {
            content: "Done: nothing planned any more",
            trigger: ".o_support_next_action .o_support_plan_call",
        },
    ],
});

tours.add("support_desk_reply_tour", {
    steps: () => [
        {
            content: "Open the reply box",
            trigger: ".o_support_reply_button",
            run: "click",
        },
        {
            trigger: ".modal .o_support_reply_body .odoo-editor-editable",
            run: "editor We restarted the print server.",
        },
        {
            content: "Pause the SLA until the customer answers",
            trigger: ".modal .o_field_widget[name='pause_sla'] input",
            run: "check",
        },
        {
            content: "And move the ticket in progress, all in one step",
            trigger: ".modal .o_field_widget[name='new_state'] select",
            run: "selectByLabel In Progress",
        },
        {
            trigger: ".modal button[name='action_send']",
            run: "click",
        },
        {
            content: "The ticket is in progress",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('In Progress')",
        },
        {
            content: "The SLA is paused: it can be resumed",
            trigger: ".o_form_statusbar button[name='action_resume_sla']",
        },
        {
            trigger: ".o_notebook .nav-link:contains('Messages')",
            run: "click",
        },
        {
            content: "The reply is listed with its state and kind",
            trigger: ".o_field_widget[name='support_message_ids'] .o_data_row:contains('We restarted the print server'):contains('In Progress'):contains('Public')",
        },
    ],
});

tours.add("support_desk_systray_tour", {
    steps: () => [
        {
            content: "One open ticket is mine",
            trigger: ".o_support_ticket_systray .o_support_ticket_systray_count:contains('1')",
        },
        {
            content: "Assign this ticket to me",
            trigger: ".o_field_widget[name='user_id'] input",
            run: "edit Tour Admin",
        },
        {
            trigger: ".ui-autocomplete a.dropdown-item:contains('Tour Admin')",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The reminder counts it, pushed by the bus",
            trigger: ".o_support_ticket_systray .o_support_ticket_systray_count:contains('2')",
            timeout: 20000,
        },
        {
            content: "The reminder opens my open tickets",
            trigger: ".o_support_ticket_systray button",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Toner empty')",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Scanner jammed')",
        },
    ],
});

tours.add("support_desk_unread_tour", {
    steps: () => [
        {
            content: "A customer wrote on my ticket: it has a bell",
            trigger: ".o_data_row:contains('Unread news') .o_support_unread_icon",
        },
        {
            content: "The other one has none",
            trigger: ".o_data_row:contains('Quiet one'):not(:has(.o_support_unread_icon))",
        },
        {
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .dropdown-item:contains('With Unread Notifications')",
            run: "click",
        },
        {
            content: "The filter keeps only the ticket with news",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Quiet one'))) .o_data_row:contains('Unread news')",
        },
        {
            trigger: ".o_data_row:contains('Unread news') td[name='name']",
            run: "click",
        },
        {
            content: "The ticket opens",
            trigger: ".o_form_view .o_support_reply_button",
        },
        {
            trigger: ".breadcrumb-item.o_back_button a, .o_back_button",
            run: "click",
        },
        {
            content: "Read: no more ticket with unread notifications",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Unread news')))",
        },
    ],
});
