import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("support_desk_rating_tour", {
    steps: () => [
        {
            content: "The closed ticket asks for a rating",
            trigger: ".o_support_portal_rating:contains('How satisfied')",
        },
        {
            content: "One click on the happy face",
            trigger: ".o_support_portal_rating a.o_support_rate_5",
            run: "click",
        },
        {
            content: "Add a comment",
            trigger: "textarea[name='feedback']",
            run: "edit Quick and kind",
        },
        {
            trigger: "form button[type='submit']",
            run: "click",
        },
        {
            trigger: "h3:contains('Thank you for your feedback')",
        },
    ],
});
