from odoo import api, models


class SupportCacheMixin(models.AbstractModel):
    """Records that server-wide caches (``tools.ormcache``) are built from: any
    change clears the registry's caches, in every worker."""

    _name = "support.cache.mixin"
    _description = "Support: Records Behind Cached Values"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
