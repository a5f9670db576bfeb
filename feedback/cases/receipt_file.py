"""The receipt as a PDF file the citizen keeps: reference number, tracking code, the body that
handles the case and how to follow it up.

Chinese is set in reportlab's built-in CID font STSong-Light, which PDF readers supply: the
service needs no font file, and the file stays small. The code is set in Courier, whose 0 and
O, 1 and I differ (the code's alphabet has no O, I or L anyway). The file is made on request
from a POST that carried the code, and never stored.
"""

import io
from datetime import datetime
from xml.sax.saxutils import escape

from flask_babel import format_datetime
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from feedback.models import Case
from feedback.web.i18n import body_name
from feedback.web.labels import KIND, STATUS

FONT = "STSong-Light"
CODE_FONT = "Courier-Bold"
MARGIN = 18 * mm


def _styles() -> dict[str, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    text = ParagraphStyle("text", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK")
    return {
        "text": text,
        "title": ParagraphStyle("title", parent=text, fontSize=18, leading=26, spaceAfter=4),
        "label": ParagraphStyle("label", parent=text, textColor=colors.HexColor("#59636e")),
        "code": ParagraphStyle("code", fontName=CODE_FONT, fontSize=20, leading=26),
        "heading": ParagraphStyle("heading", parent=text, fontSize=13, leading=20, spaceBefore=8),
        "warning": ParagraphStyle("warning", parent=text, textColor=colors.HexColor("#b3261e")),
    }


def render(case: Case, code: str, track_url: str, now: datetime) -> bytes:
    """Write the receipt of `case`, whose tracking code is `code`, in the request's language."""
    styles = _styles()
    body = case.body

    def para(text: str, style: str = "text") -> Paragraph:
        return Paragraph(escape(text), styles[style])

    facts = [
        (_("Reference number"), Paragraph(escape(case.reference), styles["code"])),
        (_("Tracking code"), Paragraph(escape(code), styles["code"])),
        (_("Handled by"), para(body_name(body))),
        (_("Phone"), para(body.phone)),
        (_("Received on"), para(format_datetime(case.received_at, "yyyy-MM-dd HH:mm"))),
        (_("Kind"), para(str(KIND[case.kind]))),
        (_("Subject"), para(case.subject)),
        (_("Status"), para(str(STATUS[case.status]))),
    ]
    table = Table(
        [[para(label, "label"), value] for label, value in facts],
        colWidths=[32 * mm, None],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#d0d7de")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        ),
    )
    story: list[Flowable] = [
        para(_("Rectification feedback box"), "label"),
        para(_("Receipt"), "title"),
        table,
        para(_("How to follow your case"), "heading"),
        para(
            _(
                "Open %(url)s and enter the reference number and the tracking code.",
                url=track_url,
            )
        ),
        para(
            _(
                "Or call %(body)s at %(phone)s and give the reference number.",
                body=body_name(body),
                phone=body.phone,
            )
        ),
        Spacer(0, 4 * mm),
        para(
            _(
                "Keep this receipt to yourself: with the reference number and the tracking "
                "code, anyone can read your case. A lost tracking code cannot be recovered."
            ),
            "warning",
        ),
        Spacer(0, 4 * mm),
        para(_("Made on %(date)s.", date=format_datetime(now, "yyyy-MM-dd HH:mm")), "label"),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("Receipt %(reference)s", reference=case.reference),
        author="",
        creator="",
        producer="",
    )
    document.build(story)
    return out.getvalue()
