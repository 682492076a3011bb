"""English date formats as Django's, plus the time zone's abbreviation (EET, CEST, UTC), so a
time in the admin always says which zone it is in (see EditorTimeZoneMiddleware)."""

DATETIME_FORMAT = "N j, Y, P T"
SHORT_DATETIME_FORMAT = "m/d/Y P T"
