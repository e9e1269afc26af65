"""Frontdesk: a real-time presence server for live-chat widgets."""

from __future__ import annotations

__version__ = "0.1.0"
