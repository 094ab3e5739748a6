"""Bring a clinic's existing website into knowledge files: pages, FAQs and PDF leaflets.

    fetch.py    one page over HTTP(S), with the address checks (no private addresses) and limits
    crawl.py    a site: robots.txt, sitemap, same-host links, a polite delay and a page cap
    extract.py  HTML to Markdown: the main content, structured FAQs and accordions as `## Question?`
    pdf.py      a PDF leaflet to Markdown, headings from the font sizes
    write.py    the knowledge files: what is new, changed, unchanged or skipped, and writing them

Flask-free like the rest of the core: the command line (`flask --app wsgi kb import`) and the dashboard
(`bot/website_import.py`) both drive `crawl` then `plan` then `apply`.
"""
