"""Morocco's time zone, shared by date parsing and capture-time resolution."""

from zoneinfo import ZoneInfo

CASABLANCA = ZoneInfo("Africa/Casablanca")
