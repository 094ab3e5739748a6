"""The clinic staff dashboard under /admin: what visitors ask, what the bot could not answer, and
the knowledge pages, with an editor that tries a draft before it goes live.

Server-rendered pages, no JavaScript. Every page and download needs a signed-in staff account
(`flask --app wsgi staff add EMAIL`); every form carries a CSRF token (Flask-WTF's CSRFProtect).
Pages send anonymous visitors to the sign-in page; the CSV and JSON downloads answer 401.

One blueprint ("admin", so its endpoints are admin.login, admin.editor, ...) split by concern:
  common.py    the blueprint, its headers, error pages and layout
  auth.py      sign-in, sign-out, and the staff-only guard
  overview.py  the overview page: counts, the chart, top topics
  gaps.py      questions the bot could not answer, grouped, and their CSV
  editor.py    the knowledge list and the editor (file rules live in bot/knowledge_files.py)
  users.py     the Users page (admins only) and the one-time sign-up/reset link (rules in accounts.py)
"""

from __future__ import annotations

from flask import Flask

from bot.staff import auth, editor, gaps, overview, users  # noqa: F401  (each adds its views to the blueprint)
from bot.staff.common import admin


def init_app(app: Flask) -> None:
    app.register_blueprint(admin)
