"""A person's language, region and time zone: formats for money, dates and times (Babel), and the
calendar day it is for them. May import the shared modules."""
