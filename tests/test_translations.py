from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    """The template matches the code and the Italian catalogue is complete."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reader = TranslationModuleReader(cls.env.cr, modules=["support_desk"])
        cls.sources = {entry[4] for entry in reader if entry[4]}

    def test_pot_is_up_to_date(self):
        pot = polib.pofile(str(I18N / "support_desk.pot"))
        missing = self.sources - {entry.msgid for entry in pot}
        self.assertFalse(
            missing,
            f"re-export i18n/support_desk.pot, it lacks: {sorted(missing)[:20]}",
        )

    def test_italian_is_complete(self):
        catalogue = polib.pofile(str(I18N / "it.po"))
        translated = {
            entry.msgid
            for entry in catalogue
            if entry.msgstr.strip()
            and not entry.obsolete
            and "fuzzy" not in entry.flags
        }
        missing = self.sources - translated
        self.assertFalse(missing, f"i18n/it.po lacks: {sorted(missing)[:20]}")
