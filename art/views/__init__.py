"""Pages of the train's core, one module per topic: trains (my trains, the train page), teams
(and the team page with its people), memberships, pis (the PI page with its iterations and
milestones) and tokens; common holds the helpers they share.

Each view parses, checks access through art.access, calls a service or selector and renders.
One template per page; htmx requests get a named partial of it (`page.html#section`): a GET
whose HX-Target is a section id gets that section, a write answers with the section it changed.
Without JavaScript every form still works: writes redirect back (or re-render the page with the
errors), and "edit" links open the row's form through a query parameter.
"""
