# How dates read in Spanish pages: "5 de marzo de 2026". Numbers keep the US separators ($1,234.50), as
# Spanish is written in the US (CLDR's es-US), not Spain's "1.234,50".
DATE_FORMAT = r"j \d\e F \d\e Y"
SHORT_DATE_FORMAT = "j b Y"  # "5 ene 2026": Spanish writes month abbreviations in lower case
MONTH_DAY_FORMAT = r"j \d\e F"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"l j \d\e F \d\e Y, H:i"
SHORT_DATETIME_FORMAT = "j b Y, H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
