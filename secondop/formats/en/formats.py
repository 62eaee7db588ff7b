# How dates read in English pages: "5 March 2026", as the app has always written them (letters to a US
# office write "March 5, 2026" with a format of their own). Use these names in templates, e.g.
# {{ day|date:"DATE_FORMAT" }}, and formats.date_format(day, "DATE_FORMAT") in Python.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
MONTH_DAY_FORMAT = "j F"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "l j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
