import { registry } from "@web/core/registry";

function attachFile(selector, name, content) {
    const input = document.querySelector(selector);
    const dataTransfer = new DataTransfer();
    dataTransfer.items.add(new File([content], name, { type: "text/plain" }));
    input.files = dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

registry.category("web_tour.tours").add("support_desk_portal_tour", {
    url: "/my/tickets",
    steps: () => [
        {
            content: "Open the new ticket form",
            trigger: "a.o_support_new_ticket",
            run: "click",
        },
        {
            trigger: ".o_support_new_ticket_form input[name='name']",
            run: "edit Tour printer problem",
        },
        {
            trigger: ".o_support_new_ticket_form textarea[name='description']",
            run: "edit The paper jams at every page",
        },
        {
            content: "Attach a file",
            trigger: ".o_support_new_ticket_form input[name='attachments']",
            run() {
                attachFile(
                    ".o_support_new_ticket_form input[name='attachments']",
                    "tour_log.txt",
                    "paper jam at page 1"
                );
            },
        },
        {
            trigger: ".o_support_new_ticket_submit",
            run: "click",
        },
        {
            content: "The ticket is open, with its attachment",
            trigger: ".o_support_ticket_title:contains('Tour printer problem')",
        },
        {
            trigger: ".o_support_ticket_attachments .o_support_attachment:contains('tour_log.txt')",
        },
        {
            content: "Back to the list",
            trigger: ".o_portal_submenu a[href^='/my/tickets']",
            run: "click",
        },
        {
            content: "The ticket is in the list",
            trigger: ".o_support_portal_ticket_row a:contains('Tour printer problem')",
            run: "click",
        },
        {
            trigger: ".o_support_reply_form textarea[name='message']",
            run: "edit Here is more information",
        },
        {
            trigger: ".o_support_reply_send",
            run: "click",
        },
        {
            content: "The reply is in the conversation",
            trigger: ".o_support_portal_message:contains('Here is more information')",
        },
        {
            content: "Close the ticket",
            trigger: ".o_support_close",
            run: "click",
        },
        {
            content: "The ticket is closed and may be reopened",
            trigger: ".o_support_reopen",
        },
    ],
});

registry.category("web_tour.tours").add("support_desk_web_form_tour", {
    url: "/support/new",
    steps: () => [
        {
            trigger: ".o_support_web_form_form input[name='partner_name']",
            run: "edit Tour Visitor",
        },
        {
            trigger: ".o_support_web_form_form input[name='email']",
            run: "edit tour.visitor@example.com",
        },
        {
            trigger: ".o_support_web_form_form input[name='name']",
            run: "edit Website is down",
        },
        {
            trigger: ".o_support_web_form_form textarea[name='description']",
            run: "edit The home page gives an error",
        },
        {
            trigger: ".o_support_web_form_submit",
            run: "click",
        },
        {
            content: "The visitor is thanked",
            trigger: ".o_support_web_form_thanks",
        },
    ],
});
