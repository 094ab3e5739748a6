"""The demo clinic page and the files the widget needs, all served from the bot's own host."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, render_template, send_from_directory

from bot.extensions import get_assistant

WEB = Path(__file__).resolve().parent.parent / "web"
SOCKET_IO_CLIENT = WEB / "node_modules" / "socket.io-client" / "dist"

pages = Blueprint("pages", __name__, template_folder=str(WEB / "templates"))


@pages.get("/")
def demo() -> str:
    """A plain clinic page with the widget embedded by its one script tag, as a clinic would."""
    return render_template("demo.html", clinic=get_assistant().clinic)


@pages.get("/demo.css")
def demo_styles() -> Response:
    return send_from_directory(WEB / "static", "demo.css", mimetype="text/css", max_age=300)


@pages.get("/widget.js")
def widget() -> Response:
    response = send_from_directory(WEB / "static", "widget.js", mimetype="text/javascript", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"  # a clinic's pages load it from another origin
    return response


@pages.get("/vendor/socket.io.min.js")
def socket_io_client() -> Response:
    """The Socket.IO browser client, from the npm package `socket.io-client` (installed by the Makefile)."""
    if not (SOCKET_IO_CLIENT / "socket.io.min.js").exists():
        abort(503, "The Socket.IO browser client is not installed: run `make run` (it runs npm ci in web/).")
    response = send_from_directory(SOCKET_IO_CLIENT, "socket.io.min.js", mimetype="text/javascript", max_age=86400)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
