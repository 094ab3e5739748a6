"""A small clinic website on loopback for the importer's tests: the pages in pages/ inside one layout
(navigation, cookie banner, footer), an FAQ page with JSON-LD, an accordion page, a prices table, a PDF
leaflet, robots.txt (disallowing /staff-only/), a sitemap, a redirect, a 404, a redirect to another
loopback address, and a news page whose text changes when `news_version` does. ETag and Last-Modified
are sent, and a matching If-None-Match is answered 304, as real web servers do.
"""

from __future__ import annotations

import hashlib
import json
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from fpdf import FPDF

PAGES = Path(__file__).resolve().parent / "pages"
ROUTES = {
    "/": ("home.html", "Brightwater Skin Clinic"),
    "/treatments/lip-filler": ("lip-filler.html", "Lip filler"),
    "/treatments/chemical-peels": ("chemical-peels.html", "Chemical peels"),
    "/prices": ("prices.html", "Prices"),
    "/faq": ("faq.html", "Questions and answers"),
    "/your-first-visit": ("first-visit.html", "Your first visit"),
    "/gift-vouchers": ("gift-vouchers.html", "Gift vouchers"),
    "/staff-only/rota": ("staff-rota.html", "Staff rota"),
}
FAQ_JSON_LD = {
    "@context": "https://schema.org",
    "@type": "FAQPage",
    "mainEntity": [
        {
            "@type": "Question",
            "name": "Do you offer a student discount?",
            "acceptedAnswer": {
                "@type": "Answer",
                "text": "Yes: students get <strong>10% off peels</strong> on weekdays when they show a valid "
                "student card at reception.",
            },
        },
        {
            "@type": "Question",
            "name": "Can I bring my children to my appointment?",
            "acceptedAnswer": {
                "@type": "Answer",
                "text": "We are sorry, but for safety we cannot look after children in the treatment rooms. "
                "Please arrange childcare.",
            },
        },
        {
            "@type": "Question",
            "name": "Is there parking nearby?",
            "acceptedAnswer": {
                "@type": "Answer",
                "text": "The Marine Parade car park is two minutes' walk away, and the first hour is free "
                "with a clinic token.",
            },
        },
    ],
}
LAYOUT = """<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>{title} | Brightwater Skin Clinic, Kelsby</title>
  <link rel="canonical" href="{canonical}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  {head}
  <script>window.dataLayer = [];</script>
</head>
<body>
  <div id="cookie-banner" class="cookie-consent" role="dialog">
    <p>We use cookies to understand how visitors use our website. Choose "Accept all" to allow analytics cookies.</p>
    <button>Accept all</button> <button>Reject</button>
  </div>
  <header class="site-header">
    <a class="logo" href="/">Brightwater</a>
    <nav class="main-nav"><ul>
      <li><a href="/">Home</a></li><li><a href="/treatments/lip-filler?utm_source=nav">Lip filler</a></li>
      <li><a href="/treatments/chemical-peels">Peels</a></li><li><a href="/prices">Prices</a></li>
      <li><a href="/faq">FAQ</a></li><li><a href="/missing-page">Careers</a></li>
      <li><a href="/book">Book online</a></li>
    </ul></nav>
  </header>
  {content}
  <footer class="site-footer">
    <p>Brightwater Skin Clinic Ltd, 3 Harbour Terrace, Kelsby KB2 9QT. Registered in England no. 0871234.</p>
    <p><a href="/privacy">Privacy policy</a> · <a href="/terms">Terms</a> · © 2026 Brightwater</p>
  </footer>
</body>
</html>
"""
NEWS = {
    1: ("news-1.html", "Tue, 01 Dec 2026 09:00:00 GMT"),
    2: ("news-2.html", "Wed, 02 Dec 2026 09:00:00 GMT"),
}


def leaflet_pdf() -> bytes:
    """A two-page aftercare leaflet: a 20 pt title, 14 pt headings and 11 pt text."""
    pdf = FPDF()
    pdf.set_title("Filler aftercare")

    def write(style: str, size: int, text: str) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(180, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    pdf.add_page()
    write("B", 20, "Looking after your skin after dermal filler")
    write("", 11, "This leaflet from Brightwater Skin Clinic explains what to expect in the days after your filler.")
    write("B", 14, "Can I exercise after filler?")
    write(
        "",
        11,
        "Please avoid the gym, swimming, saunas and hot yoga for 48 hours after your filler. Heat and a raised "
        "heart rate make swelling and bruising worse. A gentle walk is fine.",
    )
    pdf.add_page()
    write("B", 14, "When can I wear make-up again?")
    write(
        "",
        11,
        "Leave the treated area free of make-up until the following morning, so the tiny injection points can close.",
    )
    return bytes(pdf.output())


class ClinicSite:
    """The site, served from a thread of the test process. `news_version` switches the news page."""

    def __init__(self) -> None:
        self.news_version = 1
        self.pdf = leaflet_pdf()
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                site.requests.append(self.path)
                site.respond(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ClinicSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def page(self, path: str) -> tuple[str, str | None]:
        """(HTML, Last-Modified) of a page of the site."""
        if path == "/news":
            fragment, modified = NEWS[self.news_version]
            title = "Clinic news"
        else:
            (fragment, title), modified = ROUTES[path], None
        head = ""
        if path == "/faq":
            head = f'<script type="application/ld+json">{json.dumps(FAQ_JSON_LD)}</script>'
        html = LAYOUT.format(
            title=title, canonical=self.url + path, head=head, content=(PAGES / fragment).read_text("utf-8")
        )
        return html, modified

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        if path == "/robots.txt":
            return self.send(handler, 200, b"User-agent: *\nDisallow: /staff-only/\n", "text/plain")
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{self.url}{p}</loc></url>" for p in ["/", "/prices", "/faq", "/news"])
            body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return self.send(handler, 200, body.encode(), "application/xml")
        if path == "/old-prices":
            return self.redirect(handler, 301, "/prices")
        if path == "/to-private":
            return self.redirect(handler, 302, f"http://127.0.0.2:{self.port}/prices")
        if path == "/moved":  # on another host name: the site moved to its new address
            return self.redirect(handler, 301, f"{self.url}/prices")
        if path == "/to-file":
            return self.redirect(handler, 302, "file:///etc/passwd")
        if path == "/leaflets/filler-aftercare.pdf":
            return self.send(handler, 200, self.pdf, "application/pdf")
        if path in ROUTES or path == "/news":
            html, modified = self.page(path)
            return self.send(handler, 200, html.encode(), "text/html; charset=utf-8", modified)
        return self.send(handler, 404, b"<html><body><h1>Page not found</h1></body></html>", "text/html")

    def send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        modified: str | None = None,
    ) -> None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if status == 200 and handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        if status == 200:
            handler.send_header("ETag", etag)
            handler.send_header("Last-Modified", modified or formatdate(usegmt=True))
        handler.end_headers()
        handler.wfile.write(body)

    def redirect(self, handler: BaseHTTPRequestHandler, status: int, location: str) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
