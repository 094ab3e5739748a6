"""Flask extensions, created here and bound to the app in `create_app`, and the app's Assistant."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from bot.assistant import Assistant


class Base(DeclarativeBase):
    pass


socketio = SocketIO()
db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def get_assistant() -> Assistant:
    """The app's Assistant (made in create_app): the one door from the web layer into the core."""
    return current_app.extensions["assistant"]
