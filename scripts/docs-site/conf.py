# The docs site `make docs` builds (sphinx-build -W: a warning fails it): the
# collection's reference, which antsibull-docs writes as RST from the modules',
# plugins' and roles' own documentation, beside the Markdown of the README, the
# changelog, docs/ and the roles' READMEs, read by myst-parser as they are: one
# source, which GitHub shows too, rather than an RST copy of each page (antsibull-docs'
# extra docs take RST only). Offline: no intersphinx (antsibull-docs' own conf.py
# fetches Ansible's and Python's inventories); the few labels of Ansible's docs its
# pages name are in ansible.rst.

project = "superlists_ops.django"
copyright = "superlists-ops"  # noqa: A001 (Sphinx's name for it)
title = "superlists_ops.django"
html_short_title = "superlists_ops.django"

# sphinx_antsibull_ext: the roles and directives antsibull-docs' RST uses.
extensions = ["myst_parser", "sphinx_antsibull_ext"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
# The Markdown's headings can be linked to as GitHub links them (#the-testbed).
myst_heading_anchors = 3

pygments_style = "ansible"
# Blocks that name no language (the READMEs' trees and tables) are shown as they are.
highlight_language = "none"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = "any"
# Every reference must resolve.
nitpicky = True
