"""Imported by the render forkserver only (reports.pdf.PRELOAD): warms it up.

One render of a small document like a scorecard (reports.pdf.warm_up), before the
forkserver forks any render child, so that every child starts warm. Never import it
elsewhere: the web process must not import WeasyPrint.
"""

from reports import pdf

pdf.warm_up()
