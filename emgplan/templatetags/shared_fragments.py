"""{% shared_fragment batch pk %}...{% endshared_fragment %}: the block of object `pk` from a fragments.Batch,
rendered and stored there when it is missing. The block must not depend on the user beyond what the batch's
variants name (emgplan/fragments.py)."""
from django import template
from django.utils.safestring import mark_safe

register = template.Library()


class SharedFragmentNode(template.Node):
    def __init__(self, nodelist, batch, pk):
        self.nodelist, self.batch, self.pk = nodelist, batch, pk

    def render(self, context):
        batch = self.batch.resolve(context)
        if not batch:  # no batch given (e.g. a page that shows the block once): render it
            return self.nodelist.render(context)
        pk = self.pk.resolve(context)
        html = batch.get(pk)
        if html is None:
            html = str(self.nodelist.render(context))
            batch.put(pk, html)
        return mark_safe(html)  # noqa: S308  rendered by this template, which escapes


@register.tag("shared_fragment")
def shared_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("usage: {% shared_fragment batch pk %}...{% endshared_fragment %}")
    nodelist = parser.parse(("endshared_fragment",))
    parser.delete_first_token()
    return SharedFragmentNode(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))
