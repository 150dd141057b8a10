"""Development and `make run`: the embedded default, with debug on unless told otherwise."""

from .base import *
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
