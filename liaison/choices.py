"""Choice labels for models shown on long lists (imports no model, so that any app's models may use it)."""

from django.utils.encoding import force_str


class QuickChoiceLabels:
    """`get_FOO_display()` from a dict built once per field, for models shown on long lists.

    Django's own builds a dict of every choice on each call, hashing each lazy label, which translates it:
    a page of 25 appeals translated some 400 labels to show 75. Same answers, one translation each."""

    _choice_labels: dict = {}

    def _get_FIELD_display(self, field):
        labels = QuickChoiceLabels._choice_labels.get(field)
        if labels is None:
            labels = QuickChoiceLabels._choice_labels[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value: Django's way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
