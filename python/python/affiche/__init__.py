"""affiche: campaign posters from SVG templates, rendered in memory.

    import affiche
    t = affiche.Template.load("templates/hero", fonts="fonts")
    png = t.render({"name": "Léa ROY", "constituency": "Paris (1re circonscription)"},
                   photo=open("samples/photos/hopper.jpg", "rb").read(), preset="instagram-story")

A `Template` is loaded once and shared: it renders from any number of threads, with the
GIL released while it draws.
"""

from ._affiche import Poster, Template, presets
from ._errors import AfficheError, RenderError

__all__ = ["AfficheError", "Poster", "RenderError", "Template", "presets"]
