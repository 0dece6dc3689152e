import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("support_desk_pbx_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "The web client is ready: the phone system reports a call",
            trigger: ".o_main_navbar",
            run: async () => {
                const response = await fetch("/support_desk/pbx/event", {
                    method: "POST",
                    headers: {
                        "Content-Type": "application/json",
                        "X-PBX-Token": "tour-pbx-token",
                    },
                    body: JSON.stringify({
                        event: "newCall",
                        call_id: "tour-call-1",
                        direction: "inbound",
                        from: "0039 02 1234-5678",
                        to: "0299999",
                        extension: "201",
                    }),
                });
                if (response.status !== 200) {
                    throw new Error(`PBX event refused: ${response.status}`);
                }
            },
        },
        {
            content: "The caller pops up with their company and open ticket",
            trigger:
                ".o_support_pbx_notification:contains('Pia Caller'):contains('Tour Phone Srl'):contains('Old printer')",
        },
        {
            content: "Open a new ticket from the call",
            trigger: ".o_support_pbx_notification button:contains('New Ticket')",
            run: "click",
        },
        {
            content: "The form is filled from the call",
            trigger: ".o_form_view .o_field_widget[name='partner_contact_id'] input:value(Pia Caller)",
        },
        {
            trigger: ".o_field_widget[name='name'] input",
            run: "edit Phone: scanner broken",
        },
        {
            content: "Save the ticket",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The ticket is saved with its number",
            trigger: ".o_field_widget[name='number'] span:contains('T0')",
        },
    ],
});
