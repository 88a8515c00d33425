"""The product's settings with the leaking view mounted and DEBUG on (the web leak test)."""

from clipmaker.settings import *  # noqa: F403

DEBUG = True
ROOT_URLCONF = "tests.ops.leaky"
