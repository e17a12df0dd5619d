"""Files the app and its installers share: the icon, the .desktop launcher, MIME data.

Read at run time through `importlib.resources`, so they are found the same way from a
source checkout, an installed wheel and the frozen bundle.
"""
