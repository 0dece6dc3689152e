import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("support_desk_dashboard_tour", {
    steps: () => [
        {
            content: "Open tickets per team: a bar chart",
            trigger: ".o-dashboard-action:contains('Open Tickets per Team') .o_graph_renderer canvas",
        },
        {
            content: "Per agent: a pivot with the agents",
            trigger: ".o-dashboard-action:contains('Open Tickets per Agent') .o_pivot:contains('Board Colleague'):contains('Board Agent')",
        },
        {
            trigger: ".o-dashboard-action:contains('SLA Status of Open Tickets') .o_graph_renderer canvas",
        },
        {
            content: "Expired tickets: only the agent's own and their team's",
            trigger: ".o-dashboard-action:contains('Expired Tickets') .o_data_row:contains('Expired one')",
        },
        {
            trigger: ".o_dashboard:not(:has(.o_data_row:contains('Other team')))",
        },
        {
            content: "A row opens its ticket",
            trigger: ".o-dashboard-action:contains('Expired Tickets') .o_data_row:contains('Expired one') td[name='name']",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='name'] input:value('Expired one')",
        },
    ],
});
