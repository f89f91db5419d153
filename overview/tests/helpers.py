"""Small readers of the pages' HTML, so that tests check what a user sees, not only the context."""
import re


def table_rows(html: str, table_id: str) -> dict[str, str]:
    """{data-key: row html} for the rows of one table."""
    start = html.index(f'id="{table_id}"')
    table = html[start:html.index("</table>", start)]
    return dict(re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', table, re.S))


def status_cells(row_html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-status="(\w+)">(\d+)<', row_html)}


def cell(row_html: str, attr: str) -> str:
    """The text of the cell marked with `attr` (links inside it stripped)."""
    inner = re.search(rf"{attr}>(.*?)</td>", row_html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", inner).strip()
