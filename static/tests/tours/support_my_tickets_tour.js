import { registry } from "@web/core/registry";

const opened = ".o_support_dashboard_opened";
const assigned = ".o_support_dashboard_assigned";

registry.category("web_tour.tours").add("support_desk_my_tickets_tour", {
    steps: () => [
        {
            content: "Every state is in the first box: the expired row is red",
            trigger: `${opened} .o_data_row.text-danger:contains('Late printer') .o_field_badge:contains('Expired')`,
        },
        {
            content: "Cancelled tickets are there too, with the customer's CB points",
            trigger: `${opened} .o_data_row:contains('Cancelled scanner') td[name='partner_cb_points']:contains('103')`,
        },
        {
            content: "Each box has its pager",
            trigger: `${opened} .o_pager_value`,
        },
        {
            content: "The second box lists the open tickets assigned to me",
            trigger: `${assigned} .o_searchview_facet:contains('Open')`,
        },
        {
            trigger: `${assigned} .o_data_row:contains('Assigned modem')`,
        },
        {
            content: "Filter the first box by customer",
            trigger: `${opened} .o_searchview_input`,
            run: "edit Tour Globex",
        },
        {
            trigger: `${opened} .o_searchview_autocomplete li:contains('Account')`,
            run: "click",
        },
        {
            trigger: `${opened} .o_searchview_facet:contains('Tour Globex')`,
        },
        {
            content: "Only the customer's ticket is left",
            trigger: `${opened} .o_list_view:not(:has(.o_data_row:contains('Late printer'))) .o_data_row:contains('Globex router')`,
        },
        {
            content: "The other box did not move",
            trigger: `${assigned} .o_data_row:contains('Assigned modem')`,
        },
        {
            trigger: `${opened} .o_searchview_facet:contains('Tour Globex') .o_facet_remove`,
            run: "click",
        },
        {
            content: "Pick Expired in the state list",
            trigger: `${opened} .o_search_panel_category_value:contains('Expired') header`,
            run: "click",
        },
        {
            content: "Only the expired ticket is left",
            trigger: `${opened} .o_list_view:not(:has(.o_data_row:contains('Cancelled scanner'))) .o_data_row:contains('Late printer')`,
        },
    ],
});
