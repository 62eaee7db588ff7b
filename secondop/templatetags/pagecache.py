"""`{% cachedpart part %}…{% endcachedpart %}`: the kept HTML of a page's part, or its content rendered
and kept (secondop.pagecache)."""

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from secondop.pagecache import Part

register = template.Library()


class CachedPartNode(template.Node):
    def __init__(self, nodelist: NodeList, part: FilterExpression) -> None:
        self.nodelist = nodelist
        self.part = part

    def render(self, context: Context) -> SafeString:
        part = self.part.resolve(context)
        if not isinstance(part, Part):
            return mark_safe(self.nodelist.render(context))
        # The masked CSRF token of this render: one per request, the same in every form of the page.
        token = str(context.get("csrf_token") or "")
        token = "" if token == "NOTPROVIDED" else token  # no CSRF middleware: no token to put in
        if part.html is not None:
            return mark_safe(part.kept(token))
        html = self.nodelist.render(context)
        part.keep(html, token)
        return mark_safe(html)


@register.tag
def cachedpart(parser: Parser, token: Token) -> CachedPartNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% cachedpart %} takes one argument: the Part")
    nodelist = parser.parse(("endcachedpart",))
    parser.delete_first_token()
    return CachedPartNode(nodelist, parser.compile_filter(bits[1]))
