"""The static site: a MkDocs plugin that turns the records into catalogue pages and downloads.

Stages, one module each (as in mkdocs and pelican):

* ``context``  entries -> frozen page contexts (paper views, facets, groups);
* ``related``  related papers (sparse TF-IDF, top-k per paper);
* ``charts``   stats charts as inline SVG geometry;
* ``feed``     the Atom feed;
* ``render``   the Jinja environment (autoescaped) and Markdown page wrapping;
* ``pages``    every generated page and download, as (src_uri, content) pairs;
* ``plugin``   the MkDocs plugin that adds them to the build;
* ``build``    ``build_site()``: the orchestrated, all-or-nothing build behind ``bufferlit build``.
"""
