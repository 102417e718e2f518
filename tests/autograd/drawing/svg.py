"""Reading SVG in tests: it must parse as XML, and its text is what a reader sees."""

import xml.etree.ElementTree as ElementTree

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg) -> list:
    """The text of every <text> element of an SVG document."""
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [element.text for element in root.iter(f"{SVG}text")]
