"""The web app: Dash composition, shared components, charts, cards, figures and security.

Owns the app shell (``app``), the generic callbacks (``callbacks``), the shared
layout (``components``), chart and card declarations and their render path
(``charts``, ``cards``, ``breakdowns``), figure functions (``figures``) and the
HTTP hardening and authentication (``security``).
May import: ``dashboard.settings``, ``dashboard.core`` and ``dashboard.store``
(and through them nothing else). Nothing below imports it.
"""
