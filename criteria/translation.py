from django.utils.translation import get_language


class TranslatedContent:
    """Content written by us in several languages, English in the model's own fields.

    `translations` holds {"es": {"title": "..."}, ...}; `tr("title")` answers in the active
    language and falls back to English where a translation is missing.
    """

    def tr(self, field):
        lang = (get_language() or "en").lower()
        for code in (lang, lang.split("-")[0]):
            text = (self.translations or {}).get(code, {}).get(field)
            if text:
                return text
        return getattr(self, field)
