"""Reports people would rather see than read: plots and self-contained HTML pages.

Outside the core: these write files and draw with matplotlib. They read the JSON the
core produces, so a saved result can be redrawn without solving again.
"""
