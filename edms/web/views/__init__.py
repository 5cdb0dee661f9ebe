"""Pages of the web UI. They only render: every action (create, verify, restore, reinit, save a
schedule) is a form that static/web/edms.js sends to the REST API, so the UI and `curl` go
through the same code and the same permission checks."""
